package gccycles

import (
	"context"
	"runtime"
	"testing"
	"time"
)

func TestAfterSignalsEachCollection(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	collected := After(ctx)
	deadline := time.After(30 * time.Second)
	for i := range 3 {
		// A signal may stand for more than one collection, so collections
		// are made until it comes.
		for got := false; !got; {
			runtime.GC()
			select {
			case <-collected:
				got = true
			case <-deadline:
				t.Fatalf("no signal after collection %d", i+1)
			default:
			}
		}
	}
}
