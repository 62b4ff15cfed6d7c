package chat

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestServiceLeavesNoGoroutines runs answers to each way they end (done
// while watched, stopped, failed, timed out before the first token,
// abandoned by a watcher, interrupted by shutdown) and checks that once
// the service is shut down none of its goroutines is left: not a
// generator, a watchdog, a saver or a watcher.
func TestServiceLeavesNoGoroutines(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, _ := newTestService(t, prov, Config{SaveEvery: 5 * time.Millisecond})

	// Done, followed by a watcher from start to end.
	c, turn, err := svc.Start(ctx, visitor, "one")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	p, err := svc.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	watched := make(chan string)
	go func() { text, _ := follow(t, ctx, p, 0); watched <- text }()
	prov.deltas <- "a whole "
	prov.deltas <- "answer"
	close(prov.deltas)
	if got := <-watched; got != "a whole answer" {
		t.Errorf("watcher read %q", got)
	}
	svc.Wait(ctx, turn.Answer.ID)

	// Stopped mid-answer.
	prov.deltas = make(chan string)
	turn2, err := svc.Ask(ctx, visitor, c.ID, "two")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "half"
	if err := svc.Stop(ctx, visitor, c.ID, turn2.Answer.ID); err != nil {
		t.Fatal(err)
	}
	<-prov.cancelled

	// Failed by the provider after some text.
	prov.deltas = make(chan string)
	prov.end = &ProviderError{Kind: FailCut}
	turn3, err := svc.Ask(ctx, visitor, c.ID, "three")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "cut"
	close(prov.deltas)
	svc.Wait(ctx, turn3.Answer.ID)

	// Abandoned: its only watcher leaves; it finishes anyway.
	prov.deltas = make(chan string)
	prov.end = nil
	turn4, err := svc.Ask(ctx, visitor, c.ID, "four")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	watchCtx, leave := context.WithCancel(ctx)
	if _, err := svc.Follow(watchCtx, visitor, c.ID, turn4.Answer.ID); err != nil {
		t.Fatal(err)
	}
	prov.deltas <- "nobody "
	leave()
	prov.deltas <- "watches"
	close(prov.deltas)
	svc.Wait(ctx, turn4.Answer.ID)

	// Interrupted: still generating when shutdown's grace runs out.
	prov.deltas = make(chan string)
	if _, err := svc.Ask(ctx, visitor, c.ID, "five"); err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "in flight"
	expired, cancel := context.WithCancel(ctx)
	cancel()
	svc.Shutdown(expired)
	<-prov.cancelled

	// A service whose model never starts: the first-token watchdog ends it.
	slow := newScriptedProvider()
	svc2, _ := newTestService(t, slow, Config{FirstTokenTimeout: 20 * time.Millisecond})
	_, turn6, err := svc2.Start(ctx, visitor, "six")
	if err != nil {
		t.Fatal(err)
	}
	<-slow.requests
	<-slow.cancelled
	svc2.Wait(ctx, turn6.Answer.ID)
	svc2.Shutdown(ctx)

	goleak.VerifyNone(t, ignore)
}
