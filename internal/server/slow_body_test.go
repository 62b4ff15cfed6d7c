package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sendPartialBody opens a connection, sends a POST's headers (as the
// visitor) with a body that promises 100 bytes and gives 11, and returns
// the connection, still open.
func sendPartialBody(t *testing.T, app *testApp, visitor, path string) net.Conn {
	t.Helper()
	conn, host := dialApp(t, app)
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nmessage=abc",
		path, host, visitorCookie, visitor)
	return conn
}

// dialApp opens a connection of its own to app, for requests written by
// hand, and returns it, closed when the test ends, with app's host.
func dialApp(t *testing.T, app *testApp) (net.Conn, string) {
	t.Helper()
	u, _ := url.Parse(app.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, u.Host
}

// slowBodyRoutes are the routes that read a form, for a visitor who has
// one conversation.
func slowBodyRoutes(t *testing.T, app *testApp) (visitor string, paths []string) {
	t.Helper()
	b := app.browser(false)
	visitor = visitorOf(t, b)
	conv := b.ask("/c", "A first question")
	return visitor, []string{"/c", conv + "/messages", "/fit", conv + "/rename", "/login"}
}

// TestSlowBodyIsTheClientsFault: a client that sends its body too slowly
// gets 408 Request Timeout, logged at info and counted as 408, never as a
// server error.
func TestSlowBodyIsTheClientsFault(t *testing.T) {
	app := newOpsApp(t, offlineProvider(), withReadTimeout(300*time.Millisecond), withServer(Config{ServeMetrics: true}))
	visitor, paths := slowBodyRoutes(t, app)
	for _, path := range paths {
		mark := app.logs.mark()
		conn := sendPartialBody(t, app, visitor, path)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: no response: %v", path, err)
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "took too long") {
			t.Errorf("%s: %d %q, want 408 saying the request took too long", path, res.StatusCode, body)
		}
		if line := app.logs.waitFor(t, mark, "path="+path+" "); !strings.Contains(line, "level=INFO") || !strings.Contains(line, "status=408") {
			t.Errorf("%s logged as %s, want info with status 408", path, line)
		}
	}
	if logs := app.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("slow bodies logged errors:\n%s", logs)
	}
	m := scrape(t, app.browser(false))
	for series, v := range m {
		if strings.Contains(series, `code="500"`) {
			t.Errorf("%s = %v", series, v)
		}
	}
	if got := m[`rolefit_http_requests_total{code="408",route="POST /c"}`]; got != 1 {
		t.Errorf("POST /c counted %v times as 408, want 1", got)
	}
}

// TestClientGoneIsNotAServerError: a client that hangs up halfway
// through its body is logged at info with status 499 (nginx's "client
// closed request"), not as a server error.
func TestClientGoneIsNotAServerError(t *testing.T) {
	app := newOpsApp(t, offlineProvider(), withServer(Config{ServeMetrics: true}))
	visitor, paths := slowBodyRoutes(t, app)
	for _, path := range paths {
		mark := app.logs.mark()
		conn := sendPartialBody(t, app, visitor, path)
		conn.Close()
		if line := app.logs.waitFor(t, mark, "path="+path+" "); !strings.Contains(line, "level=INFO") || !strings.Contains(line, "status=499") {
			t.Errorf("%s logged as %s, want info with status 499", path, line)
		}
	}
	if logs := app.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("clients that went away logged errors:\n%s", logs)
	}
	m := scrape(t, app.browser(false))
	for series, v := range m {
		if strings.Contains(series, `code="500"`) {
			t.Errorf("%s = %v", series, v)
		}
	}
}
