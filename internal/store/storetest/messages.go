package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

func testMessageRoundTrip(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	q := question("q1", "c1", "What does an <ML> engineer do?\n\n“Really”?", at(time.Second))
	failed := chat.Message{ID: "a1", ConversationID: "c1", Role: chat.RoleAssistant, Content: "partial",
		State: chat.StateError, Error: "The model is busy.", ReplyTo: "q1", Hidden: true,
		CreatedAt: at(time.Second), UpdatedAt: at(3 * time.Second)}
	retry := chat.Message{ID: "a2", ConversationID: "c1", Role: chat.RoleAssistant, Content: "They train models.",
		State: chat.StateDone, ReplyTo: "q1", CreatedAt: at(4 * time.Second), UpdatedAt: at(5 * time.Second)}
	mustAdd(t, s, q, failed, retry)
	for _, want := range []chat.Message{q, failed, retry} {
		got, err := s.Message(ctx, want.ID)
		if err != nil {
			t.Fatalf("Message(%q): %v", want.ID, err)
		}
		checkMessage(t, got, want)
	}
	ms := mustMessages(t, s, "c1")
	if len(ms) != 3 {
		t.Fatalf("Messages = %d messages, want 3 (hidden versions included)", len(ms))
	}
	for i, want := range []chat.Message{q, failed, retry} {
		checkMessage(t, ms[i], want)
	}
	mustCreate(t, s, conversation("empty", "v1", at(0)))
	if ms, err := s.Messages(ctx, "empty"); err != nil || len(ms) != 0 {
		t.Errorf("Messages of a conversation with none = %v, %v; want none and no error", ms, err)
	}
}

// testMessagesInsertionOrder: the order is the order of adding, even when
// every message has the same time and the ids sort the other way.
func testMessagesInsertionOrder(t *testing.T, h Harness) {
	s := h.New(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	same := at(time.Second)
	mustAdd(t, s, question("z-q1", "c1", "first", same), placeholder("y-a1", "c1", "z-q1", same))
	mustAdd(t, s, question("x-q2", "c1", "second", same), placeholder("w-a2", "c1", "x-q2", same))
	mustAdd(t, s, question("0-q3", "c1", "third", same))
	want := []string{"z-q1", "y-a1", "x-q2", "w-a2", "0-q3"}
	if got := ids(mustMessages(t, s, "c1")); !slices.Equal(got, want) {
		t.Errorf("Messages order = %q, want %q", got, want)
	}
}

func testAddTouchesConversation(t *testing.T, h Harness) {
	tests := []struct {
		name string
		msgs []chat.Message
		want time.Time
	}{
		{"to the newest of the batch", []chat.Message{
			question("q", "c1", "q", at(2*time.Second)), placeholder("a", "c1", "q", at(5*time.Second)),
		}, at(5 * time.Second)},
		{"newest first in the batch", []chat.Message{
			question("q", "c1", "q", at(7*time.Second)), placeholder("a", "c1", "q", at(3*time.Second)),
		}, at(7 * time.Second)},
		{"never back", []chat.Message{question("q", "c1", "q", at(-time.Hour))}, at(time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := h.New(t)
			c := conversation("c1", "v1", at(0))
			c.UpdatedAt = at(time.Second)
			mustCreate(t, s, c)
			mustAdd(t, s, tt.msgs...)
			got := mustConversation(t, s, "c1")
			if !sameInstant(got.UpdatedAt, tt.want) || !sameInstant(got.CreatedAt, at(0)) {
				t.Errorf("created %v, updated %v; want %v, %v", got.CreatedAt, got.UpdatedAt, at(0), tt.want)
			}
		})
	}
}

// testAddIsAtomic: a batch that fails part way adds nothing and touches
// nothing.
func testAddIsAtomic(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustAdd(t, s, question("dup", "c1", "already here", at(0)))
	err := s.AddMessages(ctx,
		question("fresh", "c1", "q", at(time.Second)),
		placeholder("dup", "c1", "fresh", at(time.Second)), // an id in use
	)
	if err == nil {
		t.Fatal("AddMessages with an id in use succeeded")
	}
	expectNotFound(t, "the message before the failing one", func() error { _, err := s.Message(ctx, "fresh"); return err })
	if got := mustConversation(t, s, "c1"); !sameInstant(got.UpdatedAt, at(0)) {
		t.Errorf("UpdatedAt = %v after a failed batch, want %v", got.UpdatedAt, at(0))
	}
	if ms := mustMessages(t, s, "c1"); len(ms) != 1 || ms[0].Content != "already here" {
		t.Errorf("messages after a failed batch: %+v", ms)
	}
}

func testSaveAnswer(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	q := question("q1", "c1", "q", at(time.Second))
	a := placeholder("a1", "c1", "q1", at(time.Second))
	mustAdd(t, s, q, a)
	steps := []struct {
		content string
		state   chat.State
		errMsg  string
	}{
		{"They ", chat.StateStreaming, ""},
		{"They train models", chat.StateStreaming, ""},
		{"They train models", chat.StateError, "The connection to the model was lost partway through."},
	}
	for _, st := range steps {
		if err := s.SaveAnswer(ctx, "a1", st.content, st.state, st.errMsg); err != nil {
			t.Fatalf("SaveAnswer(%q, %s): %v", st.content, st.state, err)
		}
		got, err := s.Message(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		want := a
		want.Content, want.State, want.Error = st.content, st.state, st.errMsg
		want.UpdatedAt = got.UpdatedAt // the store's clock
		checkMessage(t, got, want)
		if got.UpdatedAt.Before(a.UpdatedAt.Truncate(time.Millisecond)) {
			t.Errorf("UpdatedAt moved back to %v", got.UpdatedAt)
		}
	}
	if got, _ := s.Message(ctx, "q1"); got.Content != "q" {
		t.Errorf("the question changed: %+v", got)
	}
}

// testSaveReasoning: the thinking is kept apart from the answer's text,
// and a later save of the text leaves it as it was.
func testSaveReasoning(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustAdd(t, s, question("q1", "c1", "q", at(time.Second)), placeholder("a1", "c1", "q1", at(time.Second)))
	if err := s.SaveReasoning(ctx, "a1", "Let me think.", 3200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswer(ctx, "a1", "They train models", chat.StateDone, ""); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Messages(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	got := msgs[1]
	if got.Reasoning != "Let me think." || got.ThoughtFor != 3200*time.Millisecond || got.Content != "They train models" {
		t.Errorf("got reasoning %q for %v, text %q", got.Reasoning, got.ThoughtFor, got.Content)
	}
	expectNotFound(t, "SaveReasoning of a question", func() error { return s.SaveReasoning(ctx, "q1", "x", 0) })
}

func testNotFound(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustAdd(t, s, question("q1", "c1", "q", at(0)))
	calls := []struct {
		name string
		call func() error
	}{
		{"Conversation", func() error { _, err := s.Conversation(ctx, "nope"); return err }},
		{"Messages of an unknown conversation", func() error { _, err := s.Messages(ctx, "nope"); return err }},
		{"Message", func() error { _, err := s.Message(ctx, "nope"); return err }},
		{"AddMessages to an unknown conversation", func() error { return s.AddMessages(ctx, question("m", "nope", "q", at(0))) }},
		{"SaveAnswer of an unknown id", func() error { return s.SaveAnswer(ctx, "nope", "x", chat.StateDone, "") }},
		{"SaveAnswer of a question", func() error { return s.SaveAnswer(ctx, "q1", "x", chat.StateDone, "") }},
		{"AddAnswerVersion to an unknown conversation", func() error {
			return s.AddAnswerVersion(ctx, placeholder("a", "nope", "q1", at(0)))
		}},
		{"AddAnswerVersion to an unknown question", func() error {
			return s.AddAnswerVersion(ctx, placeholder("a", "c1", "nope", at(0)))
		}},
		{"ShowAnswer of an unknown id", func() error { return s.ShowAnswer(ctx, "nope") }},
		{"ShowAnswer of a question", func() error { return s.ShowAnswer(ctx, "q1") }},
		{"RenameConversation", func() error { return s.RenameConversation(ctx, "nope", "t") }},
		{"DeleteConversation", func() error { return s.DeleteConversation(ctx, "nope") }},
	}
	for _, c := range calls {
		expectNotFound(t, c.name, c.call)
	}
	if got, _ := s.Message(ctx, "q1"); got.Content != "q" || got.State != chat.StateDone {
		t.Errorf("the question after SaveAnswer was refused: %+v", got)
	}
	if ms := mustMessages(t, s, "c1"); len(ms) != 1 {
		t.Errorf("c1 has %d messages after the refused writes, want 1", len(ms))
	}
}

// expectNotFound checks that err wraps chat.ErrNotFound, so the service
// can tell "no such thing" from a broken database.
func expectNotFound(t *testing.T, what string, call func() error) {
	t.Helper()
	err := call()
	if !errors.Is(err, chat.ErrNotFound) || chat.ErrorCode(err) != chat.ENOTFOUND {
		t.Errorf("%s: err = %v, want one wrapping chat.ErrNotFound", what, err)
	}
}

// testCancelledContext: a call whose context has ended fails with the
// context's error and changes nothing.
func testCancelledContext(t *testing.T, h Harness) {
	s := h.New(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	ctx, cancel := context.WithCancel(testContext(t))
	cancel()
	if err := s.CreateConversation(ctx, conversation("c2", "v1", at(0))); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateConversation with a cancelled context: %v, want context.Canceled", err)
	}
	if err := s.AddMessages(ctx, question("q1", "c1", "q", at(0))); !errors.Is(err, context.Canceled) {
		t.Errorf("AddMessages with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := s.Conversation(ctx, "c1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Conversation with a cancelled context: %v, want context.Canceled", err)
	}
	expectNotFound(t, "the conversation created with a cancelled context", func() error {
		_, err := s.Conversation(testContext(t), "c2")
		return err
	})
	if ms := mustMessages(t, s, "c1"); len(ms) != 0 {
		t.Errorf("messages added with a cancelled context: %+v", ms)
	}
}
