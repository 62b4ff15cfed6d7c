package relay

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rolefit/rolefit/internal/chat"
)

// The kinds of stream entries.
const (
	kindBegin     = "begin"
	kindText      = "text"
	kindReasoning = "reasoning"
	kindStatus    = "status"
	kindFinish    = "finish"
)

// entry is one change to append to an answer's stream. Consecutive text
// (or thinking) deltas queued between two flushes grow one entry.
type entry struct {
	kind       string
	off        int // byte offset of data in the text (or thinking)
	data       []byte
	thoughtFor time.Duration
	// A begin's or finish's text and thinking, kept out of the JSON of
	// data: JSON would mend bytes that are not UTF-8, and they must stay
	// as written.
	text, reasoning string
}

// beginning is what a begin entry's data holds, with its text and
// thinking: where the answer starts.
type beginning struct {
	ConversationID string        `json:"conversationId"`
	ThoughtFor     time.Duration `json:"thoughtFor,omitempty"`
}

// publication is the Feed of an answer this replica writes. Its fields
// are guarded by the relay's mu.
type publication struct {
	r  *Relay
	id string

	textLen, reasoningLen int
	pending               []entry
	queued                bool // in r.dirty
	finished              bool
	// announced is closed once the begin entry is in Redis: from then
	// on, any replica can mirror the answer.
	announced chan struct{}
}

// Announced returns a channel closed once the other replicas can see the
// answer: its stream's first entry is in Redis. chat waits for it (a
// little) before telling the person their question was taken, so the
// page that follows, on whichever replica, finds the answer live.
func (p *publication) Announced() <-chan struct{} { return p.announced }

// batch is what one flush sends of one answer.
type batch struct {
	pub      *publication
	id       string
	begins   bool // the entries start with a begin: replace any old stream
	finishes bool
	entries  []entry
}

// Publish announces that this replica begins writing answer m and returns
// the Feed that carries the rest to the other replicas.
func (r *Relay) Publish(m chat.Message) chat.Feed {
	data, _ := json.Marshal(beginning{ConversationID: m.ConversationID, ThoughtFor: m.ThoughtFor})
	p := &publication{r: r, id: m.ID, textLen: len(m.Content), reasoningLen: len(m.Reasoning), announced: make(chan struct{})}
	r.mu.Lock()
	r.writing[m.ID] = p
	p.add(entry{kind: kindBegin, data: data, text: m.Content, reasoning: m.Reasoning})
	r.mu.Unlock()
	return p
}

// add queues e, growing the last entry when both are deltas of the same
// kind, and wakes the flusher. The caller holds r.mu.
func (p *publication) add(e entry) {
	if p.r.stopped {
		return // nobody would send it
	}
	if n := len(p.pending); n > 0 && (e.kind == kindText || e.kind == kindReasoning) {
		last := &p.pending[n-1]
		if last.kind == e.kind && last.off+len(last.data) == e.off {
			last.data = append(last.data, e.data...)
			last.thoughtFor = e.thoughtFor
			p.wake()
			return
		}
	}
	p.pending = append(p.pending, e)
	p.wake()
}

func (p *publication) wake() {
	if !p.queued {
		p.queued = true
		p.r.dirty = append(p.r.dirty, p)
	}
	select {
	case p.r.kick <- struct{}{}:
	default:
	}
}

func (p *publication) Text(delta string) {
	if delta == "" {
		return
	}
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	if p.finished {
		return
	}
	p.add(entry{kind: kindText, off: p.textLen, data: []byte(delta)})
	p.textLen += len(delta)
}

func (p *publication) Reasoning(delta string, thoughtFor time.Duration) {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	if p.finished {
		return
	}
	p.add(entry{kind: kindReasoning, off: p.reasoningLen, data: []byte(delta), thoughtFor: thoughtFor})
	p.reasoningLen += len(delta)
}

func (p *publication) Status(status string) {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	if p.finished {
		return
	}
	p.add(entry{kind: kindStatus, data: []byte(status)})
}

func (p *publication) Finish(m chat.Message) {
	text, reasoning := m.Content, m.Reasoning
	m.Content, m.Reasoning = "", ""
	data, _ := json.Marshal(m)
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.r.writing[p.id] == p {
		delete(p.r.writing, p.id)
	}
	p.add(entry{kind: kindFinish, data: data, text: text, reasoning: reasoning})
}

// announce closes announced, once.
func (p *publication) announce() {
	select {
	case <-p.announced:
	default:
		close(p.announced)
	}
}

// take empties the queue.
func (r *Relay) take() []batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]batch, 0, len(r.dirty))
	for _, p := range r.dirty {
		b := batch{pub: p, id: p.id, entries: p.pending}
		b.begins = p.pending[0].kind == kindBegin
		b.finishes = p.pending[len(p.pending)-1].kind == kindFinish
		out = append(out, b)
		p.pending, p.queued = nil, false
	}
	clear(r.dirty)
	r.dirty = r.dirty[:0]
	return out
}

// flush sends the queue: at once when idle; while a send is in flight,
// changes gather for the next one, so the number of round trips follows
// the server's speed, not the number of tokens. A send that failed is sent
// again, first: entries are idempotent, since mirrors place deltas by
// their offsets and a begin replaces the stream.
func (r *Relay) flush() {
	var retry []batch
	failures := 0
	closing := false
	for {
		var backoff <-chan time.Time
		kick := r.kick
		if len(retry) > 0 {
			kick = nil // new changes wait with the failed ones
			backoff = time.After(min(50*time.Millisecond<<min(failures, 6), 2*time.Second))
		}
		closingNow := r.closing
		if closing {
			closingNow = nil // seen already: wait for the backoff
		}
		if backoff != nil || !closing {
			select {
			case <-kick:
			case <-backoff:
			case <-closingNow:
				closing = true
			case <-r.ctx.Done():
				return
			}
		}
		for {
			batches := append(retry, r.take()...)
			if len(batches) == 0 {
				break
			}
			err := r.send(batches)
			var refused redis.Error
			switch {
			case err == nil:
				for _, b := range batches {
					if b.begins {
						b.pub.announce()
					}
				}
				if failures > 0 {
					r.log.Info("relay: changes sent after failures", "failures", failures)
				}
				retry, failures = nil, 0
				continue
			case r.ctx.Err() != nil:
				return
			case errors.As(err, &refused):
				// The server refused a command (a key of another type, out
				// of memory): sending it again would not help. Mirrors
				// will find a gap and report their answer lost.
				r.log.Error("relay: changes refused, dropped", "err", err)
				retry, failures = nil, 0
				continue
			}
			if failures == 0 {
				r.log.Warn("relay: send changes, will retry", "err", err)
			}
			failures++
			retry = batches
			break
		}
		if closing && len(retry) == 0 {
			return
		}
	}
}

// send appends batches to their streams and announces them, in one round
// trip.
func (r *Relay) send(batches []batch) error {
	ctx, cancel := context.WithTimeout(r.ctx, opTimeout)
	defer cancel()
	pipe := r.client.Pipeline()
	ids := make([]string, 0, len(batches))
	sent := 0
	for _, b := range batches {
		key := r.streamKey(b.id)
		if b.begins {
			pipe.Del(ctx, key)
		}
		for _, e := range b.entries {
			// Every entry names its writer: the first one left tells
			// whose the answer is, should the stream have lost its start.
			values := []any{"k", e.kind, "o", strconv.Itoa(e.off), "d", e.data, "w", r.cfg.Replica}
			switch e.kind {
			case kindBegin, kindFinish:
				values = append(values, "x", e.text, "r", e.reasoning)
			case kindReasoning:
				values = append(values, "t", strconv.FormatInt(int64(e.thoughtFor), 10))
			}
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: "*", Values: values})
			sent++
		}
		ttl := safetyTTL
		if b.finishes {
			ttl = r.cfg.Grace
		}
		pipe.Expire(ctx, key, ttl)
		ids = append(ids, b.id)
	}
	pipe.Publish(ctx, r.notifyChan, strings.Join(ids, "\n"))
	_, err := pipe.Exec(ctx)
	r.statMu.Lock()
	r.flushes++
	r.entriesSent += sent
	r.statMu.Unlock()
	return err
}
