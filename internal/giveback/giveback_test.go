package giveback

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// harness runs follow with a clock and a heap the test drives: each wait
// for Quiet is handed to the test as a channel it fires, and a release
// counts as a collection, as debug.FreeOSMemory makes one.
type harness struct {
	cycles    atomic.Uint64
	checked   chan uint64 // each reading of cycles by follow
	collected chan struct{}
	armed     chan chan time.Time
	released  chan struct{}
	done      chan struct{}
}

func start(t *testing.T, reclaimable uint64) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{
		collected: make(chan struct{}),
		checked:   make(chan uint64),
		armed:     make(chan chan time.Time),
		released:  make(chan struct{}),
		done:      make(chan struct{}),
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
		h.cycles.Add(1)
		select {
		case h.released <- struct{}{}:
		case <-ctx.Done():
		}
	}
	cycles := func() uint64 {
		v := h.cycles.Load()
		select {
		case h.checked <- v:
		case <-ctx.Done():
		}
		return v
	}
	go func() {
		defer close(h.done)
		follow(ctx, h.collected, after, func() uint64 { return reclaimable }, cycles, release)
	}()
	t.Cleanup(func() {
		cancel()
		<-h.done
	})
	return h
}

// collect is a collection of the runtime's own.
func (h *harness) collect(t *testing.T) {
	t.Helper()
	h.cycles.Add(1)
	step(t, "the collection taken", sent(h.collected, struct{}{}))
}

// quietAfterACollection is a collection and then Quiet without another.
func (h *harness) quietAfterACollection(t *testing.T) {
	t.Helper()
	h.collect(t)
	fire := step(t, "the wait for quiet", within(h.armed))
	fire <- time.Now()
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
	h.quietAfterACollection(t)
	step(t, "the release", within(h.released))
}

func TestACollectionDuringTheWaitStartsItAgain(t *testing.T) {
	h := start(t, Worth)
	h.collect(t)
	first := step(t, "the wait for quiet", within(h.armed))
	h.collect(t) // during the wait
	second := step(t, "a new wait after the second collection", within(h.armed))
	first <- time.Now() // the first wait is over, but the burst was not
	second <- time.Now()
	step(t, "the release", within(h.released))
}

func TestLittleToGiveBackIsLeftAlone(t *testing.T) {
	h := start(t, Worth-1)
	h.quietAfterACollection(t)
	// follow is back to waiting for a collection, without releasing.
	h.collect(t)
	select {
	case <-h.released:
		t.Fatal("released less than Worth")
	case <-h.armed:
	}
}

func TestTheReleasesOwnCollectionStartsNoWait(t *testing.T) {
	// A fragmented heap keeps free space in its spans that no release
	// gives back: were the release's own collection waited after, it
	// would be released again every Quiet.
	h := start(t, Worth)
	h.quietAfterACollection(t)
	step(t, "the release", within(h.released))
	step(t, "the count of collections read after the release", within(h.checked))
	step(t, "the release's own collection taken", sent(h.collected, struct{}{}))
	// Had that started a wait, follow would now be handing it over, not
	// reading the count to tell it from the runtime's own.
	step(t, "the count read for the release's own collection", within(h.checked))
	h.collect(t)
	step(t, "the count read for the next collection", within(h.checked))
	step(t, "the wait after the next collection of the runtime's own", within(h.armed))
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

func TestReclaimableCountsSpansMostlyFree(t *testing.T) {
	read := heapReclaimable()
	// Spans that each keep one live object in eight, the rest collected:
	// free space a collection gives back once those objects die too.
	var all, kept [][]byte
	for range 4 * Worth / 512 {
		all = append(all, make([]byte, 512))
	}
	for i := 0; i < len(all); i += 8 {
		kept = append(kept, all[i])
	}
	all = nil
	runtime.KeepAlive(all)
	runtime.GC()
	if got := read(); got < Worth {
		t.Fatalf("with spans mostly free, %d KiB reclaimable, want at least %d KiB", got>>10, Worth>>10)
	}
	runtime.KeepAlive(kept)
}
