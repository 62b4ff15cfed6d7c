package chat

import (
	"context"
	"strings"
	"testing"
	"time"
)

// thinks returns a provider that thinks (through req.OnReasoning), then
// writes answer, and ends with usage.
func thinks(thought, answer string, usage Usage, beforeAnswer <-chan struct{}) providerFunc {
	return func(ctx context.Context, req Request, onDelta func(string)) (Usage, error) {
		if req.OnReasoning != nil {
			req.OnReasoning(thought)
		}
		if beforeAnswer != nil {
			select {
			case <-beforeAnswer:
			case <-ctx.Done():
				return Usage{}, ctx.Err()
			}
		}
		if answer != "" {
			onDelta(answer)
		}
		return usage, nil
	}
}

// TestThinkingEndsTheAnswerInWordsPeopleUnderstand: the thinking is never
// the answer's text; a model that thought until its length limit, or was
// cut there mid-answer, says so instead of looking finished.
func TestThinkingEndsTheAnswerInWordsPeopleUnderstand(t *testing.T) {
	tests := []struct {
		name      string
		provider  Provider
		wantText  string
		wantState State
		wantError string
	}{
		{"thought, then answered", thinks("Let me think.", "The answer.", Usage{}, nil), "The answer.", StateDone, ""},
		{"thought until the length limit", thinks("Let me think about", "", Usage{StoppedAtLength: true}, nil),
			"", StateStopped, "still thinking when it reached its length limit"},
		{"answer cut at the length limit", thinks("Let me think.", "The ans", Usage{StoppedAtLength: true}, nil),
			"The ans", StateStopped, "cut at the length limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			svc, st := newTestService(t, tt.provider, Config{})
			_, turn, err := svc.Start(ctx, visitor, "q")
			if err != nil {
				t.Fatal(err)
			}
			svc.Wait(ctx, turn.Answer.ID)
			saved, _ := st.Message(ctx, turn.Answer.ID)
			if saved.Content != tt.wantText || saved.State != tt.wantState || !strings.Contains(saved.Error, tt.wantError) {
				t.Errorf("saved %q as %s with %q; want %q as %s saying %q",
					saved.Content, saved.State, saved.Error, tt.wantText, tt.wantState, tt.wantError)
			}
		})
	}
}

// TestThinkingIsKeptApart: the thinking is saved with the answer, apart
// from its text, and never sent to the model as history.
func TestThinkingIsKeptApart(t *testing.T) {
	ctx := testCtx(t)
	var asked []Request
	prov := providerFunc(func(ctx context.Context, req Request, onDelta func(string)) (Usage, error) {
		asked = append(asked, req)
		return thinks("Secret thought.", "Visible answer.", Usage{}, nil)(ctx, req, onDelta)
	})
	svc, st := newTestService(t, prov, Config{})
	c, turn, err := svc.Start(ctx, visitor, "q1")
	if err != nil {
		t.Fatal(err)
	}
	svc.Wait(ctx, turn.Answer.ID)
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if saved.Content != "Visible answer." || saved.Reasoning != "Secret thought." {
		t.Errorf("saved text %q, reasoning %q; want them apart", saved.Content, saved.Reasoning)
	}
	turn2, err := svc.Ask(ctx, visitor, c.ID, "q2")
	if err != nil {
		t.Fatal(err)
	}
	svc.Wait(ctx, turn2.Answer.ID)
	for _, pm := range asked[len(asked)-1].Messages {
		if strings.Contains(pm.Content, "Secret thought") {
			t.Errorf("the thinking was sent back as history: %q", pm.Content)
		}
	}
}

// TestThinkingIsNotSilence: a model that thinks for longer than the
// first-token timeout before answering is alive, not timed out.
func TestThinkingIsNotSilence(t *testing.T) {
	ctx := testCtx(t)
	release := make(chan struct{})
	cfg := Config{FirstTokenTimeout: 50 * time.Millisecond, StallTimeout: time.Minute}
	svc, st := newTestService(t, thinks("Thinking hard.", "Answer.", Usage{}, release), cfg)
	c, turn, err := svc.Start(ctx, visitor, "q")
	if err != nil {
		t.Fatal(err)
	}
	// Hold the answer back well past the first-token timeout (unless the
	// answer ends first, as it does when thinking is taken for silence).
	p, err := svc.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.NewTimer(4 * cfg.FirstTokenTimeout)
	defer deadline.Stop()
	for {
		_, _, final, more := p.Since(0)
		if final {
			break
		}
		select {
		case <-more:
			continue
		case <-deadline.C:
		}
		break
	}
	close(release)
	svc.Wait(ctx, turn.Answer.ID)
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if saved.State != StateDone || saved.Content != "Answer." {
		t.Errorf("saved %q as %s (%q), want the answer done", saved.Content, saved.State, saved.Error)
	}
}
