package guard

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
)

func TestMain(m *testing.M) { os.Exit(engines.Main(m)) }

var _ chat.Budget = (*RedisBudget)(nil)

// replica returns a client of its own to the test's Redis, as each replica
// has, through addr when given (a faultyLink), and the test's key prefix.
func replica(t *testing.T, addr string) redis.UniversalClient {
	t.Helper()
	opts, err := redis.ParseURL(engines.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	if addr != "" {
		opts.Addr = addr
	}
	opts.ContextTimeoutEnabled = true // as the limiter asks of its client
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRedisLimiterIsSharedByReplicas(t *testing.T) {
	opts := RedisOptions{Prefix: engines.RedisPrefix(t)}
	a := NewRedisLimiter(replica(t, ""), 3, time.Minute, opts) // one back every 20 s
	b := NewRedisLimiter(replica(t, ""), 3, time.Minute, opts)
	for i, l := range []*RedisLimiter{a, b, a} {
		if ok, _ := l.Allow(t0, "visitor:1"); !ok {
			t.Fatalf("question %d refused within the allowance", i+1)
		}
	}
	for name, l := range map[string]*RedisLimiter{"a": a, "b": b} {
		ok, at := l.Allow(t0.Add(time.Second), "visitor:1")
		if ok || !at.Equal(t0.Add(20*time.Second)) {
			t.Errorf("fourth question on replica %s = %v, retry at +%v; want refused until +20s", name, ok, at.Sub(t0))
		}
	}
	if ok, _ := b.Allow(t0.Add(19*time.Second), "visitor:1"); ok {
		t.Error("allowed before the retry time it named")
	}
	if ok, _ := b.Allow(t0.Add(20*time.Second), "visitor:1"); !ok {
		t.Error("refused at the retry time it named")
	}
	if ok, _ := a.Allow(t0.Add(20*time.Second), "visitor:1"); ok {
		t.Error("the token that came back was taken twice, once per replica")
	}
	if ok, _ := a.Allow(t0, "visitor:2"); !ok {
		t.Error("another visitor is limited too")
	}
}

func TestRedisLimiterNeedsEveryKeyUnderTheLimit(t *testing.T) {
	opts := RedisOptions{Prefix: engines.RedisPrefix(t)}
	a := NewRedisLimiter(replica(t, ""), 2, time.Minute, opts)
	b := NewRedisLimiter(replica(t, ""), 2, time.Minute, opts)
	a.Allow(t0, "visitor:1", "ip:1")
	b.Allow(t0, "visitor:2", "ip:1") // the same address, a new cookie, another replica
	if ok, _ := a.Allow(t0, "visitor:3", "ip:1"); ok {
		t.Error("a new cookie escaped the address's limit")
	}
	// The refused question took nothing: visitor 3 still has its whole burst.
	if ok, _ := b.Allow(t0, "visitor:3", "ip:2"); !ok {
		t.Error("visitor 3 from another address refused: the refusal cost it a token")
	}
	if ok, _ := a.Allow(t0, "visitor:3", "ip:3"); !ok {
		t.Error("visitor 3's second question refused")
	}
	if ok, _ := b.Allow(t0, "visitor:3", "ip:4"); ok {
		t.Error("visitor 3 over its own limit was allowed from a new address")
	}
}

func TestRedisLimiterRefund(t *testing.T) {
	opts := RedisOptions{Prefix: engines.RedisPrefix(t)}
	a := NewRedisLimiter(replica(t, ""), 1, time.Hour, opts)
	b := NewRedisLimiter(replica(t, ""), 1, time.Hour, opts)
	if ok, _ := a.Allow(t0, "visitor:1", "ip:1"); !ok {
		t.Fatal("first question refused")
	}
	b.Refund(t0, "visitor:1", "ip:1") // the question did not start, on whichever replica
	if ok, _ := b.Allow(t0, "visitor:1", "ip:1"); !ok {
		t.Error("refused after the refund")
	}
	if ok, _ := a.Allow(t0, "visitor:1", "ip:1"); ok {
		t.Error("allowed twice on an allowance of one")
	}
	// A refund never fills a bucket past its events.
	a.Refund(t0, "visitor:2")
	a.Refund(t0, "visitor:2")
	a.Allow(t0, "visitor:2")
	if ok, _ := b.Allow(t0, "visitor:2"); ok {
		t.Error("refunds of questions never asked raised the allowance")
	}
}

// TestRedisLimiterHoldsUnderConcurrency: replicas asking at once never let
// through more than the allowance, whatever the interleaving.
func TestRedisLimiterHoldsUnderConcurrency(t *testing.T) {
	opts := RedisOptions{Prefix: engines.RedisPrefix(t)}
	limiters := []*RedisLimiter{
		NewRedisLimiter(replica(t, ""), 10, time.Hour, opts),
		NewRedisLimiter(replica(t, ""), 10, time.Hour, opts),
		NewRedisLimiter(replica(t, ""), 10, time.Hour, opts),
	}
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if ok, _ := limiters[i%3].Allow(t0, "visitor:1", "ip:1"); ok {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 10 {
		t.Errorf("%d of 30 concurrent questions allowed, want the allowance, 10", n)
	}
}

// TestRedisLimiterKeysExpire: a client that stops asking leaves nothing in
// Redis once its bucket would be full again.
func TestRedisLimiterKeysExpire(t *testing.T) {
	prefix := engines.RedisPrefix(t)
	c := replica(t, "")
	l := NewRedisLimiter(c, 5, time.Minute, RedisOptions{Prefix: prefix})
	l.Allow(t0, "visitor:1")
	ttl, err := c.PTTL(context.Background(), prefix+"limit:visitor:1").Result()
	if err != nil || ttl <= 0 || ttl > time.Minute+time.Second {
		t.Errorf("the bucket's key expires in %v (%v), want within the period and a second", ttl, err)
	}
}

// faultyLink carries connections to Redis until cut, as a network between
// a replica and Redis does; cut, it drops every connection and refuses new
// ones, until mended.
type faultyLink struct {
	ln     net.Listener
	target string
	up     atomic.Bool

	mu    sync.Mutex
	conns []net.Conn
}

func newFaultyLink(t *testing.T) *faultyLink {
	t.Helper()
	opts, err := redis.ParseURL(engines.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &faultyLink{ln: ln, target: opts.Addr}
	f.up.Store(true)
	t.Cleanup(func() { ln.Close(); f.cut() })
	go f.serve()
	return f
}

func (f *faultyLink) addr() string { return f.ln.Addr().String() }

func (f *faultyLink) serve() {
	for {
		in, err := f.ln.Accept()
		if err != nil {
			return
		}
		if !f.up.Load() {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", f.target)
		if err != nil {
			in.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, in, out)
		f.mu.Unlock()
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

func (f *faultyLink) cut() {
	f.up.Store(false)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
}

func (f *faultyLink) mend() { f.up.Store(true) }

// syncBuffer is a log sink safe for the goroutines that write it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) lines(substr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), substr)
}

// TestRedisLimiterWithRedisDown: while Redis cannot be reached, questions
// are still answered, each replica limiting them on its own, and the
// outage is logged once a minute, not once a question. When Redis is
// back, the shared allowance is used again.
func TestRedisLimiterWithRedisDown(t *testing.T) {
	link := newFaultyLink(t)
	var logs syncBuffer
	opts := RedisOptions{Prefix: engines.RedisPrefix(t), Timeout: 100 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	l := NewRedisLimiter(replica(t, link.addr()), 3, time.Minute, opts) // one back every 20 s
	other := NewRedisLimiter(replica(t, ""), 3, time.Minute, opts)
	if ok, _ := l.Allow(t0, "visitor:1"); !ok {
		t.Fatal("first question refused with Redis up")
	}
	link.cut()
	for i := range 3 {
		if ok, _ := l.Allow(t0.Add(time.Duration(i)*time.Second), "visitor:1"); !ok {
			t.Fatalf("question %d refused with Redis down: a broken Redis took the chat down", i+1)
		}
	}
	ok, at := l.Allow(t0.Add(3*time.Second), "visitor:1")
	if ok || !at.Equal(t0.Add(20*time.Second)) {
		t.Errorf("fourth question with Redis down = %v, retry at +%v; want refused by this replica's own limit until +20s", ok, at.Sub(t0))
	}
	l.Allow(t0.Add(10*time.Second), "visitor:2") // Redis asked again, and failing
	if n := logs.lines("Redis failed"); n != 1 {
		t.Errorf("Redis failing through a minute logged %d times, want once:\n%s", n, logs.String())
	}
	l.Allow(t0.Add(61*time.Second), "visitor:3")
	if n := logs.lines("Redis failed"); n != 2 {
		t.Errorf("a minute later, logged %d times in all, want twice", n)
	}

	link.mend()
	later := t0.Add(2 * time.Minute) // every bucket full again
	other.Allow(later, "visitor:1")
	other.Allow(later, "visitor:1")
	if ok, _ := l.Allow(later, "visitor:1"); !ok {
		t.Error("with Redis back, the shared allowance's last question was refused")
	}
	if ok, _ := l.Allow(later, "visitor:1"); ok {
		t.Error("with Redis back, this replica still limits on its own")
	}
	if n := logs.lines("Redis answers again"); n != 1 {
		t.Errorf("Redis's return logged %d times, want once", n)
	}
}

// TestRedisLimiterDoesNotWaitForAHungRedis: a Redis that takes connections
// but never answers delays a question by the timeout, no more, and only
// one question every few seconds pays even that.
func TestRedisLimiterDoesNotWaitForAHungRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn // never read, never answered
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	const timeout = 300 * time.Millisecond
	l := NewRedisLimiter(replica(t, ln.Addr().String()), 100, time.Minute, RedisOptions{Timeout: timeout})
	done := make(chan bool)
	start := time.Now()
	go func() {
		for i := range 10 {
			ok, _ := l.Allow(t0.Add(time.Duration(i)*400*time.Millisecond), "visitor:1")
			done <- ok
		}
	}()
	deadline := time.After(10 * time.Second)
	for i := range 10 {
		select {
		case ok := <-done:
			if !ok {
				t.Fatalf("question %d refused while Redis hangs", i+1)
			}
		case <-deadline:
			t.Fatalf("after 10 s, %d questions of 10 answered while Redis hangs", i)
		}
	}
	if took := time.Since(start); took > 4*timeout {
		t.Errorf("10 questions over 4 s took %v with Redis hung, want about one timeout (%v), not one each", took, timeout)
	}
}

func TestRedisBudgetIsSharedByReplicas(t *testing.T) {
	opts := RedisOptions{Prefix: engines.RedisPrefix(t)}
	a := NewRedisBudget(replica(t, ""), 1000, opts)
	b := NewRedisBudget(replica(t, ""), 1000, opts)
	morning := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	midnight := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if ok, _ := a.Allow(morning); !ok {
		t.Fatal("a fresh budget refuses")
	}
	a.Spend(999, morning)
	if ok, _ := b.Allow(morning); !ok {
		t.Error("refused with 1 token left")
	}
	b.Spend(50, morning) // an answer allowed at 999 may end over the budget
	for name, r := range map[string]*RedisBudget{"a": a, "b": b} {
		ok, at := r.Allow(morning.Add(time.Hour))
		if ok || !at.Equal(midnight) {
			t.Errorf("spent 1049 of 1000, replica %s: Allow = %v, %v; want refused until %v", name, ok, at, midnight)
		}
		if got := r.Spent(morning); got != 1049 {
			t.Errorf("replica %s: spent = %d, want both replicas' 1049", name, got)
		}
	}
	if ok, _ := a.Allow(midnight.Add(-time.Nanosecond)); ok {
		t.Error("allowed just before midnight UTC")
	}
	if ok, _ := b.Allow(midnight); !ok || b.Spent(midnight) != 0 {
		t.Errorf("at midnight UTC: allowed %v, spent %d; want a new day", ok, b.Spent(midnight))
	}
	// A clock stepping back to yesterday does not bring yesterday back.
	b.Spend(10, midnight)
	if got := b.Spent(morning); got != 10 {
		t.Errorf("after a clock step back, spent = %d, want today's 10", got)
	}
	// Midnight is UTC's, whatever the zone of now.
	tokyo := time.FixedZone("JST", 9*3600)
	c := NewRedisBudget(replica(t, ""), 1, RedisOptions{Prefix: engines.RedisPrefix(t)})
	late := time.Date(2026, 3, 2, 8, 0, 0, 0, tokyo) // 23:00 UTC on 1 March
	c.Spend(1, late)
	if _, at := c.Allow(late); !at.Equal(midnight) {
		t.Errorf("retry at %v, want %v", at, midnight)
	}
}

func TestRedisBudgetDayExpires(t *testing.T) {
	prefix := engines.RedisPrefix(t)
	c := replica(t, "")
	now := time.Now()
	NewRedisBudget(c, 1000, RedisOptions{Prefix: prefix}).Spend(5, now)
	key := prefix + "budget:" + now.UTC().Format(time.DateOnly)
	ttl, err := c.TTL(context.Background(), key).Result()
	if err != nil || ttl <= 24*time.Hour || ttl > 48*time.Hour {
		t.Errorf("today's count expires in %v (%v), want after today ends and within two days of its start", ttl, err)
	}
}

// TestRedisBudgetWithRedisDown: while Redis cannot be reached, a replica
// counts from the last total it read, so answers go on and the budget
// still ends them; what it spent meanwhile reaches Redis when it is back.
func TestRedisBudgetWithRedisDown(t *testing.T) {
	link := newFaultyLink(t)
	var logs syncBuffer
	opts := RedisOptions{Prefix: engines.RedisPrefix(t), Timeout: 100 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	a := NewRedisBudget(replica(t, link.addr()), 1000, opts)
	b := NewRedisBudget(replica(t, ""), 1000, opts)
	morning := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	b.Spend(600, morning)
	if ok, _ := a.Allow(morning); !ok {
		t.Fatal("refused at 600 of 1000")
	}
	link.cut()
	if ok, _ := a.Allow(morning.Add(time.Second)); !ok {
		t.Fatal("refused with Redis down at 600 of 1000: a broken Redis took the chat down")
	}
	a.Spend(300, morning.Add(2*time.Second))
	if ok, _ := a.Allow(morning.Add(10 * time.Second)); !ok {
		t.Error("refused at 900 of 1000 with Redis down")
	}
	a.Spend(200, morning.Add(20*time.Second))
	if ok, _ := a.Allow(morning.Add(30 * time.Second)); ok {
		t.Error("with Redis down, allowed at 1100 of 1000: the replica forgot what it spent")
	}
	if n := logs.lines("Redis failed"); n != 1 {
		t.Errorf("Redis failing through one minute logged %d times, want once:\n%s", n, logs.String())
	}
	link.mend()
	a.Spend(1, morning.Add(time.Minute))
	if got := b.Spent(morning.Add(time.Minute)); got != 1101 {
		t.Errorf("with Redis back, the other replica sees %d spent, want 1101: what was spent during the outage is lost", got)
	}
}
