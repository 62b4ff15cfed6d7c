package store

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"strings"
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

// BenchmarkSaveAnswersSoFar saves the text so far of 9,000 live answers,
// each in a conversation of its own, as the service's tick does: in the
// order the answers were created, or in any order (a map's).
func BenchmarkSaveAnswersSoFar(b *testing.B) {
	const live = 9000
	for _, order := range []string{"created", "any"} {
		b.Run(order, func(b *testing.B) {
			ctx := context.Background()
			s := openTest(b)
			answers := make([]chat.AnswerSoFar, live)
			for i := range answers {
				c := fmt.Sprintf("c%d", i)
				conv := chat.Conversation{ID: c, VisitorID: "v" + c, Title: "Which role fits me?", CreatedAt: at(0), UpdatedAt: at(0)}
				a := answerPlaceholder(rand.Text(), c, at(0))
				a.ReplyTo = "q" + c
				if err := s.CreateConversation(ctx, conv, userMessage("q"+c, c, "Which role fits me?", at(0)), a); err != nil {
					b.Fatal(err)
				}
				answers[i].ID = a.ID
			}
			if order == "any" {
				mrand.Shuffle(len(answers), func(i, j int) { answers[i], answers[j] = answers[j], answers[i] })
			}
			// Answers of 1 to 1.6 KB, each a few words longer every tick.
			text := strings.Repeat("An answer grows by a few words a second. ", 40)
			n := 1000
			for b.Loop() {
				if n += 7; n > len(text) {
					n = 1000
				}
				for i := range answers {
					answers[i].Content = text[:n]
				}
				if err := s.SaveAnswersSoFar(ctx, answers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*live), "µs/answer")
		})
	}
}
