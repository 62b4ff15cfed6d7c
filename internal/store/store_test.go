package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// openTest opens a fresh database file in a temporary directory and closes
// it when the test ends.
func openTest(t testing.TB) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "rolefit.db"))
}

func openAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// at is a fixed instant with sub-millisecond digits and a non-UTC zone, so
// the tests see truncation and zone normalisation.
func at(offset time.Duration) time.Time {
	return time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 3600)).Add(offset)
}

// stored is what a time looks like after a round trip through the store.
func stored(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

func mustCreateConversation(t testing.TB, s *Store, id, visitor string, created time.Time) chat.Conversation {
	t.Helper()
	c := chat.Conversation{ID: id, VisitorID: visitor, Title: "title " + id, CreatedAt: created, UpdatedAt: created}
	if err := s.CreateConversation(context.Background(), c); err != nil {
		t.Fatalf("CreateConversation(%q): %v", id, err)
	}
	return c
}

func mustAddMessages(t testing.TB, s *Store, msgs ...chat.Message) {
	t.Helper()
	if err := s.AddMessages(context.Background(), msgs...); err != nil {
		t.Fatalf("AddMessages: %v", err)
	}
}

func userMessage(id, conv, content string, created time.Time) chat.Message {
	return chat.Message{ID: id, ConversationID: conv, Role: chat.RoleUser, Content: content,
		State: chat.StateDone, CreatedAt: created, UpdatedAt: created}
}

func answerPlaceholder(id, conv string, created time.Time) chat.Message {
	return chat.Message{ID: id, ConversationID: conv, Role: chat.RoleAssistant,
		State: chat.StateStreaming, CreatedAt: created, UpdatedAt: created}
}

// answer is a finished answer to the question replyTo.
func answer(id, conv, replyTo, content string, created time.Time) chat.Message {
	return chat.Message{ID: id, ConversationID: conv, Role: chat.RoleAssistant, Content: content,
		State: chat.StateDone, ReplyTo: replyTo, CreatedAt: created, UpdatedAt: created}
}

// assertMessage compares every field, times at the store's precision.
func assertMessage(t *testing.T, got, want chat.Message) {
	t.Helper()
	if got.ID != want.ID || got.ConversationID != want.ConversationID || got.Role != want.Role ||
		got.Content != want.Content || got.State != want.State || got.Error != want.Error ||
		got.ReplyTo != want.ReplyTo || got.Hidden != want.Hidden {
		t.Errorf("message:\n got %+v\nwant %+v", got, want)
	}
	assertTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	assertTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func assertTime(t *testing.T, field string, got, want time.Time) {
	t.Helper()
	if !got.Equal(stored(want)) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v in UTC", field, got, stored(want))
	}
}

func TestOpenCreatesParentDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "rolefit.db")
	s := openAt(t, path)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestOpenAppliesPragmasToEveryConnection(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	// Hold several connections at once so the pool must open new ones.
	var conns []interface{ Close() error }
	for i := range 3 {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		var fk, busy, sync int
		var mode string
		if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || busy != 5000 || sync != 1 || mode != "wal" {
			t.Errorf("conn %d: foreign_keys=%d busy_timeout=%d synchronous=%d journal_mode=%s, want 1 5000 1 wal",
				i, fk, busy, sync, mode)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	conv := mustCreateConversation(t, s, "c1", "v1", at(0))
	q := userMessage("m1", "c1", "Which role fits me?", at(time.Second))
	a := answerPlaceholder("m2", "c1", at(time.Second))
	mustAddMessages(t, s, q, a)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openAt(t, path)
	got, err := s.Conversation(ctx, "c1")
	if err != nil {
		t.Fatalf("Conversation after reopen: %v", err)
	}
	if got.ID != conv.ID || got.VisitorID != conv.VisitorID || got.Title != conv.Title {
		t.Errorf("conversation after reopen = %+v, want %+v", got, conv)
	}
	assertTime(t, "UpdatedAt", got.UpdatedAt, at(time.Second))
	msgs, err := s.Messages(ctx, "c1")
	if err != nil {
		t.Fatalf("Messages after reopen: %v", err)
	}
	if len(msgs) != 2 {
		t.Fatalf("got %d messages after reopen, want 2", len(msgs))
	}
	assertMessage(t, msgs[0], q)
	assertMessage(t, msgs[1], a)
}
