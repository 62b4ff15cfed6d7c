package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Every write goes through one goroutine, the writer, and the writes that
// queue while it commits are committed together in the next transaction,
// each in a savepoint of its own (group commit).
//
// SQLite admits one writer at a time. Before the writer, each write took
// SQLite's lock on a connection of its own, and the ones that found it held
// slept in SQLite's busy handler, 1, 2, 5, 10… up to 100 ms at a time, while
// the lock was often free again after a tenth of a millisecond; and every
// commit wrote the pages it touched to the log, the same few pages (the end
// of the messages table and of its indexes) for every question. When 200
// people ask at once their writes now wait in line in memory, without
// sleeping, and share the commits.
//
// A write that fails is undone alone (ROLLBACK TO its savepoint) and only
// its caller is told; a write whose transaction then fails to commit is
// reported failed to its caller, never done.

// maxBatch bounds how many writes share a transaction, so the first of
// them waits a few milliseconds at most for the others to be written.
const maxBatch = 64

// A writeJob is one write waiting for the writer.
type writeJob struct {
	do func(ctx context.Context, tx *sql.Tx) error
	// state is queued until the writer takes the job or its caller gives up
	// on it, whichever comes first: a job its caller has stopped waiting
	// for is never run, and one that runs is always waited for, so the
	// caller's error says truly whether it was written.
	state atomic.Int32
	done  chan error // buffered: the writer never waits for the caller
}

const (
	jobQueued int32 = iota
	jobTaken
	jobAbandoned
)

var errClosed = errors.New("the database is closed")

// writer runs the store's writes, see above.
type writer struct {
	db   *sql.DB
	jobs chan *writeJob
	// mu guards closed and the sends on jobs, so Close never closes the
	// channel under a send.
	mu     sync.RWMutex
	closed bool
	done   chan struct{} // closed when run has returned
	// savepoint, rollbackTo and release are prepared once: they are run
	// around every write of a shared transaction.
	savepoint, rollbackTo, release *sql.Stmt
}

func newWriter(ctx context.Context, db *sql.DB) (*writer, error) {
	w := &writer{db: db, jobs: make(chan *writeJob, 4*maxBatch), done: make(chan struct{})}
	for q, st := range map[string]**sql.Stmt{
		"SAVEPOINT write":   &w.savepoint,
		"ROLLBACK TO write": &w.rollbackTo,
		"RELEASE write":     &w.release,
	} {
		p, err := db.PrepareContext(ctx, q)
		if err != nil {
			w.closeStatements()
			return nil, fmt.Errorf("store: prepare %q: %w", q, err)
		}
		*st = p
	}
	go w.run()
	return w, nil
}

// write runs do in a transaction, perhaps shared with other writes, and
// returns once it is committed or has failed. do is given a context of its
// own, never cancelled: cancelling a statement interrupts SQLite's whole
// transaction, which would undo the others' writes too. ctx bounds only the
// wait for the writer: a write ctx gives up on before it started is never
// made.
func (w *writer) write(ctx context.Context, do func(ctx context.Context, tx *sql.Tx) error) error {
	j := &writeJob{do: do, done: make(chan error, 1)}
	if err := w.enqueue(ctx, j); err != nil {
		return err
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			return ctx.Err()
		}
		return <-j.done
	}
}

func (w *writer) enqueue(ctx context.Context, j *writeJob) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return errClosed
	}
	select {
	case w.jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close lets the writes already queued finish, refuses any later one, and
// returns when the writer has stopped.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.jobs)
	}
	w.mu.Unlock()
	<-w.done
	w.closeStatements()
}

func (w *writer) closeStatements() {
	for _, st := range []*sql.Stmt{w.savepoint, w.rollbackTo, w.release} {
		if st != nil {
			st.Close()
		}
	}
}

func (w *writer) run() {
	defer close(w.done)
	batch := make([]*writeJob, 0, maxBatch)
	for j := range w.jobs {
		batch = append(batch[:0], j)
	gather:
		for len(batch) < maxBatch {
			select {
			case j, ok := <-w.jobs:
				if !ok {
					break gather
				}
				batch = append(batch, j)
			default:
				break gather
			}
		}
		w.commit(batch)
	}
}

// commit runs the jobs of batch their callers still wait for in one
// transaction and tells each caller how its write ended.
func (w *writer) commit(batch []*writeJob) {
	taken := batch[:0]
	for _, j := range batch {
		if j.state.CompareAndSwap(jobQueued, jobTaken) {
			taken = append(taken, j)
		}
	}
	if len(taken) == 0 {
		return
	}
	ctx := context.Background()
	errs := make([]error, len(taken))
	err := w.inTx(ctx, func(tx *sql.Tx) error {
		if len(taken) == 1 {
			// Alone, a write needs no savepoint: its failure is the
			// transaction's.
			errs[0] = taken[0].do(ctx, tx)
			return errs[0]
		}
		for i, j := range taken {
			if _, err := tx.StmtContext(ctx, w.savepoint).ExecContext(ctx); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			if errs[i] = j.do(ctx, tx); errs[i] != nil {
				if _, err := tx.StmtContext(ctx, w.rollbackTo).ExecContext(ctx); err != nil {
					// SQLite may have undone the whole transaction
					// itself (a full disk, an I/O error).
					return fmt.Errorf("roll back a failed write: %w", err)
				}
			}
			if _, err := tx.StmtContext(ctx, w.release).ExecContext(ctx); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	for i, j := range taken {
		switch {
		case errs[i] != nil:
			j.done <- errs[i]
		case err != nil:
			j.done <- fmt.Errorf("the write was not saved: %w", err)
		default:
			j.done <- nil
		}
	}
}

// inTx runs fn in a transaction and commits it unless fn fails.
func (w *writer) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// exec runs one statement as a write of its own.
func (s *Store) exec(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}
