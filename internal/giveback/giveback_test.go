package giveback

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// harness runs follow with a clock and a heap the test drives: each wait
// for Quiet is handed to the test as a channel it fires.
type harness struct {
	collected chan struct{}
	armed     chan chan time.Time
	released  chan struct{}
	done      chan struct{}
	cancel    context.CancelFunc
}

func start(t *testing.T, reclaimable uint64) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{
		collected: make(chan struct{}),
		armed:     make(chan chan time.Time),
		released:  make(chan struct{}),
		done:      make(chan struct{}),
		cancel:    cancel,
	}
	after := func(d time.Duration) <-chan time.Time {
		if d != Quiet {
			t.Errorf("waited %v, want Quiet (%v)", d, Quiet)
		}
		fire := make(chan time.Time, 1)
		select {
		case h.armed <- fire:
		case <-ctx.Done():
		}
		return fire
	}
	release := func() {
		select {
		case h.released <- struct{}{}:
		case <-ctx.Done():
		}
	}
	go func() {
		defer close(h.done)
		follow(ctx, h.collected, after, func() uint64 { return reclaimable }, release)
	}()
	t.Cleanup(func() {
		cancel()
		<-h.done
	})
	return h
}

// step does what a test expects of follow next, or fails at a deadline.
func step[T any](t *testing.T, what string, f func() (T, bool)) T {
	t.Helper()
	v, ok := f()
	if !ok {
		t.Fatalf("%s did not happen", what)
	}
	return v
}

func within[T any](c <-chan T) func() (T, bool) {
	return func() (T, bool) {
		select {
		case v := <-c:
			return v, true
		case <-time.After(10 * time.Second):
			var zero T
			return zero, false
		}
	}
}

func sent[T any](c chan<- T, v T) func() (struct{}, bool) {
	return func() (struct{}, bool) {
		select {
		case c <- v:
			return struct{}{}, true
		case <-time.After(10 * time.Second):
			return struct{}{}, false
		}
	}
}

func TestAQuietAfterACollectionGivesTheHeapBack(t *testing.T) {
	h := start(t, Worth)
	step(t, "the collection taken", sent(h.collected, struct{}{}))
	fire := step(t, "the wait for quiet", within(h.armed))
	fire <- time.Now()
	step(t, "the release", within(h.released))
}

func TestACollectionDuringTheWaitStartsItAgain(t *testing.T) {
	h := start(t, Worth)
	step(t, "the collection taken", sent(h.collected, struct{}{}))
	first := step(t, "the wait for quiet", within(h.armed))
	step(t, "a second collection taken during the wait", sent(h.collected, struct{}{}))
	second := step(t, "a new wait after the second collection", within(h.armed))
	first <- time.Now() // the first wait is over, but the burst was not
	second <- time.Now()
	step(t, "the release", within(h.released))
}

func TestLittleToGiveBackIsLeftAlone(t *testing.T) {
	h := start(t, Worth-1)
	step(t, "the collection taken", sent(h.collected, struct{}{}))
	fire := step(t, "the wait for quiet", within(h.armed))
	fire <- time.Now()
	// follow is back to waiting for a collection, without releasing.
	step(t, "the next collection taken", sent(h.collected, struct{}{}))
	select {
	case <-h.released:
		t.Fatal("released less than Worth")
	case <-h.armed:
	}
}

func TestReclaimableCountsTheGarbageABurstLeaves(t *testing.T) {
	read := heapReclaimable()
	debug.FreeOSMemory()
	if got := read(); got >= Worth {
		t.Fatalf("just after a release, %d KiB reclaimable, want less than %d KiB", got>>10, Worth>>10)
	}
	// A burst's last moments: many small objects, dropped, with no
	// collection since (none runs while nothing more is allocated).
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var keep [][]byte
	for range 4 * Worth / 512 {
		keep = append(keep, make([]byte, 512))
	}
	runtime.KeepAlive(keep)
	keep = nil
	if got := read(); got < Worth {
		t.Fatalf("after %d KiB of garbage, %d KiB reclaimable, want at least %d KiB", 4*Worth>>10, got>>10, Worth>>10)
	}
	debug.FreeOSMemory()
	if got := read(); got >= Worth {
		t.Fatalf("after the release, %d KiB reclaimable, want less than %d KiB", got>>10, Worth>>10)
	}
}
