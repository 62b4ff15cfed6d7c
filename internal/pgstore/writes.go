package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rolefit/rolefit/internal/store/record"
)

// noteWrite records the outcome of a write method in s.writes, for
// readiness: a database that refuses writes (its disk full, failed over
// to a read-only standby) still answers a ping, and then no question can
// be answered. It is deferred with the method's named error result.
func (s *Store) noteWrite(err *error) { s.writes.Note(*err, refused) }

// refused tells PostgreSQL's refusal of a write for what it asked (a
// broken constraint or bad data, a deadlock or serialization conflict
// that the next try resolves) from a failure to write (no connection, a
// full disk, a read-only server); record.WriteHealth knows the refusals
// every engine shares.
func refused(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && len(pe.Code) == 5 {
		switch pe.Code[:2] {
		case "22", "23", "40": // data exception, integrity constraint, transaction rollback
			return true
		}
	}
	return false
}

// CheckWrites reports whether the database takes writes. While the latest
// write succeeded it costs nothing; after a failure it tries one small
// write, so recovery is noticed even when no traffic comes, as when a load
// balancer has stopped sending any.
func (s *Store) CheckWrites(ctx context.Context) error {
	if err := s.writes.Check(ctx, s.probeWrite); err != nil {
		return fmt.Errorf("pgstore: writes failing: %w", err)
	}
	return nil
}

func (s *Store) probeWrite(ctx context.Context) (err error) {
	defer s.noteWrite(&err)
	_, err = s.pool.Exec(ctx, `
		INSERT INTO write_check (id, checked_at) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, record.Millis(s.now()))
	return err
}
