package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestSlowAnswerWithoutJavaScript is a form post whose answer takes longer
// than the server's write deadline: the person must get the redirect to the
// conversation before that deadline, not an empty reply, and the page must
// show the text so far and refresh itself until the answer ends.
func TestSlowAnswerWithoutJavaScript(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	// The same stack in a server with a short write deadline, as in
	// production (where it is 60 s against an answer of up to 5 minutes).
	srv := httptest.NewUnstartedServer(New(app.svc, slog.New(slog.NewTextHandler(app.logs, nil)), Config{AnswerWait: 50 * time.Millisecond}))
	srv.Config.WriteTimeout = 2 * time.Second
	srv.Start()
	defer srv.Close()
	app.url = srv.URL

	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"first words ", "and the rest"}, Gate: gate})
	b := app.browser(false)
	ctx, cancel := context.WithTimeout(context.Background(), srv.Config.WriteTimeout)
	defer cancel()
	res := postWithin(t, ctx, b, "/c", url.Values{"message": {"a slow question"}})
	loc := res.Header.Get("Location")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/c/") || !strings.Contains(loc, "#m-") {
		t.Fatalf("POST /c = %d to %q, want 303 to the answer in its conversation", res.StatusCode, loc)
	}
	conv := strings.Split(loc, "#")[0]

	// Follow the answer's stream to know when its first words exist.
	events := doc(t, b.get(conv)).Find(`[data-role="assistant"]`).AttrOr("sse-connect", "")
	stream := b.get(events)
	defer stream.Body.Close()
	deltas := streamEvents(stream.Body)
	gate <- struct{}{} // "first words " is sent; the rest waits
	if e := <-deltas; e.name != "delta" {
		t.Fatalf("first event %+v, want a delta", e)
	}
	d := doc(t, b.get(conv))
	answer := d.Find(`[data-role="assistant"]`)
	if answer.AttrOr("data-state", "") != "streaming" || !strings.Contains(answer.Text(), "first words") {
		t.Errorf("answer %q in state %q, want the text so far, streaming", answer.Text(), answer.AttrOr("data-state", ""))
	}
	if !refreshes(d) {
		t.Error("the page of an answer still being written does not refresh itself without JavaScript")
	}

	close(gate)
	if err := app.svc.Wait(ctx, answerID(loc)); err != nil {
		t.Fatal(err)
	}
	d = doc(t, b.get(conv))
	if answer := d.Find(`[data-role="assistant"]`); answer.AttrOr("data-state", "") != "done" || !strings.Contains(answer.Text(), "first words and the rest") {
		t.Errorf("finished answer %q in state %q", answer.Text(), answer.AttrOr("data-state", ""))
	}
	if refreshes(d) {
		t.Error("the page still refreshes itself once the answer is finished")
	}

	// Regenerating without JavaScript is bounded the same way.
	gate = make(chan struct{})
	defer close(gate)
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"again"}, Gate: gate})
	regenerate := d.Find(`form:has([data-testid="regenerate"])`).AttrOr("action", "")
	res = postWithin(t, ctx, b, regenerate, nil)
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, conv+"#m-") {
		t.Errorf("regenerate = %d to %q, want 303 to the new answer", res.StatusCode, loc)
	}
	if d := doc(t, b.get(conv)); !refreshes(d) {
		t.Error("the page of a regenerated answer being written does not refresh itself")
	}
}

// postWithin posts a form and fails the test if no response comes before
// ctx's deadline.
func postWithin(t *testing.T, ctx context.Context, b *browser, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "POST", b.app.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v (no response within the server's write deadline)", path, err)
	}
	return res
}

// refreshes reports whether the page reloads itself without JavaScript.
func refreshes(d *goquery.Document) bool {
	found := false
	d.Find("noscript").Each(func(_ int, s *goquery.Selection) {
		// goquery does not parse inside noscript when scripting is on.
		if strings.Contains(s.Text(), `http-equiv="refresh"`) || s.Find(`meta[http-equiv="refresh"]`).Length() > 0 {
			found = true
		}
	})
	return found
}

func answerID(loc string) string {
	_, frag, _ := strings.Cut(loc, "#m-")
	return frag
}
