package chat

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// cutAnswer starts a conversation whose answer the model cuts at its
// length limit after text, and waits for it to end.
func cutAnswer(t *testing.T, svc *Service, prov *scriptedProvider, text string) (Conversation, Message) {
	t.Helper()
	ctx := testCtx(t)
	prov.usage = Usage{StoppedAtLength: true}
	c, turn, err := svc.Start(ctx, visitor, "Tell me everything.")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- text
	close(prov.deltas)
	if err := svc.Wait(ctx, turn.Answer.ID); err != nil {
		t.Fatal(err)
	}
	prov.deltas, prov.usage = make(chan string), Usage{}
	m, err := svc.store.Message(ctx, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c, m
}

// TestContinueAppendsToTheSameAnswer: an answer the model cut at its
// length limit can be continued; the model is sent the history, the cut
// answer and an instruction to go on, and the new text is appended to the
// same answer, its offsets going on from where the cut one ended, saved
// while it streams and at its end.
func TestContinueAppendsToTheSameAnswer(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{SaveEvery: 5 * time.Millisecond})
	const first = "ML engineers train models and"
	c, cut := cutAnswer(t, svc, prov, first)
	if !CanContinue(cut) || cut.State != StateStopped || cut.Meta == nil || cut.Meta.Ending != EndLength {
		t.Fatalf("the cut answer is %s (%q), meta %+v; want it stopped at the length limit, continuable", cut.State, cut.Error, cut.Meta)
	}

	m, err := svc.Continue(ctx, visitor, c.ID, cut.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != cut.ID || m.State != StateStreaming || m.Content != first {
		t.Errorf("Continue gave %s %s %q; want the same answer streaming from its text", m.ID, m.State, m.Content)
	}
	req := <-prov.requests
	n := len(req.Messages)
	if n != 4 || req.Messages[1] != (PromptMessage{RoleUser, "Tell me everything."}) ||
		req.Messages[2] != (PromptMessage{RoleAssistant, first}) || req.Messages[3].Role != RoleUser ||
		!strings.Contains(req.Messages[3].Content, "Continue") || !strings.Contains(req.Messages[3].Content, "repeat") {
		t.Errorf("continue request = %+v; want system, question, the cut answer, and an instruction to go on without repeating", req.Messages)
	}
	p, err := svc.Follow(ctx, visitor, c.ID, cut.ID)
	if err != nil {
		t.Fatal(err)
	}
	prov.deltas <- " ship them"
	for { // the periodic save has the whole answer so far
		saved, _ := st.Message(ctx, cut.ID)
		if saved.Content == first+" ship them" {
			if saved.State != StateStreaming {
				t.Errorf("saved mid-way as %s", saved.State)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the continued answer was never saved while streaming")
		case <-time.After(time.Millisecond): // polling a store, not synchronising goroutines
		}
	}
	go func() {
		prov.deltas <- " to production."
		close(prov.deltas)
	}()
	got, final := follow(t, ctx, p, len(first))
	if got != " ship them to production." {
		t.Errorf("a watcher resuming at the cut's end read %q; want only the new text", got)
	}
	want := first + " ship them to production."
	if final.ID != cut.ID || final.Content != want || final.State != StateDone {
		t.Errorf("final %s %q %s; want the same answer, whole, done", final.ID, final.Content, final.State)
	}
	svc.Wait(ctx, cut.ID)
	saved, _ := st.Message(ctx, cut.ID)
	if saved.Content != want || saved.State != StateDone || saved.Error != "" || CanContinue(saved) {
		t.Errorf("saved %q as %s (%q); want the whole answer done", saved.Content, saved.State, saved.Error)
	}
	if saved.Meta == nil || saved.Meta.Continued != 1 || saved.Meta.Ending != EndDone {
		t.Errorf("meta %+v; want it to say the answer was continued once and ended done", saved.Meta)
	}
	_, msgs, _ := svc.Conversation(ctx, visitor, c.ID)
	if len(msgs) != 2 {
		t.Errorf("the conversation has %d messages; want the question and the one answer", len(msgs))
	}
}

// TestContinueOnlyACutAnswerOfYours: another visitor's answer is not
// found; an answer that was not cut, or is still being written, cannot be
// continued.
func TestContinueOnlyACutAnswerOfYours(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, _ := newTestService(t, prov, Config{})
	c, cut := cutAnswer(t, svc, prov, "Half")
	if _, err := svc.Continue(ctx, "OTHERVISITORAAAAAAAAAAAAAA", c.ID, cut.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another visitor continuing: %v; want not found", err)
	}
	if _, err := svc.Continue(ctx, visitor, c.ID, cut.ID); err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	if _, err := svc.Continue(ctx, visitor, c.ID, cut.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("continuing an answer being written: %v; want a conflict", err)
	}
	close(prov.deltas)
	svc.Wait(ctx, cut.ID)
	if _, err := svc.Continue(ctx, visitor, c.ID, cut.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("continuing a finished answer: %v; want a conflict", err)
	}
}

// TestThinkingStreamsLive: a watcher sees the thinking while the model
// thinks, apart from the text, and the periodic save keeps it.
func TestThinkingStreamsLive(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	prov.thoughts = make(chan string)
	svc, st := newTestService(t, prov, Config{SaveEvery: 5 * time.Millisecond})
	clock := handClock(svc)
	c, turn, err := svc.Start(ctx, visitor, "q")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	p, err := svc.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, more := p.Since(0)
	clock.advance(300 * time.Millisecond)
	prov.thoughts <- "Let me think."
	<-more // thinking wakes the watchers
	if th, next := p.Reasoning(0); th != "Let me think." || next != len(th) {
		t.Errorf("live thinking %q up to %d", th, next)
	}
	if text, _, final, _ := p.Since(0); text != "" || final {
		t.Errorf("the thinking reached the text: %q (final %v)", text, final)
	}
	for {
		saved, _ := st.Message(ctx, turn.Answer.ID)
		if saved.Reasoning == "Let me think." {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the thinking was never saved while the model thought")
		case <-time.After(time.Millisecond): // polling a store, not synchronising goroutines
		}
	}
	clock.advance(700 * time.Millisecond)
	prov.deltas <- "Answer."
	close(prov.deltas)
	svc.Wait(ctx, turn.Answer.ID)
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if saved.Meta == nil || saved.Meta.FirstReasoningMS != 300 || saved.Meta.FirstTokenMS != 1000 {
		t.Errorf("meta %+v; want the first thinking at 300 ms and the first answer token at 1000 ms", saved.Meta)
	}
}

// TestCanContinue: the recorded ending decides; without a record (answer
// details off), the words the answer was cut with do.
func TestCanContinue(t *testing.T) {
	cut := Message{Role: RoleAssistant, State: StateStopped, Content: "Half"}
	tests := []struct {
		name string
		m    func(Message) Message
		want bool
	}{
		{"recorded as cut", func(m Message) Message { m.Meta = &AnswerMeta{Ending: EndLength}; return m }, true},
		{"recorded as stopped by the person", func(m Message) Message {
			m.Meta, m.Error = &AnswerMeta{Ending: EndStopped}, lengthCutMessage
			return m
		}, false},
		{"no record, cut by the model", func(m Message) Message { m.Error = lengthCutMessage; return m }, true},
		{"no record, cut by the cap", func(m Message) Message { m.Error = capCutMessage; return m }, true},
		{"no record, stopped", func(m Message) Message { return m }, false},
		{"no text", func(m Message) Message { m.Content, m.Meta = "", &AnswerMeta{Ending: EndLength}; return m }, false},
		{"interrupted since", func(m Message) Message {
			m.State, m.Meta = StateInterrupted, &AnswerMeta{Ending: EndLength}
			return m
		}, false},
	}
	for _, tt := range tests {
		if got := CanContinue(tt.m(cut)); got != tt.want {
			t.Errorf("%s: CanContinue = %v, want %v", tt.name, got, tt.want)
		}
	}
}
