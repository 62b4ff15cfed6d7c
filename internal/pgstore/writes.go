package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rolefit/rolefit/internal/chat"
)

// writeHealth remembers whether the latest write failed, for readiness: a
// database that refuses writes (its disk full, failed over to a read-only
// standby) still answers a ping, and then no question can be answered.
type writeHealth struct {
	mu  sync.Mutex
	err error // the latest write's failure; nil once a write succeeds
}

// noteWrite records the outcome of a write method; it is deferred with the
// method's named error result.
func (s *Store) noteWrite(err *error) {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	switch {
	case *err == nil:
		s.writes.err = nil
	case writeFailed(*err):
		s.writes.err = *err
	}
}

// writeFailed tells a failure of the database to write (no connection, a
// full disk, a read-only server) from a write refused for what it asked: a
// missing row, a broken constraint or bad data, a deadlock or
// serialization conflict that the next try resolves, a caller that gave up.
func writeFailed(err error) bool {
	if errors.Is(err, chat.ErrNotFound) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && len(pe.Code) == 5 {
		switch pe.Code[:2] {
		case "22", "23", "40": // data exception, integrity constraint, transaction rollback
			return false
		}
	}
	return true
}

// CheckWrites reports whether the database takes writes. While the latest
// write succeeded it costs nothing; after a failure it tries one small
// write, so recovery is noticed even when no traffic comes, as when a load
// balancer has stopped sending any.
func (s *Store) CheckWrites(ctx context.Context) error {
	s.writes.mu.Lock()
	failed := s.writes.err
	s.writes.mu.Unlock()
	if failed == nil {
		return nil
	}
	if err := s.probeWrite(ctx); err != nil {
		return fmt.Errorf("pgstore: writes failing: %w", err)
	}
	return nil
}

func (s *Store) probeWrite(ctx context.Context) (err error) {
	defer s.noteWrite(&err)
	_, err = s.pool.Exec(ctx, `
		INSERT INTO write_check (id, checked_at) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, toMillis(s.now()))
	return err
}
