package chat

import (
	"context"
	"sync"
	"time"
)

// liveAnswer is the in-memory buffer of an answer being generated. The
// generator appends to it; any number of watchers read from it at their own
// pace. A watcher never blocks the generator: it is only woken, and then
// catches up from the buffer, however far behind it is.
type liveAnswer struct {
	conversationID string
	cancel         context.CancelCauseFunc
	done           chan struct{} // closed once the final state is saved

	// stored is closed once the write that stores the answer has
	// returned; storeErr is its error. Generation starts before it: see
	// Service.begin.
	stored   chan struct{}
	storeErr error

	// saveMu orders the saves of an answer's ending, the first and the
	// retries of one that failed.
	saveMu  sync.Mutex
	unsaved *Message // the ending still to be saved, when that save failed

	mu        sync.Mutex
	text      []byte
	reasoning []byte // the model's thinking, apart from text
	// thoughtFor is how long the model has thought so far.
	thoughtFor time.Duration
	status     string // a note for the person while they wait, e.g. a retry
	// savedLen and savedReasoning are how much of text and reasoning the
	// last periodic save held: an answer that has not grown is skipped.
	savedLen, savedReasoning int
	final                    *Message      // set when finished
	changed                  chan struct{} // closed and replaced whenever text or final changes

	// feed, when several replicas share a Relay, carries every change
	// of an answer this replica writes to the others. It is nil for a
	// single replica, and for a mirror of an answer another one writes.
	feed Feed

	// order is when the answer was stored, counting from the first
	// (Service.stored): the order of its row in the database, near enough.
	// It is set once, before the answer joins Service.answers.
	order uint64
}

// newLiveAnswer starts the buffer of answer m. A continued answer starts
// from its saved text and thinking: offsets go on from there, so a watcher
// that has the text so far resumes exactly at its end.
func newLiveAnswer(m Message, cancel context.CancelCauseFunc) *liveAnswer {
	return &liveAnswer{
		conversationID: m.ConversationID,
		cancel:         cancel,
		done:           make(chan struct{}),
		stored:         make(chan struct{}),
		changed:        make(chan struct{}),
		text:           []byte(m.Content),
		savedLen:       len(m.Content),
		reasoning:      []byte(m.Reasoning),
		savedReasoning: len(m.Reasoning),
		thoughtFor:     m.ThoughtFor,
	}
}

// storedAs records how the write storing the answer went.
func (a *liveAnswer) storedAs(err error) {
	a.storeErr = err
	close(a.stored)
}

// waitStored waits for the write storing the answer and returns its error.
func (a *liveAnswer) waitStored() error {
	<-a.stored
	return a.storeErr
}

// append adds a delta and wakes the watchers. This is the hot path of every
// token: no allocation beyond the buffer's growth, no I/O.
func (a *liveAnswer) append(delta string) (size int) {
	a.mu.Lock()
	a.text = append(a.text, delta...)
	size = len(a.text)
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	if a.feed != nil {
		a.feed.Text(delta)
	}
	return size
}

// appendReasoning adds thinking, and how long the model has thought by
// now, and wakes the watchers: the thinking streams live, apart from the
// text. Like append, it is on the per-token path: no I/O.
func (a *liveAnswer) appendReasoning(thought string, thoughtFor time.Duration) {
	a.mu.Lock()
	a.reasoning = append(a.reasoning, thought...)
	a.thoughtFor = thoughtFor
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	if a.feed != nil {
		a.feed.Reasoning(thought, thoughtFor)
	}
}

func (a *liveAnswer) reasoningSnapshot() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return string(a.reasoning)
}

// setStatus sets the note shown while the answer is waited for.
func (a *liveAnswer) setStatus(status string) {
	a.mu.Lock()
	if a.status == status {
		a.mu.Unlock()
		return
	}
	a.status = status
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	if a.feed != nil {
		a.feed.Status(status)
	}
}

// snapshot returns the text so far.
func (a *liveAnswer) snapshot() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return string(a.text)
}

// finish ends the answer with m; only the first ending counts (a mirror
// can hear its answer end and its writer be lost, in either order).
func (a *liveAnswer) finish(m Message) {
	a.mu.Lock()
	if a.final != nil {
		a.mu.Unlock()
		return
	}
	a.final = &m
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	close(a.done)
	if a.feed != nil {
		a.feed.Finish(m)
	}
}

// mirrorFeed is the Feed a Relay fills with an answer another replica
// writes: it is written to like the writer's own buffer, so watchers here
// read it through Progress exactly as they read a local answer.
type mirrorFeed struct{ a *liveAnswer }

func (f mirrorFeed) Text(delta string) { f.a.append(delta) }
func (f mirrorFeed) Reasoning(delta string, thoughtFor time.Duration) {
	f.a.appendReasoning(delta, thoughtFor)
}
func (f mirrorFeed) Status(status string) { f.a.setStatus(status) }
func (f mirrorFeed) Finish(m Message)     { f.a.finish(m) }

// Progress follows one answer from a byte offset onwards: the live buffer
// while it is generated, or the saved message once it is finished. Offsets
// are byte offsets into the answer's text, so a client that reconnects with
// the last offset it saw resumes exactly where it stopped.
type Progress struct {
	live  *liveAnswer // nil when the answer was already finished
	saved Message
}

// Since returns the text after offset, the offset just past it, whether the
// answer is finished (and so text is the last of it), and a channel that is
// closed when there is more to read. An offset past the end, or inside a
// UTF-8 sequence, is moved back so no character is split or skipped.
func (p *Progress) Since(offset int) (text string, next int, final bool, more <-chan struct{}) {
	if p.live == nil {
		c := p.saved.Content
		return c[start(c, offset):], len(c), true, nil
	}
	a := p.live
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.final != nil {
		c := a.final.Content
		return c[start(c, offset):], len(c), true, nil
	}
	// Copy only the unread part: the buffer keeps growing under the lock.
	return string(a.text[start(a.text, offset):]), len(a.text), false, a.changed
}

// Reasoning returns the model's thinking after offset (a byte offset into
// the thinking, apart from the text's) and the offset just past it. A
// finished answer's thinking is its saved one.
func (p *Progress) Reasoning(offset int) (text string, next int) {
	if p.live == nil {
		r := p.saved.Reasoning
		return r[start(r, offset):], len(r)
	}
	a := p.live
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.final != nil {
		r := a.final.Reasoning
		return r[start(r, offset):], len(r)
	}
	return string(a.reasoning[start(a.reasoning, offset):]), len(a.reasoning)
}

// ThoughtFor returns how long the model has thought so far.
func (p *Progress) ThoughtFor() time.Duration {
	if p.live == nil {
		return p.saved.ThoughtFor
	}
	p.live.mu.Lock()
	defer p.live.mu.Unlock()
	if p.live.final != nil {
		return p.live.final.ThoughtFor
	}
	return p.live.thoughtFor
}

// Status returns the note for the person while they wait (a retry in
// progress), or "".
func (p *Progress) Status() string {
	if p.live == nil {
		return ""
	}
	p.live.mu.Lock()
	defer p.live.mu.Unlock()
	if p.live.final != nil {
		return ""
	}
	return p.live.status
}

// Result returns the finished message. Call it once Since reported final.
func (p *Progress) Result() Message {
	if p.live == nil {
		return p.saved
	}
	p.live.mu.Lock()
	defer p.live.mu.Unlock()
	if p.live.final == nil {
		return Message{}
	}
	return *p.live.final
}

// start clamps offset to s and moves it back to the beginning of a UTF-8
// character, so a bogus resume point never splits or skips one.
func start[T string | []byte](s T, offset int) int {
	if offset <= 0 {
		return 0
	}
	if offset >= len(s) {
		return len(s)
	}
	for offset > 0 && s[offset]&0xC0 == 0x80 {
		offset--
	}
	return offset
}
