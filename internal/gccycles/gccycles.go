// Package gccycles tells when the garbage collector has run, for the
// settings that are refitted to what a collection measured: the runtime
// updates some of its figures (what is live, the CPU each class of work
// used) only then.
package gccycles

import (
	"context"
	"runtime"
)

// After signals after each garbage collection, until ctx is done: each
// collection finds the last sentinel unreachable and runs its finalizer,
// which signals and leaves a new one. A signal not yet taken stands for
// any that come before it is. Nothing wakes the process between
// collections.
//
// A finalizer, not runtime.AddCleanup: the runtime queues cleanups on the
// core whose sweep found them and hands them on when sweeping ends, and a
// core taken away (GOMAXPROCS lowered, as package cores does) keeps those
// it holds until it comes back. A sentinel's cleanup held there once left
// the GC target unfitted for a whole load, at 740 MiB instead of 550
// (docs/performance.md). Finalizers go to one queue for the process.
func After(ctx context.Context) <-chan struct{} {
	collected := make(chan struct{}, 1)
	var arm func()
	arm = func() {
		runtime.SetFinalizer(new(sentinel), func(*sentinel) {
			if ctx.Err() != nil {
				return
			}
			select {
			case collected <- struct{}{}:
			default:
			}
			arm()
		})
	}
	arm()
	return collected
}

// sentinel has a pointer so that it is never one of the tiny allocations
// that share a block, whose finalizers may run late or never.
type sentinel struct{ _ *byte }
