package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// shown returns "id" for a shown message and "(id)" for a hidden one, in
// the conversation's order.
func shown(t *testing.T, s chat.Store, conversationID string) []string {
	t.Helper()
	var out []string
	for _, m := range mustMessages(t, s, conversationID) {
		if m.Hidden {
			out = append(out, "("+m.ID+")")
		} else {
			out = append(out, m.ID)
		}
	}
	return out
}

func checkShown(t *testing.T, s chat.Store, conversationID string, want ...string) {
	t.Helper()
	if got := shown(t, s, conversationID); !slices.Equal(got, want) {
		t.Errorf("messages of %s = %q, want %q (hidden in parentheses)", conversationID, got, want)
	}
}

func testAddAnswerVersion(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustAdd(t, s, question("q1", "c1", "first", at(time.Second)), placeholder("a1", "c1", "q1", at(time.Second)))
	mustAdd(t, s, question("q2", "c1", "second", at(2*time.Second)), placeholder("b1", "c1", "q2", at(2*time.Second)))

	v2 := placeholder("b2", "c1", "q2", at(time.Minute))
	if err := s.AddAnswerVersion(ctx, v2); err != nil {
		t.Fatal(err)
	}
	checkShown(t, s, "c1", "q1", "a1", "q2", "(b1)", "b2")
	got, err := s.Message(ctx, "b2")
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, got, v2)
	if c := mustConversation(t, s, "c1"); !sameInstant(c.UpdatedAt, at(time.Minute)) {
		t.Errorf("UpdatedAt = %v, want the new version's time %v", c.UpdatedAt, at(time.Minute))
	}

	// A version given as hidden is still the one shown.
	v3 := placeholder("b3", "c1", "q2", at(2*time.Minute))
	v3.Hidden = true
	if err := s.AddAnswerVersion(ctx, v3); err != nil {
		t.Fatal(err)
	}
	checkShown(t, s, "c1", "q1", "a1", "q2", "(b1)", "(b2)", "b3")

	// A version of an earlier question hides only that question's answers.
	if err := s.AddAnswerVersion(ctx, placeholder("a2", "c1", "q1", at(3*time.Minute))); err != nil {
		t.Fatal(err)
	}
	checkShown(t, s, "c1", "q1", "(a1)", "q2", "(b1)", "(b2)", "b3", "a2")
}

// testAddAnswerVersionFailsWhole: a version that cannot be added leaves the
// versions as they were; in particular the one shown stays shown.
func testAddAnswerVersionFailsWhole(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustCreate(t, s, conversation("c2", "v1", at(0)))
	mustAdd(t, s, question("q1", "c1", "q", at(time.Second)), placeholder("a1", "c1", "q1", at(time.Second)))
	mustAdd(t, s, question("q9", "c2", "q", at(time.Second)))
	tests := []struct {
		name   string
		answer chat.Message
	}{
		{"an id in use", placeholder("a1", "c1", "q1", at(time.Hour))},
		{"an id in use by another conversation", placeholder("q9", "c1", "q1", at(time.Hour))},
		{"a question of another conversation", placeholder("a2", "c1", "q9", at(time.Hour))},
		{"no question", placeholder("a2", "c1", "", at(time.Hour))},
	}
	for _, tt := range tests {
		if err := s.AddAnswerVersion(ctx, tt.answer); err == nil {
			t.Errorf("AddAnswerVersion with %s succeeded", tt.name)
		}
		checkShown(t, s, "c1", "q1", "a1")
		if c := mustConversation(t, s, "c1"); !sameInstant(c.UpdatedAt, at(time.Second)) {
			t.Errorf("after AddAnswerVersion with %s failed, UpdatedAt = %v, want %v", tt.name, c.UpdatedAt, at(time.Second))
		}
	}
}

func testShowAnswer(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustAdd(t, s, question("q1", "c1", "q", at(time.Second)), placeholder("a1", "c1", "q1", at(time.Second)))
	mustAdd(t, s, question("q2", "c1", "q", at(2*time.Second)), placeholder("b1", "c1", "q2", at(2*time.Second)))
	for i := 2; i <= 3; i++ {
		id := fmt.Sprintf("a%d", i)
		if err := s.AddAnswerVersion(ctx, placeholder(id, "c1", "q1", at(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	checkShown(t, s, "c1", "q1", "(a1)", "q2", "b1", "(a2)", "a3")
	for _, tt := range []struct {
		id   string
		want []string
	}{
		{"a1", []string{"q1", "a1", "q2", "b1", "(a2)", "(a3)"}},
		{"a2", []string{"q1", "(a1)", "q2", "b1", "a2", "(a3)"}},
		{"a2", []string{"q1", "(a1)", "q2", "b1", "a2", "(a3)"}}, // showing the shown one changes nothing
		{"b1", []string{"q1", "(a1)", "q2", "b1", "a2", "(a3)"}},
	} {
		if err := s.ShowAnswer(ctx, tt.id); err != nil {
			t.Fatalf("ShowAnswer(%s): %v", tt.id, err)
		}
		checkShown(t, s, "c1", tt.want...)
	}
}
