package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// upstream is the fake model with one scripted answer per conversation.
//
// Conversation k asks "Question k: ..." and the fake answers it with answer
// k, whatever order the calls reach it in; the moment it does is the
// model's arrival time, from which the first delta is delayed. Every answer
// is also tagged in its first chunk and distinct, so a conversation that
// received another's text, or two that received the same, are caught.
type upstream struct {
	fake    *fakeopenai.Server
	answers []*answer
	model   modelTiming
	// hold, if set, keeps every answer's last chunk until it is closed, so
	// that all answers are live at once however long starting them takes.
	hold <-chan struct{}
	// arriveMu guards the answers' calls and arrival times: a late call (a
	// retry) may still arrive while they are being checked.
	arriveMu sync.Mutex
}

// modelTiming is how the fake model paces an answer: the first delta
// first after the request arrives, the others pace apart.
type modelTiming struct {
	first, pace time.Duration
}

// alone is how long the model takes to send an answer of n chunks.
func (m modelTiming) alone(n int) time.Duration { return m.first + time.Duration(n-1)*m.pace }

// answer is one scripted reply and the moments its chunks were released.
type answer struct {
	chunks  []string
	ends    []int // byte offset after each chunk: what the SSE ids must say; nil when light
	gate    chan struct{}
	calls   int           // calls that asked for it, under upstream.arriveMu
	came    chan struct{} // closed when the first call arrived
	arrived time.Time     // when the fake received the request; set before came is closed
	// released holds when each chunk went out (nil when light), first the
	// first one's: written only by this answer's pacer.
	released []time.Time
	first    time.Time
}

// newUpstream scripts n answers of chunks deltas. A light upstream keeps
// no per-chunk times, for runs whose answers are too many and too long to
// keep them all.
func newUpstream(n, chunks int, model modelTiming, light bool) *upstream {
	u := &upstream{fake: fakeopenai.New(), model: model}
	for k := range n {
		u.answers = append(u.answers, newAnswer(k, chunks, light))
	}
	u.fake.SetResponder(func(req fakeopenai.ChatRequest) (fakeopenai.Reply, bool) {
		k, ok := questionIndex(req)
		if !ok || k >= len(u.answers) {
			return fakeopenai.Reply{}, false // the default reply, which the check rejects
		}
		a := u.answers[k]
		u.arriveMu.Lock()
		defer u.arriveMu.Unlock()
		if a.calls++; a.calls == 1 {
			a.arrived = time.Now()
			close(a.came)
		}
		return fakeopenai.Reply{Chunks: a.chunks, Gate: a.gate}, true
	})
	return u
}

func newAnswer(k, chunks int, light bool) *answer {
	a := &answer{chunks: answerChunks(k, chunks), gate: make(chan struct{}), came: make(chan struct{})}
	if light {
		return a
	}
	a.released = make([]time.Time, len(a.chunks))
	end := 0
	for _, c := range a.chunks {
		end += len(c)
		a.ends = append(a.ends, end)
	}
	return a
}

var questionNumber = regexp.MustCompile(`Question (\d+):`)

// questionIndex finds k in the last user message "Question k: ...".
func questionIndex(req fakeopenai.ChatRequest) (int, bool) {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		m := req.Messages[i]
		if m.Role != "user" {
			continue
		}
		match := questionNumber.FindStringSubmatch(m.Content)
		if match == nil {
			return 0, false
		}
		k, err := strconv.Atoi(match[1])
		return k, err == nil
	}
	return 0, false
}

func (u *upstream) url() string { return u.fake.URL }
func (u *upstream) close()      { u.fake.Close() }

// startPacing releases each answer's chunks on the model's schedule. The
// fake waits on the gate before writing each chunk, so the moment a send
// completes is the moment the chunk goes out: latencies after the model
// are measured from there.
func (u *upstream) startPacing(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, a := range u.answers {
		wg.Go(func() { a.pace(ctx, u.model, u.hold) })
	}
	return &wg
}

// pace keeps to a schedule counted from the request's arrival, not from
// the previous send, so a late wake-up does not delay every later chunk.
func (a *answer) pace(ctx context.Context, model modelTiming, hold <-chan struct{}) {
	select {
	case <-a.came:
	case <-ctx.Done():
		return
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	due := a.arrived.Add(model.first)
	last := len(a.chunks) - 1
	for j := range a.chunks {
		if j > 0 {
			due = due.Add(model.pace)
		}
		if j == last && j > 0 && hold != nil {
			select {
			case <-hold:
			case <-ctx.Done():
				return
			}
		}
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		at, ok := a.release(ctx)
		if !ok {
			return
		}
		if j == 0 {
			a.first = at
		}
		if a.released != nil {
			a.released[j] = at
		}
	}
}

// release lets the fake send one chunk and returns when it went. The time
// is taken before the send when the fake is already waiting for it, as it
// nearly always is: the send hands the chunk over at once, while a time
// taken after it could come later than the browser's receipt when this
// goroutine is not scheduled again at once.
func (a *answer) release(ctx context.Context) (time.Time, bool) {
	at := time.Now()
	select {
	case a.gate <- struct{}{}:
		return at, true
	default:
	}
	select {
	case a.gate <- struct{}{}:
		return time.Now(), true // the fake lagged: it took the chunk now
	case <-ctx.Done():
		return time.Time{}, false
	}
}

// check matches each conversation's text to the answer it names, and turns
// the receive times into latencies. Call it once the pacers stopped.
func (u *upstream) check(convs []*conversation, rep *Report, errs *failures) {
	u.arriveMu.Lock()
	defer u.arriveMu.Unlock()
	claimed := make(map[int]int) // answer -> conversation
	var start, ttft, total, before, model, after, relay []time.Duration
	for _, c := range convs {
		rep.DeltaEvents += c.eventCount
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
		start = append(start, c.start)
		ttft = append(ttft, c.ttft)
		total = append(total, c.total)
		// The split needs both ends of the model's part: a conversation
		// that got its own answer has them.
		if !a.arrived.IsZero() && !a.first.IsZero() {
			before = append(before, a.arrived.Sub(c.sent))
			model = append(model, a.first.Sub(a.arrived))
			after = append(after, c.sent.Add(c.ttft).Sub(a.first))
		}
		relay = append(relay, a.relay(c.events)...)
	}
	rep.Start, rep.TTFT, rep.Total, rep.Relay = summarize(start), summarize(ttft), summarize(total), summarize(relay)
	rep.BeforeModel, rep.ModelFirst, rep.AfterModel = summarize(before), summarize(model), summarize(after)
}

// relay pairs every chunk with the first event whose offset covers it: the
// server may send several chunks in one event when the watcher lags.
func (a *answer) relay(events []received) []time.Duration {
	if a.released == nil {
		return nil
	}
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
	chunks := make([]string, 1, n)
	chunks[0] = fmt.Sprintf("[answer %d]", k)
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
