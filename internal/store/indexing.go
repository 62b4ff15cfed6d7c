package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// The search indexes take in new text in batches (migration 0013): a write
// only notes, in search_pending, the rows whose text changed, and the store
// indexes what is noted in one transaction, indexDelay after a write, and
// before every search. FTS5 writes a new segment and rewrites its
// bookkeeping in every transaction that adds to an index: a new
// conversation alone in its commit wrote 28 pages to the database's log
// and its final answer 10; now they write 16 and 4, and the pass about one
// per conversation, as a second's worth of conversations share its pages
// (BenchmarkLogPagesPerConversation: 390 µs of writes per conversation
// against 550 µs).

// indexDelay is how long after a write its text waits to be indexed at
// most, unless a search comes first.
const indexDelay = time.Second

// maxIndexBatch bounds the rows indexed in one transaction, so a backlog
// (a database written by a process that stopped before indexing it) does
// not hold the writer for long: other writes go between the batches.
const maxIndexBatch = 100

const (
	qPendingSearch        = `SELECT kind, row FROM search_pending ORDER BY kind, row LIMIT ?`
	qAnyPendingSearch     = `SELECT EXISTS (SELECT 1 FROM search_pending)`
	qUnindexConversation  = `DELETE FROM conversation_search WHERE rowid = ?`
	qIndexConversation    = `INSERT INTO conversation_search (rowid, title, conversation_id) SELECT rowid, title, id FROM conversations WHERE rowid = ?`
	qUnindexMessage       = `DELETE FROM message_search WHERE rowid = ?`
	qIndexMessage         = `INSERT INTO message_search (rowid, content) SELECT seq, content FROM messages WHERE seq = ? AND state <> 'streaming'`
	qPendingSearchIndexed = `DELETE FROM search_pending WHERE kind = ? AND row = ?`
)

// indexer schedules a pass after writes, one due at a time. A search's
// pass and a scheduled one may overlap: their batches go through the
// writer one after the other, and each takes the rows still noted.
type indexer struct {
	mu     sync.Mutex
	timer  *time.Timer // set while a pass is due
	closed bool
	// passes counts the passes scheduled and not finished, for close.
	passes sync.WaitGroup
	// delay and indexed are for tests: a delay other than indexDelay, and a
	// function called after each scheduled pass.
	delay   time.Duration
	indexed func(error)
}

// wrote schedules a pass indexDelay from now, unless one is due already:
// under a steady stream of writes, a pass a second.
func (s *Store) wrote() {
	ix := &s.index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed || ix.timer != nil {
		return
	}
	ix.passes.Add(1)
	ix.timer = time.AfterFunc(cmp.Or(ix.delay, indexDelay), s.scheduledPass)
}

func (s *Store) scheduledPass() {
	ix := &s.index
	defer ix.passes.Done()
	ix.mu.Lock()
	ix.timer = nil // a write from now on schedules the next pass
	ix.mu.Unlock()
	// A pass that fails leaves its rows noted: the next write schedules
	// another, and a search tries too. The failure is the write health's
	// to report (readiness), as any write's.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.indexPending(ctx)
	ix.mu.Lock()
	indexed := ix.indexed
	ix.mu.Unlock()
	if indexed != nil {
		indexed(err)
	}
}

// closeIndexer cancels a pass not started and waits for one running.
func (s *Store) closeIndexer() {
	ix := &s.index
	ix.mu.Lock()
	ix.closed = true
	if ix.timer != nil && ix.timer.Stop() {
		ix.timer = nil
		ix.passes.Done()
	}
	ix.mu.Unlock()
	ix.passes.Wait()
}

// indexPending indexes every row writes have noted, maxIndexBatch rows to
// a transaction. It looks first, outside the writer: the saves of answers
// being written note nothing, and most passes find nothing to do.
func (s *Store) indexPending(ctx context.Context) (err error) {
	if !s.searchPending(ctx) {
		return nil
	}
	defer s.noteWrite(&err)
	for {
		n := 0
		// s.w.write, not s.write: a pass is not a write to be indexed.
		err := s.w.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			n, err = s.indexBatch(ctx, tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: index for search: %w", err)
		}
		if n < maxIndexBatch {
			return nil
		}
	}
}

type pendingRow struct {
	kind string
	row  int64
}

// indexBatch indexes up to maxIndexBatch noted rows as they are now, and
// reports how many it took.
func (s *Store) indexBatch(ctx context.Context, tx *sql.Tx) (int, error) {
	queries := []string{qPendingSearch, qUnindexConversation, qIndexConversation, qUnindexMessage, qIndexMessage, qPendingSearchIndexed}
	stmts := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		p, err := s.prepared(q)
		if err != nil {
			return 0, err
		}
		stmts[i] = tx.StmtContext(ctx, p)
	}
	list, unindexC, indexC, unindexM, indexM, done := stmts[0], stmts[1], stmts[2], stmts[3], stmts[4], stmts[5]
	rows, err := list.QueryContext(ctx, maxIndexBatch)
	if err != nil {
		return 0, err
	}
	var pending []pendingRow
	for rows.Next() {
		var p pendingRow
		if err := rows.Scan(&p.kind, &p.row); err != nil {
			rows.Close()
			return 0, err
		}
		pending = append(pending, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, p := range pending {
		unindex, index := unindexM, indexM
		if p.kind == "c" {
			unindex, index = unindexC, indexC
		}
		// Removing a row never indexed changes nothing; the row added back
		// is the text as it is now, or none for a row deleted since.
		for _, stmt := range []*sql.Stmt{unindex, index} {
			if _, err := stmt.ExecContext(ctx, p.row); err != nil {
				return 0, err
			}
		}
		if _, err := done.ExecContext(ctx, p.kind, p.row); err != nil {
			return 0, err
		}
	}
	return len(pending), nil
}

// searchPending reports whether writes noted rows for the indexes. A read
// that fails reports true: the pass that follows tells the error.
func (s *Store) searchPending(ctx context.Context) bool {
	check, err := s.prepared(qAnyPendingSearch)
	if err != nil {
		return true
	}
	var pending bool
	if err := check.QueryRowContext(ctx).Scan(&pending); err != nil {
		return true
	}
	return pending
}

// indexBeforeSearch indexes what is noted, if anything, so that a search
// finds every write made before it. Should that fail (a full disk), the
// search still reads the index as it is: it only misses the newest text.
func (s *Store) indexBeforeSearch(ctx context.Context) { _ = s.indexPending(ctx) }
