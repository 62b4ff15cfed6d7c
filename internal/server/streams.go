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
// one small goroutine and the connection: about a third of the memory of a
// live answer (README, Performance).
type streams struct {
	log *slog.Logger

	mu     sync.Mutex
	open   map[*detached]struct{}
	closed bool
	wg     sync.WaitGroup
}

// detached is one stream on a connection of its own.
type detached struct {
	conn   net.Conn
	cancel context.CancelFunc
}

func newStreams(log *slog.Logger) *streams {
	return &streams{log: log, open: make(map[*detached]struct{})}
}

// start runs watch on a goroutine of its own with a context that ends
// when the streams are closed, and closes conn when watch returns. After
// closeAll it only closes conn and reports false: the client reconnects
// to a server that goes on.
func (s *streams) start(ctx context.Context, conn net.Conn, watch func(context.Context)) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return false
	}
	ctx, cancel := context.WithCancel(ctx)
	d := &detached{conn: conn, cancel: cancel}
	s.open[d] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.open, d)
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
		watch(ctx)
	}()
	return true
}

// closeAll cuts every stream and waits, until ctx is done, for their
// goroutines to end. Browsers reconnect with Last-Event-ID and resume
// where they were, on another replica or the restarted server.
func (s *streams) closeAll(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for d := range s.open {
		d.cancel()
		d.conn.Close() // ends a write that waits on a client that does not read
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
		return ctx.Err()
	}
}
