package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

func TestCreateAndReadConversation(t *testing.T) {
	tests := []struct {
		name string
		conv chat.Conversation
	}{
		{"all fields", chat.Conversation{ID: "c1", VisitorID: "v1", Title: "Backend or data?",
			CreatedAt: at(0), UpdatedAt: at(90 * time.Second)}},
		{"empty title", chat.Conversation{ID: "c2", VisitorID: "v1", CreatedAt: at(0), UpdatedAt: at(0)}},
		{"unicode title", chat.Conversation{ID: "c3", VisitorID: "v2", Title: "Rôle idéal — 🚀",
			CreatedAt: at(time.Millisecond), UpdatedAt: at(2 * time.Millisecond)}},
	}
	s := openTest(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.CreateConversation(ctx, tt.conv); err != nil {
				t.Fatalf("CreateConversation: %v", err)
			}
			got, err := s.Conversation(ctx, tt.conv.ID)
			if err != nil {
				t.Fatalf("Conversation: %v", err)
			}
			if got.ID != tt.conv.ID || got.VisitorID != tt.conv.VisitorID || got.Title != tt.conv.Title {
				t.Errorf("got %+v, want %+v", got, tt.conv)
			}
			assertTime(t, "CreatedAt", got.CreatedAt, tt.conv.CreatedAt)
			assertTime(t, "UpdatedAt", got.UpdatedAt, tt.conv.UpdatedAt)
		})
	}
}

func TestCreateConversationDuplicateID(t *testing.T) {
	s := openTest(t)
	mustCreateConversation(t, s, "c1", "v1", at(0))
	err := s.CreateConversation(context.Background(), chat.Conversation{ID: "c1", VisitorID: "v2"})
	if err == nil {
		t.Fatal("second CreateConversation with the same id succeeded")
	}
	if errors.Is(err, chat.ErrNotFound) {
		t.Errorf("duplicate id reported as not found: %v", err)
	}
}

func TestConversationsByVisitor(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustCreateConversation(t, s, "old", "v1", at(0))
	mustCreateConversation(t, s, "mid", "v1", at(time.Minute))
	mustCreateConversation(t, s, "new", "v1", at(2*time.Minute))
	mustCreateConversation(t, s, "tie", "v1", at(2*time.Minute)) // same time, created later
	mustCreateConversation(t, s, "other", "v2", at(time.Hour))
	// A new message makes the oldest conversation the most recent.
	mustAddMessages(t, s, userMessage("m1", "old", "hi", at(3*time.Minute)))

	tests := []struct {
		name    string
		visitor string
		limit   int
		want    []string
	}{
		{"all, newest updated first", "v1", 10, []string{"old", "tie", "new", "mid"}},
		{"limited", "v1", 2, []string{"old", "tie"}},
		{"other visitor", "v2", 10, []string{"other"}},
		{"unknown visitor", "nobody", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ConversationsByVisitor(ctx, tt.visitor, tt.limit)
			if err != nil {
				t.Fatalf("ConversationsByVisitor: %v", err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.ID)
				if c.VisitorID != tt.visitor {
					t.Errorf("conversation %s belongs to %s", c.ID, c.VisitorID)
				}
			}
			if len(ids) != len(tt.want) {
				t.Fatalf("ids = %v, want %v", ids, tt.want)
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Fatalf("ids = %v, want %v", ids, tt.want)
				}
			}
		})
	}

	t.Run("non-positive limit", func(t *testing.T) {
		if _, err := s.ConversationsByVisitor(ctx, "v1", 0); err == nil {
			t.Error("limit 0 accepted")
		}
	})
}

func TestRenameConversation(t *testing.T) {
	tests := []struct {
		name        string
		now         time.Time
		title       string
		wantUpdated time.Time
	}{
		{"moves UpdatedAt forward", at(time.Hour), "Staff or manager?", at(time.Hour)},
		{"empty title", at(time.Hour), "", at(time.Hour)},
		{"never moves UpdatedAt back", at(-time.Hour), "Rôle idéal — 🚀", at(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			s.now = func() time.Time { return tt.now }
			mustCreateConversation(t, s, "c1", "v1", at(0))
			other := mustCreateConversation(t, s, "c2", "v1", at(0))
			mustAddMessages(t, s, userMessage("q1", "c1", "q", at(time.Minute)))

			if err := s.RenameConversation(ctx, "c1", tt.title); err != nil {
				t.Fatalf("RenameConversation: %v", err)
			}
			got, err := s.Conversation(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != tt.title || got.VisitorID != "v1" {
				t.Errorf("conversation = %+v, want title %q, visitor v1", got, tt.title)
			}
			assertTime(t, "CreatedAt", got.CreatedAt, at(0))
			assertTime(t, "UpdatedAt", got.UpdatedAt, tt.wantUpdated)

			got, err = s.Conversation(ctx, "c2")
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != other.Title {
				t.Errorf("other conversation's title = %q, want %q", got.Title, other.Title)
			}
			assertTime(t, "other UpdatedAt", got.UpdatedAt, other.UpdatedAt)
		})
	}
}

func TestDeleteConversation(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustCreateConversation(t, s, "c1", "v1", at(0))
	keep := mustCreateConversation(t, s, "keep", "v1", at(0))
	mustAddMessages(t, s,
		userMessage("q1", "c1", "q", at(0)), answer("a1", "c1", "q1", "a", at(0)),
		userMessage("k1", "keep", "q", at(0)))
	kept := answer("k2", "keep", "k1", "a", at(0))
	mustAddMessages(t, s, kept)

	if err := s.DeleteConversation(ctx, "c1"); err != nil {
		t.Fatalf("DeleteConversation: %v", err)
	}
	if _, err := s.Conversation(ctx, "c1"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("Conversation after delete: err = %v, want not found", err)
	}
	for _, id := range []string{"q1", "a1"} {
		if _, err := s.Message(ctx, id); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("Message(%s) after delete: err = %v, want not found", id, err)
		}
	}
	if n := countMessages(t, s, "c1"); n != 0 {
		t.Errorf("%d messages of the deleted conversation left", n)
	}
	if err := s.DeleteConversation(ctx, "c1"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("second DeleteConversation: err = %v, want not found", err)
	}

	got, err := s.Conversation(ctx, "keep")
	if err != nil {
		t.Fatalf("other conversation: %v", err)
	}
	if got.Title != keep.Title {
		t.Errorf("other conversation = %+v, want %+v", got, keep)
	}
	msgs, err := s.Messages(ctx, "keep")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("other conversation has %d messages, want 2", len(msgs))
	}
	assertMessage(t, msgs[0], userMessage("k1", "keep", "q", at(0)))
	assertMessage(t, msgs[1], kept)
}

func TestDeleteConversationsByVisitor(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, c := range []struct{ id, visitor string }{{"a", "v1"}, {"b", "v1"}, {"c", "v2"}} {
		mustCreateConversation(t, s, c.id, c.visitor, at(0))
		mustAddMessages(t, s, userMessage("q"+c.id, c.id, "q", at(0)), answer("a"+c.id, c.id, "q"+c.id, "a", at(0)))
	}

	n, err := s.DeleteConversationsByVisitor(ctx, "v1")
	if err != nil {
		t.Fatalf("DeleteConversationsByVisitor: %v", err)
	}
	if n != 2 {
		t.Errorf("deleted %d conversations, want 2", n)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.Conversation(ctx, id); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("Conversation(%s): err = %v, want not found", id, err)
		}
		if n := countMessages(t, s, id); n != 0 {
			t.Errorf("%d messages of deleted conversation %s left", n, id)
		}
	}
	if got, err := s.ConversationsByVisitor(ctx, "v2", 10); err != nil || len(got) != 1 || got[0].ID != "c" {
		t.Errorf("other visitor's conversations = %+v, %v; want [c]", got, err)
	}
	if n := countMessages(t, s, "c"); n != 2 {
		t.Errorf("other visitor's conversation has %d messages, want 2", n)
	}

	for _, visitor := range []string{"v1", "nobody"} {
		if n, err := s.DeleteConversationsByVisitor(ctx, visitor); n != 0 || err != nil {
			t.Errorf("DeleteConversationsByVisitor(%s) = %d, %v; want 0, nil", visitor, n, err)
		}
	}
}

func TestDeleteConversationsUntouchedSince(t *testing.T) {
	tests := []struct {
		name   string
		before time.Time
		want   []string // conversations left
	}{
		{"older than everything", at(-time.Hour), []string{"old", "mid", "new", "revived"}},
		{"only the oldest", at(time.Minute), []string{"mid", "new", "revived"}},
		{"updated exactly at the cutoff is kept", at(2 * time.Minute), []string{"mid", "new", "revived"}},
		{"a new message keeps an old conversation", at(3 * time.Minute), []string{"new", "revived"}},
		{"newer than everything", at(time.Hour), nil},
	}
	all := []string{"old", "mid", "new", "revived"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			mustCreateConversation(t, s, "old", "v1", at(0))
			mustCreateConversation(t, s, "mid", "v2", at(2*time.Minute))
			mustCreateConversation(t, s, "new", "v1", at(4*time.Minute))
			mustCreateConversation(t, s, "revived", "v2", at(0))
			for _, id := range all {
				mustAddMessages(t, s, userMessage("q"+id, id, "q", at(0)))
			}
			mustAddMessages(t, s, userMessage("late", "revived", "back again", at(5*time.Minute)))

			n, err := s.DeleteConversationsUntouchedSince(ctx, tt.before)
			if err != nil {
				t.Fatalf("DeleteConversationsUntouchedSince: %v", err)
			}
			if want := len(all) - len(tt.want); n != want {
				t.Errorf("deleted %d conversations, want %d", n, want)
			}
			left := map[string]bool{}
			for _, id := range tt.want {
				left[id] = true
			}
			for _, id := range all {
				_, err := s.Conversation(ctx, id)
				switch {
				case left[id] && err != nil:
					t.Errorf("%s: %v, want it kept", id, err)
				case !left[id] && !errors.Is(err, chat.ErrNotFound):
					t.Errorf("%s: err = %v, want it deleted", id, err)
				}
				wantMsgs := 0
				if left[id] {
					wantMsgs = 1
					if id == "revived" {
						wantMsgs = 2
					}
				}
				if got := countMessages(t, s, id); got != wantMsgs {
					t.Errorf("%s has %d messages, want %d", id, got, wantMsgs)
				}
			}
		})
	}
}

func TestConversationsByVisitorAfterRenameAndNewMessage(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustCreateConversation(t, s, "a", "v1", at(0))
	mustCreateConversation(t, s, "b", "v1", at(time.Minute))
	mustCreateConversation(t, s, "c", "v1", at(2*time.Minute))

	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"as created", func() error { return nil }, []string{"c", "b", "a"}},
		{"renaming the oldest lifts it", func() error {
			s.now = func() time.Time { return at(5 * time.Minute) }
			return s.RenameConversation(ctx, "a", "renamed")
		}, []string{"a", "c", "b"}},
		{"a new message lifts another", func() error {
			return s.AddMessages(ctx, userMessage("qb", "b", "q", at(6*time.Minute)))
		}, []string{"b", "a", "c"}},
		{"showing an older answer does not reorder", func() error {
			if err := s.AddMessages(ctx, answer("a1", "c", "", "x", at(time.Minute))); err != nil {
				return err
			}
			return s.ShowAnswer(ctx, "a1")
		}, []string{"b", "a", "c"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			got, err := s.ConversationsByVisitor(ctx, "v1", 10)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			if strings.Join(ids, ",") != strings.Join(st.want, ",") {
				t.Errorf("ids = %v, want %v", ids, st.want)
			}
		})
	}
}

func countMessages(t *testing.T, s *Store, conversationID string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM messages WHERE conversation_id = ?`, conversationID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFitAnswersRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	now := time.UnixMilli(1_700_000_000_000).UTC()
	tests := []struct {
		name string
		fit  map[string]string
	}{
		{"ordinary conversation", nil},
		{"from the fit check", map[string]string{"enjoy": "math-data", "tools": "react-node"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := chat.Conversation{ID: fmt.Sprintf("fit-%d", i), VisitorID: "v", Title: "t", FitAnswers: tt.fit, CreatedAt: now, UpdatedAt: now}
			if err := s.CreateConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
			got, err := s.Conversation(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.FitAnswers) != len(tt.fit) {
				t.Fatalf("fit answers = %v, want %v", got.FitAnswers, tt.fit)
			}
			for k, v := range tt.fit {
				if got.FitAnswers[k] != v {
					t.Errorf("answer %s = %q, want %q", k, got.FitAnswers[k], v)
				}
			}
		})
	}
}
