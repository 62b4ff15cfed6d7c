package cores

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestNextTakesACoreOnlyWhenBusyAndOneIsFree(t *testing.T) {
	for _, c := range []struct {
		what       string
		n, most    int
		used, idle float64
		want       int
	}{
		{"idle on one core", 1, 2, 0.02, 1.9, 1},
		{"a few chats: one core is enough", 1, 2, 0.5, 1.4, 1},
		{"busy, and the machine has a core free", 1, 2, 0.95, 1.0, 2},
		{"busy, but the other core runs the model", 1, 2, 0.95, 0.1, 1},
		{"busy, the machine's idle time unknown", 1, 2, 0.95, -1, 2},
		{"busy on every core it may use", 2, 2, 1.9, 0.1, 2},
		{"busy on two of eight, with cores free", 2, 8, 1.8, 5, 3},
		{"the load ended", 2, 2, 0.1, 1.8, 1},
		{"the work would fill most of one core fewer", 2, 2, 0.9, 1.0, 2},
		{"it fits in one core fewer with room", 3, 8, 1.1, 5, 2},
		{"never below one", 1, 2, 0, 2, 1},
		{"never above the most", 2, 2, 2, 2, 2},
	} {
		if got := Next(c.n, c.most, c.used, c.idle); got != c.want {
			t.Errorf("%s: Next(%d, most %d, used %.2f, idle %.2f) = %d, want %d", c.what, c.n, c.most, c.used, c.idle, got, c.want)
		}
	}
}

// follower runs follow against a clock and machine the test drives: each
// signal (a collection, or the recheck follow asked for) is followed by
// the usage follow reads then.
type follower struct {
	collected chan struct{}
	recheck   chan time.Time
	usage     chan Usage
	events    chan string // "set N" and "recheck" (follow asked to be woken), in order
	at        Usage
}

func startFollower(t *testing.T, most int, idleKnown bool) *follower {
	t.Helper()
	f := &follower{
		collected: make(chan struct{}), recheck: make(chan time.Time), usage: make(chan Usage),
		events: make(chan string, 16), at: Usage{At: time.Unix(1000, 0), CPU: time.Second, Idle: -1},
	}
	if idleKnown {
		f.at.Idle = time.Hour
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	after := func(d time.Duration) <-chan time.Time {
		if d != recheck {
			t.Errorf("follow asked to be woken after %v, want %v", d, recheck)
		}
		f.events <- "recheck"
		return f.recheck
	}
	set := func(n int) int {
		f.events <- fmt.Sprintf("set %d", n)
		return 0
	}
	go func() {
		defer close(done)
		follow(ctx, f.collected, after, func() Usage { return <-f.usage }, f.at, most, set)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return f
}

// step signals follow (a collection, or its recheck) and lets it read a
// usage wall later, in which the process used cpu and the machine's cores
// were idle for idle (< 0: not known).
func (f *follower) step(t *testing.T, recheck bool, wall time.Duration, used, idle float64) {
	t.Helper()
	if recheck {
		f.recheck <- time.Time{}
	} else {
		f.collected <- struct{}{}
	}
	next := Usage{At: f.at.At.Add(wall), CPU: f.at.CPU + time.Duration(used*float64(wall)), Idle: -1}
	if idle >= 0 && f.at.Idle >= 0 {
		next.Idle = f.at.Idle + time.Duration(idle*float64(wall))
	}
	f.usage <- next
	f.at = next
}

// expect checks what follow did next, in order.
func (f *follower) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-f.events:
			if got != w {
				t.Fatalf("follow did %q, want %q", got, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("follow did nothing, want %q", w)
		}
	}
}

// quiet checks that follow, on one core, did nothing after the decision
// of the last step. Follow takes a signal only once back at its select,
// so by then everything it did for that step is in events; the usage it
// is then given is the same one again, no time later, which it skips.
func (f *follower) quiet(t *testing.T) {
	t.Helper()
	f.collected <- struct{}{}
	f.usage <- f.at
	select {
	case got := <-f.events:
		t.Fatalf("follow did %q, want nothing", got)
	default:
	}
}

func TestFollowStartsOnOneCoreAndTakesMoreOnlyAsTheLoadNeedsThem(t *testing.T) {
	f := startFollower(t, 2, true)
	f.expect(t, "set 1")

	f.step(t, false, 50*time.Millisecond, 1, 2) // too short a while to judge
	f.step(t, false, 200*time.Millisecond, 0.4, 1.5)
	f.quiet(t) // one core is enough: no change, and no timer while on one
	f.step(t, false, 200*time.Millisecond, 0.95, 0.1)
	f.quiet(t) // busy, but no core is free
	f.step(t, false, 300*time.Millisecond, 0.95, 0.9)
	f.expect(t, "set 2", "recheck")

	// On two cores it rechecks every second, collections or not.
	f.step(t, true, time.Second, 1.7, 0.2)
	f.expect(t, "recheck")
	f.step(t, false, 150*time.Millisecond, 1.7, 0.2)
	f.expect(t, "recheck")
	f.step(t, true, time.Second, 0.2, 1.8) // the load ended
	f.expect(t, "set 1")
	f.step(t, false, time.Second, 0.01, 1.9)
	f.quiet(t)
}

func TestFollowTakesACoreWhenTheMachinesIdleTimeIsUnknown(t *testing.T) {
	f := startFollower(t, 4, false)
	f.expect(t, "set 1")
	f.step(t, false, 200*time.Millisecond, 0.9, -1)
	f.expect(t, "set 2", "recheck")
	f.step(t, true, time.Second, 1.8, -1)
	f.expect(t, "set 3", "recheck")
	f.step(t, true, time.Second, 2.7, -1)
	f.expect(t, "set 4", "recheck")
	f.step(t, true, time.Second, 3.9, -1)
	f.expect(t, "recheck") // the most it may use
}

func TestSetCollectsBeforeGivingACoreBackOnly(t *testing.T) {
	before := runtime.GOMAXPROCS(2)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })
	// Only forced collections: one the runtime starts of itself would be
	// counted as set's.
	gc := debug.SetGCPercent(-1)
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	cycles := func() uint32 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.NumGC
	}

	n := cycles()
	if prev := set(1); prev != 2 {
		t.Errorf("set(1) found %d cores, want 2", prev)
	}
	if runtime.GOMAXPROCS(0) != 1 || cycles() == n {
		t.Errorf("after set(1): %d cores, %d collections; want 1 core and a collection before it was given back", runtime.GOMAXPROCS(0), cycles()-n)
	}
	n = cycles()
	set(2)
	if runtime.GOMAXPROCS(0) != 2 || cycles() != n {
		t.Errorf("after set(2): %d cores, %d collections; want 2 cores and none: taking a core strands nothing", runtime.GOMAXPROCS(0), cycles()-n)
	}
}
