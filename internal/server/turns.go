package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// Pages take turns on the CPU, so that answers keep streaming when a crowd
// arrives.
//
// An answer being streamed needs little: a few microseconds for each of
// its deltas. A page needs milliseconds: database reads and writes,
// templates, compression. When 200 people open Rolefit and ask in the same
// instant, 400 page requests are runnable at once, and Go's scheduler shares
// the cores between them and every answer's goroutines alike: an answer's
// first token, ready at the model after 50 ms, then waited about 200 ms
// in that crowd before it was written to the browser. With pages limited
// to a couple per core, the rest wait in line, not on the CPU, and a delta
// waits at most for the pages in progress: a few milliseconds. The pages
// themselves are served in the order they came, so on average each is
// answered no later than when all of them shared the cores.
//
// A turn covers only the page's work: a request's body is read before its
// turn (a client that uploads slowly holds nothing), and its response is
// kept in memory and written after it (a client that reads slowly holds
// nothing either). Event streams, static files, exports and the health
// and metrics routes never wait for a turn: they are streams, cheap, large
// or needed most when the server is busiest.
type turns struct {
	slots chan struct{}
	// wait is the longest a request waits for its turn; past it the
	// person is told the server is busy (503, which a load balancer may
	// send to another replica) rather than left waiting.
	wait time.Duration
	bufs sync.Pool
}

func newTurns(n int, wait time.Duration) *turns {
	return &turns{slots: make(chan struct{}, n), wait: wait}
}

// withoutTurns lists the routes that never wait for a turn.
var withoutTurns = map[string]bool{
	"GET /c/{id}/answers/{answer}/events": true, // a stream, for as long as the answer
	"GET /c/{id}/export.md":               true, // possibly large: written as it is made
	"GET /c/{id}/export.json":             true,
	"GET /static/":                        true, // embedded, compressed once
	"GET /healthz":                        true,
	"GET /readyz":                         true,
	"GET /metrics":                        true,
}

// maxEarlyBody is how much of a request's body is read before its turn:
// the largest form any route accepts (see maxFormBytes), and one byte more
// so that the route still sees a larger one as too large.
const maxEarlyBody = maxFormBytes + 1

// withTurns makes the requests that mux routes to a page take turns (see
// turns); the others go straight through.
func withTurns(next http.Handler, mux *http.ServeMux, t *turns, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); withoutTurns[pattern] {
			next.ServeHTTP(w, r)
			return
		}
		if err := readBodyEarly(r); err != nil {
			// The client is gone or too slow: the route reads the same
			// failure and answers it as it always does, without a turn
			// (refusing is cheap).
			next.ServeHTTP(w, r)
			return
		}
		turn, err := t.take(r.Context())
		if err != nil {
			if r.Context().Err() == nil {
				writeError(w, r, log, err)
			}
			return
		}
		buf := t.buffer()
		defer t.bufs.Put(buf)
		kept := &keptResponse{ResponseWriter: w, buf: buf}
		func() {
			defer turn.end() // also when next panics: withRecover answers
			next.ServeHTTP(kept, r.WithContext(context.WithValue(r.Context(), turnKey{}, turn)))
		}()
		kept.send()
	})
}

func (t *turns) buffer() *bytes.Buffer {
	if b, ok := t.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// take waits for a turn, at most t.wait.
func (t *turns) take(ctx context.Context) (*turn, error) {
	select {
	case t.slots <- struct{}{}:
		return &turn{slots: t.slots}, nil
	default:
	}
	timer := time.NewTimer(t.wait)
	defer timer.Stop()
	select {
	case t.slots <- struct{}{}:
		return &turn{slots: t.slots}, nil
	case <-timer.C:
		return nil, chat.Errorf(chat.EUNAVAILABLE, "Rolefit is very busy right now. Please try again in a moment.")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// turn is one request's turn; end gives it up, once.
type turn struct {
	slots chan struct{}
	once  sync.Once
}

func (t *turn) end() { t.once.Do(func() { <-t.slots }) }

type turnKey struct{}

// endTurn gives up r's turn early, before the handler waits for something
// that is not the CPU (an answer it gives a moment to finish).
func endTurn(r *http.Request) {
	if t, ok := r.Context().Value(turnKey{}).(*turn); ok {
		t.end()
	}
}

// readBodyEarly reads up to maxEarlyBody of r's body into memory, so that
// the route reads it from there during its turn.
func readBodyEarly(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	early, err := io.ReadAll(io.LimitReader(r.Body, maxEarlyBody))
	rest := io.Reader(r.Body)
	if err != nil {
		rest = failedRead{err} // what the route would have read itself
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(early), rest), r.Body}
	return err
}

// keptResponse keeps a response in memory until send writes it.
type keptResponse struct {
	http.ResponseWriter
	buf    *bytes.Buffer
	status int
}

func (k *keptResponse) WriteHeader(status int) {
	if k.status == 0 {
		k.status = status
	}
}

func (k *keptResponse) Write(p []byte) (int, error) {
	if k.status == 0 {
		k.status = http.StatusOK
	}
	return k.buf.Write(p)
}

// keptResponse has no Unwrap, on purpose: a flush through
// http.ResponseController would reach the connection before what is kept.

func (k *keptResponse) send() {
	if k.status == 0 {
		return // nothing written: net/http sends an empty 200
	}
	k.ResponseWriter.WriteHeader(k.status)
	k.ResponseWriter.Write(k.buf.Bytes())
}

// failedRead fails every read with err.
type failedRead struct{ err error }

func (f failedRead) Read([]byte) (int, error) { return 0, f.err }
