package store

import (
	"context"
	"errors"
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
