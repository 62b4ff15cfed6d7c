package record

import (
	"context"
	"errors"
	"sync"

	"github.com/rolefit/rolefit/internal/chat"
)

// WriteHealth remembers whether the latest write failed, for readiness: a
// database that takes no writes (a full disk, a read-only file or
// standby) still answers a ping, and then no question can be answered.
// The zero value is ready: no write has failed.
type WriteHealth struct {
	mu  sync.Mutex
	err error // the latest write's failure; nil once a write succeeds
}

// Note records the outcome of a write. refused is the engine's half of
// telling a write refused for what it asked (a broken constraint, bad
// data) from the database failing to write; a missing row and a caller
// that gave up are refusals whatever the engine. A refusal changes
// nothing: it says nothing of whether the database takes writes.
func (h *WriteHealth) Note(err error, refused func(error) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err == nil:
		h.err = nil
	case errors.Is(err, chat.ErrNotFound) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || refused(err):
	default:
		h.err = err
	}
}

// Check reports whether the database takes writes. While the latest write
// succeeded it costs nothing; after a failure it runs probe, one small
// write that notes its own outcome, so recovery (space freed) is noticed
// even when no traffic comes, as when a load balancer has stopped sending
// any.
func (h *WriteHealth) Check(ctx context.Context, probe func(context.Context) error) error {
	h.mu.Lock()
	failed := h.err
	h.mu.Unlock()
	if failed == nil {
		return nil
	}
	return probe(ctx)
}
