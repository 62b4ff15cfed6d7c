package guard

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Limiter allows each key a number of events per period: a token bucket
// per key that holds at most Events tokens and refills them evenly over
// Per. "10 a minute" therefore allows a burst of ten, then one every six
// seconds.
//
// Memory is bounded: a key whose bucket has refilled completely is the same
// as a key never seen, so it is dropped at the next sweep (at most once per
// Per); and the number of keys is capped (MaxKeys), past which the fullest
// buckets go first.
type Limiter struct {
	events  float64
	per     time.Duration
	maxKeys int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

// DefaultMaxKeys bounds the keys a Limiter remembers: about 100 bytes
// each, so at most a few megabytes under a flood of new clients.
const DefaultMaxKeys = 50_000

// NewLimiter allows events per period for each key.
func NewLimiter(events int, per time.Duration) *Limiter {
	return &Limiter{events: float64(events), per: per, maxKeys: DefaultMaxKeys, buckets: make(map[string]*bucket)}
}

// SetMaxKeys changes how many keys the limiter remembers (for tests).
func (l *Limiter) SetMaxKeys(n int) { l.maxKeys = n }

// Allow takes one event from every key's bucket if each has one, and
// reports true. Otherwise it takes nothing and returns when all of them
// will have one again: a client must be under the limit by every key, so
// dropping one identity (say, a cookie) does not escape it.
func (l *Limiter) Allow(now time.Time, keys ...string) (ok bool, retryAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	ok = true
	for _, k := range keys {
		tokens := l.tokens(k, now)
		if tokens < 1 {
			ok = false
			if at := now.Add(l.refillTime(1 - tokens)); at.After(retryAt) {
				retryAt = at
			}
		}
	}
	if !ok {
		return false, retryAt
	}
	for _, k := range keys {
		b := l.buckets[k]
		if b == nil {
			b = &bucket{}
			l.buckets[k] = b
		}
		b.tokens = l.tokens(k, now) - 1
		b.at = now
	}
	return true, time.Time{}
}

// Len is how many keys the limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// tokens is what key's bucket holds at now.
func (l *Limiter) tokens(key string, now time.Time) float64 {
	b := l.buckets[key]
	if b == nil {
		return l.events
	}
	elapsed := now.Sub(b.at)
	if elapsed < 0 {
		elapsed = 0 // a clock step backwards refills nothing
	}
	return min(l.events, b.tokens+l.events*float64(elapsed)/float64(l.per))
}

// refillTime is how long n tokens take to come back, rounded up to a
// whole millisecond so that the time it names really is enough.
func (l *Limiter) refillTime(n float64) time.Duration {
	d := time.Duration(n * float64(l.per) / l.events)
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}

// sweep forgets full buckets, at most once per period or when the map is
// at its cap. If it is still at the cap, it forgets the fullest tenth of
// the buckets at once (so a flood of new clients costs one sort per many
// keys, not a scan per request): those clients are the closest to being
// forgiven anyway.
func (l *Limiter) sweep(now time.Time) {
	if len(l.buckets) < l.maxKeys && now.Sub(l.lastSweep) < l.per {
		return
	}
	l.lastSweep = now
	for k := range l.buckets {
		if l.tokens(k, now) >= l.events {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	type entry struct {
		key    string
		tokens float64
	}
	all := make([]entry, 0, len(l.buckets))
	for k := range l.buckets {
		all = append(all, entry{k, l.tokens(k, now)})
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(b.tokens, a.tokens) })
	for _, e := range all[:len(all)-l.maxKeys*9/10] {
		delete(l.buckets, e.key)
	}
}

// Refund gives back the event Allow took from each key, for an event that
// turned out not to count (a question refused after the limiter let it
// through). Taking first and refunding after keeps the limit exact under
// concurrency: events not yet known to count still hold their tokens.
// A bucket never holds more than Events.
func (l *Limiter) Refund(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		b := l.buckets[k]
		if b == nil {
			continue // full, and forgotten
		}
		b.tokens = min(l.events, l.tokens(k, now)+1)
		b.at = now
	}
}
