package storetest

import (
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// branched builds, in conversation c1 of visitor v1:
//
//	q1 a1 q2 a2 q3 a3, then q2 edited as p2 (answer b2), then p4 b4
//	asked after it
//
// so the shown branch is q1 a1 p2 b2 p4 b4 and q2's branch (q2 a2 q3
// a3) is hidden.
func branched(t *testing.T, s chat.Store) {
	t.Helper()
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	for i, id := range []string{"1", "2", "3"} {
		when := at(time.Duration(i+1) * time.Second)
		mustAdd(t, s, question("q"+id, "c1", "question "+id, when), placeholder("a"+id, "c1", "q"+id, when))
	}
	if err := s.AddQuestionVersion(ctx, "q2", question("p2", "c1", "question 2, edited", at(time.Minute)),
		placeholder("b2", "c1", "p2", at(time.Minute))); err != nil {
		t.Fatalf("AddQuestionVersion: %v", err)
	}
	mustAdd(t, s, question("p4", "c1", "question 4", at(2*time.Minute)), placeholder("b4", "c1", "p4", at(2*time.Minute)))
}

func testAddQuestionVersion(t *testing.T, h Harness) {
	s := h.New(t)
	branched(t, s)
	checkShown(t, s, "c1", "q1", "a1", "(q2)", "(a2)", "(q3)", "(a3)", "p2", "b2", "p4", "b4")
	got, err := s.Message(testContext(t), "p2")
	if err != nil {
		t.Fatal(err)
	}
	want := question("p2", "c1", "question 2, edited", at(time.Minute))
	checkMessage(t, got, want)
	if got.Follows != "q1" {
		t.Errorf("p2 follows %q, want q1, as the question it is a version of", got.Follows)
	}
	if got, _ := s.Message(testContext(t), "p4"); got.Follows != "p2" {
		t.Errorf("p4 follows %q, want p2: a question asked goes on along the branch shown", got.Follows)
	}
	if c := mustConversation(t, s, "c1"); !sameInstant(c.UpdatedAt, at(2*time.Minute)) {
		t.Errorf("UpdatedAt = %v, want %v", c.UpdatedAt, at(2*time.Minute))
	}
}

// testShowQuestion: switching a question's version switches everything
// after it, and each branch keeps the versions that were shown on it.
func testShowQuestion(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	branched(t, s)
	// On the edited branch, p4's answer gets a second version, shown.
	if err := s.AddAnswerVersion(ctx, placeholder("b4v2", "c1", "p4", at(3*time.Minute))); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		id   string
		want []string
	}{
		{"q2", []string{"q1", "a1", "q2", "a2", "q3", "a3", "(p2)", "(b2)", "(p4)", "(b4)", "(b4v2)"}},
		{"q2", []string{"q1", "a1", "q2", "a2", "q3", "a3", "(p2)", "(b2)", "(p4)", "(b4)", "(b4v2)"}},
		{"p2", []string{"q1", "a1", "(q2)", "(a2)", "(q3)", "(a3)", "p2", "b2", "p4", "(b4)", "b4v2"}},
	}
	for _, st := range steps {
		if err := s.ShowQuestion(ctx, st.id); err != nil {
			t.Fatalf("ShowQuestion(%s): %v", st.id, err)
		}
		checkShown(t, s, "c1", st.want...)
	}

	// A branch within a branch: q3 edited on q2's branch.
	if err := s.ShowQuestion(ctx, "q2"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddQuestionVersion(ctx, "q3", question("r3", "c1", "question 3, edited", at(4*time.Minute)),
		placeholder("c3", "c1", "r3", at(4*time.Minute))); err != nil {
		t.Fatal(err)
	}
	checkShown(t, s, "c1", "q1", "a1", "q2", "a2", "(q3)", "(a3)", "(p2)", "(b2)", "(p4)", "(b4)", "(b4v2)", "r3", "c3")
	if err := s.ShowQuestion(ctx, "p2"); err != nil {
		t.Fatal(err)
	}
	checkShown(t, s, "c1", "q1", "a1", "(q2)", "(a2)", "(q3)", "(a3)", "p2", "b2", "p4", "(b4)", "b4v2", "(r3)", "(c3)")
	if err := s.ShowQuestion(ctx, "q2"); err != nil {
		t.Fatal(err)
	}
	checkShown(t, s, "c1", "q1", "a1", "q2", "a2", "(q3)", "(a3)", "(p2)", "(b2)", "(p4)", "(b4)", "(b4v2)", "r3", "c3")

	for _, id := range []string{"missing", "a1"} {
		if err := s.ShowQuestion(ctx, id); chat.ErrorCode(err) != chat.ENOTFOUND {
			t.Errorf("ShowQuestion(%s) = %v, want not found", id, err)
		}
	}
}

// testAddQuestionVersionFailsWhole: a version that cannot be added leaves
// the conversation as it was.
func testAddQuestionVersionFailsWhole(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustCreate(t, s, conversation("c2", "v1", at(0)))
	mustAdd(t, s, question("q1", "c1", "q", at(time.Second)), placeholder("a1", "c1", "q1", at(time.Second)))
	mustAdd(t, s, question("q9", "c2", "q", at(time.Second)))
	tests := []struct {
		name string
		of   string
		q    chat.Message
	}{
		{"a question of another conversation", "q9", question("p1", "c1", "q", at(time.Hour))},
		{"an answer", "a1", question("p1", "c1", "q", at(time.Hour))},
		{"an id in use", "q1", question("a1", "c1", "q", at(time.Hour))},
	}
	for _, tt := range tests {
		err := s.AddQuestionVersion(ctx, tt.of, tt.q, placeholder("b1", "c1", tt.q.ID, at(time.Hour)))
		if err == nil {
			t.Errorf("AddQuestionVersion of %s succeeded", tt.name)
		}
		checkShown(t, s, "c1", "q1", "a1")
		if c := mustConversation(t, s, "c1"); !sameInstant(c.UpdatedAt, at(time.Second)) {
			t.Errorf("after AddQuestionVersion of %s failed, UpdatedAt = %v", tt.name, c.UpdatedAt)
		}
	}
}

// testLatestMessagesOfABranch: a page shows the branch shown, with the
// hidden versions of its questions (for the switcher) but nothing of the
// branches not shown.
func testLatestMessagesOfABranch(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	branched(t, s)
	for _, tt := range []struct {
		before   string
		limit    int
		want     []string
		wantMore bool
	}{
		{"", 100, []string{"q1", "a1", "q2", "p2", "b2", "p4", "b4"}, false},
		{"", 2, []string{"p4", "b4"}, true},
		{"p4", 2, []string{"q2", "p2", "b2"}, true},
	} {
		got, more, err := s.LatestMessages(ctx, "c1", tt.before, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if g := ids(got); !equal(g, tt.want) || more != tt.wantMore {
			t.Errorf("LatestMessages(before %q, %d) = %q, more %v; want %q, more %v", tt.before, tt.limit, g, more, tt.want, tt.wantMore)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
