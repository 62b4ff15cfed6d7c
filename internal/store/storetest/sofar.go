package storetest

import (
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// testSaveAnswersSoFar: one call saves the text so far of several answers;
// an answer already ended keeps its ending, and an answer that no longer
// exists is skipped without failing the others.
func testSaveAnswersSoFar(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustCreate(t, s, conversation("c2", "v2", at(0)))
	mustAdd(t, s, question("q1", "c1", "q", at(time.Second)), placeholder("a1", "c1", "q1", at(time.Second)))
	mustAdd(t, s, question("q2", "c2", "q", at(time.Second)), placeholder("a2", "c2", "q2", at(time.Second)))
	mustAdd(t, s, question("q3", "c2", "q", at(2*time.Second)), placeholder("a3", "c2", "q3", at(2*time.Second)))
	ended := placeholder("a3", "c2", "q3", at(2*time.Second))
	ended.Content, ended.State = "The whole answer.", chat.StateDone
	if err := s.SaveFinalAnswer(ctx, ended); err != nil {
		t.Fatal(err)
	}

	err := s.SaveAnswersSoFar(ctx, []chat.AnswerSoFar{
		{ID: "a1", Content: "They train", Reasoning: "Thinking about models."},
		{ID: "gone", Content: "nobody's"},
		{ID: "a2", Content: "They build"},
		{ID: "a3", Content: "The whole"}, // a late save of an answer that ended
	})
	if err != nil {
		t.Fatalf("SaveAnswersSoFar: %v", err)
	}
	for _, want := range []struct{ id, content, reasoning string }{
		{"a1", "They train", "Thinking about models."},
		{"a2", "They build", ""},
		{"a3", "The whole answer.", ""},
	} {
		got, err := s.Message(ctx, want.id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Content != want.content || got.Reasoning != want.reasoning {
			t.Errorf("%s: content %q, reasoning %q; want %q, %q", want.id, got.Content, got.Reasoning, want.content, want.reasoning)
		}
	}
	if got, _ := s.Message(ctx, "a3"); got.State != chat.StateDone {
		t.Errorf("a3 is %s after a late save of its text so far, want it to stay %s", got.State, chat.StateDone)
	}
	if got, _ := s.Message(ctx, "a1"); got.State != chat.StateStreaming {
		t.Errorf("a1 is %s after a save of its text so far, want %s", got.State, chat.StateStreaming)
	}
	if err := s.SaveAnswersSoFar(ctx, nil); err != nil {
		t.Errorf("SaveAnswersSoFar of nothing: %v", err)
	}
}

// testInterruptAnswers: the answers saved as streaming are listed, oldest
// first; interrupting some marks only those still streaming, keeps the
// text they saved, and leaves an ended answer as it ended.
func testInterruptAnswers(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustAdd(t, s, question("q1", "c1", "q", at(time.Second)), placeholder("a1", "c1", "q1", at(time.Second)))
	mustAdd(t, s, question("q2", "c1", "q", at(2*time.Second)), placeholder("a2", "c1", "q2", at(2*time.Second)))
	mustAdd(t, s, question("q3", "c1", "q", at(3*time.Second)), placeholder("a3", "c1", "q3", at(3*time.Second)))
	ended := placeholder("a3", "c1", "q3", at(3*time.Second))
	ended.Content, ended.State = "The whole answer.", chat.StateDone
	if err := s.SaveFinalAnswer(ctx, ended); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswersSoFar(ctx, []chat.AnswerSoFar{{ID: "a1", Content: "They train"}}); err != nil {
		t.Fatal(err)
	}

	ids, err := s.StreamingAnswers(ctx, 10)
	if err != nil {
		t.Fatalf("StreamingAnswers: %v", err)
	}
	if len(ids) != 2 || ids[0] != "a1" || ids[1] != "a2" {
		t.Fatalf("StreamingAnswers = %q, want [a1 a2]", ids)
	}
	if ids, err := s.StreamingAnswers(ctx, 1); err != nil || len(ids) != 1 || ids[0] != "a1" {
		t.Errorf("StreamingAnswers(1) = %q, %v; want [a1]", ids, err)
	}

	n, err := s.InterruptAnswers(ctx, []string{"a1", "a3", "gone"})
	if err != nil {
		t.Fatalf("InterruptAnswers: %v", err)
	}
	if n != 1 {
		t.Errorf("InterruptAnswers marked %d, want 1 (a1 only)", n)
	}
	if got, _ := s.Message(ctx, "a1"); got.State != chat.StateInterrupted || got.Content != "They train" {
		t.Errorf("a1 = %s %q, want interrupted with its saved text", got.State, got.Content)
	}
	if got, _ := s.Message(ctx, "a2"); got.State != chat.StateStreaming {
		t.Errorf("a2 = %s, want it still streaming: it was not asked for", got.State)
	}
	if got, _ := s.Message(ctx, "a3"); got.State != chat.StateDone || got.Content != "The whole answer." {
		t.Errorf("a3 = %s %q, want it to keep its ending", got.State, got.Content)
	}
	if n, err := s.InterruptAnswers(ctx, nil); err != nil || n != 0 {
		t.Errorf("InterruptAnswers of nothing = %d, %v", n, err)
	}
}
