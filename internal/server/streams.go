package server

import (
	"context"
	"log/slog"
	"net"
	"sync"
)

// streams are the event streams that run on connections taken over from
// net/http (see detachEventStream). The http.Server no longer tracks those
// connections: its Shutdown neither waits for them nor closes them, so
// closeAll does.
//
// Why take them over: an answer is watched for as long as it is written,
// a minute or more, and thousands may be watched at once. Left to
// net/http, each watcher holds the connection's goroutine, parked deep in
// the middleware with the stack it grew while the page's database read
// ran, a second goroutine that reads in the background to notice the
// client leaving, and 10 KB of read and write buffers. Taken over, it is
// one small goroutine and the connection: 30 % less memory for each live
// answer (README, Performance).
type streams struct {
	log *slog.Logger

	mu      sync.Mutex
	open    map[net.Conn]context.CancelFunc // each stream's connection, and what cancels its context
	closed  bool
	closing chan struct{} // closed by closeAll: the watchers stop waiting
	wg      sync.WaitGroup
}

func newStreams(log *slog.Logger) *streams {
	return &streams{log: log, open: make(map[net.Conn]context.CancelFunc), closing: make(chan struct{})}
}

// start runs watch on a goroutine of its own, with a context made from
// ctx, and closes conn when watch returns. watch must return soon once
// stop, the streams' closing, is closed, or once its context is done.
// After closeAll, start only closes conn and reports false: the client
// reconnects to a server that goes on.
func (s *streams) start(ctx context.Context, conn net.Conn, watch func(ctx context.Context, stop <-chan struct{})) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return false
	}
	ctx, cancel := context.WithCancel(ctx)
	s.open[conn] = cancel
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.open, conn)
			s.mu.Unlock()
			cancel()
			conn.Close()
		}()
		// withRecover does not reach this goroutine: a panic here would
		// take down the process and every answer in it.
		defer func() {
			if v := recover(); v != nil {
				s.log.ErrorContext(ctx, "server: panic in event stream", "err", v)
			}
		}()
		watch(ctx, s.closing)
	}()
	return true
}

// closeAll ends every stream: a watcher that waits for its answer's next
// delta stops at once, and one that is sending its answer's end (the
// answers end before the HTTP side shuts down) finishes sending it, until
// ctx is done; then the streams still open are cut: their contexts are
// cancelled, which ends a database read that does not answer, and their
// connections closed, which ends a write that waits on a client that does
// not read. Browsers reconnect with
// Last-Event-ID and resume where they were, on another replica or the
// restarted server.
func (s *streams) closeAll(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for conn, cancel := range s.open {
		cancel()
		conn.Close()
	}
	s.mu.Unlock()
	<-done
	return ctx.Err()
}
