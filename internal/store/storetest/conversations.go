package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

func testConversationRoundTrip(t *testing.T, h Harness) {
	s := h.New(t)
	plain := mustCreate(t, s, conversation("c1", "v1", at(0)))
	fit := conversation("c2", "v1", at(time.Second))
	fit.Title = "My fit check: Gen AI app developer ✓"
	fit.FitAnswers = map[string]string{"maths": "some", "build": "apps"}
	fit.UpdatedAt = at(2 * time.Second)
	mustCreate(t, s, fit)

	checkConversation(t, mustConversation(t, s, "c1"), plain)
	got := mustConversation(t, s, "c2")
	checkConversation(t, got, fit)
	if got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("times come back in %v and %v, want UTC", got.CreatedAt.Location(), got.UpdatedAt.Location())
	}
}

func testDuplicateConversation(t *testing.T, h Harness) {
	s := h.New(t)
	first := mustCreate(t, s, conversation("c1", "v1", at(0)))
	if err := s.CreateConversation(testContext(t), conversation("c1", "v2", at(time.Hour))); err == nil {
		t.Fatal("CreateConversation with an id in use succeeded")
	}
	checkConversation(t, mustConversation(t, s, "c1"), first)
}

// A conversation is started with its first question and empty answer in
// one write: either all three are stored, or none (a conversation without
// the question it was started with would show up in the list, empty).
func testCreateWithMessages(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	c := conversation("c1", "v1", at(0))
	q := question("q1", "c1", "Which role fits me?", at(time.Second))
	mustCreate(t, s, c, q, placeholder("a1", "c1", "q1", at(time.Second)))
	if got := ids(mustMessages(t, s, "c1")); !slices.Equal(got, []string{"q1", "a1"}) {
		t.Errorf("messages of a conversation created with them: %q, want q1, a1", got)
	}
	if got := mustConversation(t, s, "c1"); !sameInstant(got.UpdatedAt, at(time.Second)) {
		t.Errorf("UpdatedAt = %v, want its newest message's %v", got.UpdatedAt, at(time.Second))
	}

	// Several turns at once: each question follows the one before it
	// that is shown, as when they are added one by one.
	hidden := question("h2", "c3", "a version not shown", at(2*time.Second))
	hidden.Hidden = true
	mustCreate(t, s, conversation("c3", "v3", at(0)),
		question("h1", "c3", "first", at(time.Second)), placeholder("g1", "c3", "h1", at(time.Second)),
		hidden, placeholder("g2", "c3", "h2", at(2*time.Second)),
		question("h3", "c3", "third", at(3*time.Second)), placeholder("g3", "c3", "h3", at(3*time.Second)))
	for id, want := range map[string]string{"h1": "", "h2": "h1", "h3": "h1"} {
		if got, err := s.Message(ctx, id); err != nil || got.Follows != want {
			t.Errorf("%s follows %q (%v), want %q", id, got.Follows, err, want)
		}
	}
	if got := mustConversation(t, s, "c3"); !sameInstant(got.UpdatedAt, at(3*time.Second)) {
		t.Errorf("UpdatedAt of c3 = %v, want its newest message's %v", got.UpdatedAt, at(3*time.Second))
	}

	// The answer's id is in use: nothing of c2 may remain.
	err := s.CreateConversation(ctx, conversation("c2", "v1", at(time.Hour)),
		question("q2", "c2", "lost?", at(time.Hour)), placeholder("a1", "c2", "q2", at(time.Hour)))
	if err == nil {
		t.Fatal("CreateConversation with a message id in use succeeded")
	}
	expectNotFound(t, "the conversation whose messages failed", func() error { _, err := s.Conversation(ctx, "c2"); return err })
	expectNotFound(t, "its question", func() error { _, err := s.Message(ctx, "q2"); return err })
	if got, err := s.ConversationsByVisitor(ctx, "v1", 10); err != nil || !slices.Equal(ids(got), []string{"c1"}) {
		t.Errorf("the visitor's list after a failed start: %q, %v; want only c1", ids(got), err)
	}
}

func testConversationsByVisitorOrder(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("old", "v1", at(0)))
	mustCreate(t, s, conversation("new", "v1", at(3*time.Second)))
	// Two updated in the same instant: the one created later comes first.
	mustCreate(t, s, conversation("tie-first", "v1", at(2*time.Second)))
	mustCreate(t, s, conversation("tie-second", "v1", at(2*time.Second)))
	mustCreate(t, s, conversation("someone else's", "v2", at(time.Hour)))

	got, err := s.ConversationsByVisitor(ctx, "v1", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"new", "tie-second", "tie-first", "old"}
	if !slices.Equal(ids(got), want) {
		t.Errorf("ConversationsByVisitor = %q, want %q", ids(got), want)
	}
	if got, _ := s.ConversationsByVisitor(ctx, "v1", 2); !slices.Equal(ids(got), want[:2]) {
		t.Errorf("with limit 2 = %q, want %q", ids(got), want[:2])
	}
	if got, err := s.ConversationsByVisitor(ctx, "nobody", 10); err != nil || len(got) != 0 {
		t.Errorf("a visitor with none: %v, %v; want nothing and no error", got, err)
	}

	// A new message moves its conversation to the top.
	mustAdd(t, s, question("q", "old", "again", at(time.Minute)))
	if got, _ := s.ConversationsByVisitor(ctx, "v1", 10); len(got) == 0 || got[0].ID != "old" {
		t.Errorf("after a new message in %q: %q, want it first", "old", ids(got))
	}
}

func testRename(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustCreate(t, s, conversation("c2", "v1", at(time.Hour)))
	if err := s.RenameConversation(ctx, "c1", "Which role fits me?"); err != nil {
		t.Fatal(err)
	}
	got := mustConversation(t, s, "c1")
	if got.Title != "Which role fits me?" {
		t.Errorf("title = %q", got.Title)
	}
	if got.UpdatedAt.Before(at(time.Hour).Truncate(time.Millisecond)) || !sameInstant(got.CreatedAt, at(0)) {
		t.Errorf("after rename: created %v, updated %v; want created unchanged and updated now", got.CreatedAt, got.UpdatedAt)
	}
	if list, _ := s.ConversationsByVisitor(ctx, "v1", 10); len(list) != 2 || list[0].ID != "c1" {
		t.Errorf("after renaming c1: %q, want it first", ids(list))
	}
}

func testDelete(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("gone", "v1", at(0)))
	kept := mustCreate(t, s, conversation("kept", "v1", at(0)))
	mustAdd(t, s, question("q1", "gone", "q", at(time.Second)), placeholder("a1", "gone", "q1", at(time.Second)))
	keptQ := question("q2", "kept", "q", at(time.Second))
	mustAdd(t, s, keptQ)

	if err := s.DeleteConversation(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	expectNotFound(t, "the deleted conversation", func() error { _, err := s.Conversation(ctx, "gone"); return err })
	expectNotFound(t, "its messages", func() error { _, err := s.Message(ctx, "a1"); return err })
	expectNotFound(t, "its message list", func() error { _, err := s.Messages(ctx, "gone"); return err })
	kept.UpdatedAt = at(time.Second)
	checkConversation(t, mustConversation(t, s, "kept"), kept)
	if ms := mustMessages(t, s, "kept"); len(ms) != 1 {
		t.Errorf("the other conversation has %d messages, want 1", len(ms))
	} else {
		checkMessage(t, ms[0], keptQ)
	}
	expectNotFound(t, "deleting it again", func() error { return s.DeleteConversation(ctx, "gone") })
}

func testDeleteByVisitor(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	for _, id := range []string{"a", "b", "c"} {
		mustCreate(t, s, conversation(id, "v1", at(0)))
		mustAdd(t, s, question("q"+id, id, "q", at(time.Second)))
	}
	mustCreate(t, s, conversation("other", "v2", at(0)))
	n, err := s.DeleteConversationsByVisitor(ctx, "v1")
	if err != nil || n != 3 {
		t.Fatalf("DeleteConversationsByVisitor = %d, %v; want 3", n, err)
	}
	if list, _ := s.ConversationsByVisitor(ctx, "v1", 10); len(list) != 0 {
		t.Errorf("left: %q", ids(list))
	}
	expectNotFound(t, "a deleted conversation's message", func() error { _, err := s.Message(ctx, "qa"); return err })
	mustConversation(t, s, "other")
	if n, err := s.DeleteConversationsByVisitor(ctx, "v1"); err != nil || n != 0 {
		t.Errorf("again: %d, %v; want 0 and no error", n, err)
	}
}

func testDeleteUntouchedSince(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("old", "v1", at(0)))
	mustAdd(t, s, question("q-old", "old", "q", at(0)))
	mustCreate(t, s, conversation("boundary", "v1", at(time.Hour)))
	mustCreate(t, s, conversation("old-but-touched", "v2", at(0)))
	mustAdd(t, s, question("q-touched", "old-but-touched", "q", at(2*time.Hour)))

	n, err := s.DeleteConversationsUntouchedSince(ctx, at(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("DeleteConversationsUntouchedSince = %d, %v; want 1 (only what is strictly older)", n, err)
	}
	expectNotFound(t, "the old conversation", func() error { _, err := s.Conversation(ctx, "old"); return err })
	expectNotFound(t, "its message", func() error { _, err := s.Message(ctx, "q-old"); return err })
	mustConversation(t, s, "boundary")
	mustConversation(t, s, "old-but-touched")
}

// testIsolation: what one visitor does never reaches another's
// conversations.
func testIsolation(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	for _, v := range []string{"alice", "bob"} {
		for i := range 3 {
			id := v + string(rune('0'+i))
			mustCreate(t, s, conversation(id, v, at(time.Duration(i)*time.Second)))
			mustAdd(t, s, question("q-"+id, id, v+"'s question", at(time.Minute)),
				placeholder("a-"+id, id, "q-"+id, at(time.Minute)))
		}
	}
	bobBefore, err := s.ConversationsByVisitor(ctx, "bob", 10)
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := s.ConversationsByVisitor(ctx, "alice", 10)
	for _, c := range alice {
		if c.VisitorID != "alice" {
			t.Errorf("alice's list holds %+v", c)
		}
	}
	if err := s.RenameConversation(ctx, "alice0", "renamed"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswer(ctx, "a-alice1", "text", chat.StateDone, ""); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteConversationsByVisitor(ctx, "alice"); err != nil || n != 3 {
		t.Fatalf("DeleteConversationsByVisitor(alice) = %d, %v", n, err)
	}
	bobAfter, _ := s.ConversationsByVisitor(ctx, "bob", 10)
	if len(bobAfter) != len(bobBefore) {
		t.Fatalf("bob had %d conversations, now %d", len(bobBefore), len(bobAfter))
	}
	for i := range bobBefore {
		checkConversation(t, bobAfter[i], bobBefore[i])
		ms := mustMessages(t, s, bobBefore[i].ID)
		if len(ms) != 2 || ms[0].Content != "bob's question" || ms[1].State != chat.StateStreaming {
			t.Errorf("bob's %s now holds %+v", bobBefore[i].ID, ms)
		}
	}
}
