package pgstore_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
)

func shareOf(conv, id string, created time.Time, texts ...string) chat.Share {
	sh := chat.Share{ID: id, ConversationID: conv, Title: "title " + conv, CreatedAt: created}
	for i, text := range texts {
		role := chat.RoleUser
		if i%2 == 1 {
			role = chat.RoleAssistant
		}
		sh.Messages = append(sh.Messages, chat.SharedMessage{Role: role, Content: text, State: chat.StateDone})
	}
	return sh
}

func checkShare(t *testing.T, got, want chat.Share) {
	t.Helper()
	if got.ID != want.ID || got.ConversationID != want.ConversationID || got.Title != want.Title ||
		!reflect.DeepEqual(got.Messages, want.Messages) || !reflect.DeepEqual(got.FitAnswers, want.FitAnswers) ||
		!got.CreatedAt.Equal(want.CreatedAt.Truncate(time.Millisecond)) {
		t.Errorf("share:\n got %+v\nwant %+v", got, want)
	}
}

// A link keeps its snapshot and its address: sharing again replaces the
// snapshot under the same id; revoking, or deleting the conversation,
// ends it, and then it is not found, like a link never made.
func TestShares(t *testing.T) {
	s := open(t, engines.Postgres(t))
	ctx := testCtx(t)
	base := time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)
	for _, id := range []string{"c1", "c2"} {
		if err := s.CreateConversation(ctx, conv(id, "v1", base)); err != nil {
			t.Fatal(err)
		}
	}
	first := shareOf("c1", "S1", base.Add(time.Second), "Which role?", "Either.")
	first.FitAnswers = map[string]string{"maths": "love"}
	if id, err := s.SaveShare(ctx, first); err != nil || id != "S1" {
		t.Fatalf("SaveShare = %q, %v; want S1", id, err)
	}
	if err := s.RenameConversation(ctx, "c1", "renamed"); err != nil {
		t.Fatal(err)
	}
	for _, get := range []func() (chat.Share, error){
		func() (chat.Share, error) { return s.Share(ctx, "S1") },
		func() (chat.Share, error) { return s.ShareOf(ctx, "c1") },
	} {
		got, err := get()
		if err != nil {
			t.Fatal(err)
		}
		checkShare(t, got, first)
	}

	second := shareOf("c1", "S2", base.Add(time.Minute), "Which role?", "Either.", "And then?", "Practise.")
	if id, err := s.SaveShare(ctx, second); err != nil || id != "S1" {
		t.Fatalf("sharing again = %q, %v; want the first id, S1", id, err)
	}
	second.ID = "S1"
	if got, err := s.Share(ctx, "S1"); err != nil {
		t.Fatal(err)
	} else {
		checkShare(t, got, second)
	}
	if _, err := s.Share(ctx, "S2"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("the id offered the second time: %v, want not found", err)
	}

	if err := s.DeleteShare(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteShare(ctx, "c1"); err != nil {
		t.Errorf("revoking a link already revoked: %v", err)
	}
	if _, err := s.Share(ctx, "S1"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("a revoked link: %v, want not found", err)
	}

	if _, err := s.SaveShare(ctx, shareOf("c2", "S3", base)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConversation(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Share(ctx, "S3"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("the link of a deleted conversation: %v, want not found", err)
	}
	if _, err := s.ShareOf(ctx, "c2"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("ShareOf a deleted conversation: %v, want not found", err)
	}
}
