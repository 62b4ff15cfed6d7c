package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

func sharedOf(conv, id string, created time.Time, texts ...string) chat.Share {
	sh := chat.Share{ID: id, ConversationID: conv, Title: "title " + conv, CreatedAt: created}
	for i, t := range texts {
		role := chat.RoleUser
		if i%2 == 1 {
			role = chat.RoleAssistant
		}
		sh.Messages = append(sh.Messages, chat.SharedMessage{Role: role, Content: t, State: chat.StateDone})
	}
	return sh
}

func assertShare(t *testing.T, got, want chat.Share) {
	t.Helper()
	if got.ID != want.ID || got.ConversationID != want.ConversationID || got.Title != want.Title ||
		!reflect.DeepEqual(got.Messages, want.Messages) || len(got.FitAnswers) != len(want.FitAnswers) {
		t.Errorf("share = %+v, want %+v", got, want)
	}
	for k, v := range want.FitAnswers {
		if got.FitAnswers[k] != v {
			t.Errorf("fit answer %s = %q, want %q", k, got.FitAnswers[k], v)
		}
	}
	assertTime(t, "share CreatedAt", got.CreatedAt, want.CreatedAt)
}

// A link is found by its own id and by its conversation; it keeps what was
// shared whatever the conversation becomes, until shared again (same id,
// new snapshot) or revoked (gone, like one never made).
func TestShares(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mustCreateConversation(t, s, "c1", "v1", at(0))
	mustAddMessages(t, s, userMessage("q1", "c1", "Which role?", at(time.Second)),
		answer("a1", "c1", "q1", "Either [§choosing].", at(2*time.Second)))

	first := sharedOf("c1", "S1", at(3*time.Second), "Which role?", "Either [§choosing].")
	first.FitAnswers = map[string]string{"math": "love"}
	id, err := s.SaveShare(ctx, first)
	if err != nil || id != "S1" {
		t.Fatalf("SaveShare = %q, %v; want S1", id, err)
	}
	mustAddMessages(t, s, userMessage("q2", "c1", "And then?", at(4*time.Second)))
	if err := s.RenameConversation(ctx, "c1", "renamed"); err != nil {
		t.Fatal(err)
	}
	for name, get := range map[string]func() (chat.Share, error){
		"by id":           func() (chat.Share, error) { return s.Share(ctx, "S1") },
		"by conversation": func() (chat.Share, error) { return s.ShareOf(ctx, "c1") },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertShare(t, got, first)
	}

	// Sharing again: the address stays, the snapshot is the new one.
	second := sharedOf("c1", "S2", at(5*time.Second), "Which role?", "Either [§choosing].", "And then?", "Practise.")
	id, err = s.SaveShare(ctx, second)
	if err != nil || id != "S1" {
		t.Fatalf("SaveShare again = %q, %v; want the first id S1", id, err)
	}
	second.ID = "S1"
	got, err := s.Share(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	assertShare(t, got, second)
	if _, err := s.Share(ctx, "S2"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("Share(S2), the id not taken = %v, want ErrNotFound", err)
	}

	if err := s.DeleteShare(ctx, "c1"); err != nil {
		t.Fatalf("DeleteShare: %v", err)
	}
	if _, err := s.Share(ctx, "S1"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("Share after revoking = %v, want ErrNotFound", err)
	}
	if _, err := s.ShareOf(ctx, "c1"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("ShareOf after revoking = %v, want ErrNotFound", err)
	}
	if err := s.DeleteShare(ctx, "c1"); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
}

// Deleting a conversation (by hand, Clear all or retention) takes its link.
func TestDeletingAConversationRevokesItsLink(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mustCreateConversation(t, s, "c1", "v1", at(0))
	if _, err := s.SaveShare(ctx, sharedOf("c1", "S1", at(time.Second), "q", "a")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConversation(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Share(ctx, "S1"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("Share of a deleted conversation = %v, want ErrNotFound", err)
	}
}

// A database written before links existed (schema 7, the release before
// them) opens with its conversations intact, and they can be shared.
func TestOpenUpgradesToShares(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	db := createAtVersion(t, path, 7)
	if _, err := db.ExecContext(ctx, `INSERT INTO conversations (id, visitor_id, title, created_at, updated_at, fit_answers)
		VALUES ('c1', 'v1', 'Old chat', ?, ?, '{"math":"love"}')`, record.Millis(at(0)), record.Millis(at(0))); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO messages (id, conversation_id, role, content, state, created_at, updated_at)
		VALUES ('q1', 'c1', 'user', 'Old question', 'done', ?, ?)`, record.Millis(at(time.Second)), record.Millis(at(time.Second))); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	assertSchemaVersion(t, s, len(mustLoadMigrations(t)))
	c, err := s.Conversation(ctx, "c1")
	if err != nil || c.Title != "Old chat" || c.FitAnswers["math"] != "love" {
		t.Fatalf("old conversation = %+v, %v", c, err)
	}
	msgs, err := s.Messages(ctx, "c1")
	if err != nil || len(msgs) != 1 || msgs[0].Content != "Old question" {
		t.Fatalf("old messages = %+v, %v", msgs, err)
	}
	sh := sharedOf("c1", "S1", at(2*time.Second), "Old question")
	sh.FitAnswers = c.FitAnswers
	sh.Title = c.Title
	if _, err := s.SaveShare(ctx, sh); err != nil {
		t.Fatalf("SaveShare on an upgraded database: %v", err)
	}
	got, err := s.Share(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	assertShare(t, got, sh)
}
