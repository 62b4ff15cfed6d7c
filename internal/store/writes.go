package store

import (
	"context"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rolefit/rolefit/internal/store/record"
)

// noteWrite records the outcome of a write method in s.writes, for
// readiness: a full disk fails every write while reads still work, so a
// ping alone would call the instance ready while no question can be
// answered. It is deferred with the method's named error result.
func (s *Store) noteWrite(err *error) { s.writes.Note(*err, refused) }

// refused tells SQLite's refusal of a write for what it asked (a broken
// constraint) from a failure to write (a full disk, an I/O error, a
// read-only file, a lock held too long); record.WriteHealth knows the
// refusals every engine shares.
func refused(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// CheckWrites reports whether the database takes writes. While the latest
// write succeeded it costs nothing; after a failure it tries one small
// write, so recovery (space freed) is noticed even when no traffic comes,
// as when a load balancer has stopped sending any.
func (s *Store) CheckWrites(ctx context.Context) error {
	if err := s.writes.Check(ctx, s.probeWrite); err != nil {
		return fmt.Errorf("store: writes failing: %w", err)
	}
	return nil
}

func (s *Store) probeWrite(ctx context.Context) (err error) {
	defer s.noteWrite(&err)
	_, err = s.exec(ctx, `
		INSERT INTO write_check (id, checked_at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, record.Millis(s.now()))
	return err
}
