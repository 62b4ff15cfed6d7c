package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// upstream is the fake model with one scripted answer per conversation.
//
// The fake hands out queued replies in the order calls reach it, which is
// not the order conversations were asked, so an answer is recognised by
// the tag in its first chunk rather than by which conversation got it.
// Every answer is distinct, so a conversation that received another's
// text, or two that received the same, are caught.
type upstream struct {
	fake    *fakeopenai.Server
	answers []*answer
}

// answer is one scripted reply and the moments its chunks were released.
type answer struct {
	chunks   []string
	ends     []int // byte offset after each chunk: what the SSE ids must say
	gate     chan struct{}
	released []time.Time // written only by this answer's pacer
}

func newUpstream(n, chunks int) *upstream {
	u := &upstream{fake: fakeopenai.New()}
	for k := range n {
		a := newAnswer(k, chunks)
		u.answers = append(u.answers, a)
		u.fake.Push(fakeopenai.Reply{Chunks: a.chunks, Gate: a.gate})
	}
	return u
}

func newAnswer(k, chunks int) *answer {
	a := &answer{chunks: answerChunks(k, chunks), gate: make(chan struct{})}
	a.released = make([]time.Time, len(a.chunks))
	end := 0
	for _, c := range a.chunks {
		end += len(c)
		a.ends = append(a.ends, end)
	}
	return a
}

func (u *upstream) url() string { return u.fake.URL }
func (u *upstream) close()      { u.fake.Close() }

// startPacing releases each answer's chunks, pace apart. The fake waits on
// the gate before writing each chunk, so the moment a send completes is the
// moment the chunk goes out: relay latency is measured from there.
func (u *upstream) startPacing(ctx context.Context, pace time.Duration) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, a := range u.answers {
		wg.Go(func() { a.pace(ctx, pace) })
	}
	return &wg
}

func (a *answer) pace(ctx context.Context, pace time.Duration) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for j := range a.chunks {
		// The first send waits for the call to arrive; later ones wait the
		// pace first.
		if j > 0 && pace > 0 {
			timer.Reset(pace)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		select {
		case a.gate <- struct{}{}:
			a.released[j] = time.Now()
		case <-ctx.Done():
			return
		}
	}
}

// check matches each conversation's text to the answer it names, and turns
// the receive times into relay latencies. Call it once the pacers stopped.
func (u *upstream) check(convs []*conversation, rep *Report, errs *failures) {
	claimed := make(map[int]int) // answer -> conversation
	var ttft, relay []time.Duration
	for _, c := range convs {
		rep.DeltaEvents += len(c.events)
		if c.err != nil {
			continue // already counted
		}
		k, ok := answerTag(c.text)
		if !ok || k >= len(u.answers) {
			errs.add("conversation %d: answer names no scripted reply: %.40q", c.index, c.text)
			continue
		}
		if other, dup := claimed[k]; dup {
			errs.add("conversations %d and %d both received answer %d", other, c.index, k)
			continue
		}
		claimed[k] = c.index
		a := u.answers[k]
		if want := strings.Join(a.chunks, ""); !sameText(c.text, want) {
			errs.add("conversation %d: answer %d differs from what the model sent (got %d bytes, want %d)",
				c.index, k, len(c.text), len(want))
			continue
		}
		rep.Exact++
		ttft = append(ttft, c.ttft)
		relay = append(relay, a.relay(c.events)...)
	}
	rep.TTFT, rep.Relay = summarize(ttft), summarize(relay)
}

// relay pairs every chunk with the first event whose offset covers it: the
// server may send several chunks in one event when the watcher lags.
func (a *answer) relay(events []received) []time.Duration {
	out := make([]time.Duration, 0, len(a.chunks))
	j := 0
	for _, ev := range events {
		for ; j < len(a.ends) && a.ends[j] <= ev.offset; j++ {
			if !a.released[j].IsZero() {
				out = append(out, ev.at.Sub(a.released[j]))
			}
		}
	}
	return out
}

// answerChunks is answer k: a tag naming it, then words drawn with a seed
// of k. The pieces carry what the relay must get right: characters HTML
// escapes (<, >, &, quotes), newlines that split data lines, and multi-byte
// UTF-8, since the SSE ids are byte offsets.
func answerChunks(k, n int) []string {
	chunks := []string{fmt.Sprintf("[answer %d]", k)}
	rng := rand.New(rand.NewPCG(uint64(k), 0x5eed))
	for len(chunks) < n {
		chunks = append(chunks, answerPieces[rng.IntN(len(answerPieces))])
	}
	return chunks
}

var answerPieces = []string{
	" the", " role", " of", " an", " AI", " engineer", " is", " to", " evaluate", " models",
	" and", " ship", " prompts", " that", " work", ",", ".", " it's", " café", " — ",
	"\n", "\n\n", "\n- ", " <b>", "</b>", " R&D", " a < b && c > d", ` "quoted"`, " `code`", " 🚀",
}

func answerTag(text string) (int, bool) {
	var k int
	if _, err := fmt.Sscanf(text, "[answer %d]", &k); err != nil || k < 0 {
		return 0, false
	}
	return k, true
}
