package guard

import (
	"log/slog"
	"sync"
	"time"
)

// QuestionLimiter is the limit on questions the server consults: the
// in-memory Limiter for one replica, or a RedisLimiter shared by several.
// Allow takes one event from every key's bucket or from none, and when it
// refuses says when all of them will have one again; Refund gives back
// what Allow took, for an event that turned out not to count.
type QuestionLimiter interface {
	Allow(now time.Time, keys ...string) (ok bool, retryAt time.Time)
	Refund(now time.Time, keys ...string)
}

var (
	_ QuestionLimiter = (*Limiter)(nil)
	_ QuestionLimiter = (*RedisLimiter)(nil)
)

// RedisOptions are what the limiter and the budget shared through Redis
// have in common.
type RedisOptions struct {
	// Prefix starts every key written, so several deployments (or tests)
	// can share one server; empty is "rolefit:". On a Redis Cluster, put a
	// hash tag in it ("{rolefit}:"): one call's keys must share a slot.
	Prefix string
	// Timeout bounds each call to Redis; zero is 500 ms. A question waits
	// for it, so it is short: Redis answers in well under a millisecond
	// when it answers at all. The client must be made with
	// ContextTimeoutEnabled, or go-redis ignores it and a hung Redis holds
	// each question for its ReadTimeout, retries included (10 s and more).
	Timeout time.Duration
	// Log hears when Redis fails, at most once a minute; nil discards.
	Log *slog.Logger
}

func (o RedisOptions) withDefaults() RedisOptions {
	if o.Prefix == "" {
		o.Prefix = "rolefit:"
	}
	if o.Timeout <= 0 {
		o.Timeout = 500 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// outage is what a limit shared through Redis knows of Redis failing.
// After a failure, Redis is left alone for outageRetry: each call to a
// Redis that is down costs the caller up to the timeout (go-redis retries
// within it), and a question should not pay that every time. The failure
// is logged at most once a minute, since every question would otherwise
// log the same outage again, and its end once.
type outage struct {
	log      *slog.Logger
	name     string // "question limit"
	meantime string // what happens while Redis fails

	mu     sync.Mutex
	since  time.Time // the last failure; zero while Redis answers
	logged time.Time // when the outage was last logged
	missed int       // failures not logged since then
}

// outageRetry is how long Redis is left alone after it failed.
const outageRetry = 5 * time.Second

// down reports whether Redis failed so recently that it is not worth
// asking. A clock that steps back asks it.
func (o *outage) down(now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := now.Sub(o.since)
	return !o.since.IsZero() && d >= 0 && d < outageRetry
}

func (o *outage) failed(now time.Time, err error) {
	o.mu.Lock()
	o.since = now
	if d := now.Sub(o.logged); !o.logged.IsZero() && d >= 0 && d < time.Minute {
		o.missed++
		o.mu.Unlock()
		return
	}
	missed := o.missed
	o.logged, o.missed = now, 0
	o.mu.Unlock()
	o.log.Warn(o.name+": Redis failed; "+o.meantime, "err", err, "failures_not_logged", missed)
}

func (o *outage) answered() {
	o.mu.Lock()
	was := !o.since.IsZero()
	o.since, o.logged, o.missed = time.Time{}, time.Time{}, 0
	o.mu.Unlock()
	if was {
		o.log.Info(o.name + ": Redis answers again; shared by every replica again")
	}
}
