// Package cores fits how many cores Go runs goroutines on at once
// (GOMAXPROCS) to the work there is and to the cores the machine has free.
//
// Go's default is a core for every core the machine (or its container)
// has. For a chat server that is idle most of the time and relays a delta
// every few milliseconds, a second core is mostly a cost: each goroutine
// made ready wakes another thread that looks for work and goes back to
// sleep, and on a machine that also runs the model, the database or the
// visitors' own load, those threads take CPU from what the answers wait
// for. On Rolefit's two-core machine, with the model on it, one core
// instead of two spent less CPU per chat from one to 200 chats (a fifth
// less at one) and brought the first token at one chat within about a
// millisecond of the model's (README, Performance). So the process starts
// on one core and takes another when its cores are busy and the machine
// has one free, up to the default, and gives one back when the work fits
// in fewer.
package cores

import (
	"context"
	"runtime"
	"time"

	"github.com/rolefit/rolefit/internal/gccycles"
)

// most is GOMAXPROCS as the runtime set it at start-up, before Follow
// changes it: the machine's cores or the container's CPU limit, or the
// GOMAXPROCS environment variable.
var most = runtime.GOMAXPROCS(0)

// Most is how many cores the process may use at most: what the runtime
// chose at start-up. Work sized to the cores (how many pages are made at
// once) is sized to this, not to how many are in use at the moment.
func Most() int { return most }

const (
	// Busy is the share of its cores' time the process uses at which its
	// work is taken to want one more.
	Busy = 0.85
	// Free is how many cores the machine must have had idle for the
	// process to take one more: one that is busy with another process
	// would only be shared with it.
	Free = 0.5
	// Fits is the share of one core fewer that the work may fill for the
	// process to give one back. Between Fits and Busy nothing changes, so
	// the count does not go up and down with work that wavers.
	Fits = 0.6
)

// Next is how many cores to use after n, for a process that used used
// cores' worth of CPU over a while in which the machine's cores were idle
// for idle cores' worth (idle < 0: not known, taken as free).
func Next(n, most int, used, idle float64) int {
	switch {
	case n < most && used >= Busy*float64(n) && (idle < 0 || idle >= Free):
		return n + 1
	case n > 1 && used <= Fits*float64(n-1):
		return n - 1
	}
	return n
}

// Usage is the process's CPU time and the machine's idle time so far.
type Usage struct {
	At   time.Time
	CPU  time.Duration // the process's, user and system, on all its threads
	Idle time.Duration // the machine's cores' idle time, added up; < 0: not known
}

const (
	// window is the least time measured for a decision: /proc/stat
	// counts in hundredths of a second.
	window = 100 * time.Millisecond
	// recheck is how often the count is looked at, while above one core,
	// when no collection comes: a process whose load ended collects
	// rarely.
	recheck = time.Second
)

// Follow starts the process on one core and fits the count, after each
// garbage collection and, while above one core, every second, until ctx
// is done. It is for a process that leaves GOMAXPROCS unset: when set, it
// is the operator's choice, and wins. Where the process's usage cannot be
// read, it leaves the count alone.
func Follow(ctx context.Context) {
	u, ok := readUsage()
	if !ok {
		return
	}
	follow(ctx, gccycles.After(ctx), time.After, func() Usage { u, _ := readUsage(); return u }, u, most, set)
}

// set sets the count. Before giving a core back it collects: the runtime
// queues the cleanups a sweep finds (runtime.AddCleanup, which the
// standard library uses for TLS session caches, the pipes of splice and
// more) on the core that swept, and a core taken away keeps those it
// holds until it comes back; a collection ends with every core's handed
// on. (A collection that starts between the two may still leave a few
// there, until the next time the process takes a core.)
func set(n int) int {
	if n < runtime.GOMAXPROCS(0) {
		runtime.GC()
	}
	return runtime.GOMAXPROCS(n)
}

// follow sets one core with set, then after each signal on collected or
// each recheck a fitted count, from read's usage since the decision
// before (at least window before: a closer signal waits for the next).
func follow(ctx context.Context, collected <-chan struct{}, after func(time.Duration) <-chan time.Time, read func() Usage, last Usage, most int, set func(int) int) {
	n := 1
	set(n)
	for {
		var recheckAt <-chan time.Time // none on one core: an idle process is not woken
		if n > 1 {
			recheckAt = after(recheck)
		}
		select {
		case <-ctx.Done():
			return
		case <-collected:
		case <-recheckAt:
		}
		now := read()
		wall := now.At.Sub(last.At)
		if wall < window {
			continue
		}
		used := float64(now.CPU-last.CPU) / float64(wall)
		idle := -1.0
		if now.Idle >= 0 && last.Idle >= 0 {
			idle = float64(now.Idle-last.Idle) / float64(wall)
		}
		last = now
		if next := Next(n, most, used, idle); next != n {
			set(next)
			n = next
		}
	}
}
