package guard

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisBudget is the DailyBudget shared by every replica: what each
// spends is added (INCRBY) to one count per UTC day in Redis, so the
// budget is the instance's, not each replica's. It implements chat.Budget
// with DailyBudget's rules: an answer that starts under the budget may
// finish, so a day can end slightly over it; the next answer is refused
// until midnight UTC; a clock that steps back keeps the later day.
//
// When Redis fails, each replica goes on from the day's total as Redis
// last told it plus what it has itself spent since, and adds what it
// could not record at its next successful Spend, so a short outage loses
// no spending. Redis is asked again at most every 5 s meanwhile, and the
// failure is logged at most once a minute. As with the
// question limit, a broken Redis must not take the chat down, and the
// last total known is still a fair figure for a budget counted in days.
type RedisBudget struct {
	client redis.UniversalClient
	limit  int64
	opts   RedisOptions
	redis  *outage

	mu         sync.Mutex
	day        time.Time // midnight UTC starting the latest day seen
	known      int64     // the day's total as Redis last told it
	unrecorded int64     // spent on day by this replica, not yet in Redis
}

// NewRedisBudget allows tokens per UTC day across every replica using the
// Redis that client reaches.
func NewRedisBudget(client redis.UniversalClient, tokens int64, opts RedisOptions) *RedisBudget {
	opts = opts.withDefaults()
	return &RedisBudget{
		client: client, limit: tokens, opts: opts,
		redis: &outage{log: opts.Log, name: "token budget", meantime: "this replica counts from the last total it read until Redis answers again"},
	}
}

// dayKeep is how long a day's count stays in Redis after the day starts:
// past its end on any replica's clock, then gone.
const dayKeep = 48 * time.Hour

// Allow reports whether an answer may start at now; if not, it returns the
// next midnight UTC, when the budget is renewed.
func (b *RedisBudget) Allow(now time.Time) (bool, time.Time) {
	b.mu.Lock()
	day := b.roll(now)
	b.mu.Unlock()
	if !b.redis.down(now) {
		ctx, cancel := context.WithTimeout(context.Background(), b.opts.Timeout)
		spent, err := b.client.Get(ctx, b.key(day)).Int64()
		cancel()
		if errors.Is(err, redis.Nil) {
			spent, err = 0, nil
		}
		if err != nil {
			b.redis.failed(now, fmt.Errorf("guard: redis budget: read the day's spending: %w", err))
		} else {
			b.redis.answered()
			b.mu.Lock()
			if day.Equal(b.day) {
				b.known = spent
			}
			b.mu.Unlock()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.known+b.unrecorded < b.limit {
		return true, time.Time{}
	}
	return false, b.day.AddDate(0, 0, 1)
}

// Spend adds what an answer cost to the day of now. It is called once per
// answer, at its end, so Redis is written that often, never per token.
func (b *RedisBudget) Spend(tokens int, now time.Time) {
	if tokens <= 0 {
		return
	}
	b.mu.Lock()
	day := b.roll(now)
	if b.redis.down(now) {
		b.unrecorded += int64(tokens)
		b.mu.Unlock()
		return
	}
	add := b.unrecorded + int64(tokens)
	b.unrecorded = 0
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.Timeout)
	defer cancel()
	var incr *redis.IntCmd
	_, err := b.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.IncrBy(ctx, b.key(day), add)
		// Relative to now, the clock the day was chosen by, not Redis's.
		p.Expire(ctx, b.key(day), day.Add(dayKeep).Sub(now))
		return nil
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	if !day.Equal(b.day) {
		return // a new day began meanwhile: this one's count no longer matters here
	}
	if err != nil {
		// Counted again at the next Spend. Should Redis have added it before
		// the error (a reply lost), it is counted twice: the budget errs on
		// the side of spending less.
		b.unrecorded += add
		b.redis.failed(now, fmt.Errorf("guard: redis budget: add %d tokens: %w", add, err))
		return
	}
	b.redis.answered()
	b.known = incr.Val()
}

// Spent returns what every replica has spent on the day of now, as far as
// this one knows: Redis's total, or the last one read plus what this
// replica could not record.
func (b *RedisBudget) Spent(now time.Time) int64 {
	b.Allow(now)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.known + b.unrecorded
}

func (b *RedisBudget) key(day time.Time) string {
	return b.opts.Prefix + "budget:" + day.Format(time.DateOnly)
}

// roll starts a new day when now is past the latest one seen, and returns
// the day spending counts on. A clock that steps back keeps the later
// day: the budget never refills twice. b.mu is held.
func (b *RedisBudget) roll(now time.Time) time.Time {
	u := now.UTC()
	day := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	if day.After(b.day) {
		b.day, b.known, b.unrecorded = day, 0, 0
	}
	return b.day
}
