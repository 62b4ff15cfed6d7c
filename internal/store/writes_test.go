package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// TestFailedWritesAreRemembered: a write that fails (here the connection is
// made read-only, as a full disk or a read-only mount makes every write
// fail) makes CheckWrites fail, without any other write; once writes work
// again, CheckWrites notices by itself, with one small write.
func TestFailedWritesAreRemembered(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.db.SetMaxOpenConns(1) // so the pragma below reaches every query
	mustCreateConversation(t, s, "c1", "v", at(0))
	mustAddMessages(t, s, userMessage("q1", "c1", "question", at(0)), answerPlaceholder("a1", "c1", at(0)))
	if err := s.CheckWrites(ctx); err != nil {
		t.Fatalf("CheckWrites on a healthy database: %v", err)
	}

	if _, err := s.db.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswer(ctx, "a1", "text", "done", ""); err == nil {
		t.Fatal("SaveAnswer succeeded on a read-only connection")
	}
	if err := s.CheckWrites(ctx); err == nil {
		t.Error("CheckWrites passes after a write failed, while writes still fail")
	}
	// A missing row is the caller's mistake, not the disk's: it must not
	// hide the failure, nor count as one.
	if err := s.SaveAnswer(ctx, "no-such-answer", "text", "done", ""); err == nil {
		t.Fatal("SaveAnswer of a missing answer succeeded")
	}
	if err := s.CheckWrites(ctx); err == nil {
		t.Error("CheckWrites passes while writes still fail")
	}

	if _, err := s.db.ExecContext(ctx, "PRAGMA query_only = OFF"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWrites(ctx); err != nil {
		t.Errorf("CheckWrites once writes work again: %v", err)
	}
	if err := s.SaveAnswer(ctx, "a1", "text", "done", ""); err != nil {
		t.Errorf("SaveAnswer once writes work again: %v", err)
	}
}

// More live answers than one write of SaveAnswersSoFar takes are saved,
// every one, in several; and when those writes fail, the caller is told.
func TestSaveAnswersSoFarInChunks(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mustCreateConversation(t, s, "c1", "v1", at(0))
	var batch []chat.AnswerSoFar
	for i := range 2*soFarRows + 7 {
		id := fmt.Sprintf("a%d", i)
		mustAddMessages(t, s, chat.Message{ID: id, ConversationID: "c1", Role: chat.RoleAssistant,
			State: chat.StateStreaming, CreatedAt: at(time.Second), UpdatedAt: at(time.Second)})
		batch = append(batch, chat.AnswerSoFar{ID: id, Content: "so far " + id})
	}
	if err := s.SaveAnswersSoFar(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, a := range batch {
		if m, err := s.Message(ctx, a.ID); err != nil || m.Content != a.Content {
			t.Fatalf("answer %s: %q, %v; want %q", a.ID, m.Content, err, a.Content)
		}
	}

	s.db.SetMaxOpenConns(1) // so the pragma below reaches every write
	if _, err := s.db.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
		t.Fatal(err)
	}
	for i := range batch {
		batch[i].Content += ", and more"
	}
	if err := s.SaveAnswersSoFar(ctx, batch); err == nil {
		t.Error("SaveAnswersSoFar reports success while every write fails")
	}
}
