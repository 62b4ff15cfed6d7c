package guard

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestLimiterAllowsABurstThenOnePerInterval(t *testing.T) {
	l := NewLimiter(3, time.Minute) // one token back every 20 s
	for i := range 3 {
		if ok, _ := l.Allow(t0, "a"); !ok {
			t.Fatalf("event %d refused within the burst", i+1)
		}
	}
	ok, at := l.Allow(t0, "a")
	if ok || !at.Equal(t0.Add(20*time.Second)) {
		t.Fatalf("fourth event = %v, retry at +%v; want refused until +20s", ok, at.Sub(t0))
	}
	if ok, _ := l.Allow(t0.Add(19*time.Second), "a"); ok {
		t.Error("allowed before the retry time it named")
	}
	if ok, _ := l.Allow(t0.Add(20*time.Second), "a"); !ok {
		t.Error("refused at the retry time it named")
	}
	if ok, _ := l.Allow(t0, "b"); !ok {
		t.Error("another key is limited too")
	}
}

func TestLimiterNeedsEveryKeyUnderTheLimit(t *testing.T) {
	l := NewLimiter(2, time.Minute)
	l.Allow(t0, "visitor:1", "ip:1")
	l.Allow(t0, "visitor:2", "ip:1") // the same address, a new cookie
	if ok, _ := l.Allow(t0, "visitor:3", "ip:1"); ok {
		t.Error("a new cookie escaped the address's limit")
	}
	// The refused event took nothing: visitor 3 still has its whole burst.
	for i := range 2 {
		if ok, _ := l.Allow(t0, "visitor:3", fmt.Sprintf("ip:other-%d", i)); !ok {
			t.Errorf("visitor 3, event %d from another address, refused: the refusal cost it a token", i+1)
		}
	}
	if ok, _ := l.Allow(t0, "visitor:3", "ip:another"); ok {
		t.Error("visitor 3 over its own limit was allowed from a new address")
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	l := NewLimiter(5, time.Minute)
	l.SetMaxKeys(1000)
	for i := range 10_000 {
		l.Allow(t0.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("flood-%d", i))
		if n := l.Len(); n > 1000 {
			t.Fatalf("after %d keys the limiter holds %d, over its cap", i+1, n)
		}
	}
	// Keys idle long enough to be full again are forgotten at the next
	// sweep; a limited one is remembered until then.
	l = NewLimiter(1, time.Minute)
	l.Allow(t0, "idle")
	l.Allow(t0.Add(30*time.Second), "busy")
	l.Allow(t0.Add(61*time.Second), "new")
	if l.Len() != 2 {
		t.Errorf("after a sweep the limiter holds %d keys, want 2 (busy, new)", l.Len())
	}
	if ok, _ := l.Allow(t0.Add(90*time.Second), "busy"); !ok {
		t.Error("busy is refused though a token has refilled")
	}
}

func TestLimiterRefundGivesBackWhatWasTaken(t *testing.T) {
	l := NewLimiter(2, time.Minute)
	l.Allow(t0, "visitor:1", "ip:1")
	l.Allow(t0, "visitor:1", "ip:1")
	l.Refund(t0, "visitor:1", "ip:1") // the second was refused after all
	if ok, _ := l.Allow(t0, "visitor:1", "ip:1"); !ok {
		t.Fatal("refused after a refund")
	}
	if ok, _ := l.Allow(t0, "visitor:1", "ip:1"); ok {
		t.Error("a refund gave back more than one event")
	}
	// A refund never fills a bucket past its size, nor creates one.
	l.Refund(t0, "visitor:2")
	l.Refund(t0, "visitor:2")
	for i := range 2 {
		if ok, _ := l.Allow(t0, "visitor:2"); !ok {
			t.Fatalf("event %d refused", i+1)
		}
	}
	if ok, _ := l.Allow(t0, "visitor:2"); ok {
		t.Error("refunds to a full bucket raised its limit")
	}
}
