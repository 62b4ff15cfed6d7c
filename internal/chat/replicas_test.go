package chat

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

// memRelay is a Relay between Services in one process: the replicas of
// these tests. It keeps every answer's changes as a list, in order, as the
// Redis relay keeps them in a stream (internal/relay is tested against a
// real Redis; this tests what chat does with a Relay).
type memRelay struct {
	hub     *memHub
	replica string
}

type memHub struct {
	mu      sync.Mutex
	answers map[string]*memAnswer
	dead    map[string]bool         // replicas whose lease lapsed
	onStop  map[string]func(string) // by replica
	changed chan struct{}           // closed and replaced on every change
}

type memAnswer struct {
	owner   string
	changes []func(Feed)
	ended   bool
}

func newMemHub() *memHub {
	return &memHub{answers: map[string]*memAnswer{}, dead: map[string]bool{}, onStop: map[string]func(string){}, changed: make(chan struct{})}
}

func (h *memHub) replica(id string) *memRelay { return &memRelay{hub: h, replica: id} }

// kill lapses a replica's lease, as its death would.
func (h *memHub) kill(replica string) {
	h.mu.Lock()
	h.dead[replica] = true
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

func (h *memHub) add(id string, change func(Feed), end bool) {
	h.mu.Lock()
	a := h.answers[id]
	a.changes = append(a.changes, change)
	a.ended = a.ended || end
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

type memFeed struct {
	hub *memHub
	id  string
}

func (f memFeed) Text(d string) { f.hub.add(f.id, func(into Feed) { into.Text(d) }, false) }
func (f memFeed) Reasoning(d string, t time.Duration) {
	f.hub.add(f.id, func(into Feed) { into.Reasoning(d, t) }, false)
}
func (f memFeed) Status(st string) { f.hub.add(f.id, func(into Feed) { into.Status(st) }, false) }
func (f memFeed) Finish(m Message) { f.hub.add(f.id, func(into Feed) { into.Finish(m) }, true) }

func (r *memRelay) Publish(m Message) Feed {
	r.hub.mu.Lock()
	r.hub.answers[m.ID] = &memAnswer{owner: r.replica}
	r.hub.mu.Unlock()
	f := memFeed{r.hub, m.ID}
	content, reasoning, thought := m.Content, m.Reasoning, m.ThoughtFor
	r.hub.add(m.ID, func(into Feed) {
		if content != "" {
			into.Text(content)
		}
		if reasoning != "" {
			into.Reasoning(reasoning, thought)
		}
	}, false)
	return f
}

func (r *memRelay) Mirror(ctx context.Context, id string, into Feed, lost func()) error {
	h := r.hub
	h.mu.Lock()
	a := h.answers[id]
	if a == nil || (h.dead[a.owner] && !a.ended) {
		h.mu.Unlock()
		return ErrNotLive
	}
	h.mu.Unlock()
	fed := 0
	catchUp := func() (done, dead bool, changed chan struct{}) {
		h.mu.Lock()
		changes := slices.Clone(a.changes[fed:])
		fed = len(a.changes)
		done, dead, changed = a.ended, h.dead[a.owner], h.changed
		h.mu.Unlock()
		for _, c := range changes {
			c(into)
		}
		return done, dead, changed
	}
	done, _, changed := catchUp()
	if done {
		return nil
	}
	go func() {
		for {
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
			var dead bool
			if done, dead, changed = catchUp(); done {
				return
			} else if dead {
				lost()
				return
			}
		}
	}()
	return nil
}

func (r *memRelay) Stop(_ context.Context, id string) error {
	r.hub.mu.Lock()
	a := r.hub.answers[id]
	var stop func(string)
	if a != nil {
		stop = r.hub.onStop[a.owner]
	}
	r.hub.mu.Unlock()
	if stop != nil {
		stop(id)
	}
	return nil
}

func (r *memRelay) OnStop(f func(string)) {
	r.hub.mu.Lock()
	r.hub.onStop[r.replica] = f
	r.hub.mu.Unlock()
}

func (r *memRelay) Orphans(_ context.Context, ids []string) ([]string, error) {
	r.hub.mu.Lock()
	defer r.hub.mu.Unlock()
	var out []string
	for _, id := range ids {
		if a := r.hub.answers[id]; a != nil && r.hub.dead[a.owner] {
			out = append(out, id)
		}
	}
	return out, nil
}

// twoReplicas starts two Services on one store and one relay: a writes
// the answers (its provider is p), b only watches.
func twoReplicas(t *testing.T, p Provider, cfg Config) (a, b *Service, st *memStore, hub *memHub) {
	t.Helper()
	st, hub = newMemStore(), newMemHub()
	if cfg.SaveEvery == 0 {
		cfg.SaveEvery = time.Hour
	}
	start := func(name string, p Provider) *Service {
		c := cfg
		c.Relay = hub.replica(name)
		svc := NewService(st, p, "SYSTEM PROMPT", c, slog.New(slog.NewTextHandler(io.Discard, nil)))
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			svc.Shutdown(ctx)
		})
		return svc
	}
	return start("a", p), start("b", newScriptedProvider()), st, hub
}

func TestAnAnswerIsFollowedOnAnotherReplicaFromAnyOffset(t *testing.T) {
	p := newScriptedProvider()
	a, b, _, _ := twoReplicas(t, p, Config{})
	ctx := testCtx(t)
	c, turn, err := a.Start(ctx, visitor, "Which role fits me?")
	if err != nil {
		t.Fatal(err)
	}
	p.deltas <- "Machine learning "
	p.deltas <- "engineers train — "
	written(t, ctx, a, c.ID, turn.Answer.ID, len("Machine learning engineers train — "))

	// Mid-answer, the other replica shows the text so far on the page...
	_, msgs, err := b.Conversation(ctx, visitor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	shown := msgs[len(msgs)-1]
	if shown.State != StateStreaming || shown.Content != "Machine learning engineers train — " {
		t.Errorf("replica b shows the answer as %s %q, want it streaming with the text so far", shown.State, shown.Content)
	}
	// ...and a watcher there resumes from an offset, exactly.
	pb, err := b.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	from := len("Machine learning ")
	got := make(chan string, 1)
	go func() {
		text, _ := follow(t, ctx, pb, from)
		got <- text
	}()
	p.deltas <- "models; app developers ship them."
	close(p.deltas)
	if text := <-got; text != "engineers train — models; app developers ship them." {
		t.Errorf("replica b resumed from %d with %q", from, text)
	}
	if m := pb.Result(); m.State != StateDone {
		t.Errorf("replica b ends the answer as %s, want done", m.State)
	}
}

func TestStopOnAnotherReplicaStopsTheWriter(t *testing.T) {
	p := newScriptedProvider()
	a, b, st, _ := twoReplicas(t, p, Config{})
	ctx := testCtx(t)
	c, turn, err := a.Start(ctx, visitor, "Which role fits me?")
	if err != nil {
		t.Fatal(err)
	}
	p.deltas <- "Both roles "
	if err := b.Stop(ctx, visitor, c.ID, turn.Answer.ID); err != nil {
		t.Fatalf("Stop on replica b: %v", err)
	}
	m, err := st.Message(ctx, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.State != StateStopped || m.Content != "Both roles " {
		t.Errorf("after Stop on replica b the answer is saved %s %q, want stopped with its text", m.State, m.Content)
	}
}

func TestAnswersOfADeadReplicaAreInterrupted(t *testing.T) {
	p := newScriptedProvider()
	a, b, st, hub := twoReplicas(t, p, Config{SweepEvery: 10 * time.Millisecond, SaveEvery: 5 * time.Millisecond})
	ctx := testCtx(t)
	c, turn, err := a.Start(ctx, visitor, "Which role fits me?")
	if err != nil {
		t.Fatal(err)
	}
	p.deltas <- "Saved before the crash."
	// Wait for the periodic save, as a crash a second later would find it.
	for m, _ := st.Message(ctx, turn.Answer.ID); m.Content == ""; m, _ = st.Message(ctx, turn.Answer.ID) {
		select {
		case <-ctx.Done():
			t.Fatal("the text so far was never saved")
		case <-time.After(time.Millisecond): // polling with a deadline
		}
	}
	pb, err := b.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	hub.kill("a")

	// The watcher on b sees the answer end, interrupted, with what was saved.
	text, m := follow(t, ctx, pb, 0)
	if m.State != StateInterrupted || text != "Saved before the crash." {
		t.Errorf("the watcher on b ends with %s %q, want interrupted with the saved text", m.State, text)
	}
	// And b's sweep marks it so in the database, for every page and retry.
	for {
		m, err := st.Message(ctx, turn.Answer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.State == StateInterrupted {
			if m.Content != "Saved before the crash." {
				t.Errorf("interrupted with %q, want the saved text", m.Content)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the dead replica's answer is still %s", m.State)
		case <-time.After(5 * time.Millisecond): // polling with a deadline
		}
	}
}

// written waits until the writer's answer has at least n bytes.
func written(t *testing.T, ctx context.Context, svc *Service, conversationID, answerID string, n int) {
	t.Helper()
	p, err := svc.Follow(ctx, visitor, conversationID, answerID)
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, next, final, more := p.Since(0)
		if next >= n || final {
			return
		}
		select {
		case <-more:
		case <-ctx.Done():
			t.Fatalf("the answer never reached %d bytes (has %d)", n, next)
		}
	}
}

func TestDeletingOnAnotherReplicaStopsTheAnswer(t *testing.T) {
	p := newScriptedProvider()
	a, b, _, _ := twoReplicas(t, p, Config{})
	ctx := testCtx(t)
	c, turn, err := a.Start(ctx, visitor, "Which role fits me?")
	if err != nil {
		t.Fatal(err)
	}
	p.deltas <- "Both roles "
	if err := b.Delete(ctx, visitor, c.ID); err != nil {
		t.Fatalf("Delete on replica b: %v", err)
	}
	select {
	case cause := <-p.cancelled:
		if cause != errStopped {
			t.Errorf("the writer's request ended with %v, want it stopped", cause)
		}
	case <-ctx.Done():
		t.Fatal("the answer of a conversation deleted on replica b goes on being written on a")
	}
	if err := a.Wait(ctx, turn.Answer.ID); err != nil {
		t.Fatal(err)
	}
}

func TestNoSecondAnswerWhileAnotherReplicaWritesOne(t *testing.T) {
	p := newScriptedProvider()
	a, b, _, _ := twoReplicas(t, p, Config{})
	ctx := testCtx(t)
	c, turn, err := a.Start(ctx, visitor, "Which role fits me?")
	if err != nil {
		t.Fatal(err)
	}
	p.deltas <- "Both roles "
	if _, err := b.Ask(ctx, visitor, c.ID, "And the pay?"); ErrorCode(err) != ECONFLICT {
		t.Errorf("a question on replica b while a writes an answer: %v, want it refused as a conflict", err)
	}
	close(p.deltas)
	if err := a.Wait(ctx, turn.Answer.ID); err != nil {
		t.Fatal(err)
	}
	// Once it is written, the conversation takes the next question there.
	// (The mirror on b may need a moment to hear the ending.)
	for {
		_, err := b.Ask(ctx, visitor, c.ID, "And the pay?")
		if err == nil {
			break
		}
		if ErrorCode(err) != ECONFLICT || ctx.Err() != nil {
			t.Fatalf("a question on replica b after the answer ended: %v", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Millisecond): // polling with a deadline
		}
	}
}

func TestNobodyStopsAnotherVisitorsAnswerElsewhere(t *testing.T) {
	p := newScriptedProvider()
	a, b, st, _ := twoReplicas(t, p, Config{})
	ctx := testCtx(t)
	_, turn, err := a.Start(ctx, visitor, "Which role fits me?")
	if err != nil {
		t.Fatal(err)
	}
	p.deltas <- "Both roles "
	// Another visitor, on replica b, names that answer with a
	// conversation of their own.
	const other = "OTHERVISITORAAAAAAAAAAAAAA"
	mine, _, err := b.Start(ctx, other, "Hello")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Stop(ctx, other, mine.ID, turn.Answer.ID); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case cause := <-p.cancelled:
		t.Fatalf("another visitor stopped the answer (%v)", cause)
	default:
	}
	p.deltas <- "train models."
	close(p.deltas)
	if err := a.Wait(ctx, turn.Answer.ID); err != nil {
		t.Fatal(err)
	}
	if m, _ := st.Message(ctx, turn.Answer.ID); m.State != StateDone || m.Content != "Both roles train models." {
		t.Errorf("the answer ended %s %q, want done and whole", m.State, m.Content)
	}
}
