package llm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countedServer is a test server that counts the connections opened to it
// and reports each one closed.
func countedServer(t *testing.T, h http.HandlerFunc) (srv *httptest.Server, opened *atomic.Int64, closed chan struct{}) {
	t.Helper()
	opened = new(atomic.Int64)
	closed = make(chan struct{}, 100)
	srv = httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, opened, closed
}

func inlineForTest(t *testing.T) *inlineTransport {
	t.Helper()
	tr := newInlineTransport(newTransport())
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func post(t *testing.T, ctx context.Context, rt http.RoundTripper, u, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	return resp, string(b)
}

// unfinishedStream sends one event and holds the response open until the
// client goes or release is closed: an answer still being written.
func unfinishedStream(release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

func echoLength(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	fmt.Fprintf(w, "%d bytes", n)
}

// TestAKeptConnectionTheServerClosedIsNotAnError: model servers close
// idle connections; the request sent on one they closed goes again, whole,
// on a new one, and the person never hears of it.
func TestAKeptConnectionTheServerClosedIsNotAnError(t *testing.T) {
	ctx := testCtx(t)
	srv, opened, closed := countedServer(t, echoLength)
	tr := inlineForTest(t)
	prompt := strings.Repeat("p", 10<<10)
	// Two answers at once leave two connections kept.
	var open []*http.Response
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(prompt))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, resp)
	}
	for _, resp := range open {
		if got, err := io.ReadAll(resp.Body); err != nil || string(got) != "10240 bytes" {
			t.Fatalf("first answers: %q, %v", got, err)
		}
		resp.Body.Close()
	}
	srv.CloseClientConnections() // as a server's idle timeout does
	waitFor(t, ctx, closed)
	waitFor(t, ctx, closed)
	resp, got := post(t, ctx, tr, srv.URL, prompt)
	if resp.StatusCode != http.StatusOK || got != "10240 bytes" {
		t.Errorf("after the server closed the kept connections: %d %q, want 200 \"10240 bytes\"", resp.StatusCode, got)
	}
	if n := opened.Load(); n != 3 {
		t.Errorf("%d connections opened, want 3", n)
	}
}

// TestAnUnsetKeepLimitKeepsConnectionsAsNetHTTPDoes: a transport built
// on a plain http.Transport, whose per-host limit is unset (net/http's
// default of two), still asks answer after answer on one connection.
func TestAnUnsetKeepLimitKeepsConnectionsAsNetHTTPDoes(t *testing.T) {
	ctx := testCtx(t)
	srv, opened, _ := countedServer(t, echoLength)
	tr := newInlineTransport(&http.Transport{})
	t.Cleanup(tr.CloseIdleConnections)
	for range 3 {
		if resp, got := post(t, ctx, tr, srv.URL, "question"); resp.StatusCode != http.StatusOK || got != "8 bytes" {
			t.Fatalf("answer: %d %q", resp.StatusCode, got)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("%d connections opened for three answers in a row, want 1", n)
	}
}

// TestAResponseStoppedEarlyClosesItsConnection: a response read to its end
// gives its connection back, closed or not; one the reader stops early
// closes it, which is how the model server learns the answer is no longer
// wanted.
func TestAResponseStoppedEarlyClosesItsConnection(t *testing.T) {
	ctx := testCtx(t)
	release := make(chan struct{})
	stream := unfinishedStream(release)
	srv, opened, closed := countedServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/short" {
			echoLength(w, r)
			return
		}
		stream(w, r)
	})
	defer close(release)
	tr := inlineForTest(t)
	for range 3 {
		post(t, ctx, tr, srv.URL+"/short", "hello")
	}
	// Read to its end and not closed, as a careless client leaves one.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/short", strings.NewReader("hello"))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	post(t, ctx, tr, srv.URL+"/short", "hello")
	if n := opened.Load(); n != 1 {
		t.Fatalf("five answers in a row, one of them never closed, opened %d connections, want 1", n)
	}

	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/stream", strings.NewReader("hello"))
	resp, err = tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	resp.Body.Close()
	waitFor(t, ctx, closed) // the server saw the connection end
	post(t, ctx, tr, srv.URL+"/short", "hello")
	if n := opened.Load(); n != 2 {
		t.Errorf("%d connections opened, want 2: the stopped stream's is not used again", n)
	}
}

// TestIdleConnectionsAreClosedAfterAWhile: a connection kept idle is
// closed after idleFor, so that no descriptor is held for nothing.
func TestIdleConnectionsAreClosedAfterAWhile(t *testing.T) {
	ctx := testCtx(t)
	srv, _, closed := countedServer(t, echoLength)
	tr := inlineForTest(t)
	tr.idleFor = 20 * time.Millisecond
	post(t, ctx, tr, srv.URL, "hello")
	waitFor(t, ctx, closed)
	tr.mu.Lock()
	kept := len(tr.idle)
	tr.mu.Unlock()
	if kept != 0 {
		t.Errorf("%d hosts still have idle connections after the server saw them closed", kept)
	}
}

// TestAnInterimResponseIsSkipped: a 103 Early Hints before the answer is
// not the answer.
func TestAnInterimResponseIsSkipped(t *testing.T) {
	ctx := testCtx(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n"+
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		br.ReadByte() // until the client is done
	}()
	resp, body := post(t, ctx, inlineForTest(t), "http://"+ln.Addr().String()+"/", "hello")
	if resp.StatusCode != http.StatusOK || body != "ok" {
		t.Errorf("got %d %q, want 200 \"ok\"", resp.StatusCode, body)
	}
}

// TestAProxyIsLeftToNetHTTP: with a proxy configured, requests go through
// it, as net/http sends them.
func TestAProxyIsLeftToNetHTTP(t *testing.T) {
	ctx := testCtx(t)
	var asked atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.URL.String())
		io.WriteString(w, "from the proxy")
	}))
	defer proxy.Close()
	fallback := newTransport()
	proxyURL, _ := url.Parse(proxy.URL)
	fallback.Proxy = http.ProxyURL(proxyURL)
	tr := newInlineTransport(fallback)
	defer tr.CloseIdleConnections()
	_, body := post(t, ctx, tr, "http://model.invalid/v1/chat/completions", "hello")
	if body != "from the proxy" || asked.Load() != "http://model.invalid/v1/chat/completions" {
		t.Errorf("got %q, the proxy was asked for %v", body, asked.Load())
	}
}

// TestStreamsHoldNoGoroutineOfTheTransport: each answer being written holds
// a connection; the transport adds no goroutine to it (net/http's adds
// two), so thousands of live answers cost thousands fewer stacks.
func TestStreamsHoldNoGoroutineOfTheTransport(t *testing.T) {
	ctx := testCtx(t)
	release := make(chan struct{})
	srv, _, _ := countedServer(t, unfinishedStream(release))
	defer close(release)
	tr := inlineForTest(t)
	before := transportGoroutines()
	const streams = 10
	for range streams {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("hello"))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	if n := transportGoroutines() - before; n > 0 {
		t.Errorf("%d more goroutines of net/http's transport while %d streams are open, want none", n, streams)
	}
}

// transportGoroutines counts the goroutines of net/http's transport, which
// reads and writes each of its connections on two of its own.
func transportGoroutines() int {
	var stacks bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&stacks, 2) // each goroutine apart
	return strings.Count(stacks.String(), "net/http.(*persistConn).")
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func waitFor(t *testing.T, ctx context.Context, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatal("timed out")
	}
}
