package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"
)

// withGzip compresses responses for clients that accept gzip: pages shrink
// to a fifth. It leaves alone event streams (each event must reach the
// browser at once, and proxies are told not to touch them), responses
// already encoded (static files are gzipped once, at start-up), responses
// without a body, and, when every compressor of pool is busy, the response
// that finds none: it is sent as it is.
func withGzip(next http.Handler, pool *gzipPool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w, pool: pool}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

// gzipPool lends compressors, at most a fixed number at once: each holds
// about a megabyte, whatever the level, so a burst of requests (200
// conversations started in the same instant) must not become a burst of
// memory. Idle ones are reused, and freed by the GC when not needed.
type gzipPool struct {
	writers sync.Pool
	slots   chan struct{}
}

func newGzipPool(n int) *gzipPool {
	return &gzipPool{
		// BestSpeed: pages are small, and its compressor is the quickest.
		writers: sync.Pool{New: func() any { zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return zw }},
		slots:   make(chan struct{}, n),
	}
}

// reserve takes a slot for one response, or reports that none is free.
func (p *gzipPool) reserve() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (p *gzipPool) get(w io.Writer) *gzip.Writer {
	zw := p.writers.Get().(*gzip.Writer)
	zw.Reset(w)
	return zw
}

// release ends zw's stream and gives back it and the slot.
func (p *gzipPool) release(zw *gzip.Writer) error {
	err := zw.Close()
	zw.Reset(nil)
	p.writers.Put(zw)
	<-p.slots
	return err
}

// acceptsGzip reports whether Accept-Encoding lists gzip with a non-zero
// weight.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") {
				q := strings.ReplaceAll(params, " ", "")
				return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
			}
		}
	}
	return false
}

// gzipWriter decides at the first WriteHeader or Write whether to compress.
type gzipWriter struct {
	http.ResponseWriter
	pool              *gzipPool
	decided, compress bool
	zw                *gzip.Writer
}

func (g *gzipWriter) WriteHeader(code int) {
	if !g.decided {
		g.decided = true
		h := g.ResponseWriter.Header()
		g.compress = code != http.StatusNoContent && code != http.StatusNotModified && code >= 200 &&
			h.Get("Content-Encoding") == "" &&
			!strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") &&
			g.pool.reserve()
		if g.compress {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(b))
		}
		g.WriteHeader(http.StatusOK)
	}
	if !g.compress {
		return g.ResponseWriter.Write(b)
	}
	if g.zw == nil {
		g.zw = g.pool.get(g.ResponseWriter)
	}
	return g.zw.Write(b)
}

// Flush sends what is compressed so far (http.ResponseController finds it).
func (g *gzipWriter) Flush() {
	if g.zw != nil {
		g.zw.Flush()
	}
	http.NewResponseController(g.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's own writer,
// for write deadlines.
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// close ends the gzip stream: a compressed response with no body still
// needs a valid, empty one.
func (g *gzipWriter) close() {
	if !g.compress {
		return
	}
	if g.zw == nil {
		g.zw = g.pool.get(g.ResponseWriter)
	}
	g.pool.release(g.zw) // an error here is the client gone: nothing to tell it
	g.zw = nil
}
