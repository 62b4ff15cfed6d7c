package chat

import (
	"testing"
)

// A watcher that asked to be pushed to hears of each change from the
// goroutine that made it, once the change is in: text added as text only,
// the end as more than text; and nothing once it stopped listening.
func TestPushTellsOfEachChangeUntilStopped(t *testing.T) {
	prov := newScriptedProvider()
	svc, _ := newTestService(t, prov, Config{})
	ctx := testCtx(t)
	_, turn, err := svc.Start(ctx, visitor, "Which role fits me?")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	p, err := svc.Follow(ctx, visitor, turn.Answer.ConversationID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Buffered: a push must never wait, and this one cannot.
	pushed := make(chan bool, 16)
	seen := make(chan string, 16)
	defer p.Push(func(textOnly bool) {
		text, _, _, _ := p.Since(0)
		seen <- text
		pushed <- textOnly
	})()
	p.Push(func(bool) { t.Error("a push was called after it was stopped") })()

	prov.deltas <- "Machine"
	select {
	case textOnly := <-pushed:
		if !textOnly {
			t.Error("a delta was pushed as more than text")
		}
		if text := <-seen; text != "Machine" {
			t.Errorf("when the delta was pushed, the answer held %q, want it in", text)
		}
	case <-ctx.Done():
		t.Fatal("a delta was added and nothing was pushed")
	}

	close(prov.deltas)
	for ended := false; !ended; {
		select {
		case textOnly := <-pushed:
			<-seen
			ended = !textOnly
		case <-ctx.Done():
			t.Fatal("the answer ended and no push said more than text changed")
		}
	}
}
