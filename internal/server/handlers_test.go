package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

func TestChatPage(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	res := app.browser(true).get("/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	for header, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "frame-ancestors 'none'",
	} {
		if got := res.Header.Get(header); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == visitorCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || len(cookie.Value) != 26 {
		t.Errorf("visitor cookie = %+v, want an HttpOnly, SameSite=Lax random id", cookie)
	}
	d := doc(t, res)
	if desc := d.Find(`head meta[name="description"]`).AttrOr("content", ""); !strings.Contains(desc, "Machine Learning Engineer") {
		t.Errorf("meta description = %q, want one that says what Rolefit is", desc)
	}
	if d.Find(`form[data-testid="composer"] textarea[name="message"]`).Length() != 1 {
		t.Error("no composer form with a message textarea")
	}
	starters := d.Find(`[data-testid="starter"]`)
	if starters.Length() < 3 || starters.First().Text() != "Which role fits me?" {
		t.Errorf("starters: %d, first %q; want several, led by the fit question", starters.Length(), starters.First().Text())
	}
	if d.Find(`[data-testid="offline-banner"]`).Length() != 0 {
		t.Error("offline banner shown while a model is configured")
	}
	if !strings.Contains(d.Find(`[data-testid="source-credit"]`).Text(), "Sarthak Thakare") {
		t.Error("the page does not credit the article's author")
	}
	if strings.Contains(d.Text(), "sk-test-SECRET") {
		t.Error("the API key is on the page")
	}
}

func TestAskAndStream(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"An ML engineer ", "<trains> models & ", "data.\nNext line"}})
	b := app.browser(true)

	res := b.post("/c", url.Values{"message": {"What does an ML engineer do?"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /c = %d", res.StatusCode)
	}
	push := res.Header.Get("HX-Push-Url")
	d := doc(t, res)
	user := d.Find(`[data-testid="message"][data-role="user"]`)
	answer := d.Find(`[data-testid="message"][data-role="assistant"][data-state="streaming"]`)
	if user.Length() != 1 || !strings.Contains(user.Text(), "What does an ML engineer do?") {
		t.Errorf("response has no user bubble with the question")
	}
	events, ok := answer.Attr("sse-connect")
	if answer.Length() != 1 || !ok || answer.Find(`[data-testid="stop"]`).Length() != 1 {
		t.Fatalf("response has no streaming assistant bubble with an event stream and a stop button")
	}
	if !strings.HasPrefix(push, "/c/") || !strings.HasPrefix(events, push+"/answers/") {
		t.Errorf("HX-Push-Url %q, events %q: want the conversation's own address", push, events)
	}
	if d.Find(`form[data-testid="composer"][hx-swap-oob]`).Length() != 1 {
		t.Error("the composer is not refreshed (emptied and pointed at the conversation)")
	}

	res = b.get(events)
	for header, want := range map[string]string{
		"Content-Type":      "text/event-stream; charset=utf-8",
		"Cache-Control":     "no-cache",
		"X-Accel-Buffering": "no",
		// Set by the middleware, as on every response: the stream's
		// connection is taken over from net/http, its head written anew.
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	if res.Header.Get("X-Request-Id") == "" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("event stream headers %v: want the request id and the security policy", res.Header)
	}
	evs := readEvents(t, res.Body)
	res.Body.Close()
	var streamed strings.Builder
	var last event
	for _, e := range evs {
		if e.name == "delta" {
			streamed.WriteString(e.data)
		}
		last = e
	}
	want := "An ML engineer &lt;trains&gt; models &amp; data.\nNext line"
	if streamed.String() != want {
		t.Errorf("streamed %q, want %q (escaped, newline kept)", streamed.String(), want)
	}
	if last.name != "end" || !strings.Contains(last.data, `data-state="done"`) || !strings.Contains(last.data, "&lt;trains&gt;") {
		t.Errorf("last event = %+v, want the end event with the done, escaped rendering", last)
	}

	// A reconnect with Last-Event-ID gets only what it has not seen.
	var firstID string
	for _, e := range evs {
		if e.name == "delta" {
			firstID = e.id
			break
		}
	}
	res = b.do("GET", events, nil, http.Header{"Last-Event-ID": {firstID}})
	evs = readEvents(t, res.Body)
	res.Body.Close()
	streamed.Reset()
	for _, e := range evs {
		if e.name == "delta" {
			streamed.WriteString(e.data)
		}
	}
	if !strings.HasSuffix(want, streamed.String()) || len(streamed.String()) >= len(want) {
		t.Errorf("resume after id %s got %q, want only the rest", firstID, streamed.String())
	}

	// The reload shows the conversation, rendered as Markdown.
	d = doc(t, b.get(push))
	msgs := d.Find(`[data-testid="message"]`)
	if msgs.Length() != 2 || msgs.Last().AttrOr("data-state", "") != "done" || !strings.Contains(msgs.Last().Text(), "An ML engineer") {
		t.Errorf("reloaded page: %d messages, last state %q", msgs.Length(), msgs.Last().AttrOr("data-state", ""))
	}

	// The model got the system prompt and the question, in that order.
	calls := app.fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("model called %d times", len(calls))
	}
	m := calls[0].Request.Messages
	if len(m) != 2 || m[0].Role != "system" || m[0].Content != testSystemPrompt || m[1].Role != "user" || m[1].Content != "What does an ML engineer do?" {
		t.Errorf("model request messages = %+v", m)
	}
}

func TestWithoutJavaScript(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"**Chefs** ", "cook."}})
	b := app.browser(false)
	res := b.post("/c", url.Values{"message": {"Tell me about chefs"}})
	loc := res.Header.Get("Location")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/c/") {
		t.Fatalf("POST /c without htmx = %d to %q, want 303 to the conversation", res.StatusCode, loc)
	}
	d := doc(t, b.get(strings.Split(loc, "#")[0]))
	answer := d.Find(`[data-role="assistant"]`)
	if answer.AttrOr("data-state", "") != "done" || answer.Find("strong").Text() != "Chefs" {
		t.Errorf("after the redirect the answer is %q in state %q; want the finished, rendered answer",
			answer.Text(), answer.AttrOr("data-state", ""))
	}
}

func TestRefusedQuestionsKeepTheText(t *testing.T) {
	app := newTestApp(t, chat.Config{MaxQuestionChars: 10})
	tests := []struct {
		name, text, want string
		htmx             bool
		status           int
	}{
		{"empty, htmx", "   ", "Type a question first.", true, http.StatusOK},
		{"too long, htmx", "abcdefghijklmnop", "16 characters long; the limit is 10", true, http.StatusOK},
		{"too long, no JavaScript", "abcdefghijklmnop", "16 characters long; the limit is 10", false, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := app.browser(tt.htmx).post("/c", url.Values{"message": {tt.text}})
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if tt.htmx && res.Header.Get("HX-Retarget") != "#composer" {
				t.Errorf("HX-Retarget = %q, want the composer", res.Header.Get("HX-Retarget"))
			}
			d := doc(t, res)
			if got := d.Find(`[data-testid="composer-error"]`).Text(); !strings.Contains(got, tt.want) {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
			if got := d.Find(`textarea[name="message"]`).Text(); got != tt.text {
				t.Errorf("textarea = %q, want the person's text %q kept", got, tt.text)
			}
		})
	}
	if n := len(app.fake.Calls()); n != 0 {
		t.Errorf("refused questions reached the model %d times", n)
	}
}

func TestConversationsArePrivate(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	owner := app.browser(false)
	res := owner.post("/c", url.Values{"message": {"my private question"}})
	conv := strings.Split(res.Header.Get("Location"), "#")[0]
	res.Body.Close()

	stranger := app.browser(false)
	made := stranger.get("/c/MADEUPIDAAAAAAAAAAAAAAAAAA")
	madeBody := doc(t, made).Find("main").Text()
	res = stranger.get(conv)
	body := doc(t, res).Find("main").Text()
	if res.StatusCode != http.StatusNotFound || made.StatusCode != http.StatusNotFound {
		t.Errorf("stranger got %d for another's conversation, %d for a made-up one; want 404 for both", res.StatusCode, made.StatusCode)
	}
	if body != madeBody || strings.Contains(body, "private") {
		t.Errorf("another visitor's conversation answers differently from a made-up one: %q vs %q", body, madeBody)
	}
	if r := stranger.post(conv+"/messages", url.Values{"message": {"hi"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("stranger posting into it = %d, want 404", r.StatusCode)
	}
	if r := owner.get(conv); r.StatusCode != http.StatusOK {
		t.Errorf("owner = %d, want 200", r.StatusCode)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	res := b.do("POST", "/c", url.Values{"message": {"hi"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST = %d, want 403", res.StatusCode)
	}
	if n := len(app.fake.Calls()); n != 0 {
		t.Errorf("a forged request reached the model")
	}
}

func TestStopMidAnswer(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"partial ", "never sent"}, Gate: gate})
	b := app.browser(true)
	d := doc(t, b.post("/c", url.Values{"message": {"q"}}))
	answer := d.Find(`[data-role="assistant"]`)
	events := answer.AttrOr("sse-connect", "")
	stop := answer.Find(`form:has([data-testid="stop"])`).AttrOr("hx-post", "")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	call, err := app.fake.NextCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gate <- struct{}{} // "partial " is sent; the next chunk waits
	res := b.get(events)
	defer res.Body.Close()
	stream := streamEvents(res.Body)
	if e := <-stream; e.name != "delta" || e.data != "partial " {
		t.Fatalf("first event = %+v, want the first delta", e)
	}

	if r := b.post(stop, nil); r.StatusCode != http.StatusNoContent {
		t.Errorf("stop = %d, want 204", r.StatusCode)
	}
	select {
	case <-call.Cancelled():
	case <-ctx.Done():
		t.Fatal("the model server never saw the request cancelled")
	}
	var last event
	for e := range stream {
		last = e
	}
	if last.name != "end" || !strings.Contains(last.data, `data-state="stopped"`) || !strings.Contains(last.data, "partial") {
		t.Errorf("end event = %+v, want stopped with the partial text", last)
	}
}

func TestUpstreamFailuresShowAMessage(t *testing.T) {
	tests := []struct {
		name  string
		reply fakeopenai.Reply
		want  string
	}{
		{"401", fakeopenai.Reply{Status: 401}, "not configured correctly"},
		{"404 model", fakeopenai.Reply{Status: 404}, "was not found"},
		{"429 retry-after", fakeopenai.Reply{Status: 429, RetryAfter: "7"}, "try again in 7 seconds"},
		{"500", fakeopenai.Reply{Status: 500}, "having problems"},
		{"cut mid-stream", fakeopenai.Reply{Chunks: []string{"half ", "of it"}, Fault: fakeopenai.Cut, FaultAfter: 1}, "lost partway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := newTestApp(t, chat.Config{})
			app.fake.Push(tt.reply)
			b := app.browser(false)
			res := b.post("/c", url.Values{"message": {"q"}})
			loc := strings.Split(res.Header.Get("Location"), "#")[0]
			res.Body.Close()
			d := doc(t, b.get(loc))
			answer := d.Find(`[data-role="assistant"]`)
			if answer.AttrOr("data-state", "") != "error" || !strings.Contains(answer.Find(`[data-testid="answer-error"]`).Text(), tt.want) {
				t.Errorf("answer %q state %q, want an error saying %q", answer.Text(), answer.AttrOr("data-state", ""), tt.want)
			}
			if answer.Find(`[data-testid="retry"]`).Length() != 1 {
				t.Error("no retry button")
			}
			if tt.reply.Fault == fakeopenai.Cut && !strings.Contains(answer.Text(), "half") {
				t.Error("the partial answer was not kept")
			}
			if strings.Contains(d.Text(), "sk-test-SECRET") || strings.Contains(app.logs.String(), "sk-test-SECRET") {
				t.Error("the API key leaked into the page or the log")
			}
			if r := b.get("/healthz"); r.StatusCode != http.StatusOK {
				t.Errorf("healthz after the failure = %d", r.StatusCode)
			}
		})
	}
}

func TestEventsFormat(t *testing.T) {
	rec := &flushRecorder{}
	s, err := startEventStream(rec, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s.send("delta", 12, "a&lt;b\nline2\r\n")
	s.sendBytes("blocks", 0, []byte("\r<p>z</p>\n"))
	s.send("end", -1, "<p>x</p>\n<p>y</p>")
	want := "retry: 1000\n\n" +
		"event: delta\nid: 12\ndata: a&lt;b\ndata: line2&#13;\ndata: \n\n" +
		"event: blocks\nid: 0\ndata: &#13;<p>z</p>\ndata: \n\n" +
		"event: end\ndata: <p>x</p>\ndata: <p>y</p>\n\n"
	if got := rec.String(); got != want {
		t.Errorf("stream =\n%q\nwant\n%q", got, want)
	}
	if rec.flushes < 4 {
		t.Errorf("flushed %d times, want after the headers and every event", rec.flushes)
	}
}

type flushRecorder struct {
	strings.Builder
	header  http.Header
	flushes int
}

func (f *flushRecorder) Header() http.Header {
	if f.header == nil {
		f.header = http.Header{}
	}
	return f.header
}
func (f *flushRecorder) WriteHeader(int) {}
func (f *flushRecorder) Flush()          { f.flushes++ }
