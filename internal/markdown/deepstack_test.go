package markdown

import (
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

// TestLiveRenderingLeavesTheCallersStackSmall streams a Markdown answer
// into live renderings from many goroutines, each then waiting as a
// watcher waits for its next delta, and measures the stack they hold
// between them. Goldmark's parse is 7 KB deep: run on the caller's
// goroutine, it left each with a 16 KB stack (8 KB once the collector
// shrank it), which 9,000 watched answers hold at once.
func TestLiveRenderingLeavesTheCallersStackSmall(t *testing.T) {
	// No collection during the measurement: it would shrink the stacks a
	// parse grew, and hide them.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	src := strings.Repeat("An **ML engineer** trains models with `PyTorch` [§ml-engineer-tools], then ships them.\n\n"+
		"- collects and cleans data\n- trains and tunes models\n  - and evaluates them\n- deploys them\n\n"+
		"> A quote, with a [link](https://example.com).\n\n"+
		"```python\nmodel.fit(x, y)\n```\n\n| role | tools |\n|---|---|\n| ML | PyTorch |\n\n", 3)
	const watchers = 200
	before := stacksInUse()
	var rendered sync.WaitGroup
	release := make(chan struct{})
	var parsed sync.WaitGroup
	for range watchers {
		rendered.Add(1)
		parsed.Go(func() {
			l := fuzzRenderer.Live()
			held := ""
			for i := 0; i < len(src); i += 8 {
				raw := held + src[i:min(i+8, len(src))]
				held = raw[l.Append(raw, false).Used:]
			}
			rendered.Done()
			<-release // waits, as a watcher waits for the next delta
		})
	}
	rendered.Wait()
	perWatcher := (stacksInUse() - before) / watchers
	close(release)
	parsed.Wait()
	// An Append without a parse needs 4 KB; after one, a goroutine holds
	// 8 KB here (the parse's depth over this test's shallow goroutine),
	// and 16 KB under a watcher's calls. The deep stacks' own 16 KB each
	// count here too, shared between all.
	if perWatcher >= 6<<10 {
		t.Errorf("each goroutine that rendered holds %d bytes of stack, want under 6 KB: the parse ran on it", perWatcher)
	}
}

func stacksInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.StackInuse
}

func TestDeepStacksRunOneAfterAnotherWhenAllAreBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDeepStacks(2, time.Millisecond)
		var mu sync.Mutex
		running, ran := 0, 0
		counts := func() (int, int) {
			mu.Lock()
			defer mu.Unlock()
			return running, ran
		}
		release := make(chan struct{})
		var callers sync.WaitGroup
		for range 5 {
			callers.Go(func() {
				d.run(func() {
					mu.Lock()
					running++
					ran++
					mu.Unlock()
					<-release
					mu.Lock()
					running--
					mu.Unlock()
				})
			})
		}
		// Two run at once, the other callers wait; each one let go lets
		// one more start.
		for want := 2; want <= 5; want++ {
			synctest.Wait()
			if now, total := counts(); now != min(2, 5-(want-2)) || total != want {
				t.Fatalf("%d running, %d started; want %d running, %d started", now, total, min(2, 5-(want-2)), want)
			}
			release <- struct{}{}
		}
		release <- struct{}{}
		callers.Wait()
		// The bubble's clock is its own: this lets the idle deep stacks
		// end, as a bubble's goroutines must before it does.
		time.Sleep(2 * time.Millisecond)
	})
}

func TestDeepStacksPanicOnTheCallersGoroutine(t *testing.T) {
	d := newDeepStacks(1, time.Millisecond)
	got := func() (v any) {
		defer func() { v = recover() }()
		d.run(func() { panic("goldmark failed") })
		return nil
	}()
	if got != "goldmark failed" {
		t.Errorf("run's caller recovered %v, want the panic of the function it ran", got)
	}
	ran := false
	d.run(func() { ran = true })
	if !ran {
		t.Error("after a panic, the next function did not run")
	}
}

func TestDeepStacksEndOnceIdle(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	d := newDeepStacks(4, time.Millisecond)
	var callers sync.WaitGroup
	for range 8 {
		callers.Go(func() { d.run(func() {}) })
	}
	callers.Wait()
	// goleak waits for them, a few hundred milliseconds at most.
	goleak.VerifyNone(t, ignore)
}
