package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rolefit/rolefit/internal/chat"
)

// hub follows, for all the mirrors of one relay, the answers they mirror:
// one follower per answer, however many watchers; one goroutine reading,
// in one round trip, the new entries of every answer a notice says
// changed. No watcher holds a connection or blocks on one.
type hub struct {
	r *Relay

	mu        sync.Mutex
	followers map[string]*follower
	dirty     map[string]bool
	wake      chan struct{} // capacity 1
}

// follower is the state of one answer as read from its stream so far:
// a mirror that joins is replayed it, then fed what comes.
type follower struct {
	id string

	mu         sync.Mutex
	pending    int // Mirror calls under way: not to be dropped
	lastID     string
	owner      string
	begin      string // the begin entry's data
	text       []byte
	reasoning  []byte
	thoughtFor time.Duration
	status     string
	final      *chat.Message
	gone       bool // lost, or its stream replaced: feeds nothing more
	mirrors    map[*mirror]struct{}
}

type mirror struct {
	ctx  context.Context
	into chat.Feed
	lost func()
	stop func() bool // unregisters the AfterFunc
}

func (h *hub) init(r *Relay) {
	h.r = r
	h.followers = map[string]*follower{}
	h.dirty = map[string]bool{}
	h.wake = make(chan struct{}, 1)
}

// mark notes that answers changed, for those followed here.
func (h *hub) mark(ids []string) {
	h.mu.Lock()
	n := 0
	for _, id := range ids {
		if _, ok := h.followers[id]; ok {
			h.dirty[id] = true
			n++
		}
	}
	h.mu.Unlock()
	if n > 0 {
		h.poke()
	}
}

// markAll makes every follower catch up, after notices may have been lost.
func (h *hub) markAll() {
	h.mu.Lock()
	for id := range h.followers {
		h.dirty[id] = true
	}
	h.mu.Unlock()
	h.poke()
}

func (h *hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// follow reads what changed, when told, and, every quarter of the lease's
// time, checks the writers' leases and catches every follower up (a
// safety net for lost notices).
func (h *hub) follow() {
	t := time.NewTicker(h.r.cfg.LeaseTTL / 4)
	defer t.Stop()
	for {
		check := false
		select {
		case <-h.r.ctx.Done():
			return
		case <-h.wake:
		case <-t.C:
			check = true
		}
		var lapsed map[string]bool
		if check {
			lapsed = h.lapsedOwners()
			h.markAll()
		}
		h.mu.Lock()
		fs := make([]*follower, 0, len(h.dirty))
		for id := range h.dirty {
			if f, ok := h.followers[id]; ok {
				f.mu.Lock()
				if !f.gone && f.final == nil {
					fs = append(fs, f)
				}
				f.mu.Unlock()
			}
		}
		clear(h.dirty)
		h.mu.Unlock()
		if err := h.r.catchUp(h.r.ctx, fs); err != nil {
			if h.r.ctx.Err() != nil {
				return
			}
			h.r.log.Warn("relay: follow answers", "err", err)
			continue
		}
		// Only once caught up: an answer its writer finished before dying
		// is delivered whole, not lost.
		var lost []func()
		for _, f := range fs {
			f.mu.Lock()
			if lapsed[f.owner] && f.final == nil {
				lost = append(lost, f.loseLocked()...)
			}
			f.mu.Unlock()
		}
		for _, l := range lost {
			l()
		}
		if check {
			h.sweep()
		}
	}
}

// lapsedOwners returns the writers of followed answers whose lease has
// lapsed; nil when it cannot tell.
func (h *hub) lapsedOwners() map[string]bool {
	h.mu.Lock()
	owners := map[string]bool{}
	for _, f := range h.followers {
		f.mu.Lock()
		if f.owner != "" && f.final == nil && !f.gone {
			owners[f.owner] = true
		}
		f.mu.Unlock()
	}
	h.mu.Unlock()
	if len(owners) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(h.r.ctx, opTimeout)
	defer cancel()
	pipe := h.r.client.Pipeline()
	cmds := map[string]*redis.IntCmd{}
	for o := range owners {
		cmds[o] = pipe.Exists(ctx, h.r.leaseOf(o))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		if h.r.ctx.Err() == nil {
			h.r.log.Warn("relay: check leases", "err", err)
		}
		return nil
	}
	lapsed := map[string]bool{}
	for o, c := range cmds {
		if c.Val() == 0 {
			lapsed[o] = true
		}
	}
	return lapsed
}

// sweep drops the followers nobody needs any more: ended, or without
// mirrors.
func (h *hub) sweep() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, f := range h.followers {
		f.mu.Lock()
		if f.pending == 0 && (f.gone || f.final != nil || len(f.mirrors) == 0) {
			delete(h.followers, id)
		}
		f.mu.Unlock()
	}
}

// catchUp reads, in one round trip, the entries of fs after those each has
// seen, and applies them.
func (r *Relay) catchUp(ctx context.Context, fs []*follower) error {
	if len(fs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	pipe := r.client.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(fs))
	for i, f := range fs {
		f.mu.Lock()
		start := "-"
		if f.lastID != "" {
			start = "(" + f.lastID
		}
		f.mu.Unlock()
		cmds[i] = pipe.XRange(ctx, r.streamKey(f.id), start, "+")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for i, f := range fs {
		f.apply(cmds[i].Val())
	}
	return nil
}

// Mirror replays into everything written of answerID so far, then keeps it
// up to date in the background until the answer finishes or ctx ends.
func (r *Relay) Mirror(ctx context.Context, answerID string, into chat.Feed, lost func()) error {
	h := &r.hub
	h.mu.Lock()
	f, ok := h.followers[answerID]
	if ok {
		// One lost, or ended (the answer may have been continued since),
		// is of no use to a new mirror.
		f.mu.Lock()
		ok = !f.gone && f.final == nil
		f.mu.Unlock()
	}
	if !ok {
		f = &follower{id: answerID, mirrors: map[*mirror]struct{}{}}
		h.followers[answerID] = f
	}
	f.mu.Lock()
	f.pending++
	f.mu.Unlock()
	h.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.pending--
		f.mu.Unlock()
	}()

	// Registered first, read second: a change announced meanwhile is read
	// again, never missed.
	if err := r.catchUp(ctx, []*follower{f}); err != nil {
		return fmt.Errorf("relay: mirror %s: %w", answerID, err)
	}
	f.mu.Lock()
	owner, live := f.owner, f.begin != "" && !f.gone
	final := f.final != nil
	f.mu.Unlock()
	if !live {
		return chat.ErrNotLive
	}
	if !final {
		n, err := r.client.Exists(ctx, r.leaseOf(owner)).Result()
		if err != nil {
			return fmt.Errorf("relay: mirror %s: lease: %w", answerID, err)
		}
		if n == 0 {
			// Its writer died; the answer may have ended just before.
			if err := r.catchUp(ctx, []*follower{f}); err != nil {
				return fmt.Errorf("relay: mirror %s: %w", answerID, err)
			}
			var lost []func()
			f.mu.Lock()
			final = f.final != nil
			if !final {
				lost = f.loseLocked()
			}
			f.mu.Unlock()
			for _, l := range lost {
				l()
			}
			if !final {
				return chat.ErrNotLive
			}
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone {
		return chat.ErrNotLive
	}
	if len(f.reasoning) > 0 || f.thoughtFor > 0 {
		into.Reasoning(string(f.reasoning), f.thoughtFor)
	}
	if len(f.text) > 0 {
		into.Text(string(f.text))
	}
	if f.status != "" {
		into.Status(f.status)
	}
	if f.final != nil {
		into.Finish(*f.final)
		return nil
	}
	m := &mirror{ctx: ctx, into: into, lost: lost}
	f.mirrors[m] = struct{}{}
	m.stop = context.AfterFunc(ctx, func() {
		f.mu.Lock()
		delete(f.mirrors, m)
		f.mu.Unlock()
	})
	return nil
}

// apply takes the entries read after lastID, in order, and feeds the
// mirrors what is new. Deltas are placed by their offsets, so one read
// twice (a send that was retried) is not applied twice.
func (f *follower) apply(msgs []redis.XMessage) {
	var lost []func()
	f.mu.Lock()
	for _, msg := range msgs {
		if f.gone || f.final != nil {
			break
		}
		if f.lastID != "" && !after(msg.ID, f.lastID) {
			continue
		}
		f.lastID = msg.ID
		off, _ := strconv.Atoi(field(msg, "o"))
		data := field(msg, "d")
		switch field(msg, "k") {
		case kindBegin:
			owner := field(msg, "w")
			data += "\x00" + field(msg, "x") + "\x00" + field(msg, "r")
			if f.begin != "" {
				if owner == f.owner && data == f.begin {
					continue // sent again
				}
				// Written anew from elsewhere: what the mirrors hold no
				// longer lines up with it.
				lost = append(lost, f.loseLocked()...)
				continue
			}
			var b beginning
			if err := json.Unmarshal([]byte(field(msg, "d")), &b); err != nil {
				lost = append(lost, f.loseLocked()...)
				continue
			}
			f.owner, f.begin = owner, data
			f.text = []byte(field(msg, "x"))
			f.reasoning = []byte(field(msg, "r"))
			f.thoughtFor = b.ThoughtFor
		case kindText:
			if d, ok := fresh(f.text, off, data); ok && f.begin != "" {
				f.text = append(f.text, d...)
				f.each(func(m *mirror) { m.into.Text(d) })
			} else if !ok {
				lost = append(lost, f.loseLocked()...)
			}
		case kindReasoning:
			if d, ok := fresh(f.reasoning, off, data); ok && f.begin != "" {
				t, _ := strconv.ParseInt(field(msg, "t"), 10, 64)
				f.reasoning = append(f.reasoning, d...)
				f.thoughtFor = time.Duration(t)
				f.each(func(m *mirror) { m.into.Reasoning(d, time.Duration(t)) })
			} else if !ok {
				lost = append(lost, f.loseLocked()...)
			}
		case kindStatus:
			f.status = data
			f.each(func(m *mirror) { m.into.Status(data) })
		case kindFinish:
			var m chat.Message
			if err := json.Unmarshal([]byte(data), &m); err != nil {
				lost = append(lost, f.loseLocked()...)
				continue
			}
			m.Content, m.Reasoning = field(msg, "x"), field(msg, "r")
			f.final = &m
			f.status = ""
			f.each(func(mi *mirror) { mi.into.Finish(m) })
			f.dropMirrorsLocked()
		}
	}
	f.mu.Unlock()
	for _, l := range lost {
		l()
	}
}

// fresh returns the part of a delta at off not yet in have; false when it
// starts past the end of have: something between was lost.
func fresh(have []byte, off int, data string) (string, bool) {
	switch {
	case off > len(have):
		return "", false
	case off+len(data) <= len(have):
		return "", true
	default:
		return data[len(have)-off:], true
	}
}

// each feeds the mirrors whose context has not ended.
func (f *follower) each(feed func(*mirror)) {
	for m := range f.mirrors {
		if m.ctx.Err() == nil {
			feed(m)
		}
	}
}

// loseLocked ends the following: nothing more is fed. The caller holds
// f.mu and, once it has released it, calls the lost callbacks returned.
func (f *follower) loseLocked() []func() {
	if f.gone {
		return nil
	}
	f.gone = true
	var calls []func()
	for m := range f.mirrors {
		if m.lost != nil && m.ctx.Err() == nil {
			calls = append(calls, m.lost)
		}
	}
	f.dropMirrorsLocked()
	return calls
}

func (f *follower) dropMirrorsLocked() {
	for m := range f.mirrors {
		m.stop()
		delete(f.mirrors, m)
	}
}

// after reports whether stream entry id a comes after b.
func after(a, b string) bool {
	ams, aseq := splitID(a)
	bms, bseq := splitID(b)
	return ams > bms || ams == bms && aseq > bseq
}

func splitID(id string) (ms, seq uint64) {
	l, r, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(l, 10, 64)
	seq, _ = strconv.ParseUint(r, 10, 64)
	return ms, seq
}
