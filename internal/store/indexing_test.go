package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// indexedRows counts the rows of an FTS5 table that match query, read
// straight from the index: unlike a search, it indexes nothing first.
func indexedRows(t *testing.T, s *Store, table, query string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM `+table+` WHERE `+table+` MATCH ?`, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// passes has the store report each scheduled pass of the indexer.
func passes(s *Store) <-chan error {
	ch := make(chan error, 16)
	s.index.mu.Lock()
	s.index.indexed = func(err error) {
		select {
		case ch <- err:
		default: // nobody waits for so many: never block the pass
		}
	}
	s.index.mu.Unlock()
	return ch
}

// waitForPass waits for a scheduled pass that indexes everything noted,
// or fails the test at a deadline.
func waitForPass(t *testing.T, s *Store, ch <-chan error) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for s.searchPending(context.Background()) {
		select {
		case err := <-ch:
			if err != nil {
				t.Fatalf("index pass: %v", err)
			}
		case <-deadline:
			t.Fatal("the noted rows were not indexed within 10 s")
		}
	}
}

// A write does not index its text itself (that is a segment of the index
// and its bookkeeping in every commit): it notes it.
func TestAWriteOnlyNotesItsText(t *testing.T) {
	s := openTest(t)
	s.index.delay = time.Hour
	mustCreateConversation(t, s, "c", "v1", at(0))
	mustAddMessages(t, s, userMessage("q", "c", "Which Kubernetes skills matter?", at(time.Second)))
	if n := indexedRows(t, s, "message_search", "kubernetes"); n != 0 {
		t.Errorf("the write indexed its text itself (%d rows)", n)
	}
	if !s.searchPending(context.Background()) {
		t.Error("the write noted nothing for the index")
	}
}

// A pass a second after a write indexes what it noted, with no search
// needed to start it.
func TestWritesReachTheIndexWithoutASearch(t *testing.T) {
	s := openTest(t)
	done := passes(s)
	mustCreateConversation(t, s, "c", "v1", at(0))
	mustAddMessages(t, s, userMessage("q", "c", "Which Kubernetes skills matter?", at(time.Second)))
	waitForPass(t, s, done)
	if n := indexedRows(t, s, "message_search", "kubernetes"); n != 1 {
		t.Errorf("after the pass, the question is indexed %d times, want 1", n)
	}
	if n := indexedRows(t, s, "conversation_search", "title"); n != 1 {
		t.Errorf("after the pass, the title is indexed %d times, want 1", n)
	}
}

// What was noted and not yet indexed when the process stopped is on disk
// with the write: the next start indexes it, and a search finds it.
func TestTextNotedBeforeAStopIsIndexedAtTheNextStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rolefit.db")
	s := openAt(t, path)
	s.index.delay = time.Hour // stops before its pass
	mustCreateConversation(t, s, "c", "v1", at(0))
	mustAddMessages(t, s, userMessage("q", "c", "Is MLOps part of the job?", at(time.Second)))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	done := passes(s)
	waitForPass(t, s, done)
	if n := indexedRows(t, s, "message_search", "mlops"); n != 1 {
		t.Errorf("after the next start, the question is indexed %d times, want 1", n)
	}
	if got := searchIDs(t, s, "v1", "mlops"); !slices.Equal(got, []string{"c"}) {
		t.Errorf("search mlops = %q, want [c]", got)
	}
}

// Text changed, renamed or deleted before its pass is indexed as it is at
// the pass: the old words are not found, nor a deleted conversation.
func TestAPassIndexesTheTextAsItIsNow(t *testing.T) {
	s := openTest(t)
	s.index.delay = time.Hour
	ctx := context.Background()
	mustCreateConversation(t, s, "c1", "v1", at(0))
	mustCreateConversation(t, s, "c2", "v1", at(0))
	mustAddMessages(t, s, userMessage("q1", "c1", "Tell me about transformers", at(time.Second)),
		answerPlaceholder("a1", "c1", at(time.Second)),
		userMessage("q2", "c2", "Tell me about gradients", at(time.Second)))
	if err := s.SaveAnswer(ctx, "a1", "Attention is what they share.", chat.StateDone, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameConversation(ctx, "c1", "Architectures"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConversation(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string][]string{
		"attention":     {"c1"},
		"architectures": {"c1"},
		"title":         nil, // the name before the rename
		"gradients":     nil, // deleted
	} {
		if got := searchIDs(t, s, "v1", query); !slices.Equal(got, want) {
			t.Errorf("search %q = %q, want %q", query, got, want)
		}
	}
	if s.searchPending(ctx) {
		t.Error("rows are still noted after a search indexed them")
	}
}

// BenchmarkLogPagesPerConversation counts the pages one new visitor's
// writes add to the database's log when each commits alone, as they mostly
// do at a few hundred visitors at once: the new conversation with its
// question and empty answer, and the final answer; and the index pass's
// pages, shared by every conversation of that second (here 50).
func BenchmarkLogPagesPerConversation(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "rolefit.db")
	s := openAt(b, path)
	s.index.delay = time.Hour // the benchmark runs the passes
	// One connection that never moves the log back into the database, so
	// the log's size counts every page written.
	s.db.SetMaxOpenConns(1)
	if _, err := s.db.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		b.Fatal(err)
	}
	logSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			b.Fatal(err)
		}
		return fi.Size()
	}
	const perPass = 50
	var created, saved, indexed int64
	n := 0
	for b.Loop() {
		n++
		// Random ids, as the service and the visitor cookie make them.
		c := chat.Conversation{ID: rand.Text(), VisitorID: rand.Text(), Title: fmt.Sprintf("Which role fits me? %d", n), CreatedAt: at(0), UpdatedAt: at(0)}
		q := userMessage(rand.Text(), c.ID, fmt.Sprintf("Which role fits me, with Python and some SQL? %d", n), at(0))
		a := answerPlaceholder(rand.Text(), c.ID, at(0))
		a.ReplyTo = q.ID
		before := logSize()
		if err := s.CreateConversation(ctx, c, q, a); err != nil {
			b.Fatal(err)
		}
		mid := logSize()
		a.Content, a.State = strings.Repeat("Both roles ship software; one trains models. ", 10), chat.StateDone
		a.Meta = &chat.AnswerMeta{Provider: "openai-compatible"}
		if err := s.SaveFinalAnswer(ctx, a); err != nil {
			b.Fatal(err)
		}
		after := logSize()
		created += mid - before
		saved += after - mid
		if n%perPass == 0 {
			if err := s.indexPending(ctx); err != nil {
				b.Fatal(err)
			}
			indexed += logSize() - after
		}
	}
	const frame = 24 + 4096 // a log frame: its header and a page
	b.ReportMetric(float64(created)/frame/float64(n), "create-pages/op")
	b.ReportMetric(float64(saved)/frame/float64(n), "final-pages/op")
	b.ReportMetric(float64(indexed)/frame/float64(max(n/perPass*perPass, 1)), "index-pages/op")
}
