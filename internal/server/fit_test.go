package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/fit"
)

func fitForm(answers map[string]string) url.Values {
	v := url.Values{}
	for q, o := range answers {
		v.Set(q, o)
	}
	return v
}

func TestFitCheckFlow(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)

	d := doc(t, b.get("/fit"))
	if got, want := d.Find(`[data-testid="fit-question"]`).Length(), len(fit.Questions()); got != want || got < 6 || got > 8 {
		t.Errorf("the fit check shows %d questions, want %d (6 to 8)", got, want)
	}

	// Incomplete: the form comes back with the answer kept and the missing
	// question named.
	res := b.post("/fit", url.Values{"enjoy": {"math-data"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("incomplete fit check = %d, want 422", res.StatusCode)
	}
	d = doc(t, res)
	if msg := d.Find(`[data-testid="fit-error"]`).Text(); !strings.Contains(msg, "Please answer") {
		t.Errorf("error = %q", msg)
	}
	if _, ok := d.Find(`input[name="enjoy"][value="math-data"]`).Attr("checked"); !ok {
		t.Error("the given answer was not kept")
	}

	ml := map[string]string{"enjoy": "math-data", "build": "train-model", "approach": "from-scratch", "work-style": "experiment", "tools": "python-ml", "background": "data", "analogy": "chef"}
	res = b.post("/fit", fitForm(ml))
	res.Body.Close()
	conv := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(conv, "/c/") {
		t.Fatalf("complete fit check = %d to %q", res.StatusCode, conv)
	}
	d = doc(t, b.get(conv))
	card := d.Find(`[data-testid="fit-result"]`)
	if card.AttrOr("data-fit", "") != "ml-engineer" || !strings.Contains(card.Text(), "out of 10") {
		t.Errorf("result card %q data-fit %q", card.Text(), card.AttrOr("data-fit", ""))
	}
	if n := card.Find(`[data-testid="fit-reasons"] a[data-testid="citation"]`).Length(); n < 2 || n > 4 {
		t.Errorf("%d cited reasons, want 2 to 4", n)
	}
	if r := app.browser(false).get(conv); r.StatusCode != http.StatusNotFound {
		t.Errorf("another visitor sees the result (%d)", r.StatusCode)
	}

	// With htmx, a complete fit check navigates without a full reload.
	h := app.browser(true)
	h.client.Jar = b.client.Jar
	res = h.post("/fit", fitForm(ml))
	res.Body.Close()
	if loc := res.Header.Get("HX-Location"); !strings.HasPrefix(loc, "/c/") {
		t.Errorf("htmx fit check: HX-Location %q", loc)
	}

	// Discuss: the summary is asked as the person's own, visible message.
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Because you enjoy data."}})
	res = b.post(conv+"/fit/discuss", nil)
	res.Body.Close()
	d = doc(t, b.get(conv))
	user := d.Find(`[data-testid="message"][data-role="user"]`)
	if !strings.Contains(user.Text(), "My fit check result:") || !strings.Contains(user.Text(), "Machine Learning Engineer") {
		t.Errorf("the discussion starts with %q", user.Text())
	}
	if got := d.Find(`[data-role="assistant"]`).Text(); !strings.Contains(got, "Because you enjoy data.") {
		t.Errorf("assistant said %q", got)
	}
}
