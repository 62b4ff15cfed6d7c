package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
)

// The system prompt, about 9 KB, went with every answer's record of what
// was sent. It is stored once, however many answers were sent it, and
// each answer reads back exactly what was sent.
func TestTheSystemPromptIsStoredOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	prompt := strings.Repeat("You are Rolefit; answer from the article. ", 220)
	metas := map[string]*chat.AnswerMeta{}
	for i := range 3 {
		c := fmt.Sprintf("c%d", i)
		q, a := userMessage("q"+c, c, "Which role fits me?", at(0)), answerPlaceholder("a"+c, c, at(0))
		a.ReplyTo = q.ID
		if err := s.CreateConversation(ctx, chat.Conversation{ID: c, VisitorID: "v1", Title: c, CreatedAt: at(0), UpdatedAt: at(0)}, q, a); err != nil {
			t.Fatal(err)
		}
		a.Content, a.State = "An answer.", chat.StateDone
		a.Meta = &chat.AnswerMeta{Provider: "openai-compatible", Sent: []chat.SentMessage{
			{Role: chat.RoleSystem, Content: prompt}, {Role: chat.RoleUser, Content: q.Content}}}
		metas[a.ID] = a.Meta
		if err := s.SaveFinalAnswer(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	var prompts, longest int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sent_prompts`).Scan(&prompts); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT max(length(meta)) FROM messages`).Scan(&longest); err != nil {
		t.Fatal(err)
	}
	if prompts != 1 || longest >= len(prompt)/4 {
		t.Errorf("%d prompts stored, the longest meta %d bytes; want 1 prompt, and metas far shorter than its %d bytes", prompts, longest, len(prompt))
	}
	for id, want := range metas {
		got, err := s.Message(ctx, id)
		if err != nil || !reflect.DeepEqual(got.Meta, want) {
			t.Errorf("Message(%s) meta = %+v, %v; want what was sent", id, got.Meta, err)
		}
	}
}
