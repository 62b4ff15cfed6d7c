// Package gctarget fits the garbage collector's target to the size of what
// the process keeps live.
//
// Go's default target (GOGC=100) lets the heap grow by as much as is live
// before it collects again: the least CPU for garbage collection, and the
// most memory. For a small heap, as with a few hundred live answers, the
// memory is a few MiB, and collecting more often would cost every answer
// CPU and latency for it (at 200 concurrent chats, a 30 % target spent a
// tenth to a third more CPU per chat, and the first token came about a
// fifth later). For a large heap, as with thousands of live answers, that
// same 100 % is hundreds of MiB that hold nothing. So the target stays
// Go's default until the growth it allows reaches Headroom, and shrinks
// past that, so that the growth stays at Headroom, down to Floor.
package gctarget

import (
	"context"
	"runtime/debug"
	"runtime/metrics"

	"github.com/rolefit/rolefit/internal/gccycles"
)

const (
	// Ceiling is Go's default target, kept while the heap is small.
	Ceiling = 100
	// Floor is the lowest target: past it, collecting more often would
	// cost more CPU than the memory is worth.
	Floor = 30
	// Headroom is how far the heap may grow past what is live before the
	// target shrinks below Ceiling.
	Headroom = 32 << 20
)

// Percent is the GC target for a process that keeps live bytes reachable
// (its heap, stacks and globals, which Go's target is a percentage of).
func Percent(live uint64) int {
	if live == 0 {
		return Ceiling
	}
	p := Headroom * 100 / live
	return int(max(Floor, min(Ceiling, p)))
}

// Follow sets the GC target from what each collection found live, after
// every collection, until ctx is done. It is for a process that leaves
// GOGC unset: GOGC, when set, is the operator's choice, and wins. Between
// collections nothing changes, so an idle process is not woken for it.
func Follow(ctx context.Context) {
	follow(ctx, gccycles.After(ctx), liveBytes(), debug.SetGCPercent)
}

// follow sets the target with set at start and after each collection,
// from read, when it has moved by a step or more, or to either end: a
// collection then does not see its target change for a live heap that
// wavers by a few bytes.
func follow(ctx context.Context, collected <-chan struct{}, read func() uint64, set func(int) int) {
	const step = 5
	current := Percent(read())
	set(current)
	for {
		select {
		case <-ctx.Done():
			return
		case <-collected:
		}
		if p := Percent(read()); p >= current+step || p <= current-step || (p != current && (p == Ceiling || p == Floor)) {
			set(p)
			current = p
		}
	}
}

// liveBytes reads, from the runtime's metrics, what the last collection
// found live: the heap, plus the stacks and globals that Go's target also
// counts.
func liveBytes() func() uint64 {
	samples := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}
	return func() uint64 {
		metrics.Read(samples)
		var live uint64
		for _, s := range samples {
			if s.Value.Kind() == metrics.KindUint64 {
				live += s.Value.Uint64()
			}
		}
		return live
	}
}
