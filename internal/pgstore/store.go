// Package pgstore keeps Rolefit's conversations and messages in PostgreSQL,
// through pgx: the store for several replicas sharing one database. It keeps
// the contract of chat.Store that the SQLite store keeps (the conformance
// suite in internal/store/storetest runs against both), and everything the
// web server asks of its database beyond it.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

var (
	_ chat.Store      = (*Store)(nil)
	_ chat.ShareStore = (*Store)(nil)
)

// Store is a chat.Store backed by a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// now stamps updated_at on writes that are not given a time.
	now func() time.Time
	// writes remembers whether the latest write failed (writes.go).
	writes record.WriteHealth
	// prompts are the system prompts the database is known to hold
	// (record/prompts.go).
	prompts record.Stored
}

// defaultMaxConns is the pool's size unless the URL sets pool_max_conns:
// pgxpool's own default (the CPU count, at least 4) would queue page loads
// behind a few slow queries on a small machine, while the server allows
// far more connections than one replica needs.
const defaultMaxConns = 16

// Open connects to the database at url (postgres://…) and brings its schema
// up to date. Several replicas may open it at once: one migrates, the
// others wait for it and find nothing left to do. It refuses a database
// migrated by a newer Rolefit.
func Open(ctx context.Context, url string) (*Store, error) {
	s, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// OpenExisting connects to the database at url for an operator's command,
// which reads it, perhaps while Rolefit runs: it never migrates (that is
// the server's job, at its start).
func OpenExisting(ctx context.Context, url string) (*Store, error) {
	s, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

func connect(ctx context.Context, dsn string) (*Store, error) {
	if dsn == "" {
		return nil, errors.New("pgstore: open: empty database URL")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The error may quote the URL, password included: say only what
		// is wrong with it.
		return nil, fmt.Errorf("pgstore: open: the database URL does not parse (%s)", redact(dsn))
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open %s: %w", redact(dsn), err)
	}
	return &Store{pool: pool, now: time.Now}, nil
}

// redact is the URL without its password, for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// Ping reports whether the database answers, for a readiness check.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgstore: ping: %w", err)
	}
	return nil
}

// Close closes the pool; it waits for connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// notFound reports whether err is pgx's "no row".
func notFound(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
