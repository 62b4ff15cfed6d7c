package pgstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
)

// A busy replica's tick: a thousand live answers, across conversations,
// saved by one call, every one of them, while one that ended meanwhile
// keeps its ending.
func TestSaveManyAnswersSoFar(t *testing.T) {
	s := open(t, engines.Postgres(t))
	ctx := testCtx(t)
	now := time.Now()
	const convs, perConv = 50, 20
	var live []chat.AnswerSoFar
	for c := range convs {
		id := fmt.Sprintf("c%d", c)
		if err := s.CreateConversation(ctx, conv(id, "v", now)); err != nil {
			t.Fatal(err)
		}
		var msgs []chat.Message
		for i := range perConv {
			q, a := fmt.Sprintf("%s-q%d", id, i), fmt.Sprintf("%s-a%d", id, i)
			msgs = append(msgs,
				chat.Message{ID: q, ConversationID: id, Role: chat.RoleUser, Content: "q", State: chat.StateDone, CreatedAt: now, UpdatedAt: now},
				chat.Message{ID: a, ConversationID: id, Role: chat.RoleAssistant, State: chat.StateStreaming, ReplyTo: q, CreatedAt: now, UpdatedAt: now})
			live = append(live, chat.AnswerSoFar{ID: a, Content: "so far " + a, Reasoning: "thinking " + a})
		}
		if err := s.AddMessages(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveAnswer(ctx, "c7-a3", "ended", chat.StateDone, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswersSoFar(ctx, live); err != nil {
		t.Fatalf("SaveAnswersSoFar of %d answers: %v", len(live), err)
	}
	for c := range convs {
		msgs, err := s.Messages(ctx, fmt.Sprintf("c%d", c))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Role != chat.RoleAssistant {
				continue
			}
			want := "so far " + m.ID
			if m.ID == "c7-a3" {
				want = "ended"
			}
			if m.Content != want || (m.ID != "c7-a3" && m.Reasoning != "thinking "+m.ID) {
				t.Fatalf("%s = %q (reasoning %q), want %q", m.ID, m.Content, m.Reasoning, want)
			}
		}
	}
	ids, err := s.StreamingAnswers(ctx, 5000)
	if err != nil || len(ids) != convs*perConv-1 {
		t.Errorf("StreamingAnswers: %d, %v; want %d still streaming", len(ids), err, convs*perConv-1)
	}
}
