package gctarget

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercentKeepsGosDefaultForASmallHeapAndCapsTheGrowthOfALargeOne(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, Ceiling},
		{4 << 20, Ceiling},         // idle: Go's default
		{Headroom, Ceiling},        // the growth Go's default allows is the headroom
		{2 * Headroom, 50},         // twice as much live: half the target, the same growth
		{450 << 20, Floor},         // thousands of live answers: the floor
		{1 << 40, Floor},           // never below it
		{Headroom * 100 / 80, 80},  // in between, the growth stays at the headroom
		{Headroom*100/80 + 1, 79},  // rounded down: never more growth than the headroom
		{Headroom * 100 / 31, 31},  // just above the floor
		{Headroom*100/30 - 1, 30},  // and at it
		{Headroom*100/30 + 99, 30}, // past it
	} {
		if got := Percent(c.live); got != c.want {
			t.Errorf("Percent(%d MiB) = %d%%, want %d%%", c.live>>20, got, c.want)
		}
	}
}

func TestFollowSetsTheTargetAsTheLiveHeapGrowsAndShrinks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	collected := make(chan struct{})
	lives := make(chan uint64)
	sets := make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Both give up once the test is over, so a failed step leaves no
		// goroutine behind.
		read := func() uint64 {
			select {
			case live := <-lives:
				return live
			case <-ctx.Done():
				return 0
			}
		}
		set := func(p int) int {
			select {
			case sets <- p:
			case <-ctx.Done():
			}
			return 0
		}
		follow(ctx, collected, read, set)
	}()
	lives <- 4 << 20
	if got := <-sets; got != Ceiling {
		t.Fatalf("at start, with 4 MiB live, the target was set to %d%%, want %d%%", got, Ceiling)
	}

	// A collection reads once and then sets the target or goes back to
	// wait for the next collection: whichever of the two the test's select
	// meets says which it did.
	waiting := false
	step := func(live uint64) (set int, ok bool) {
		if !waiting {
			collected <- struct{}{}
		}
		lives <- live
		select {
		case p := <-sets:
			waiting = false
			return p, true
		case collected <- struct{}{}:
			waiting = true
			return 0, false
		}
	}
	for _, c := range []struct {
		what string
		live uint64
		want int // -1: left as it was
	}{
		{"still small", 8 << 20, -1},
		{"grown", 2 * Headroom, 50},
		{"the same heap again", 2 * Headroom, -1},
		{"a heap that wavers by a point", 2*Headroom + 1<<20, -1},
		{"thousands of live answers", 450 << 20, Floor},
		{"fewer, still a large heap", 400 << 20, -1},
		{"they ended", 6 << 20, Ceiling},
	} {
		got, ok := step(c.live)
		switch {
		case c.want < 0 && ok:
			t.Errorf("%s (%d MiB live): the target was set to %d%%, want it left as it was", c.what, c.live>>20, got)
		case c.want >= 0 && !ok:
			t.Errorf("%s (%d MiB live): the target was left as it was, want %d%%", c.what, c.live>>20, c.want)
		case ok && got != c.want:
			t.Errorf("%s (%d MiB live): the target was set to %d%%, want %d%%", c.what, c.live>>20, got, c.want)
		}
	}
	cancel()
	<-done
}

func TestFollowRefitsTheTargetAfterTheRuntimesOwnCollections(t *testing.T) {
	before := debug.SetGCPercent(Ceiling)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Follow(ctx)
	}()
	defer func() {
		cancel()
		runtime.GC() // runs the last finalizer, which sees ctx done
		<-done
	}()

	// The target follows collections the runtime makes; forced ones here,
	// until the target has moved or the deadline has passed.
	deadline := time.Now().Add(30 * time.Second)
	until := func(what string, want int) {
		t.Helper()
		for gogc() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the GC target stayed at %d%%, want %d%%", what, gogc(), want)
			}
			runtime.GC()
		}
	}
	until("a small heap", Ceiling)
	big := make([]byte, 4*Headroom) // live: the target's growth would be 4 × the headroom at 100 %
	until("after the heap grew past what 30 % covers", Floor)
	runtime.KeepAlive(big) // its last use: from here on it is garbage
	until("after it shrank back", Ceiling)
}

// gogc reads the GC target as the runtime holds it.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}
