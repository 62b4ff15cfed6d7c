package storetest

import (
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// testSetFeedback: a rating is kept with its answer, can be changed and
// taken back, survives a restart, and touches nothing else: not the
// answer's text or time, not the conversation's place in the list.
func testSetFeedback(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	q := question("q1", "c1", "What do they do?", at(time.Second))
	a := placeholder("a1", "c1", "q1", at(time.Second))
	mustAdd(t, s, q, a)
	if err := s.SaveAnswer(ctx, "a1", "They train models.", chat.StateDone, ""); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Message(ctx, "a1")
	conv := mustConversation(t, s, "c1")

	check := func(s chat.Store, when string, want *chat.Feedback) {
		t.Helper()
		got, err := s.Message(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		checkMessage(t, got, before)
		switch {
		case want == nil && got.Feedback != nil:
			t.Errorf("%s, feedback = %+v, want none", when, got.Feedback)
		case want != nil && (got.Feedback == nil || got.Feedback.Rating != want.Rating || got.Feedback.Reason != want.Reason ||
			got.Feedback.Comment != want.Comment || !sameInstant(got.Feedback.At, want.At)):
			t.Errorf("%s, feedback = %+v, want %+v", when, got.Feedback, want)
		}
		if msgs := mustMessages(t, s, "c1"); len(msgs) != 2 || msgs[0].Feedback != nil {
			t.Errorf("%s, the question has feedback: %+v", when, msgs)
		}
		if c := mustConversation(t, s, "c1"); !sameInstant(c.UpdatedAt, conv.UpdatedAt) {
			t.Errorf("%s, the conversation moved to %v, want it left at %v", when, c.UpdatedAt, conv.UpdatedAt)
		}
	}
	check(s, "before any rating", nil)

	up := &chat.Feedback{Rating: chat.RatingUp, At: at(time.Minute)}
	if err := s.SetFeedback(ctx, "a1", up); err != nil {
		t.Fatalf("SetFeedback up: %v", err)
	}
	check(s, "after a thumbs up", up)

	down := &chat.Feedback{Rating: chat.RatingDown, Reason: chat.ReasonNotFromSource, Comment: "Salaries « are » not in it", At: at(2 * time.Minute)}
	if err := s.SetFeedback(ctx, "a1", down); err != nil {
		t.Fatalf("SetFeedback down: %v", err)
	}
	check(s, "after changing to a thumbs down", down)
	if h.Reopen != nil {
		s = h.Reopen(t, s)
		check(s, "after a restart", down)
	}

	if err := s.SetFeedback(ctx, "a1", nil); err != nil {
		t.Fatalf("SetFeedback nil: %v", err)
	}
	check(s, "after taking it back", nil)

	for _, id := range []string{"nope", "q1"} {
		expectNotFound(t, "SetFeedback("+id+")", func() error { return s.SetFeedback(ctx, id, up) })
	}
}
