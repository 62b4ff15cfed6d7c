package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
)

func TestMain(m *testing.M) {
	code := engines.Main(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// cluster is the replicas of one deployment, in one process: relays
// sharing a server and a prefix.
type cluster struct {
	t      *testing.T
	url    string
	prefix string
	admin  *redis.Client // the test's own view of the server
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	url := engines.Redis(t)
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	admin := redis.NewClient(opt)
	t.Cleanup(func() { admin.Close() })
	return &cluster{t: t, url: url, prefix: engines.RedisPrefix(t), admin: admin}
}

// replica starts a relay; the test closes it at its end unless it did.
func (c *cluster) replica(name string, edit ...func(*Config)) *Relay {
	c.t.Helper()
	cfg := Config{URL: c.url, Replica: name, Prefix: c.prefix, LeaseTTL: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, e := range edit {
		e(&cfg)
	}
	r, err := New(ctx(c.t), cfg)
	if err != nil {
		c.t.Fatalf("New(%s): %v", name, err)
	}
	c.t.Cleanup(func() {
		if err := r.Close(context.Background()); err != nil {
			c.t.Errorf("Close(%s): %v", name, err)
		}
	})
	return r
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// recorder is a Feed as a watcher's buffer would be: it keeps what it is
// fed, and wakes who waits for it.
type recorder struct {
	mu         sync.Mutex
	text       []byte
	reasoning  []byte
	thoughtFor time.Duration
	status     string
	final      *chat.Message
	texts      int // calls of Text
	lost       bool
	changed    chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) update(f func()) {
	r.mu.Lock()
	f()
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

func (r *recorder) Text(d string) { r.update(func() { r.text = append(r.text, d...); r.texts++ }) }
func (r *recorder) Reasoning(d string, t time.Duration) {
	r.update(func() { r.reasoning = append(r.reasoning, d...); r.thoughtFor = t })
}
func (r *recorder) Status(s string)         { r.update(func() { r.status = s }) }
func (r *recorder) Finish(m chat.Message)   { r.update(func() { r.final = &m }) }
func (r *recorder) markLost()               { r.update(func() { r.lost = true }) }
func (r *recorder) textNow() string         { r.mu.Lock(); defer r.mu.Unlock(); return string(r.text) }
func (r *recorder) finished() *chat.Message { r.mu.Lock(); defer r.mu.Unlock(); return r.final }

// waitFor waits until cond holds of r, failing the test at the deadline.
func (r *recorder) waitFor(t *testing.T, what string, cond func(*recorder) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		ok, ch := cond(r), r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("waiting for %s: text %q, reasoning %q, status %q, final %v, lost %v",
				what, r.text, r.reasoning, r.status, r.final != nil, r.lost)
		}
	}
}

// eventually polls cond until it holds, failing the test at the deadline.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx(t).Done():
		}
	}
}

// mirrorWhenLive mirrors answerID once its beginning has reached Redis.
func mirrorWhenLive(t *testing.T, r *Relay, c context.Context, answerID string, into *recorder) {
	t.Helper()
	var err error
	eventually(t, 5*time.Second, "answer "+answerID+" live", func() bool {
		err = r.Mirror(c, answerID, into, into.markLost)
		return !errors.Is(err, chat.ErrNotLive)
	})
	if err != nil {
		t.Fatalf("Mirror(%s): %v", answerID, err)
	}
}

var deltas = []string{"Ça ", "marche", " — ", "日本語", "の", "テキスト", " 😀", "👍🏽", "\n\n", "**gras**", " e\u0301", "\x00end"}

// TestMirrorIsByteExact: a watcher on another replica sees the answer with
// the same bytes as the writer, thinking, status and ending included, and
// one who joins midway gets it all from the start, the text the answer
// continues from included.
func TestMirrorIsByteExact(t *testing.T) {
	c := newCluster(t)
	a, b, d := c.replica("a"), c.replica("b"), c.replica("d")
	m := chat.Message{ID: "ans1", ConversationID: "conv1", Content: "Déjà: ", Reasoning: "Je pense", ThoughtFor: time.Second}
	feed := a.Publish(m)
	early := newRecorder()
	mirrorWhenLive(t, b, ctx(t), "ans1", early)

	want := []byte(m.Content)
	wantReasoning := m.Reasoning + "… encore 🤔"
	feed.Reasoning("… encore", 2*time.Second)
	feed.Reasoning(" 🤔", 3*time.Second)
	feed.Status("Nouvel essai…")
	for _, s := range deltas[:6] {
		feed.Text(s)
		want = append(want, s...)
	}
	early.waitFor(t, "the first half", func(r *recorder) bool { return len(r.text) == len(want) })

	late := newRecorder()
	if err := d.Mirror(ctx(t), "ans1", late, late.markLost); err != nil {
		t.Fatalf("Mirror midway: %v", err)
	}
	if got := late.textNow(); got != string(want) {
		t.Fatalf("mirror started midway has %q, want %q", got, want)
	}
	feed.Status("")
	for _, s := range deltas[6:] {
		feed.Text(s)
		want = append(want, s...)
	}
	final := m
	final.Content, final.Reasoning, final.ThoughtFor, final.State = string(want), wantReasoning, 3*time.Second, chat.StateDone
	feed.Finish(final)

	for name, r := range map[string]*recorder{"early": early, "late": late} {
		r.waitFor(t, name+" finished", func(r *recorder) bool { return r.final != nil })
		r.mu.Lock()
		if string(r.text) != string(want) {
			t.Errorf("%s mirror text %q, want %q", name, r.text, want)
		}
		if string(r.reasoning) != wantReasoning || r.thoughtFor != 3*time.Second {
			t.Errorf("%s mirror thinking %q for %s, want %q for 3s", name, r.reasoning, r.thoughtFor, wantReasoning)
		}
		if r.status != "" {
			t.Errorf("%s mirror status %q after it was cleared", name, r.status)
		}
		if r.final.Content != final.Content || r.final.State != chat.StateDone || r.final.ConversationID != "conv1" {
			t.Errorf("%s mirror final %+v, want %+v", name, *r.final, final)
		}
		r.mu.Unlock()
	}
}

// TestStopReachesTheWriter: Stop pressed on any replica reaches the one
// writing the answer, and only it.
func TestStopReachesTheWriter(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	stopped := make(chan string, 4)
	a.OnStop(func(id string) { stopped <- "a:" + id })
	b.OnStop(func(id string) { stopped <- "b:" + id })
	a.Publish(chat.Message{ID: "ans2", ConversationID: "c"})
	if err := b.Stop(ctx(t), "ans2"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-stopped:
		if got != "a:ans2" {
			t.Fatalf("stop reached %q, want the writer a", got)
		}
	case <-ctx(t).Done():
		t.Fatal("the writer was never asked to stop")
	}
	// b writes nothing: a Stop for an answer nobody writes reaches nobody.
	if err := b.Stop(ctx(t), "nobodys"); err != nil {
		t.Fatal(err)
	}
	a.Publish(chat.Message{ID: "ans3"})
	if err := a.Stop(ctx(t), "ans3"); err != nil {
		t.Fatal(err)
	}
	if got := <-stopped; got != "a:ans3" {
		t.Fatalf("then stop reached %q, want a:ans3 (and nothing for an answer nobody writes)", got)
	}
}

// TestDeadWriter: when the replica writing an answer dies, the watchers
// elsewhere learn it is lost, and a survivor finds its answers orphaned
// within about the lease's time; the answers of living replicas, and
// those of a dead one that had finished, are told apart.
func TestDeadWriter(t *testing.T) {
	c := newCluster(t)
	a, b, s := c.replica("a"), c.replica("b"), c.replica("s")
	fa := a.Publish(chat.Message{ID: "by-a"})
	fa.Text("half an ans")
	b.Publish(chat.Message{ID: "by-b"}).Text("alive")
	w := newRecorder()
	mirrorWhenLive(t, s, ctx(t), "by-a", w)
	w.waitFor(t, "the text so far", func(r *recorder) bool { return len(r.text) == len("half an ans") })

	if got, err := s.Orphans(ctx(t), []string{"by-a", "by-b"}); err != nil || len(got) != 0 {
		t.Fatalf("Orphans while both write = %q, %v; want none", got, err)
	}
	died := time.Now()
	a.kill()
	w.waitFor(t, "the mirror told its answer is lost", func(r *recorder) bool { return r.lost })
	var orphans []string
	eventually(t, 5*time.Second, "the dead writer's answer orphaned", func() bool {
		var err error
		orphans, err = s.Orphans(ctx(t), []string{"by-a", "by-b", "never-written"})
		if err != nil {
			t.Fatal(err)
		}
		return len(orphans) == 2
	})
	if took := time.Since(died); took > 3*time.Second {
		t.Errorf("orphaned after %s; the lease lasts 1s", took)
	}
	// never-written has no stream at all: it counts as an orphan only a
	// lease after it was first asked about (TestAnswerWithoutStreamYetIsNoOrphan),
	// which is within the same bound.
	if orphans[0] != "by-a" || orphans[1] != "never-written" {
		t.Errorf("Orphans = %q, want [by-a never-written]", orphans)
	}
	if err := s.Mirror(ctx(t), "by-a", newRecorder(), nil); !errors.Is(err, chat.ErrNotLive) {
		t.Errorf("Mirror of a dead writer's answer = %v, want ErrNotLive", err)
	}
}

// TestSlowReplicaKeepsItsLease: a replica whose lease lapsed while it was
// only slow takes it again, so its answers are not orphans for long.
func TestSlowReplicaKeepsItsLease(t *testing.T) {
	c := newCluster(t)
	a, s := c.replica("a"), c.replica("s")
	a.Publish(chat.Message{ID: "slow"}).Text("still here")
	if err := c.admin.Del(ctx(t), c.prefix+"replica:a").Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, "lease taken again", func() bool {
		n, err := c.admin.Exists(ctx(t), c.prefix+"replica:a").Result()
		return err == nil && n == 1
	})
	if got, err := s.Orphans(ctx(t), []string{"slow"}); err != nil || len(got) != 0 {
		t.Fatalf("Orphans = %q, %v; want none: its writer is alive", got, err)
	}
}

// TestFinishedAnswerReplaysThenExpires: a watcher reconnecting just after
// the end gets the whole answer and its ending; after the grace period
// the stream is gone, and the database is the record.
func TestFinishedAnswerReplaysThenExpires(t *testing.T) {
	c := newCluster(t)
	grace := func(cfg *Config) { cfg.Grace = 1500 * time.Millisecond }
	a, b := c.replica("a", grace), c.replica("b", grace)
	f := a.Publish(chat.Message{ID: "done", ConversationID: "c"})
	f.Text("The whole ")
	f.Text("answer.")
	f.Finish(chat.Message{ID: "done", ConversationID: "c", Content: "The whole answer.", State: chat.StateDone})
	// Its lease gone does not make a finished answer lost.
	if err := a.Close(ctx(t)); err != nil {
		t.Fatal(err)
	}

	w := newRecorder()
	mirrorWhenLive(t, b, ctx(t), "done", w)
	if got := w.finished(); got == nil || got.Content != "The whole answer." || w.textNow() != "The whole answer." {
		t.Fatalf("replay of a finished answer: text %q, final %+v", w.textNow(), got)
	}
	eventually(t, 5*time.Second, "stream expired", func() bool {
		n, err := c.admin.Exists(ctx(t), c.prefix+"answer:done").Result()
		return err == nil && n == 0
	})
	if err := b.Mirror(ctx(t), "done", newRecorder(), nil); !errors.Is(err, chat.ErrNotLive) {
		t.Errorf("Mirror after the grace period = %v, want ErrNotLive", err)
	}
}

// commandCalls returns how many times the server ran cmd.
func commandCalls(t *testing.T, c *redis.Client, cmd string) int {
	t.Helper()
	info, err := c.Info(ctx(t), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_"+cmd+":calls="); ok {
			n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
			return n
		}
	}
	return 0
}

// TestTokensAreBatched: a fast stream of tokens costs far fewer appends
// and round trips than tokens, and the mirror still gets every byte.
func TestTokensAreBatched(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	before := commandCalls(t, c.admin, "xadd")
	f := a.Publish(chat.Message{ID: "fast"})
	var want strings.Builder
	for i := range 300 {
		d := fmt.Sprintf("tok%d→ ", i)
		f.Text(d)
		want.WriteString(d)
	}
	f.Finish(chat.Message{ID: "fast", Content: want.String(), State: chat.StateDone})
	w := newRecorder()
	mirrorWhenLive(t, b, ctx(t), "fast", w)
	w.waitFor(t, "the end", func(r *recorder) bool { return r.final != nil })
	if w.textNow() != want.String() {
		t.Fatalf("mirror text differs: %d bytes, want %d", len(w.textNow()), want.Len())
	}
	xadds := commandCalls(t, c.admin, "xadd") - before
	a.statMu.Lock()
	flushes := a.flushes
	a.statMu.Unlock()
	t.Logf("300 deltas: %d XADDs in %d round trips", xadds, flushes)
	if xadds > 30 || flushes > 30 {
		t.Errorf("300 deltas cost %d XADDs in %d round trips, want far fewer than 300", xadds, flushes)
	}
}

// TestManyMirrorsFewConnections: 500 watchers on one replica share its
// few connections and do not cost a goroutine each.
func TestManyMirrorsFewConnections(t *testing.T) {
	c := newCluster(t)
	const poolSize = 4
	a := c.replica("a")
	b := c.replica("b", func(cfg *Config) { cfg.URL += "?pool_size=" + strconv.Itoa(poolSize) + "&pipeline_pool_size=2" })
	const answers, watchers = 50, 500
	feeds := make([]chat.Feed, answers)
	for i := range feeds {
		feeds[i] = a.Publish(chat.Message{ID: "many" + strconv.Itoa(i)})
	}
	eventually(t, 5*time.Second, "answers live", func() bool {
		keys := make([]string, answers)
		for i := range keys {
			keys[i] = c.prefix + "answer:many" + strconv.Itoa(i)
		}
		n, err := c.admin.Exists(ctx(t), keys...).Result()
		return err == nil && n == answers
	})
	mctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	goroutines := runtime.NumGoroutine()
	recs := make([]*recorder, watchers)
	var wg sync.WaitGroup
	for i := range recs {
		recs[i] = newRecorder()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Mirror(mctx, "many"+strconv.Itoa(i%answers), recs[i], recs[i].markLost); err != nil {
				t.Errorf("Mirror %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if n := runtime.NumGoroutine() - goroutines; n > 20 {
		t.Errorf("%d more goroutines for %d mirrors", n, watchers)
	}
	for i, f := range feeds {
		f.Text("answer " + strconv.Itoa(i))
	}
	for i, r := range recs {
		want := "answer " + strconv.Itoa(i%answers)
		r.waitFor(t, want, func(r *recorder) bool { return string(r.text) == want })
	}
	list, err := c.admin.ClientList(ctx(t)).Result()
	if err != nil {
		t.Fatal(err)
	}
	conns := strings.Count(list, "name=rolefit-relay-b ")
	t.Logf("%d mirrors: %d connections, pool %+v", watchers, conns, *b.client.PoolStats())
	if conns > poolSize+2+1 {
		t.Errorf("%d connections for %d mirrors, want at most the pools' %d and the subscriber", conns, watchers, poolSize+2)
	}
}

// TestMirrorStopsWithItsContext: a watcher that went away is fed nothing
// more.
func TestMirrorStopsWithItsContext(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	f := a.Publish(chat.Message{ID: "ctx"})
	gone, stays := newRecorder(), newRecorder()
	gctx, cancel := context.WithCancel(ctx(t))
	mirrorWhenLive(t, b, gctx, "ctx", gone)
	mirrorWhenLive(t, b, ctx(t), "ctx", stays)
	f.Text("one ")
	gone.waitFor(t, "one", func(r *recorder) bool { return string(r.text) == "one " })
	cancel()
	f.Text("two")
	stays.waitFor(t, "two", func(r *recorder) bool { return string(r.text) == "one two" })
	eventually(t, time.Second, "nothing more fed", func() bool { return gone.textNow() == "one " })
	if got := gone.textNow(); got != "one " {
		t.Errorf("a mirror whose context ended got %q", got)
	}
}

// TestCloseSendsWhatIsQueued: a replica shutting down sends everything
// queued before it lets go.
func TestCloseSendsWhatIsQueued(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	f := a.Publish(chat.Message{ID: "closing"})
	var want strings.Builder
	for i := range 100 {
		d := strconv.Itoa(i) + " "
		f.Text(d)
		want.WriteString(d)
	}
	f.Finish(chat.Message{ID: "closing", Content: want.String(), State: chat.StateStopped})
	if err := a.Close(ctx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	w := newRecorder()
	if err := b.Mirror(ctx(t), "closing", w, nil); err != nil {
		t.Fatalf("Mirror after its writer closed: %v", err)
	}
	if got := w.finished(); w.textNow() != want.String() || got == nil || got.State != chat.StateStopped {
		t.Errorf("after Close: text %q, final %+v", w.textNow(), got)
	}
}

// TestFeedNeverWaitsForRedis: tokens are queued, never sent from the
// model's path: a server that does not answer for a while costs the writer
// nothing, and the watchers get every byte once it answers again.
func TestFeedNeverWaitsForRedis(t *testing.T) {
	c := newCluster(t)
	// Leases longer than the pause: a server that takes writes for
	// longer than a lease lasts makes the answers orphans, as it should.
	long := func(cfg *Config) { cfg.LeaseTTL = 10 * time.Second }
	a, b := c.replica("a", long), c.replica("b", long)
	f := a.Publish(chat.Message{ID: "paused"})
	w := newRecorder()
	mirrorWhenLive(t, b, ctx(t), "paused", w)
	if err := c.admin.Do(ctx(t), "CLIENT", "PAUSE", 1000, "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	start := time.Now()
	for i := range 2000 {
		d := "ü" + strconv.Itoa(i)
		f.Text(d)
		want.WriteString(d)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("2000 tokens took %s to queue while the server was paused for 1s", took)
	}
	w.waitFor(t, "every token", func(r *recorder) bool { return len(r.text) == want.Len() })
	if w.textNow() != want.String() {
		t.Errorf("mirror text differs from the writer's")
	}
}

// TestResentChangesAreNotDoubled: a send whose reply was lost is sent
// again; the watchers place deltas by their offsets, so nothing doubles.
func TestResentChangesAreNotDoubled(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	f := a.Publish(chat.Message{ID: "dup", Content: "Hi. "})
	f.Text("Hello ")
	w := newRecorder()
	mirrorWhenLive(t, b, ctx(t), "dup", w)
	w.waitFor(t, "Hello", func(r *recorder) bool { return string(r.text) == "Hi. Hello " })
	again := []batch{{id: "dup", entries: []entry{
		{kind: kindText, off: 4, data: []byte("Hello ")},
		{kind: kindText, off: 6, data: []byte("lo ")},
	}}}
	if err := a.send(again); err != nil {
		t.Fatal(err)
	}
	f.Text("world")
	w.waitFor(t, "world", func(r *recorder) bool { return strings.HasSuffix(string(r.text), "world") })
	if got := w.textNow(); got != "Hi. Hello world" {
		t.Errorf("after a resend, mirror text %q, want %q", got, "Hi. Hello world")
	}
}

// TestSubscriptionsSurviveADroppedConnection: when the server drops the
// replicas' subscriptions, they subscribe again, and watchers miss none of
// what was written meanwhile.
func TestSubscriptionsSurviveADroppedConnection(t *testing.T) {
	c := newCluster(t)
	long := func(cfg *Config) { cfg.LeaseTTL = time.Minute } // no catching up on the lease's clock
	a, b := c.replica("a", long), c.replica("b", long)
	stopped := make(chan string, 100)
	a.OnStop(func(id string) { stopped <- id })
	f := a.Publish(chat.Message{ID: "drop"})
	f.Text("before ")
	w := newRecorder()
	mirrorWhenLive(t, b, ctx(t), "drop", w)
	w.waitFor(t, "before", func(r *recorder) bool { return string(r.text) == "before " })
	if err := c.admin.Do(ctx(t), "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	f.Text("after")
	w.waitFor(t, "after", func(r *recorder) bool { return string(r.text) == "before after" })
	eventually(t, 10*time.Second, "a Stop reaching the writer again", func() bool {
		if err := b.Stop(ctx(t), "drop"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-stopped:
			return true
		case <-time.After(100 * time.Millisecond):
			return false
		}
	})
}

// TestBytesStayAsWritten: a continued answer whose saved text, and a
// delta, end inside a character is relayed byte for byte, ending included.
func TestBytesStayAsWritten(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	m := chat.Message{ID: "split", ConversationID: "c", Content: "abc \xe6\x97", Reasoning: "\xf0\x9f"}
	f := a.Publish(m)
	f.Reasoning("\x98\x80", time.Second)
	f.Text("\xa5 def \xe6")
	f.Text("\x97\xa5")
	m.Content, m.Reasoning, m.State = "abc 日 def 日", "😀", chat.StateDone
	f.Finish(m)
	w := newRecorder()
	mirrorWhenLive(t, b, ctx(t), "split", w)
	// The writer's changes reach Redis in the background: the mirror may
	// see the answer live before its end has arrived.
	w.waitFor(t, "the end", func(r *recorder) bool { return r.final != nil })
	got := w.finished()
	if got == nil || w.textNow() != m.Content || string(w.reasoning) != m.Reasoning {
		t.Fatalf("mirror text %q, thinking %q, final %v; want %q, %q", w.textNow(), w.reasoning, got, m.Content, m.Reasoning)
	}
	if got.Content != m.Content || got.Reasoning != m.Reasoning || got.State != chat.StateDone {
		t.Errorf("final %+v, want %+v", *got, m)
	}
}

// TestAnswerWithoutStreamYetIsNoOrphan: an answer the database has but
// whose stream has not reached Redis yet (its writer's first changes are
// still queued, as under load) is not taken for an orphan at once; only
// one still without a stream a lease's time later is.
func TestAnswerWithoutStreamYetIsNoOrphan(t *testing.T) {
	c := newCluster(t)
	s := c.replica("s")
	if got, err := s.Orphans(ctx(t), []string{"not-yet"}); err != nil || len(got) != 0 {
		t.Fatalf("Orphans of an answer first seen without a stream = %q, %v; want none yet", got, err)
	}
	first := time.Now()
	eventually(t, 5*time.Second, "a streamless answer orphaned a lease later", func() bool {
		got, err := s.Orphans(ctx(t), []string{"not-yet"})
		if err != nil {
			t.Fatal(err)
		}
		return len(got) == 1
	})
	if took := time.Since(first); took < time.Second {
		t.Errorf("orphaned after %s, before the lease's 1s", took)
	}
}

// TestAnnouncedMeansMirrorable: once Announced is closed, every other
// replica can mirror the answer; chat waits for it before telling the
// person their question was taken.
func TestAnnouncedMeansMirrorable(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica("a"), c.replica("b")
	f := a.Publish(chat.Message{ID: "announced", Content: "Continued "})
	ann, ok := f.(interface{ Announced() <-chan struct{} })
	if !ok {
		t.Fatal("the relay's Feed does not say when it is announced")
	}
	select {
	case <-ann.Announced():
	case <-ctx(t).Done():
		t.Fatal("the answer was never announced")
	}
	w := newRecorder()
	if err := b.Mirror(ctx(t), "announced", w, nil); err != nil {
		t.Fatalf("Mirror right after the announcement: %v", err)
	}
	w.waitFor(t, "the starting text", func(r *recorder) bool { return string(r.text) == "Continued " })
}
