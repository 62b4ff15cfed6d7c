package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/views"
)

// askCut has b (with htmx) ask a question the model answers with chunks
// and then cuts at its length limit (finish_reason "length"), and waits
// for its end. It returns the conversation's and the answer's ids.
func askCut(t *testing.T, app *testApp, b *browser, chunks ...string) (convID, answerID string) {
	t.Helper()
	app.fake.Push(fakeopenai.Reply{Chunks: chunks, FinishReason: "length"})
	d := doc(t, b.post("/c", url.Values{"message": {"Tell me all about ML engineers."}}))
	parts := strings.Split(d.Find(`[data-role="assistant"]`).AttrOr("sse-connect", ""), "/") // /c/{id}/answers/{answer}/events
	if len(parts) < 5 {
		t.Fatalf("no answer streaming: %q", parts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.svc.Wait(ctx, parts[4]); err != nil {
		t.Fatal(err)
	}
	return parts[2], parts[4]
}

func continueURL(convID, answerID string) string {
	return "/c/" + convID + "/answers/" + answerID + "/continue"
}

// TestContinueAfterALengthCut: an answer the model cut at its length
// limit says so and offers Continue (a plain form); with htmx, Continue
// streams the rest into the same answer, its event ids going on from the
// cut text's length, and the model was sent the cut answer and asked to go
// on without repeating it. The whole answer is saved, and no longer offers
// Continue.
func TestContinueAfterALengthCut(t *testing.T) {
	app := newOpsApp(t, withChat(chat.Config{}), withServer(Config{AnswerDetails: views.AnswerDetails{Show: true}}))
	b := app.browser(true)
	const first = "ML engineers train models and"
	convID, answerID := askCut(t, app, b, "ML engineers train", " models and")

	page := doc(t, b.get("/c/"+convID))
	a := page.Find(`[data-role="assistant"]`)
	if got := a.Find(`[data-testid="answer-meta-ending"]`).Text(); got != "cut at the length limit" {
		t.Errorf("the panel says it ended %q", got)
	}
	form := a.Find(`[data-testid="continue"]`).Closest("form")
	if form.Length() != 1 || form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != continueURL(convID, answerID) ||
		form.AttrOr("hx-post", "") != continueURL(convID, answerID) {
		t.Fatalf("want a Continue form posting to %s, got %v", continueURL(convID, answerID), outer(form))
	}

	app.fake.Push(fakeopenai.Reply{Chunks: []string{" ship them", " to production."}})
	d := doc(t, b.post(continueURL(convID, answerID), url.Values{}))
	streaming := d.Find(`article[data-role="assistant"]`)
	if streaming.AttrOr("id", "") != "m-"+answerID || streaming.AttrOr("data-state", "") != "streaming" ||
		!strings.Contains(streaming.Text(), first) {
		t.Fatalf("Continue answered %s", outer(streaming))
	}
	src := streaming.AttrOr("sse-connect", "")
	if !strings.HasSuffix(src, "?offset="+strconv.Itoa(len(first))) {
		t.Errorf("the continued answer streams from %q; want from the cut's end, %d", src, len(first))
	}
	res := b.get(src)
	evs := readEvents(t, res.Body)
	res.Body.Close()
	var live strings.Builder
	var end string
	for _, e := range evs {
		switch e.name {
		case "delta", "blocks":
			live.WriteString(e.data)
			if n, _ := strconv.Atoi(e.id); n <= len(first) {
				t.Errorf("event id %q does not go on from the cut's %d bytes", e.id, len(first))
			}
		case "end":
			end = e.data
		}
	}
	if strings.Contains(live.String(), "train models") || !strings.Contains(live.String(), "ship them") {
		t.Errorf("the continuation streamed %q; want only the new text", live.String())
	}
	final, _ := goquery.NewDocumentFromReader(strings.NewReader(end))
	want := first + " ship them to production."
	if got := strings.TrimSpace(final.Find(".text").First().Text()); got != want {
		t.Errorf("the continued answer reads %q, want %q", got, want)
	}
	if final.Find(`[data-testid="continue"]`).Length() != 0 || final.Find(`[data-state="done"]`).Length() != 1 {
		t.Errorf("the finished continuation: %s", end)
	}
	if got := final.Find(`[data-testid="answer-meta-continued"]`).Text(); !strings.HasPrefix(got, "once") {
		t.Errorf("the panel says the answer was continued %q; want once", got)
	}
	if got := final.Find(`[data-testid="answer-meta-ending"]`).Text(); got != "done" {
		t.Errorf("the continued answer ended %q; want done", got)
	}

	calls := app.fake.Calls()
	sent := calls[len(calls)-1].Request.Messages
	if n := len(sent); n < 3 || sent[n-2].Role != "assistant" || sent[n-2].Content != first ||
		sent[n-1].Role != "user" || !strings.Contains(sent[n-1].Content, "repeat") {
		t.Errorf("the model was sent %+v; want the cut answer, then an instruction to go on", sent)
	}
	saved, err := app.db.Message(context.Background(), answerID)
	if err != nil || saved.Content != want || saved.State != "done" {
		t.Errorf("saved %q as %s (%v)", saved.Content, saved.State, err)
	}
	page = doc(t, b.get("/c/"+convID))
	if n := page.Find(`[data-role="assistant"]`).Length(); n != 1 {
		t.Errorf("the conversation shows %d answers, want the one", n)
	}
}

// TestContinueOnlyForACutAnswerOfItsOwner: a finished answer offers no
// Continue and refuses one; another visitor gets the 404 of a
// conversation that does not exist, and the answer is not continued.
func TestContinueOnlyForACutAnswerOfItsOwner(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	owner := app.browser(true)
	convID, answerID := askCut(t, app, owner, "Half an answer")

	other := app.browser(true)
	res := other.post(continueURL(convID, answerID), url.Values{})
	res.Body.Close()
	unknown := other.post(continueURL("NOSUCHCONVERSATIONAAAAAAAA", answerID), url.Values{})
	unknown.Body.Close()
	if res.StatusCode != http.StatusNotFound || unknown.StatusCode != http.StatusNotFound {
		t.Errorf("another visitor's Continue: %d; an unknown conversation's: %d; want both 404", res.StatusCode, unknown.StatusCode)
	}
	if saved, _ := app.db.Message(context.Background(), answerID); saved.Content != "Half an answer" || saved.State != "stopped" {
		t.Errorf("after another visitor's try the answer is %q, %s", saved.Content, saved.State)
	}
	if n := len(app.fake.Calls()); n != 1 {
		t.Errorf("the model was asked %d times; want once", n)
	}

	done := app.browser(true)
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"A whole answer."}})
	d := doc(t, done.post("/c", url.Values{"message": {"q"}}))
	parts := strings.Split(d.Find(`[data-role="assistant"]`).AttrOr("sse-connect", ""), "/")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	app.svc.Wait(ctx, parts[4])
	page := doc(t, done.get("/c/"+parts[2]))
	if page.Find(`[data-testid="continue"]`).Length() != 0 {
		t.Error("a finished answer offers Continue")
	}
	if res := done.post(continueURL(parts[2], parts[4]), url.Values{}); res.StatusCode != http.StatusConflict {
		t.Errorf("continuing a finished answer: %d, want 409", res.StatusCode)
	}
}

// TestContinueWithoutJavaScript: the Continue form posts, redirects to
// the answer, and the page then shows it whole.
func TestContinueWithoutJavaScript(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"First part,"}, FinishReason: "length"})
	res := b.post("/c", url.Values{"message": {"Tell me all."}})
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || loc == "" {
		t.Fatalf("asking: %d to %q", res.StatusCode, loc)
	}
	page := doc(t, b.get(loc))
	action := page.Find(`[data-testid="continue"]`).Closest("form").AttrOr("action", "")
	if action == "" {
		t.Fatal("the cut answer offers no Continue form")
	}
	app.fake.Push(fakeopenai.Reply{Chunks: []string{" second part."}})
	res = b.post(action, url.Values{})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Continue without JavaScript: %d, want a redirect", res.StatusCode)
	}
	page = doc(t, b.get(res.Header.Get("Location")))
	a := page.Find(`[data-role="assistant"]`)
	if got := strings.TrimSpace(a.Find(".text").First().Text()); got != "First part, second part." || a.AttrOr("data-state", "") != "done" {
		t.Errorf("after Continue the page shows %q (%s)", got, a.AttrOr("data-state", ""))
	}
}

func outer(s *goquery.Selection) string {
	h, _ := goquery.OuterHtml(s)
	return h
}
