package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// turnsApp serves, through one turn, a page that waits for release, a page
// of size bytes, a form, and the health check, which never takes turns.
func turnsApp(t *testing.T, wait time.Duration, size int) (srv *httptest.Server, entered, release chan struct{}) {
	t.Helper()
	entered, release = make(chan struct{}, 1), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /held", func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "held")
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", size)))
	})
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "got "+r.PostFormValue("q"))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv = httptest.NewServer(withTurns(mux, mux, newTurns(1, wait), slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	return srv, entered, release
}

func get(t *testing.T, ctx context.Context, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestAPageWaitsForItsTurnAndIsToldWhenBusy: while the only turn is taken,
// another page waits, and past the wait the person is told the server is
// busy (503 with Retry-After) instead of being left waiting; the health
// check still answers at once.
func TestAPageWaitsForItsTurnAndIsToldWhenBusy(t *testing.T) {
	ctx := testCtx(t)
	srv, entered, release := turnsApp(t, time.Millisecond, 10)
	held := make(chan string, 1)
	go func() { _, body := get(t, ctx, srv.URL+"/held"); held <- body }()
	<-entered

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/big", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "very busy") {
		t.Errorf("a page while the turn is taken: %d, Retry-After %q, %q", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if code, body := get(t, ctx, srv.URL+"/healthz"); code != http.StatusOK || body != "ok" {
		t.Errorf("healthz while the turn is taken: %d %q", code, body)
	}
	close(release)
	if got := <-held; got != "held" {
		t.Errorf("the page that had the turn got %q", got)
	}
	if code, body := get(t, ctx, srv.URL+"/big"); code != http.StatusOK || body != "xxxxxxxxxx" {
		t.Errorf("a page after the turn was given back: %d %q", code, body)
	}
}

// TestAClientThatDoesNotReadHoldsNoTurn: the response is kept in memory
// and written after the turn, so a client that never reads its page does
// not keep everyone else's from being made.
func TestAClientThatDoesNotReadHoldsNoTurn(t *testing.T) {
	ctx := testCtx(t)
	srv, _, _ := turnsApp(t, time.Minute, 8<<20) // far more than the socket buffers hold
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	for range 3 {
		if code, body := get(t, ctx, srv.URL+"/big"); code != http.StatusOK || len(body) != 8<<20 {
			t.Fatalf("a page while another client does not read: %d, %d bytes", code, len(body))
		}
	}
}

// TestASlowUploadHoldsNoTurn: a form's body is read before the turn, so a
// client that sends it slowly holds nothing, and the form still arrives.
func TestASlowUploadHoldsNoTurn(t *testing.T) {
	ctx := testCtx(t)
	srv, _, _ := turnsApp(t, time.Minute, 10)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nq=sl")
	for range 3 {
		if code, _ := get(t, ctx, srv.URL+"/big"); code != http.StatusOK {
			t.Fatalf("a page during a slow upload: %d", code)
		}
	}
	io.WriteString(conn, "ow\n") // the rest of the body
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(b), "got slow") {
		t.Errorf("the slow form: %q", b)
	}
}

// testCtx bounds a test of turns.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
