package llm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// inlineTransport speaks HTTP/1.1 to a model service reached over plain
// HTTP without a proxy (Ollama, vLLM, LM Studio or llama.cpp's server on
// the same host or network) on the goroutines of its caller: the request
// is written by the goroutine that asks, and the response read by the one
// that reads it. net/http's Transport gives each connection two goroutines
// of its own, one writing requests and one reading responses, for as long
// as the connection lives; and an answer being written holds a connection.
// With 9,000 answers live, that is 18,000 goroutines whose stacks the
// collector scans at every cycle, beside the 9,000 that read the answers,
// and two goroutine hand-overs before each answer's first byte.
//
// Everything else, TLS, HTTP/2 and proxies, goes to fallback, net/http's
// own. The wire format is net/http's too: Request.Write writes the request
// and http.ReadResponse reads the response, chunked or not.
type inlineTransport struct {
	fallback *http.Transport
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	// idleFor is how long an idle connection is kept: as long as net/http
	// keeps its own (IdleConnTimeout). Some model servers close theirs
	// sooner (uvicorn under vLLM and cpp-httplib under llama.cpp after
	// 5 s, Ollama never); a request sent on one they closed gets no byte
	// back and goes again on a new connection (see RoundTrip), which
	// costs little more than the dial a shorter keep would have made.
	idleFor time.Duration
	maxIdle int // per host
	// writers buffer a request, head and body: one write sends a
	// question with the 10 KB system prompt. A buffer is only needed
	// while a request is written, so they are shared.
	writers sync.Pool

	mu     sync.Mutex
	idle   map[string][]*inlineConn // by host:port, the most recent last
	pruner *time.Timer              // closes connections idle too long
}

// inlineConn is a connection and the reader of its responses, which stays
// with it: what it has read ahead belongs to the connection.
type inlineConn struct {
	conn  net.Conn
	br    *bufio.Reader
	since time.Time // idle since
}

func newInlineTransport(fallback *http.Transport) *inlineTransport {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second} // as net/http's default
	idleFor := fallback.IdleConnTimeout
	if idleFor <= 0 { // net/http's "for ever"
		idleFor = 90 * time.Second
	}
	maxIdle := fallback.MaxIdleConnsPerHost
	if maxIdle <= 0 { // net/http's default, not "none"
		maxIdle = http.DefaultMaxIdleConnsPerHost
	}
	return &inlineTransport{
		fallback: fallback,
		dial:     d.DialContext,
		idleFor:  idleFor,
		maxIdle:  maxIdle,
		writers:  sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 16<<10) }},
		idle:     map[string][]*inlineConn{},
	}
}

// errNothingRead marks a request that got no byte of a response back: on
// a connection kept from an earlier request, the server had closed it.
var errNothingRead = errors.New("no response")

func (t *inlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || t.proxied(req) {
		return t.fallback.RoundTrip(req)
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	for again := false; ; again = true {
		c, reused, err := t.get(req.Context(), addr, !again)
		if err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
		resp, err := t.exchange(c, addr, req)
		if err == nil || !reused || !errors.Is(err, errNothingRead) {
			return resp, err
		}
		// A kept connection that gave no byte of a response back was, in
		// all likelihood, closed by the server while it was idle: the
		// request goes again, once, on a new connection. (net/http sees
		// such a close before it writes, from the goroutine that reads
		// each connection, which this transport does without. A server
		// that took the request and died without a byte gets it twice,
		// as it would from the answer's own retries, MODEL_RETRIES.)
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, err
			}
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, err
			}
			r := new(http.Request)
			*r = *req // a shallow copy, as Request.WithContext makes
			r.Body = body
			req = r
		}
	}
}

// proxied reports whether the fallback would send req through a proxy.
func (t *inlineTransport) proxied(req *http.Request) bool {
	if t.fallback.Proxy == nil {
		return false
	}
	u, err := t.fallback.Proxy(req)
	return err != nil || u != nil
}

// exchange writes req on c and reads the head of its response. The
// response's body gives c back, or closes it, when it is closed.
func (t *inlineTransport) exchange(c *inlineConn, addr string, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// The request's end closes the connection: a read or write waiting on
	// it returns at once. Nothing waits for it meanwhile: AfterFunc
	// starts no goroutine until the context is done.
	stop := context.AfterFunc(ctx, func() { c.conn.Close() })
	fail := func(err error) (*http.Response, error) {
		stop()
		c.conn.Close()
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, err
	}
	bw := t.writers.Get().(*bufio.Writer)
	bw.Reset(writerOnly{c.conn})
	err := req.Write(bw) // closes req.Body
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	t.writers.Put(bw)
	if err != nil {
		// The server cannot have had the whole request.
		return fail(fmt.Errorf("%w: %w", errNothingRead, err))
	}
	if _, err := c.br.Peek(1); err != nil {
		return fail(fmt.Errorf("%w: %w", errNothingRead, err))
	}
	var resp *http.Response
	for {
		if resp, err = http.ReadResponse(c.br, req); err != nil {
			return fail(err)
		}
		// An interim response (103 Early Hints) comes before the one
		// that answers.
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	body := &inlineBody{rc: resp.Body, t: t, c: c, addr: addr, stop: stop, keep: !resp.Close && !req.Close}
	if resp.Body == http.NoBody {
		body.release(true)
		return resp, nil
	}
	resp.Body = body
	return resp, nil
}

// writerOnly hides the connection's ReadFrom from the request's buffered
// writer, which would hand the body to it, and net's generic ReadFrom
// allocates a buffer of its own for each body.
type writerOnly struct{ io.Writer }

// inlineBody is a response's body. Read to its end, it gives its
// connection back to be used again, as net/http's does, closed or not;
// closed before its end, it closes the connection, which is what ends a
// response not read to its end (a stream the person stopped).
type inlineBody struct {
	rc   io.ReadCloser
	t    *inlineTransport
	c    *inlineConn
	addr string
	stop func() bool // the request's AfterFunc
	keep bool        // the server keeps the connection after this response
	done atomic.Bool // the connection was given back or closed
}

func (b *inlineBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.release(true)
	}
	return n, err
}

func (b *inlineBody) Close() error {
	b.release(false)
	return nil
}

// release gives the connection back when the body was read to its end and
// the server keeps it, and closes it otherwise. Only the first call acts.
func (b *inlineBody) release(ended bool) {
	if b.done.Swap(true) {
		return
	}
	// stop reports false when the request's end came first, and closed
	// the connection.
	if b.stop() && ended && b.keep {
		b.rc.Close() // read to its end: nothing left to read
		b.t.put(b.addr, b.c)
		return
	}
	// Closed first, so that the body's Close, which reads what is left,
	// finds nothing to wait for.
	b.c.conn.Close()
	b.rc.Close()
}

// get returns a kept connection to addr, when reuse allows one, or a new
// one.
func (t *inlineTransport) get(ctx context.Context, addr string, reuse bool) (c *inlineConn, reused bool, err error) {
	t.mu.Lock()
	if list := t.idle[addr]; reuse && len(list) > 0 {
		c = list[len(list)-1]
		list[len(list)-1] = nil
		t.idle[addr] = list[:len(list)-1]
	}
	t.mu.Unlock()
	if c != nil {
		if time.Since(c.since) < t.idleFor {
			return c, true, nil
		}
		c.conn.Close() // the older ones are closed by the pruner
	}
	if err := ctx.Err(); err != nil {
		return nil, false, context.Cause(ctx)
	}
	conn, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	return &inlineConn{conn: conn, br: bufio.NewReaderSize(conn, 1<<10)}, false, nil
}

// put keeps c for the next request to addr, unless enough are kept or the
// server sent more than its response.
func (t *inlineTransport) put(addr string, c *inlineConn) {
	if c.br.Buffered() > 0 {
		c.conn.Close()
		return
	}
	c.since = time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.idle[addr]) >= t.maxIdle {
		c.conn.Close()
		return
	}
	t.idle[addr] = append(t.idle[addr], c)
	if t.pruner == nil {
		t.pruner = time.AfterFunc(t.idleFor, t.prune)
	}
}

// prune closes the connections idle for idleFor, and comes back while
// some are kept.
func (t *inlineTransport) prune() {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	next := time.Duration(0)
	for addr, list := range t.idle {
		old := 0
		for old < len(list) && now.Sub(list[old].since) >= t.idleFor {
			list[old].conn.Close()
			old++
		}
		list = append(list[:0], list[old:]...)
		clear(list[len(list):cap(list)])
		if len(list) == 0 {
			delete(t.idle, addr)
			continue
		}
		t.idle[addr] = list
		if wait := t.idleFor - now.Sub(list[0].since); next == 0 || wait < next {
			next = wait
		}
	}
	if next == 0 {
		t.pruner = nil
		return
	}
	t.pruner.Reset(next)
}

// CloseIdleConnections closes the connections kept idle, its own and the
// fallback's.
func (t *inlineTransport) CloseIdleConnections() {
	t.mu.Lock()
	for addr, list := range t.idle {
		for _, c := range list {
			c.conn.Close()
		}
		delete(t.idle, addr)
	}
	if t.pruner != nil {
		t.pruner.Stop()
		t.pruner = nil
	}
	t.mu.Unlock()
	t.fallback.CloseIdleConnections()
}
