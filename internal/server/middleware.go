package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rolefit/rolefit/internal/metrics"
)

// withSecurityHeaders sets headers that hold for every response. The CSP
// allows nothing inline: htmx is configured (views.htmxConfig) to need
// neither inline styles nor eval, so injected markup cannot run.
func withSecurityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// withRecover turns a panic in a handler into a 500 and a log line, so one
// bad request never takes the process (and everyone's answers) down.
func withRecover(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			// An internal error: writeError logs the cause and shows none of it.
			writeError(w, r, log, fmt.Errorf("server: panic in handler for %s: %v", r.URL.Path, v))
		}()
		next.ServeHTTP(w, r)
	})
}

type requestIDKey struct{}

// requestInfo is filled in while a request is served, for its log line and
// metrics: the route that matched (set inside the mux, by named), and why
// reading the body failed, if it did (see clientFailed).
type requestInfo struct {
	route   string
	bodyErr error

	// holds is how many must be done before the request is logged and
	// counted: its handler, and a stream the handler handed on (see
	// holdRequestLog). The last one done calls line.
	holds atomic.Int32
	line  func()
}

// holdRequestLog keeps the request's log line and count back until the
// func it returns is called, for an event stream that goes on after its
// handler returned (see detachEventStream): the line is then written when
// the stream ends and says how long it lasted, as for any other request.
func holdRequestLog(r *http.Request) (release func()) {
	info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo)
	if !ok {
		return func() {}
	}
	info.holds.Add(1)
	return info.release
}

// release marks one holder done and logs the request after the last.
func (info *requestInfo) release() {
	if info.holds.Add(-1) == 0 {
		info.line()
	}
}

// watchedBody remembers the first error reading the body from the
// connection: a timeout or a client gone, told apart by clientFailed.
type watchedBody struct {
	io.ReadCloser
	info *requestInfo
}

func (b watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.info.bodyErr == nil {
		b.info.bodyErr = err
	}
	return n, err
}

type requestInfoKey struct{}

// withRequestLog gives each request an id (echoed in X-Request-Id; every
// line logged with the request's context carries it, see
// requestIDHandler), logs one line when it ends, and counts it by route and
// status. An event stream is one request, so this is one line per answer
// watched, never one per token.
func withRequestLog(next http.Handler, log *slog.Logger, m *metrics.Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := rand.Text()[:12]
		w.Header().Set("X-Request-Id", id)
		info := &requestInfo{}
		info.holds.Store(1) // the handler
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		r = r.WithContext(context.WithValue(ctx, requestInfoKey{}, info))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = watchedBody{r.Body, info}
		}
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		// The line holds on to none of the response: a stream that
		// outlives the handler must not keep net/http's buffers alive.
		ctx, method, path := r.Context(), r.Method, r.URL.Path
		info.line = func() {
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			log.Log(ctx, level, "request",
				"method", method, "path", path, "route", info.route, "status", status,
				"duration_ms", time.Since(start).Milliseconds())
			m.Request(info.route, status)
		}
		info.release()
	})
}

// named records which route serves a request. The mux knows the pattern,
// but sets it on its own copy of the request, which the middleware outside
// it never sees; so each route is wrapped at registration.
func named(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
			info.route = pattern
		}
		h.ServeHTTP(w, r)
	})
}

// requestIDHandler adds the request id from the context to every record
// logged with one, so all the lines of a request can be found together.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// statusRecorder remembers the status code. Unwrap lets
// http.ResponseController reach the real writer's Flush and deadlines;
// without it, streaming would silently buffer.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
