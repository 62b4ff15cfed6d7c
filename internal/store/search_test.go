package store

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

func searchIDs(t *testing.T, s *Store, visitor, query string) []string {
	t.Helper()
	hits, err := s.SearchConversations(context.Background(), visitor, query, 50)
	if err != nil {
		t.Fatalf("search %q: %v", query, err)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Conversation.ID)
	}
	return ids
}

// A database written by the release before search (schema 7, the last one
// released) is indexed in place: its old titles and text are found, only
// its visitor's, and an answer a crash left streaming once it is marked
// interrupted at start-up.
func TestOpenIndexesADatabaseWrittenBeforeSearch(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	db := createAtVersion(t, path, 7)
	for _, c := range []struct{ id, visitor, title string }{
		{"c1", "v1", "Career switch"},
		{"c2", "v2", "Someone else's switch"},
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO conversations (id, visitor_id, title, created_at, updated_at)
			VALUES (?, ?, ?, 0, 0)`, c.id, c.visitor, c.title); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []struct{ id, conv, role, content, state string }{
		{"q1", "c1", "user", "Should I learn PyTorch first?", "done"},
		{"a1", "c1", "assistant", "Start with **scikit-learn**, then PyTorch [§ml-engineer-tools].", "done"},
		{"q2", "c1", "user", "And embeddings?", "done"},
		{"a2", "c1", "assistant", "Embeddings power retrieval", "streaming"},
		{"q3", "c2", "user", "PyTorch or TensorFlow?", "done"},
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO messages (id, conversation_id, role, content, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 0, 0)`, m.id, m.conv, m.role, m.content, m.state); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	assertSchemaVersion(t, s, len(mustLoadMigrations(t)))
	for query, want := range map[string][]string{
		"career":       {"c1"},
		"pytorch":      {"c1"},
		"scikit learn": {"c1"},
		"tensorflow":   nil,
		"switch":       {"c1"},
		"retrieval":    nil, // still streaming as far as the file says
	} {
		if got := searchIDs(t, s, "v1", query); !slices.Equal(got, want) {
			t.Errorf("v1 search %q = %q, want %q", query, got, want)
		}
	}
	if got := searchIDs(t, s, "v2", "pytorch"); !slices.Equal(got, []string{"c2"}) {
		t.Errorf("v2 search pytorch = %q, want [c2]", got)
	}
	if _, err := s.InterruptStreaming(ctx); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, "v1", "retrieval"); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("after start-up marked it interrupted, search retrieval = %q, want [c1]", got)
	}
	s.Close()

	// Reopening does not index twice.
	s = openAt(t, path)
	hits, err := s.SearchConversations(ctx, "v1", "pytorch", 50)
	if err != nil || len(hits) != 1 {
		t.Fatalf("after reopening: %d hits, %v", len(hits), err)
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM message_search`).Scan(&n); err != nil || n != 5 {
		t.Errorf("message index holds %d rows (%v), want 5", n, err)
	}
}

// The periodic save of an answer being written does not touch the index:
// the trigger's WHEN is false, so it costs what it cost before search.
func TestStreamingSavesDoNotReachTheIndex(t *testing.T) {
	s := openTest(t)
	mustCreateConversation(t, s, "c", "v1", at(0))
	mustAddMessages(t, s, userMessage("q", "c", "hi", at(time.Second)), answerPlaceholder("a", "c", at(time.Second)))
	changes := func() int {
		var n int
		if err := s.db.QueryRow(`SELECT total_changes()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// One connection, so total_changes counts this save's rows alone.
	s.db.SetMaxOpenConns(1)
	before := changes()
	if err := s.SaveAnswer(context.Background(), "a", strings.Repeat("word ", 5000), chat.StateStreaming, ""); err != nil {
		t.Fatal(err)
	}
	if got := changes() - before; got != 1 {
		t.Errorf("a streaming save changed %d rows, want 1 (the message alone)", got)
	}
}

// BenchmarkSaveLongAnswer is one save of a long answer (24 KB, the length
// cap): the periodic save while it streams, which the index does not see,
// and the one final save with the indexing of its text (which a pass does
// a second later, with the other answers of that second: see indexing.go).
func BenchmarkSaveLongAnswer(b *testing.B) {
	long := strings.Repeat("Gen AI application developers build retrieval pipelines and ship them. ", 340)[:24000]
	for _, state := range []chat.State{chat.StateStreaming, chat.StateDone} {
		b.Run(string(state), func(b *testing.B) {
			s := openTest(b)
			s.index.delay = time.Hour // the benchmark indexes, not a timer
			mustCreateConversation(b, s, "c", "v1", at(0))
			ctx := context.Background()
			n := 0
			for b.Loop() {
				// Each final save ends a new answer, as in the service.
				b.StopTimer()
				id := "a" + strconv.Itoa(n)
				if n == 0 || state == chat.StateDone {
					mustAddMessages(b, s, answerPlaceholder(id, "c", at(time.Second)))
					n++
				}
				b.StartTimer()
				if err := s.SaveAnswer(ctx, "a"+strconv.Itoa(n-1), long, state, ""); err != nil {
					b.Fatal(err)
				}
				if state == chat.StateDone {
					if err := s.indexPending(ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
