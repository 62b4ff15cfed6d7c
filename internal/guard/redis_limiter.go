package guard

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisLimiter is the Limiter's token bucket kept in Redis, so that every
// replica takes from one allowance: three replicas behind a round-robin
// balancer do not triple it. Each call is one Lua script (EVALSHA), so
// checking every key and taking from all or none is atomic across
// replicas as it is within one Limiter. A key's bucket is the hash
// Prefix+"limit:"+key.
//
// Time is the caller's now, as with the Limiter, so replicas' clocks must
// be in step (NTP): a skew of a few seconds grants at most a few seconds'
// refill more or less.
//
// When Redis fails (down, unreachable, too slow), each replica limits on
// its own with an in-memory Limiter of the same rate until Redis answers
// again (asked again at most every 5 s), and the failure is logged at
// most once a minute. A broken Redis must not take the chat down, so
// refusing every question is wrong; and allowing every one would leave a
// public instance open to exactly the flood the limit is there for. On
// their own, N replicas still hold a client to N times the allowance.
type RedisLimiter struct {
	client redis.UniversalClient
	events int
	per    time.Duration
	opts   RedisOptions
	local  *Limiter
	redis  *outage
}

// NewRedisLimiter allows events per period for each key, counted in the
// Redis that client reaches.
func NewRedisLimiter(client redis.UniversalClient, events int, per time.Duration, opts RedisOptions) *RedisLimiter {
	opts = opts.withDefaults()
	return &RedisLimiter{
		client: client, events: events, per: per, opts: opts,
		local: NewLimiter(events, per),
		redis: &outage{log: opts.Log, name: "question limit", meantime: "each replica limits questions on its own until it answers again"},
	}
}

// bucketScript is Limiter.Allow and Limiter.Refund over hashes holding a
// bucket's tokens (t) and when they were counted (a, in microseconds).
// A missing key is a full bucket; each key expires once it would be full
// again (a second later, for replicas' clocks), so idle clients cost
// nothing. KEYS are the buckets; ARGV are now and per in microseconds,
// events, and "take" or "refund". "take" returns 0 when it took, or else
// how many microseconds until every bucket holds one token.
var bucketScript = redis.NewScript(`
local now, per, events = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ttl = math.ceil(per / 1000) + 1000
local function level(key)
  local b = redis.call('HMGET', key, 't', 'a')
  if not b[1] then return nil end
  local elapsed = now - tonumber(b[2])
  if elapsed < 0 then elapsed = 0 end -- a clock behind refills nothing
  return math.min(events, tonumber(b[1]) + events * elapsed / per)
end
local function put(key, tokens)
  redis.call('HSET', key, 't', string.format('%.17g', tokens), 'a', ARGV[1])
  redis.call('PEXPIRE', key, ttl)
end
if ARGV[4] == 'refund' then
  for _, key in ipairs(KEYS) do
    local t = level(key)
    if t then put(key, math.min(events, t + 1)) end
  end
  return 0
end
local wait = 0
for _, key in ipairs(KEYS) do
  local t = level(key) or events
  if t < 1 then wait = math.max(wait, (1 - t) * per / events) end
end
if wait > 0 then return math.ceil(wait) end
for _, key in ipairs(KEYS) do put(key, (level(key) or events) - 1) end
return 0
`)

// Allow takes one event from every key's bucket if each has one, and
// reports true; otherwise it takes nothing and returns when all of them
// will have one again.
func (l *RedisLimiter) Allow(now time.Time, keys ...string) (ok bool, retryAt time.Time) {
	if l.redis.down(now) {
		return l.local.Allow(now, keys...)
	}
	wait, err := l.run(now, "take", keys)
	if err != nil {
		l.redis.failed(now, err)
		return l.local.Allow(now, keys...)
	}
	l.redis.answered()
	if wait == 0 {
		return true, time.Time{}
	}
	// Rounded up to a whole millisecond, as the Limiter does, so that the
	// time named really is enough.
	d := time.Duration(wait) * time.Microsecond
	return false, now.Add((d + time.Millisecond - 1).Truncate(time.Millisecond))
}

// Refund gives back the event Allow took from each key. A bucket never
// holds more than its events.
func (l *RedisLimiter) Refund(now time.Time, keys ...string) {
	if l.redis.down(now) {
		l.local.Refund(now, keys...)
		return
	}
	if _, err := l.run(now, "refund", keys); err != nil {
		l.redis.failed(now, err)
		l.local.Refund(now, keys...)
		return
	}
	l.redis.answered()
}

func (l *RedisLimiter) run(now time.Time, op string, keys []string) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = l.opts.Prefix + "limit:" + k
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.Timeout)
	defer cancel()
	n, err := bucketScript.Run(ctx, l.client, full,
		strconv.FormatInt(now.UnixMicro(), 10), l.per.Microseconds(), l.events, op).Int64()
	if err != nil {
		return 0, fmt.Errorf("guard: redis limiter %s: %w", op, err)
	}
	return n, nil
}
