package markdown

import "time"

// Parsing a block takes goldmark deep: 7 KB of stack and more, where the
// goroutine that streams an answer to a browser otherwise needs under
// 4 KB. Run on that goroutine, each parse grew its stack to 16 KB, the
// collector shrank it again while the goroutine waited for the next
// delta, and the next parse grew it again: every answer being watched held
// 8 to 16 KB of stack for its parses, thousands of answers tens of MB. So
// parses run on a few goroutines of their own, whose stacks stay grown
// for the next parse, and the watchers' stay small. A parse is handed over
// only when a line has ended, so the hand-over, two goroutine switches,
// comes a few times a paragraph, not at every delta.

// deepStackIdle is how long a deep-stack goroutine waits for more work
// before it ends: long enough to carry a busy stream's parses from one to
// the next, short enough that an idle process keeps none.
const deepStackIdle = 100 * time.Millisecond

// deepStacks runs functions that need a deep stack on goroutines kept for
// them, at most a fixed number at once.
type deepStacks struct {
	slots chan struct{} // one per function running
	work  chan func()   // to a goroutine waiting for work
	idle  time.Duration
}

func newDeepStacks(n int, idle time.Duration) *deepStacks {
	return &deepStacks{
		slots: make(chan struct{}, n),
		work:  make(chan func()),
		idle:  idle,
	}
}

// parses runs the live renderings' parses, eight at once: a parse is CPU
// work of microseconds, so more would only share the same cores, and each
// goroutine kept holds 16 KB.
var parses = newDeepStacks(8, deepStackIdle)

// run calls f on a deep-stack goroutine and returns once it has returned;
// should f panic, run panics with the same value, on its caller's
// goroutine. When as many functions are running as there are slots, it
// waits for one.
func (d *deepStacks) run(f func()) {
	d.slots <- struct{}{}
	defer func() { <-d.slots }()
	done := make(chan struct{})
	var panicked any
	job := func() {
		defer func() {
			panicked = recover()
			close(done)
		}()
		f()
	}
	select {
	case d.work <- job: // a goroutine was waiting
	default:
		go d.serve(job)
	}
	<-done
	if panicked != nil {
		panic(panicked)
	}
}

// serve runs job, then the work it is given until none comes for d.idle.
func (d *deepStacks) serve(job func()) {
	t := time.NewTimer(d.idle)
	defer t.Stop()
	for {
		job()
		t.Reset(d.idle)
		select {
		case job = <-d.work:
		case <-t.C:
			return
		}
	}
}
