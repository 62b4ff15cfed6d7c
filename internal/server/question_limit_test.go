package server

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// mlFit is a complete fit check.
var mlFit = map[string]string{"enjoy": "math-data", "build": "train-model", "approach": "from-scratch", "work-style": "experiment", "tools": "python-ml", "background": "data", "analogy": "chef"}

// TestRefusedQuestionsDoNotCount sends questions that are refused for what
// they are (empty, invalid text, too long, someone else's conversation, an
// incomplete fit check) before real ones: none of them uses up the
// allowance, so the visitor still gets every question the limit grants.
func TestRefusedQuestionsDoNotCount(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	app := newOpsApp(t, withServer(Config{QuestionLimit: 2, QuestionWindow: time.Minute, ServeMetrics: true, TrustedProxies: loopback}))
	b := app.browser(true).from("203.0.113.1")
	other := app.browser(true).from("198.51.100.9")
	theirs := ask(t, other, "Someone else's question")
	app.waitFinished()

	for _, q := range []string{"", "   ", "\x00\x01", strings.Repeat("a", 5000)} {
		if status, msg, _ := askRefused(t, b, "/c", q); msg == limitedMessage || msg == "" {
			t.Fatalf("question %.10q: %d %q, want refused for what it is", q, status, msg)
		}
	}
	res := b.post(theirs.conversation+"/messages", url.Values{"message": {"Let me in"}})
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("asking in someone else's conversation = %d, want 404", res.StatusCode)
	}
	res = b.post("/fit", url.Values{"enjoy": {"math-data"}})
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("HX-Location") != "" {
		t.Fatalf("an incomplete fit check = %d %q, want the form back", res.StatusCode, res.Header.Get("HX-Location"))
	}

	ask(t, b, "First real question")
	app.waitFinished()
	ask(t, b, "Second real question")
	app.waitFinished()
	if _, msg, _ := askRefused(t, b, "/c", "Third real question"); msg != limitedMessage {
		t.Errorf("the third accepted question in the minute: %q, want %q", msg, limitedMessage)
	}
	if m := scrape(t, b); m[`rolefit_rate_limited_total{limit="visitor"}`] != 1 {
		t.Errorf("refusals by the limit counted %v, want 1", m[`rolefit_rate_limited_total{limit="visitor"}`])
	}
}

// TestQuestionLimitHoldsUnderConcurrency posts many valid questions at
// once: the limit still bounds how many are accepted.
func TestQuestionLimitHoldsUnderConcurrency(t *testing.T) {
	app := newOpsApp(t, offlineProvider(), withServer(Config{QuestionLimit: 3, QuestionWindow: time.Minute}))
	b := app.browser(true)
	b.get("/").Body.Close() // one visitor cookie for all of them
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", app.url+"/c", strings.NewReader(form("Concurrent question")))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			res, err := b.client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.Header.Get("HX-Push-Url") != "" {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if accepted != 3 {
		t.Errorf("%d of 20 concurrent questions accepted, want 3 (the limit)", accepted)
	}
}

// TestFitCheckCountsAsAQuestion: scoring the fit check starts a
// conversation, so it takes from the same allowance as a question, per
// visitor and per client address (a post without a cookie is no escape).
func TestFitCheckCountsAsAQuestion(t *testing.T) {
	app := newOpsApp(t, withServer(Config{QuestionLimit: 2, QuestionWindow: time.Minute, ServeMetrics: true}))
	b := app.browser(false)
	for i := range 2 {
		res := b.post("/fit", fitForm(mlFit))
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("fit check %d = %d, want 303 to its conversation", i+1, res.StatusCode)
		}
	}
	res := b.post("/fit", fitForm(mlFit))
	d := doc(t, res)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("third fit check = %d (Retry-After %q), want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if got := strings.TrimSpace(d.Find(`[data-testid="fit-error"]`).Text()); got != limitedMessage {
		t.Errorf("third fit check says %q, want %q", got, limitedMessage)
	}
	if _, ok := d.Find(`input[name="enjoy"][value="math-data"]`).Attr("checked"); !ok {
		t.Error("the refused fit check lost its answers")
	}

	// With htmx, the form comes back in place with the message.
	h := app.browser(true)
	h.client.Jar = b.client.Jar
	res = h.post("/fit", fitForm(mlFit))
	d = doc(t, res)
	if got := strings.TrimSpace(d.Find(`[data-testid="fit-error"]`).Text()); got != limitedMessage || res.Header.Get("HX-Location") != "" {
		t.Errorf("htmx: third fit check says %q (HX-Location %q), want %q", got, res.Header.Get("HX-Location"), limitedMessage)
	}

	// Without a cookie, from the same address: still the same client.
	fresh := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", app.url+"/fit", strings.NewReader(fitForm(mlFit).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := fresh.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a cookie-less fit check from the same address = %d, want 429", res.StatusCode)
	}
	if n := len(conversationsOf(t, b)); n != 2 {
		t.Errorf("the visitor has %d conversations, want 2", n)
	}
}

// conversationsOf is the ids in the visitor's sidebar.
func conversationsOf(t *testing.T, b *browser) []string {
	t.Helper()
	var ids []string
	doc(t, b.get("/")).Find(`a[data-testid="conversation"]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-conversation", ""))
	})
	return ids
}
