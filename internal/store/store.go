// Package store keeps Rolefit's conversations and messages in a SQLite file,
// through the pure-Go modernc.org/sqlite driver so the binary needs no cgo.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var _ chat.Store = (*Store)(nil)

// Pragmas live in the DSN because database/sql opens connections on its own:
// a PRAGMA run once after Open would reach only one of them.
//
// _txlock=immediate makes BEGIN take the write lock at once. A deferred
// transaction that reads and then writes can fail with SQLITE_BUSY without
// waiting, because busy_timeout cannot help a reader whose snapshot another
// writer has made stale; every transaction here writes, so nothing is lost.
const dsnParams = "_pragma=foreign_keys(1)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=busy_timeout(5000)" +
	"&_pragma=synchronous(NORMAL)" +
	"&_pragma=temp_store(MEMORY)" + // the scratch image has no /tmp
	"&_txlock=immediate"

// Store is a chat.Store backed by one SQLite database file.
type Store struct {
	db *sql.DB
	// now stamps updated_at on writes that are not given a time; tests
	// replace it to get predictable values.
	now func() time.Time
	// writes remembers whether the latest write failed (writes.go).
	writes record.WriteHealth
	// stmts are hotQueries, prepared by Open and read only after.
	stmts map[string]*sql.Stmt
	// w runs every write (writer.go).
	w *writer
	// prompts are the system prompts this database is known to hold
	// (prompts.go).
	prompts record.Stored
	// index schedules the search indexes' batches (indexing.go).
	index indexer
}

// prepared returns one of hotQueries, prepared by Open for the store's
// life. SQLite compiles a statement on every prepare, and a write's
// compile takes in the triggers it fires (the search index's): for the
// writes of every question and answer that was a third of their cost.
// They are prepared at Open, never on first use: a first use may be inside
// a transaction, and preparing takes a connection of the pool, which the
// transactions may hold all of. A statement from here is used inside a
// transaction with tx.StmtContext.
func (s *Store) prepared(query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	return nil, errors.New("store: statement not among hotQueries")
}

// prepareHot prepares hotQueries, once the schema is up to date.
func (s *Store) prepareHot(ctx context.Context) error {
	s.stmts = make(map[string]*sql.Stmt, len(hotQueries))
	for _, q := range hotQueries {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: prepare: %w", err)
		}
		s.stmts[q] = st
	}
	return nil
}

// Open opens (creating if needed) the SQLite database at path and brings its
// schema up to date. It refuses a database written by a newer Rolefit.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: open: empty database path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: open: create directory: %w", err)
	}
	db, err := sql.Open("sqlite", path+"?"+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	// In WAL mode readers never block the writer nor each other, so several
	// connections let page loads run in parallel with a streaming answer's
	// saves. SQLite still admits one writer at a time: this process's
	// writes wait in line for the writer (writer.go), another process's
	// (an operator's command) in busy_timeout rather than fail. Capping the
	// pool bounds file handles and per-connection page caches, and keeping
	// every connection idle-able avoids reopening (and re-running the
	// pragmas) under load.
	conns := max(4, runtime.NumCPU())
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)

	s := &Store{db: db, now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.prepareHot(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if s.w, err = newWriter(ctx, db); err != nil {
		s.closeStatements()
		db.Close()
		return nil, err
	}
	// What a process that stopped left for the search indexes.
	if s.searchPending(ctx) {
		s.wrote()
	}
	return s, nil
}

// write runs fn as one write, in a transaction perhaps shared with others
// (writer.go); fn's ctx is never cancelled, ctx bounds only the wait. Its
// text reaches the search indexes a second later at most (indexing.go).
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	err := s.w.write(ctx, fn)
	s.wrote()
	return err
}

func (s *Store) closeStatements() {
	for _, st := range s.stmts {
		st.Close()
	}
}

// Ping reports whether the database answers, for a readiness check.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes the database; it waits for queries in flight to finish.
func (s *Store) Close() error {
	s.closeIndexer()
	s.w.close()
	s.closeStatements()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// QuickCheck runs SQLite's quick_check over the whole file, for start-up: a
// page damaged in the middle of the file is otherwise noticed only when a
// query happens to read it, perhaps long after, and perhaps while writing.
// It reads every page once; see the README's Performance table for its cost.
func (s *Store) QuickCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return fmt.Errorf("store: the database file is damaged or unreadable: quick_check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: quick_check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, strings.Join(strings.Fields(line), " "))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: the database file is damaged or unreadable: quick_check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: the database file is damaged (quick_check: %s); restore it from a backup", strings.Join(problems, "; "))
	}
	return nil
}
