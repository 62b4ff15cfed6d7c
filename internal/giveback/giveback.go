// Package giveback gives the memory a burst of work leaves in the heap back
// to the operating system once the process goes quiet.
//
// At the end of a burst (200 people asking at once, then reading), the
// heap holds the garbage of the burst's last moments and the free pages its
// peak needed. While nothing is allocated no collection runs, and the
// runtime's scavenger gives free pages back slowly by design, so an idle
// Rolefit kept 10 to 30 MiB it had no use for until the runtime's forced
// collection, two minutes later, and the scavenger after it
// (docs/performance.md). Once no collection has run for Quiet, the burst
// is over: if the heap then holds at least Worth more than was live at the
// last collection, one collection and a release of every free page
// (debug.FreeOSMemory) give it back. A quiet process is not woken: the wait
// starts only after a collection.
package giveback

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/rolefit/rolefit/internal/gccycles"
)

const (
	// Quiet is how long the process goes without a collection before its
	// burst is taken to be over. A person reads an answer for longer than
	// that before asking again; under load, collections come far more
	// often (every 30 to 170 ms at 200 chats). Work slow enough to go that
	// long without one costs at most one release for each collection the
	// runtime makes, its forced one every two minutes included.
	Quiet = 5 * time.Second
	// Worth is how much the heap must hold beyond what is live for a
	// collection to be worth making: an idle process just started holds
	// less.
	Worth = 4 << 20
)

// Follow gives the heap's memory back after each burst, until ctx is done.
func Follow(ctx context.Context) {
	follow(ctx, gccycles.After(ctx), time.After, heapReclaimable(), gcCycles(), debug.FreeOSMemory)
}

// follow waits for a collection, then for Quiet without another, and then
// releases if reclaimable says it is worth it. The release's own collection
// is not waited after: in a fragmented heap, whose spans keep a little
// live and much free space that no release gives back, it would release
// again and again.
func follow(ctx context.Context, collected <-chan struct{}, after func(time.Duration) <-chan time.Time, reclaimable, cycles func() uint64, release func()) {
	var ours uint64 // the count of collections after the last release, if any
	for {
		select {
		case <-ctx.Done():
			return
		case <-collected:
		}
		if ours != 0 && cycles() == ours {
			continue // the release's own collection
		}
		for quiet := false; !quiet; {
			select {
			case <-ctx.Done():
				return
			case <-collected: // still busy: the wait starts again
			case <-after(Quiet):
				quiet = true
			}
		}
		if reclaimable() >= Worth {
			release()
			ours = cycles()
		}
	}
}

// heapReclaimable returns a reader of how much resident heap memory holds no
// object that was live at the last collection: the objects allocated since
// (mostly dead, at the end of a burst), the free space in spans in use, and
// the free pages not yet given back. A collection turns a span into free
// pages once the rest of its objects have died, as the answers kept a few
// seconds after their end do after the burst's last collection: counting
// only the objects allocated since and the free pages, nothing was given
// back after 200 chats.
func heapReclaimable() func() uint64 {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	return func() uint64 {
		metrics.Read(samples)
		var v [4]uint64
		for i, s := range samples {
			if s.Value.Kind() == metrics.KindUint64 {
				v[i] = s.Value.Uint64()
			}
		}
		resident, live := v[0]+v[1]+v[2], v[3]
		return resident - min(live, resident)
	}
}

// gcCycles returns a reader of how many collections have completed.
func gcCycles() func() uint64 {
	samples := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	return func() uint64 {
		metrics.Read(samples)
		if samples[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return samples[0].Value.Uint64()
	}
}
