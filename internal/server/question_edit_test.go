package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/export"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// postAndWait posts a form without JavaScript, expects the redirect to an
// answer, and waits for that answer to be saved.
func (b *browser) postAndWait(path string, form url.Values) {
	b.app.t.Helper()
	res := b.post(path, form)
	res.Body.Close()
	loc := res.Header.Get("Location")
	_, frag, ok := strings.Cut(loc, "#m-")
	if res.StatusCode != http.StatusSeeOther || !ok {
		b.app.t.Fatalf("POST %s = %d, Location %q; want a redirect to an answer", path, res.StatusCode, loc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.app.svc.Wait(ctx, frag); err != nil {
		b.app.t.Fatal(err)
	}
}

// thread is the conversation as shown: each message's text, without its
// controls, "|" between them.
func thread(d *goquery.Document) string {
	var out []string
	d.Find(`[data-testid="message"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Find(".text").First().Text()))
	})
	return strings.Join(out, "|")
}

// question returns the shown question with this text.
func question(d *goquery.Document, text string) *goquery.Selection {
	return d.Find(`[data-role="user"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.TrimSpace(s.Find(".text").Text()) == text
	})
}

func TestEditQuestionBranchesWithoutJavaScript(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(
		fakeopenai.Reply{Chunks: []string{"Answer one."}},
		fakeopenai.Reply{Chunks: []string{"Answer two."}},
		fakeopenai.Reply{Chunks: []string{"Answer one, edited."}},
		fakeopenai.Reply{Chunks: []string{"Answer three."}},
	)
	b := app.browser(false)
	conv := b.ask("/c", "One")
	b.postAndWait(conv+"/messages", url.Values{"message": {"Two"}})
	d := doc(t, b.get(conv))
	if n := d.Find(`[data-role="user"] [data-testid="question-edit"]`).Length(); n != 2 {
		t.Fatalf("%d questions have Edit, want both", n)
	}
	if d.Find(`[data-testid="question-version-label"]`).Length() != 0 {
		t.Error("a question never edited shows a version switcher")
	}
	edit := question(d, "One").Find(`[data-testid="question-edit"] form`)
	action := edit.AttrOr("action", "")
	if edit.Find(`textarea[name="question"]`).Text() != "One" || edit.Find(`[data-testid="question-edit-save"]`).Length() != 1 {
		t.Fatalf("the Edit form holds %q; want the question and a save button", edit.Find("textarea").Text())
	}

	b.postAndWait(action, url.Values{"question": {"One, edited"}})
	calls := app.fake.Calls()
	if got := calls[len(calls)-1].Request.Messages; len(got) != 2 || got[1].Content != "One, edited" {
		t.Errorf("the edited question was sent with %+v; want the system prompt and the edited question alone", got)
	}
	d = doc(t, b.get(conv))
	if got, want := thread(d), "One, edited|Answer one, edited."; got != want {
		t.Errorf("after the edit the page shows %q, want %q", got, want)
	}
	if got := question(d, "One, edited").Find(`[data-testid="question-version-label"]`).Text(); got != "2 / 2" {
		t.Errorf("edited question's version = %q, want 2 / 2", got)
	}

	// A question asked now goes on along the branch shown.
	b.postAndWait(conv+"/messages", url.Values{"message": {"Three"}})
	calls = app.fake.Calls()
	var sent []string
	for _, m := range calls[len(calls)-1].Request.Messages[1:] {
		sent = append(sent, m.Content)
	}
	if got, want := strings.Join(sent, "|"), "One, edited|Answer one, edited.|Three"; got != want {
		t.Errorf("the next question was sent with %q, want %q", got, want)
	}

	// ‹ goes back to the first branch, its answer and later turns; › returns.
	prev := question(doc(t, b.get(conv)), "One, edited").Find(`[data-testid="question-version-prev"]`).Closest("form").AttrOr("action", "")
	res := b.post(prev, nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switching back: %d", res.StatusCode)
	}
	d = doc(t, b.get(conv))
	if got, want := thread(d), "One|Answer one.|Two|Answer two."; got != want {
		t.Errorf("back on the first branch the page shows %q, want %q", got, want)
	}
	next := question(d, "One").Find(`[data-testid="question-version-next"]`).Closest("form").AttrOr("action", "")
	b.post(next, nil).Body.Close()
	if got, want := thread(doc(t, b.get(conv))), "One, edited|Answer one, edited.|Three|Answer three."; got != want {
		t.Errorf("forward again the page shows %q, want %q", got, want)
	}

	// Markdown exports the branch shown; JSON every branch.
	md := readAll(t, b.get(conv+"/export.md"))
	if !strings.Contains(md, "One, edited") || !strings.Contains(md, "Answer three.") || strings.Contains(md, "Answer two.") {
		t.Errorf("Markdown export is not the branch shown:\n%s", md)
	}
	var exp export.Conversation
	if err := json.Unmarshal([]byte(readAll(t, b.get(conv+"/export.json"))), &exp); err != nil {
		t.Fatal(err)
	}
	byContent := map[string]export.Message{}
	for _, m := range exp.Messages {
		byContent[m.Content] = m
	}
	if len(exp.Messages) != 8 {
		t.Errorf("JSON export has %d messages, want all 8 of both branches", len(exp.Messages))
	}
	one, edited, two, three := byContent["One"], byContent["One, edited"], byContent["Two"], byContent["Three"]
	if !one.Hidden || edited.Hidden || !two.Hidden || three.Hidden || one.Follows != "" || edited.Follows != "" ||
		two.Follows != one.ID || three.Follows != edited.ID || byContent["Answer two."].ReplyTo != two.ID {
		t.Errorf("JSON export's branches: One %+v, edited %+v, Two %+v, Three %+v", one, edited, two, three)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEditQuestionWithHtmx(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Answer one."}}, fakeopenai.Reply{Chunks: []string{"Edited ", "answer."}, Gate: gate})
	b := app.browser(false)
	conv := b.ask("/c", "One")
	action := question(doc(t, b.get(conv)), "One").Find(`[data-testid="question-edit"] form`).AttrOr("hx-post", "")

	h := app.browser(true)
	h.client.Jar = b.client.Jar
	d := doc(t, h.post(action, url.Values{"question": {"One, edited"}}))
	// The thread comes back, from the question on the new branch, its
	// answer streaming from the same event stream as any answer.
	answer := d.Find(`[data-role="assistant"]`)
	if got := thread(d); !strings.HasPrefix(got, "One, edited|") || answer.Length() != 1 ||
		answer.AttrOr("data-state", "") != "streaming" || !strings.Contains(answer.AttrOr("sse-connect", ""), "/events") {
		t.Fatalf("htmx edit returned %q, answer state %q", got, answer.AttrOr("data-state", ""))
	}
	close(gate)
	id := strings.TrimPrefix(answer.AttrOr("id", ""), "m-")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	app.svc.Wait(ctx, id)

	// The switcher's htmx post returns the thread too.
	prev := question(doc(t, b.get(conv)), "One, edited").Find(`[data-testid="question-version-prev"]`).Closest("form").AttrOr("hx-post", "")
	if got, want := thread(doc(t, h.post(prev, nil))), "One|Answer one."; got != want {
		t.Errorf("htmx switch returned %q, want %q", got, want)
	}
}

func TestEditQuestionIsOnlyTheOwners(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Answer one."}}, fakeopenai.Reply{Chunks: []string{"Edited."}})
	owner := app.browser(false)
	conv := owner.ask("/c", "One")
	q := question(doc(t, owner.get(conv)), "One")
	action := q.Find(`[data-testid="question-edit"] form`).AttrOr("action", "")
	qid := strings.TrimPrefix(q.AttrOr("id", ""), "m-")

	other := app.browser(false)
	other.get("/").Body.Close() // a visitor of its own
	for _, path := range []string{action, conv + "/questions/" + qid + "/show"} {
		res := other.post(path, url.Values{"question": {"Hijacked"}})
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("another visitor's POST %s = %d, want 404", path, res.StatusCode)
		}
	}
	// A made-up question of one's own conversation is the same 404.
	res := owner.post(conv+"/questions/NOSUCHQUESTION/edit", url.Values{"question": {"x"}})
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("editing a made-up question = %d, want 404", res.StatusCode)
	}
	if got, want := thread(doc(t, owner.get(conv))), "One|Answer one."; got != want {
		t.Errorf("after the refused edits the owner sees %q, want %q", got, want)
	}
}

func TestRefusedEditSaysWhatToChange(t *testing.T) {
	app := newTestApp(t, chat.Config{MaxQuestionChars: 20})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Answer one."}})
	b := app.browser(false)
	conv := b.ask("/c", "One")
	q := question(doc(t, b.get(conv)), "One")
	action := q.Find(`[data-testid="question-edit"] form`).AttrOr("action", "")
	h := app.browser(true)
	h.client.Jar = b.client.Jar

	long := strings.Repeat("x", 21)
	for _, tt := range []struct{ text, want string }{
		{"   ", "Type a question first."},
		{long, "Your message is 21 characters long; the limit is 20. Please shorten it."},
	} {
		// Without JavaScript: the page again, the Edit open with the text
		// and the message.
		res := b.post(action, url.Values{"question": {tt.text}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("edit %q = %d, want 422", tt.text, res.StatusCode)
		}
		d := doc(t, res)
		edit := question(d, "One").Find(`[data-testid="question-edit"]`)
		if _, open := edit.Attr("open"); !open || edit.Find(`[data-testid="question-edit-error"]`).Text() != tt.want ||
			edit.Find("textarea").Text() != tt.text {
			t.Errorf("refused edit %q shows open %v, %q, text %q; want %q", tt.text, open,
				edit.Find(`[data-testid="question-edit-error"]`).Text(), edit.Find("textarea").Text(), tt.want)
		}

		// With htmx: the form alone, in its own place.
		res = h.post(action, url.Values{"question": {tt.text}})
		target := res.Header.Get("HX-Retarget")
		d = doc(t, res)
		if target != "#"+q.Find(`[data-testid="question-edit"]`).AttrOr("id", "") || d.Find(`[data-testid="question-edit-error"]`).Text() != tt.want {
			t.Errorf("htmx refused edit %q: retarget %q, message %q", tt.text, target, d.Find(`[data-testid="question-edit-error"]`).Text())
		}
	}
	if got, want := thread(doc(t, b.get(conv))), "One|Answer one."; got != want {
		t.Errorf("after refused edits the page shows %q, want %q", got, want)
	}
	if n := len(app.fake.Calls()); n != 1 {
		t.Errorf("the model was asked %d times, want once: a refused edit asks nothing", n)
	}
}
