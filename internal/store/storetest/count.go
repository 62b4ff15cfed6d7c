package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// ConversationCounter is what the web layer needs of a store beyond
// chat.Store: how many conversations a visitor has, for the cap on them
// and for "Clear all", where the sidebar's list (a page of them) is not
// the real number. chat does not use it, so it is not part of chat.Store;
// every store Rolefit runs on provides it.
type ConversationCounter interface {
	CountConversationsByVisitor(ctx context.Context, visitorID string) (int, error)
}

func testCountByVisitor(t *testing.T, h Harness) {
	s := h.New(t)
	counter, ok := s.(ConversationCounter)
	if !ok {
		t.Fatalf("%T does not count conversations (storetest.ConversationCounter)", s)
	}
	ctx := testContext(t)
	count := func(visitor string) int {
		t.Helper()
		n, err := counter.CountConversationsByVisitor(ctx, visitor)
		if err != nil {
			t.Fatalf("CountConversationsByVisitor(%q): %v", visitor, err)
		}
		return n
	}
	if n := count("v1"); n != 0 {
		t.Errorf("a visitor with none has %d", n)
	}
	// More than a page of the list, so a count taken from it would show.
	const many = 250
	for i := range many {
		mustCreate(t, s, conversation(fmt.Sprintf("c%d", i), "v1", at(time.Duration(i)*time.Second)))
	}
	mustAdd(t, s, question("q", "c0", "messages do not count", at(time.Hour)))
	mustCreate(t, s, conversation("theirs", "v2", at(0)))
	if n := count("v1"); n != many {
		t.Errorf("v1 has %d, want %d", n, many)
	}
	if n := count("v2"); n != 1 {
		t.Errorf("v2 has %d, want 1", n)
	}
	if err := s.DeleteConversation(ctx, "c0"); err != nil {
		t.Fatal(err)
	}
	if n := count("v1"); n != many-1 {
		t.Errorf("after deleting one, v1 has %d, want %d", n, many-1)
	}
	if _, err := s.DeleteConversationsByVisitor(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	if n := count("v1"); n != 0 {
		t.Errorf("after deleting all, v1 has %d", n)
	}
}
