package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/config"
	"github.com/rolefit/rolefit/internal/guard"
	"github.com/rolefit/rolefit/internal/relay"
)

// shared is what the replicas of one deployment share through Redis
// (REDIS_URL): the live answers (the relay) and the limits. Without
// REDIS_URL, all of it is nil and each process keeps its own, which is
// right for one replica.
type shared struct {
	relay *relay.Relay
	// limits is the client of the question limit and the token budget:
	// their calls have short timeouts of their own (see guard.RedisOptions),
	// unlike the relay's.
	limits *redis.Client
	opts   guard.RedisOptions
}

// openShared connects to REDIS_URL, when it is set.
func openShared(ctx context.Context, cfg config.Config, log *slog.Logger) (*shared, error) {
	if cfg.RedisURL == "" {
		return &shared{}, nil
	}
	// go-redis's errors can hold the URL, password included: they are
	// never wrapped into ours, only logged redacted.
	redacted := config.RedactURL(cfg.RedisURL)
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL %s cannot be used", redacted)
	}
	opts.ContextTimeoutEnabled = true // the limits' per-call timeouts are kept
	limits := redis.NewClient(opts)
	if err := limits.Ping(ctx).Err(); err != nil {
		limits.Close()
		return nil, fmt.Errorf("REDIS_URL %s does not answer: %w", redacted, redactedErr(err, cfg.RedisURL))
	}
	r, err := relay.New(ctx, relay.Config{URL: cfg.RedisURL, Replica: cfg.ReplicaID, Log: log})
	if err != nil {
		limits.Close()
		return nil, fmt.Errorf("REDIS_URL %s: live answers: %w", redacted, redactedErr(err, cfg.RedisURL))
	}
	return &shared{relay: r, limits: limits, opts: guard.RedisOptions{Log: log}}, nil
}

// chatRelay is the relay as chat takes it: nil, not a nil *relay.Relay,
// when there is none.
func (s *shared) chatRelay() chat.Relay {
	if s.relay == nil {
		return nil
	}
	return s.relay
}

// questions returns the question limit shared by every replica, or nil
// for the server's own.
func (s *shared) questions(cfg config.Config) guard.QuestionLimiter {
	if s.limits == nil || cfg.QuestionLimit <= 0 || cfg.QuestionWindow <= 0 {
		return nil
	}
	return guard.NewRedisLimiter(s.limits, cfg.QuestionLimit, cfg.QuestionWindow, s.opts)
}

// close sends what the relay still has queued (the endings of the last
// answers) within ctx, then disconnects.
func (s *shared) close(ctx context.Context) error {
	var errs []error
	if s.relay != nil {
		errs = append(errs, s.relay.Close(ctx))
	}
	if s.limits != nil {
		errs = append(errs, s.limits.Close())
	}
	return errors.Join(errs...)
}

// redactedErr is err with the URL's password, should it be quoted,
// replaced: a connection error may print the address it dialled.
func redactedErr(err error, rawURL string) error {
	msg := err.Error()
	redacted := config.RedactURL(rawURL)
	if redacted == rawURL {
		return err
	}
	return errors.New(strings.ReplaceAll(msg, rawURL, redacted))
}
