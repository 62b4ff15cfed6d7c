package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// testConcurrentUse is a busy instance in miniature: several visitors ask,
// answers are saved as they stream, versions are added, and pages are read,
// all at once. Every call must succeed (waiting its turn, not failing
// because another holds a lock) and nothing may be lost.
func testConcurrentUse(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	const visitors, saves, readers = 6, 20, 3
	errs := make(chan error, visitors*(saves+4)+readers*saves*2)
	var wg sync.WaitGroup
	for v := range visitors {
		wg.Go(func() {
			visitor := fmt.Sprintf("v%d", v)
			conv := "c-" + visitor
			if err := s.CreateConversation(ctx, conversation(conv, visitor, at(0))); err != nil {
				errs <- fmt.Errorf("%s: create: %w", visitor, err)
				return
			}
			q, a := "q-"+visitor, "a-"+visitor
			if err := s.AddMessages(ctx, question(q, conv, "q", at(time.Second)), placeholder(a, conv, q, at(time.Second))); err != nil {
				errs <- fmt.Errorf("%s: add: %w", visitor, err)
				return
			}
			for i := 1; i <= saves; i++ {
				state := chat.StateStreaming
				if i == saves {
					state = chat.StateDone
				}
				if err := s.SaveAnswer(ctx, a, strings.Repeat("x", i), state, ""); err != nil {
					errs <- fmt.Errorf("%s: save %d: %w", visitor, i, err)
					return
				}
			}
			if err := s.AddAnswerVersion(ctx, placeholder(a+"-2", conv, q, at(time.Minute))); err != nil {
				errs <- fmt.Errorf("%s: add version: %w", visitor, err)
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			for i := range saves {
				visitor := fmt.Sprintf("v%d", (r+i)%visitors)
				// The conversation may not exist yet: only other errors count.
				if _, err := s.Messages(ctx, "c-"+visitor); err != nil && chat.ErrorCode(err) != chat.ENOTFOUND {
					errs <- fmt.Errorf("reader %d: messages: %w", r, err)
				}
				if _, err := s.ConversationsByVisitor(ctx, visitor, 20); err != nil {
					errs <- fmt.Errorf("reader %d: list: %w", r, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for v := range visitors {
		conv := fmt.Sprintf("c-v%d", v)
		ms := mustMessages(t, s, conv)
		if len(ms) != 3 || ms[1].Content != strings.Repeat("x", saves) || ms[1].State != chat.StateDone ||
			!ms[1].Hidden || ms[2].Hidden {
			t.Errorf("%s at the end: %+v; want the question, the whole first answer (hidden) and the second version", conv, ms)
		}
	}

	// Many writers into one conversation: every message arrives, once.
	mustCreate(t, s, conversation("shared", "v0", at(0)))
	const writers = 8
	errs = make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			id := fmt.Sprintf("m%d", w)
			if err := s.AddMessages(ctx, question(id, "shared", id, at(time.Second))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ms := mustMessages(t, s, "shared"); len(ms) != writers {
		t.Errorf("%d messages in the shared conversation, want %d", len(ms), writers)
	}
}

// testRestart: everything written is there after the store is opened again,
// twice (the second time the migrations find nothing to do).
func testRestart(t *testing.T, h Harness) {
	if h.Reopen == nil {
		t.Skip("this store keeps nothing across a restart (Harness.Reopen is nil)")
	}
	s := h.New(t)
	ctx := testContext(t)
	c := conversation("c1", "v1", at(0))
	c.FitAnswers = map[string]string{"maths": "love"}
	mustCreate(t, s, c)
	q := question("q1", "c1", "Which role fits me?", at(time.Second))
	a := placeholder("a1", "c1", "q1", at(time.Second))
	mustAdd(t, s, q, a)
	if err := s.SaveAnswer(ctx, "a1", "partial", chat.StateInterrupted, "Rolefit restarted."); err != nil {
		t.Fatal(err)
	}
	a2 := placeholder("a2", "c1", "q1", at(time.Minute))
	if err := s.AddAnswerVersion(ctx, a2); err != nil {
		t.Fatal(err)
	}
	wantMsgs := mustMessages(t, s, "c1")
	wantConv := mustConversation(t, s, "c1")

	for i := range 2 {
		s = h.Reopen(t, s)
		checkConversation(t, mustConversation(t, s, "c1"), wantConv)
		got := mustMessages(t, s, "c1")
		if len(got) != len(wantMsgs) {
			t.Fatalf("reopen %d: %d messages, want %d", i+1, len(got), len(wantMsgs))
		}
		for j := range wantMsgs {
			checkMessage(t, got[j], wantMsgs[j])
		}
	}
	// And it still takes writes.
	mustAdd(t, s, question("q2", "c1", "more", at(time.Hour)))
	checkShown(t, s, "c1", "q1", "(a1)", "a2", "q2")
}
