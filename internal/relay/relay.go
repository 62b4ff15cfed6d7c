// Package relay carries answers being written between the replicas of one
// deployment through Redis (or Valkey): it implements chat.Relay.
//
// The replica writing an answer appends every change of it to a Redis
// Stream keyed by the answer (<prefix>answer:<id>), each entry with its kind,
// the byte offset it starts at and its data, and announces on one pub/sub
// channel which answers changed. Any replica mirrors an answer by reading
// the stream from its start and then catching up whenever it is told of a
// change, so byte offsets, and so resumption, are the same everywhere.
//
// Every replica holds a lease (<prefix>replica:<id>, renewed every quarter of
// its time to live): an answer whose writer's lease has lapsed is an orphan,
// which a survivor marks interrupted. A finished answer's stream is kept for
// a grace period, for watchers still reconnecting; the database is the
// record.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/rolefit/rolefit/internal/chat"
)

// Config says which Redis to use and who this replica is.
type Config struct {
	// URL is the server's redis:// (or rediss://) URL; its query may set
	// the client's options, e.g. ?pool_size=20.
	URL string
	// Replica names this process among the deployment's replicas. It must
	// be unique to the process (a host name and a random suffix): a restarted
	// replica is a new one, and the answers of the one before are orphans.
	Replica string
	// Prefix starts every key and channel, so deployments can share a
	// server. Default "rolefit:".
	Prefix string
	// Grace is how long a finished answer's stream is kept, for watchers
	// that reconnect just after it ended. Default 2 minutes.
	Grace time.Duration
	// LeaseTTL is how long this replica's lease lasts unrenewed: how long
	// after its death its answers become orphans. Default 15 seconds.
	LeaseTTL time.Duration
	// Log receives what goes wrong in the background. Default slog.Default().
	Log *slog.Logger
}

// safetyTTL bounds how long the stream of an answer that never finishes
// (its writer died) stays in Redis. It is renewed with every change, so
// only an answer silent for that long loses it.
const safetyTTL = time.Hour

// opTimeout bounds each background round trip, so a server that stops
// answering delays the relay without wedging it.
const opTimeout = 10 * time.Second

// Relay is a chat.Relay over Redis. Its methods are safe for concurrent
// use. Close it to flush what is queued and release its lease.
type Relay struct {
	cfg    Config
	log    *slog.Logger
	client *redis.Client
	pubsub *redis.PubSub

	leaseKey   string
	notifyChan string
	stopChan   string

	ctx    context.Context // ends when the relay stops
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// The queue of changes to send, filled by the Feeds of the answers
	// this replica writes, emptied by flush.
	mu      sync.Mutex
	dirty   []*publication // those with changes queued, in order
	writing map[string]*publication
	// streamless is when Orphans first found each answer it was asked
	// about with no stream at all (see Orphans).
	streamless map[string]time.Time
	onStop     func(answerID string)
	stopped    bool          // flush has returned: queue nothing more
	kick       chan struct{} // wakes flush; capacity 1
	closing    chan struct{} // closed by Close: flush drains, then returns
	flushed    chan struct{} // closed when flush has returned
	closeMu    sync.Mutex
	closed     bool

	hub hub

	// Counters for tests: round trips of flush and entries appended.
	statMu               sync.Mutex
	flushes, entriesSent int
}

var _ chat.Relay = (*Relay)(nil)

// New connects to Redis, takes this replica's lease and starts the relay's
// background work: one flusher, one subscriber, one follower of mirrored
// answers and one lease renewer, whatever the number of answers.
func New(ctx context.Context, cfg Config) (*Relay, error) {
	if cfg.Replica == "" {
		return nil, errors.New("relay: no replica id")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "rolefit:"
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 2 * time.Minute
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 15 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	// The name shows in CLIENT LIST which replica holds which connections.
	opt.ClientName = "rolefit-relay-" + cfg.Replica
	opt.ContextTimeoutEnabled = true
	// Plain Redis and Valkey do not have maintenance notifications; asking
	// for them only logs noise.
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	client := redis.NewClient(opt)

	r := &Relay{
		cfg:        cfg,
		log:        cfg.Log.With("replica", cfg.Replica),
		client:     client,
		leaseKey:   cfg.Prefix + "replica:" + cfg.Replica,
		notifyChan: cfg.Prefix + "changed",
		stopChan:   cfg.Prefix + "stop",
		writing:    map[string]*publication{},
		streamless: map[string]time.Time{},
		kick:       make(chan struct{}, 1),
		closing:    make(chan struct{}),
		flushed:    make(chan struct{}),
	}
	r.hub.init(r)
	if err := client.Set(ctx, r.leaseKey, "1", cfg.LeaseTTL).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("relay: take lease: %w", err)
	}
	// Wait for the subscriptions to be confirmed: a Stop or a change
	// published once New has returned must not be missed.
	r.pubsub = client.Subscribe(ctx, r.notifyChan, r.stopChan)
	for n := 0; n < 2; {
		msg, err := r.pubsub.Receive(ctx)
		if err != nil {
			r.pubsub.Close()
			client.Del(context.WithoutCancel(ctx), r.leaseKey)
			client.Close()
			return nil, fmt.Errorf("relay: subscribe: %w", err)
		}
		if _, ok := msg.(*redis.Subscription); ok {
			n++
		}
	}

	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.wg.Add(4)
	go func() {
		defer r.wg.Done()
		defer close(r.flushed)
		r.flush()
		r.mu.Lock()
		r.stopped = true
		clear(r.dirty)
		r.dirty = nil
		r.mu.Unlock()
	}()
	go func() { defer r.wg.Done(); r.subscribe() }()
	go func() { defer r.wg.Done(); r.hub.follow() }()
	go func() { defer r.wg.Done(); r.renew() }()
	return r, nil
}

// Close sends everything queued (until ctx ends), stops the relay's
// background work and releases its lease, so the answers it did not finish
// are orphans at once. Mirrors are no longer fed.
func (r *Relay) Close(ctx context.Context) error {
	r.closeMu.Lock()
	defer r.closeMu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	close(r.closing)
	var err error
	select {
	case <-r.flushed:
	case <-ctx.Done():
		err = fmt.Errorf("relay: close: changes not sent: %w", ctx.Err())
	}
	r.stop()
	if derr := r.client.Del(context.WithoutCancel(ctx), r.leaseKey).Err(); derr != nil && err == nil {
		err = fmt.Errorf("relay: release lease: %w", derr)
	}
	if cerr := r.client.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("relay: close: %w", cerr)
	}
	return err
}

// stop ends the background work, abandoning what is in flight.
func (r *Relay) stop() {
	r.cancel()
	// A blocked read of the subscription ends only with its connection.
	r.pubsub.Close()
	r.wg.Wait()
}

// kill stops the relay as if its process died: nothing queued is sent and
// its lease is left to lapse. For tests.
func (r *Relay) kill() {
	r.closeMu.Lock()
	defer r.closeMu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	r.stop()
	r.client.Close()
}

func (r *Relay) streamKey(answerID string) string { return r.cfg.Prefix + "answer:" + answerID }
func (r *Relay) leaseOf(replica string) string    { return r.cfg.Prefix + "replica:" + replica }

// renew keeps this replica's lease. A replica that was too slow to renew in
// time (a long pause) finds it gone: its answers may have been marked
// interrupted meanwhile, but it takes the lease again and goes on; its
// final saves still overwrite them with the whole text.
func (r *Relay) renew() {
	t := time.NewTicker(r.cfg.LeaseTTL / 4)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(r.ctx, r.cfg.LeaseTTL/4)
		ok, err := r.client.SetXX(ctx, r.leaseKey, "1", r.cfg.LeaseTTL).Result()
		if err == nil && !ok {
			r.log.Warn("relay: lease had lapsed, taking it again; answers written meanwhile may have been marked interrupted",
				"lease", r.leaseKey)
			err = r.client.Set(ctx, r.leaseKey, "1", r.cfg.LeaseTTL).Err()
		}
		cancel()
		if err != nil && r.ctx.Err() == nil {
			r.log.Warn("relay: renew lease", "err", err)
		}
	}
}

// subscribe receives the notices of every replica: changed answers, for
// the mirrors here, and stops, for the answers written here. The client
// pings the connection when it is quiet and, when it is broken, connects
// and subscribes again; notices sent meanwhile are lost, so every mirror
// then catches up. It returns once the subscription is closed.
func (r *Relay) subscribe() {
	for v := range r.pubsub.ChannelWithSubscriptions(redis.WithChannelSize(1024)) {
		if r.ctx.Err() != nil {
			continue // draining, so the client's reader is never stuck
		}
		switch msg := v.(type) {
		case *redis.Subscription:
			// Only a new connection confirms subscriptions now.
			r.hub.markAll()
		case *redis.Message:
			switch msg.Channel {
			case r.notifyChan:
				r.hub.mark(strings.Split(msg.Payload, "\n"))
			case r.stopChan:
				r.mu.Lock()
				_, mine := r.writing[msg.Payload]
				onStop := r.onStop
				r.mu.Unlock()
				if mine && onStop != nil {
					onStop(msg.Payload)
				}
			}
		}
	}
}

// Stop asks the replica writing answerID, whichever it is, to stop it.
func (r *Relay) Stop(ctx context.Context, answerID string) error {
	if err := r.client.Publish(ctx, r.stopChan, answerID).Err(); err != nil {
		return fmt.Errorf("relay: stop %s: %w", answerID, err)
	}
	return nil
}

// OnStop sets the function called with the id of an answer this replica
// writes when someone, on any replica, asked to stop it.
func (r *Relay) OnStop(f func(answerID string)) {
	r.mu.Lock()
	r.onStop = f
	r.mu.Unlock()
}

// Orphans returns those of ids whose writer's lease has lapsed, and those
// with no stream at all (written before the relay, or by a replica that
// died before sending anything, or expired): nobody is writing them. An
// answer this replica writes is never one, even before its first change
// has reached Redis.
func (r *Relay) Orphans(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := r.client.Pipeline()
	firsts := make([]*redis.XMessageSliceCmd, len(ids))
	for i, id := range ids {
		firsts[i] = pipe.XRangeN(ctx, r.streamKey(id), "-", "+", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("relay: orphans: %w", err)
	}
	owners := make([]string, len(ids))
	leases := map[string]*redis.IntCmd{}
	pipe = r.client.Pipeline()
	for i, cmd := range firsts {
		msgs, _ := cmd.Result()
		if len(msgs) == 0 {
			continue
		}
		owners[i] = field(msgs[0], "w")
		if _, ok := leases[owners[i]]; !ok {
			leases[owners[i]] = pipe.Exists(ctx, r.leaseOf(owners[i]))
		}
	}
	if len(leases) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("relay: orphans: leases: %w", err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	asked := make(map[string]bool, len(ids))
	var orphans []string
	for i, id := range ids {
		asked[id] = true
		if _, mine := r.writing[id]; mine {
			continue
		}
		if owners[i] != "" {
			delete(r.streamless, id)
			if leases[owners[i]].Val() == 0 {
				orphans = append(orphans, id)
			}
			continue
		}
		// No stream: a writer that died before sending anything, or one
		// whose first changes are still on their way (under load, the
		// database may store an answer before its stream's first entry
		// reaches Redis). Only an answer still without one a lease's time
		// later is taken for an orphan, as a dead writer's would be.
		first, seen := r.streamless[id]
		if !seen {
			r.streamless[id] = now
		} else if now.Sub(first) >= r.cfg.LeaseTTL {
			orphans = append(orphans, id)
		}
	}
	for id := range r.streamless {
		if !asked[id] {
			delete(r.streamless, id) // ended, or interrupted already
		}
	}
	return orphans, nil
}

func field(m redis.XMessage, name string) string {
	s, _ := m.Values[name].(string)
	return s
}
