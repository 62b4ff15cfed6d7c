package server

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// bigAnswer streams a long text in pieces as fast as it is read.
type bigAnswer struct {
	text  string
	piece int
}

func (p bigAnswer) Describe() chat.ProviderInfo { return chat.ProviderInfo{Name: "big"} }

func (p bigAnswer) Stream(ctx context.Context, _ chat.Request, onDelta func(string)) (chat.Usage, error) {
	for i := 0; i < len(p.text); i += p.piece {
		if ctx.Err() != nil {
			return chat.Usage{}, ctx.Err()
		}
		onDelta(p.text[i:min(i+p.piece, len(p.text))])
	}
	return chat.Usage{CompletionTokens: len(p.text) / 4}, nil
}

// longText is about size bytes of prose with characters that need
// escaping and line breaks, numbered so that a repeat or a gap shows.
func longText(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "Sentence %d: engineers train models & ship <apps>.", i)
		if i%10 == 9 {
			b.WriteString("\n")
		} else {
			b.WriteString(" ")
		}
	}
	return b.String()
}

// TestWatcherThatDoesNotReadIsDisconnected opens a long answer's event
// stream and never reads it. The server gives up on the watcher within
// its write timeout (the stream's gauge drops back), instead of holding
// the answer's text for it for as long as it stays; the watcher then
// resumes from the last event it got and receives the rest exactly.
func TestWatcherThatDoesNotReadIsDisconnected(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	text := longText(2 << 20)
	app := newOpsApp(t,
		withProvider(bigAnswer{text: text, piece: 8 << 10}),
		withChat(chat.Config{MaxAnswerTokens: 1 << 30, KeepFinished: time.Minute}),
		withServer(Config{StreamWriteTimeout: writeTimeout, ServeMetrics: true}))
	b := app.browser(true)
	visitor := visitorOf(t, b)
	a := ask(t, b, "A long one, please")
	app.waitFinished()

	u, _ := url.Parse(app.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A small receive buffer, so the server soon has to wait for the
	// watcher (loopback's own grow to megabytes).
	if err := conn.(*net.TCPConn).SetReadBuffer(16 << 10); err != nil {
		t.Fatal(err)
	}
	mark := app.logs.mark()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\nAccept: text/event-stream\r\n\r\n", a.events, u.Host, visitorCookie, visitor)
	// The watcher reads three events, then stops reading.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	lastID := ""
	for _, e := range firstEvents(t, res.Body, "delta", 3) {
		got.WriteString(e.data)
		lastID = e.id
	}
	stalled := time.Now()

	// The handler's request line is logged when it returns.
	line := app.logs.waitFor(t, mark, "path="+a.events+" ")
	t.Logf("the server gave up on the watcher after %v", time.Since(stalled).Round(time.Millisecond))
	if !strings.Contains(line, "level=INFO") {
		t.Errorf("a watcher that does not read logged as %s", line)
	}
	if m := scrape(t, b); m["rolefit_streams_active"] != 0 {
		t.Errorf("streams active = %v after the watcher was dropped, want 0", m["rolefit_streams_active"])
	}

	// Resume from there, as EventSource does: the rest, exactly once, in
	// events of bounded size.
	res = b.do("GET", a.events, nil, http.Header{"Last-Event-ID": {lastID}})
	events := readEvents(t, res.Body)
	ended := false
	for _, e := range events {
		switch e.name {
		case "delta":
			if n := len(html.UnescapeString(e.data)); n > maxEventText {
				t.Errorf("an event carries %d bytes of text, want at most %d", n, maxEventText)
			}
			got.WriteString(e.data)
		case "end":
			ended = true
		}
	}
	if !ended {
		t.Error("the resumed stream did not end")
	}
	if html.UnescapeString(got.String()) != text {
		t.Errorf("dropped and resumed, the watcher has %d bytes, want the %d of the answer exactly", len(html.UnescapeString(got.String())), len(text))
	}
}

// firstEvents reads events named name from an event stream until it has n,
// and reads no further.
func firstEvents(t *testing.T, body io.Reader, name string, n int) []event {
	t.Helper()
	r := bufio.NewReader(body)
	var events []event
	var cur event
	var data []string
	for len(events) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended after %d events: %v", len(events), err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if cur.name == name {
				cur.data = strings.Join(data, "\n")
				events = append(events, cur)
			}
			cur, data = event{}, nil
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
	return events
}
