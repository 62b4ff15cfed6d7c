package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// conversation is one simulated visitor asking one question, as the
// browser does with htmx, and what it received.
type conversation struct {
	index  int
	base   string
	client *http.Client // its own cookie jar: its own visitor

	// light keeps no per-event times, for runs too large to keep them.
	light bool
	// started, if set, is called once: with true when the first delta
	// arrives, with false when the conversation failed before it.
	started    func(gotFirst bool)
	wasStarted bool
	// ended, if set, is called when the answer's end event arrives.
	ended func()

	sent       time.Time     // when the question was sent
	start      time.Duration // from sending the question to the fragment that answers the POST
	ttft       time.Duration // from sending the question to the first delta
	total      time.Duration // from sending the question to the answer's end
	text       string        // the deltas and tails, unescaped and joined (see unseen)
	events     []received
	eventCount int // delta and blocks events, kept or not
	err        error
}

// received is one delta event: the offset its id gave, and when it was read.
type received struct {
	offset int
	at     time.Time
}

// visit opens the start page, which gives the visitor its cookie.
func (c *conversation) visit(ctx context.Context) error {
	res, err := c.do(ctx, http.MethodGet, "/", nil, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /: status %d", res.StatusCode)
	}
	return nil
}

var sseConnect = regexp.MustCompile(`sse-connect="([^"]+)"`)

// ask posts the question, then follows the answer's event stream to its end.
func (c *conversation) ask(ctx context.Context) error {
	defer c.markStarted(false) // when it failed before its first delta
	form := url.Values{"message": {fmt.Sprintf("Question %d: what does an AI evaluation engineer do all day?", c.index)}}
	sent := time.Now()
	c.sent = sent
	res, err := c.do(ctx, http.MethodPost, "/c", strings.NewReader(form.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"},
		"Hx-Request":   {"true"},
	})
	if err != nil {
		return err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return fmt.Errorf("POST /c: read: %w", err)
	}
	c.start = time.Since(sent)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /c: status %d", res.StatusCode)
	}
	m := sseConnect.FindSubmatch(body)
	if m == nil || !strings.Contains(string(body), `data-state="streaming"`) {
		return fmt.Errorf("POST /c: no streaming answer in the fragment: %.200q", body)
	}
	events := html.UnescapeString(string(m[1]))
	if push := res.Header.Get("HX-Push-Url"); push == "" || !strings.HasPrefix(events, push+"/answers/") {
		return fmt.Errorf("POST /c: HX-Push-Url %q does not match the stream %q", push, events)
	}
	return c.follow(ctx, events, sent)
}

// follow reads the event stream and checks it as it goes: offsets strictly
// increase and each equals the bytes received so far.
func (c *conversation) follow(ctx context.Context, path string, sent time.Time) error {
	res, err := c.do(ctx, http.MethodGet, path, nil, http.Header{"Accept": {"text/event-stream"}})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return fmt.Errorf("GET events: status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var text strings.Builder
	r := newEventReader(res.Body)
	for {
		ev, err := r.next()
		if err != nil {
			return fmt.Errorf("events after %d bytes: %w", text.Len(), err)
		}
		at := time.Now()
		switch ev.name {
		case "delta":
			delta := html.UnescapeString(ev.data)
			offset, err := strconv.Atoi(ev.id)
			if err != nil || offset <= text.Len() || offset != text.Len()+len(delta) {
				return fmt.Errorf("delta id %q after %d bytes carries %d bytes", ev.id, text.Len(), len(delta))
			}
			if c.eventCount == 0 {
				c.first(at)
			}
			text.WriteString(delta)
			c.record(received{offset: offset, at: at})
		case "blocks":
			// Finished blocks, rendered, and the rest of the text as tail:
			// the tail is checked against what came before it; bytes that
			// went straight into a rendered block are marked unseen.
			offset, err := strconv.Atoi(ev.id)
			tail, ok := liveTail(ev.data)
			if err != nil || !ok || offset <= text.Len() || offset < len(tail) {
				return fmt.Errorf("blocks id %q after %d bytes carries the tail %q", ev.id, text.Len(), tail)
			}
			known, start := text.String(), offset-len(tail)
			if start <= len(known) {
				if !strings.HasPrefix(tail, known[start:]) {
					return fmt.Errorf("blocks id %q: the tail %q does not go on from %q", ev.id, tail, known[start:])
				}
				known = known[:start]
			} else {
				if known == "" {
					// The answer's first block went straight in: its tag,
					// which names the answer, shows at its start as written.
					known = leadingTag(ev.data)
				}
				known += strings.Repeat(unseen, start-len(known))
			}
			text.Reset()
			text.WriteString(known + tail)
			if c.eventCount == 0 {
				c.first(at)
			}
			c.record(received{offset: offset, at: at})
		case "end":
			c.total = at.Sub(sent)
			if c.ended != nil {
				c.ended()
			}
			c.text = text.String()
			if !strings.Contains(ev.data, `data-state="done"`) {
				return fmt.Errorf("answer ended not done: %.300q", ev.data)
			}
			return nil
		default:
			return fmt.Errorf("unexpected event %q", ev.name)
		}
	}
}

// first notes the first delta's arrival.
func (c *conversation) first(at time.Time) {
	c.ttft = at.Sub(c.sent)
	c.markStarted(true)
}

func (c *conversation) markStarted(gotFirst bool) {
	if c.started != nil && !c.wasStarted {
		c.wasStarted = true
		c.started(gotFirst)
	}
}

func (c *conversation) record(r received) {
	c.eventCount++
	if !c.light {
		c.events = append(c.events, r)
	}
}

// unseen marks a byte of the answer that reached the page inside a rendered
// block, not as text: 0xff is never part of UTF-8 text.
const unseen = "\xff"

// liveTail returns the tail a "blocks" event shows, unescaped.
func liveTail(data string) (string, bool) {
	i := strings.LastIndex(data, `hx-swap-oob="innerHTML:#live-tail-`)
	if i < 0 {
		return "", false
	}
	j := strings.Index(data[i:], `">`)
	if j < 0 || !strings.HasSuffix(data, "</div>") {
		return "", false
	}
	return html.UnescapeString(data[i+j+2 : len(data)-len("</div>")]), true
}

// leadingTag returns the tag "[answer N]" a rendered first block starts
// with (a paragraph, or a heading when a "-" line followed it), or "".
func leadingTag(data string) string {
	i := strings.Index(data, "[answer ")
	end := strings.Index(data[max(i, 0):], "]")
	if i < 0 || end < 0 || strings.TrimSpace(markup.ReplaceAllString(data[:i], "")) != "" {
		return ""
	}
	if _, ok := answerTag(data[i : i+end+1]); !ok {
		return ""
	}
	return data[i : i+end+1]
}

var markup = regexp.MustCompile(`<[^>]*>`)

// sameText reports whether got is want, but for the bytes marked unseen.
func sameText(got, want string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := 0; i < len(got); i++ {
		if got[i] != want[i] && got[i] != unseen[0] {
			return false
		}
	}
	return true
}

func (c *conversation) do(ctx context.Context, method, path string, body io.Reader, h http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return res, nil
}

// event is one dispatched Server-Sent Event.
type event struct{ name, id, data string }

// eventReader parses an event stream as a browser does: fields up to a
// blank line make an event, data lines are joined with "\n", comments and
// blocks without data (such as "retry:") dispatch nothing.
type eventReader struct{ r *bufio.Reader }

func newEventReader(r io.Reader) *eventReader { return &eventReader{bufio.NewReaderSize(r, 64<<10)} }

func (er *eventReader) next() (event, error) {
	var ev event
	var data []string
	for {
		line, err := er.r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // a stream must end with its "end" event
			}
			return event{}, err
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" {
			if data == nil {
				ev = event{}
				continue
			}
			ev.data = strings.Join(data, "\n")
			return ev, nil
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.name = value
		case "id":
			ev.id = value
		case "data":
			data = append(data, value)
		}
	}
}
