package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

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

// longText is about size bytes of prose in paragraphs, with characters
// that need escaping, numbered so that a repeat or a gap shows.
func longText(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "Sentence %d: engineers train models & ship <apps>.", i)
		if i%10 == 9 {
			b.WriteString("\n\n")
		} else {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// livePage is what a page shows of a streaming answer, built from its
// events as the browser builds it: finished blocks, the items of a list
// being written, and the tail of text.
type livePage struct{ blocks, open, tail strings.Builder }

func (p *livePage) apply(t *testing.T, e event) {
	t.Helper()
	switch e.name {
	case "delta":
		p.tail.WriteString(e.data)
	case "blocks":
		d, err := goquery.NewDocumentFromReader(strings.NewReader("<body>" + e.data + "</body>"))
		if err != nil {
			t.Fatal(err)
		}
		d.Find("body").Children().Each(func(_ int, s *goquery.Selection) {
			target, oob := s.Attr("hx-swap-oob")
			inner, _ := s.Html()
			outer, _ := goquery.OuterHtml(s)
			switch {
			case !oob:
				p.blocks.WriteString(outer)
			case strings.Contains(target, "#live-blocks-"):
				p.blocks.Reset()
				p.blocks.WriteString(inner)
			case strings.Contains(target, "#live-open-"):
				p.open.Reset()
				p.open.WriteString(inner)
			case strings.Contains(target, "#live-tail-"):
				p.tail.Reset()
				p.tail.WriteString(inner)
			default:
				t.Fatalf("an event swaps %q", target)
			}
		})
	}
}

// showsExactly checks the page shows text, each word once and in order,
// and says where it goes wrong if not.
func (p *livePage) showsExactly(t *testing.T, when, text string) {
	t.Helper()
	if got, want := p.words(t), strings.Fields(text); !slices.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s, the page shows %d words, want the %d of the answer; they differ from word %d: %q",
			when, len(got), len(want), i, got[i:min(i+8, len(got))])
	}
}

// words is the text the page shows, word by word.
func (p *livePage) words(t *testing.T) []string {
	t.Helper()
	// Blocks are shown apart, as paragraphs are.
	blocks := strings.ReplaceAll(p.blocks.String(), "</p>", "</p>\n")
	d, err := goquery.NewDocumentFromReader(strings.NewReader("<body>" + blocks + p.open.String() + "<div>" + p.tail.String() + "</div></body>"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(d.Find("body").Text())
}

// TestWatcherThatDoesNotReadIsDisconnected opens a long answer's event
// stream and never reads it. The server gives up on the watcher within
// its write timeout (the stream's gauge drops back), instead of holding
// the answer's text for it for as long as it stays; the watcher then
// resumes from the last event it got and receives the rest exactly.
func TestWatcherThatDoesNotReadIsDisconnected(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	text := longText(1 << 20)
	app := newOpsApp(t,
		withProvider(bigAnswer{text: text, piece: 8 << 10}),
		withChat(chat.Config{MaxAnswerTokens: 1 << 30, KeepFinished: time.Minute}),
		withServer(Config{StreamWriteTimeout: writeTimeout, ServeMetrics: true}),
		withSendBuffer(16<<10))
	b := app.browser(true)
	visitor := visitorOf(t, b)
	a := ask(t, b, "A long one, please")
	app.waitFinished()

	mark := app.logs.mark()
	conn := watchWithSmallBuffer(t, app, a.events, visitor)
	// The watcher reads three events, then stops reading.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	var page livePage
	lastID := ""
	for _, e := range firstEvents(t, res.Body, 3) {
		page.apply(t, e)
		lastID = e.id
	}
	stalled := time.Now()

	// The handler's request line is logged when it returns: within the
	// write timeout once the buffers are full, and never without it. (The
	// bound is loose for slow machines and the race detector: the handler
	// renders each event's Markdown until then.)
	line := app.logs.waitForWithin(t, mark, "path="+a.events+" ", 20*time.Second)
	t.Logf("the server gave up on the watcher after %v", time.Since(stalled).Round(time.Millisecond))
	if !strings.Contains(line, "level=INFO") {
		t.Errorf("a watcher that does not read logged as %s", line)
	}
	if m := scrape(t, b); m["rolefit_streams_active"] != 0 {
		t.Errorf("streams active = %v after the watcher was dropped, want 0", m["rolefit_streams_active"])
	}

	// Resume from there, as EventSource does: the page then shows the
	// whole answer, each word once, from events of bounded size.
	res = b.do("GET", a.events, nil, http.Header{"Last-Event-ID": {lastID}})
	events := readEvents(t, res.Body)
	ended := false
	for i, e := range events {
		if e.name == "end" {
			ended = true
			continue
		}
		// The first event of a reconnect replaces what the page shows with
		// the answer up to the offset: its size is the page's, not bounded.
		if i > 0 && len(e.data) > 2*maxEventText {
			t.Errorf("a %s event is %d bytes, want at most %d", e.name, len(e.data), 2*maxEventText)
		}
		page.apply(t, e)
	}
	if !ended {
		t.Error("the resumed stream did not end")
	}
	page.showsExactly(t, "dropped and resumed", text)
}

// watchWithSmallBuffer opens an answer's event stream for visitor on a
// connection of its own with a small receive buffer, so the server soon
// has to wait for a watcher that does not read (loopback's buffers grow
// to megabytes), and returns the connection, closed when the test ends.
func watchWithSmallBuffer(t *testing.T, app *testApp, events, visitor string) net.Conn {
	t.Helper()
	conn, host := dialApp(t, app)
	if err := conn.(*net.TCPConn).SetReadBuffer(16 << 10); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\nAccept: text/event-stream\r\n\r\n", events, host, visitorCookie, visitor)
	return conn
}

// firstEvents reads the first n delta or blocks events of a stream, and
// reads no further.
func firstEvents(t *testing.T, body io.Reader, n int) []event {
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
			if cur.name == "delta" || cur.name == "blocks" {
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
