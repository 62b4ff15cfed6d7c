package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rolefit/rolefit/internal/chat"
)

// writeHealth remembers whether the latest write failed, for readiness: a
// full disk fails every write while reads still work, so a ping alone
// would call the instance ready while no question can be answered.
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

// writeFailed tells a failure of the database to write (a full disk, an
// I/O error, a read-only file, a lock held too long) from a write refused
// for what it asked: a missing row, a broken constraint, a caller that
// gave up.
func writeFailed(err error) bool {
	if errors.Is(err, chat.ErrNotFound) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return false
	}
	return true
}

// CheckWrites reports whether the database takes writes. While the latest
// write succeeded it costs nothing; after a failure it tries one small
// write, so recovery (space freed) is noticed even when no traffic comes,
// as when a load balancer has stopped sending any.
func (s *Store) CheckWrites(ctx context.Context) error {
	s.writes.mu.Lock()
	failed := s.writes.err
	s.writes.mu.Unlock()
	if failed == nil {
		return nil
	}
	if err := s.probeWrite(ctx); err != nil {
		return fmt.Errorf("store: writes failing: %w", err)
	}
	return nil
}

func (s *Store) probeWrite(ctx context.Context) (err error) {
	defer s.noteWrite(&err)
	_, err = s.db.ExecContext(ctx, `
		INSERT INTO write_check (id, checked_at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, toMillis(s.now()))
	return err
}
