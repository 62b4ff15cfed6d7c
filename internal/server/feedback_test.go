package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/export"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/views"
)

// ratedAnswer asks a question and returns the conversation's address, its
// id and the answer's id, once the answer is finished.
func ratedAnswer(t *testing.T, app *testApp, owner *browser) (conv, convID, answerID string) {
	t.Helper()
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"They train models ", "[§ml-engineer-daily-work]."}})
	conv, end := askAndFinish(t, owner, "What does an ML engineer do?")
	endDoc, err := goquery.NewDocumentFromReader(strings.NewReader(end))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := endDoc.Find(`[data-testid="message"][data-role="assistant"]`).Attr("id")
	return conv, strings.TrimPrefix(conv, "/c/"), strings.TrimPrefix(id, "m-")
}

// thumbs says which thumbs are pressed in s, as "up", "down" or "".
func thumbs(t *testing.T, s *goquery.Selection) string {
	t.Helper()
	up, okUp := s.Find(`[data-testid="feedback-up"]`).Attr("aria-pressed")
	down, okDown := s.Find(`[data-testid="feedback-down"]`).Attr("aria-pressed")
	if !okUp || !okDown {
		t.Fatalf("no thumbs with aria-pressed in %q", s.Text())
	}
	switch {
	case up == "true" && down == "false":
		return "up"
	case up == "false" && down == "true":
		return "down"
	case up == "false" && down == "false":
		return ""
	}
	t.Fatalf("thumbs pressed: up %s, down %s", up, down)
	return ""
}

func TestFeedback(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	owner := app.browser(true)
	conv, convID, answerID := ratedAnswer(t, app, owner)
	feedbackURL := views.FeedbackURL(convID, answerID)
	answer := func() *goquery.Selection {
		return doc(t, owner.get(conv)).Find(`[data-testid="message"][data-role="assistant"]`)
	}

	a := answer()
	if got := thumbs(t, a); got != "" {
		t.Errorf("a new answer shows %q pressed", got)
	}
	if a.Find(`[data-testid="feedback-reason"]`).Length() != 0 {
		t.Error("the reason form shows before a thumbs down")
	}
	if a.Find("svg").Length() != 0 {
		t.Error("the thumbs are inline SVG inside the answer")
	}
	if a.Find(`.text [data-testid^="feedback"]`).Length() != 0 {
		t.Error("the thumbs are inside the answer's text (Copy would take them)")
	}

	post := func(form url.Values) *goquery.Selection {
		t.Helper()
		res := owner.post(feedbackURL, form)
		if res.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(res.Body)
			t.Fatalf("POST feedback %v = %d: %s", form, res.StatusCode, body)
		}
		frag := doc(t, res)
		if id, _ := frag.Find(".feedback").Attr("id"); "#"+id != views.FeedbackTarget(answerID) || frag.Find(`[data-testid="message"]`).Length() != 0 {
			t.Fatalf("htmx got more or less than the answer's feedback controls: %s", id)
		}
		return frag.Selection
	}

	// Thumbs down: pressed, and the optional reason asked for.
	frag := post(url.Values{"rating": {"down"}})
	if got := thumbs(t, frag); got != "down" {
		t.Errorf("after thumbs down, pressed = %q", got)
	}
	reason := frag.Find(`form[data-testid="feedback-reason"]`)
	if reason.Find(`input[name="reason"]`).Length() != 3 || reason.Find(`textarea[name="comment"]`).Length() != 1 {
		t.Fatalf("the reason form offers no choices or no free text: %q", reason.Text())
	}
	for _, want := range []string{"Wrong", "Not from the article", "Not helpful"} {
		if !strings.Contains(reason.Text(), want) {
			t.Errorf("the reasons lack %q", want)
		}
	}

	// The reason, stored with the answer: a reload shows it.
	post(url.Values{"rating": {"down"}, "reason": {"not-from-article"}, "comment": {"  Salaries\nare not in it  "}})
	a = answer()
	if got := thumbs(t, a); got != "down" {
		t.Errorf("after a reload, pressed = %q, want down", got)
	}
	if v, _ := a.Find(`input[name="reason"][checked]`).Attr("value"); v != "not-from-article" {
		t.Errorf("after a reload, the reason checked is %q", v)
	}
	if got := a.Find(`textarea[name="comment"]`).Text(); got != "Salaries are not in it" {
		t.Errorf("after a reload, the comment is %q", got)
	}

	// The JSON export has it; the Markdown one does not.
	res := owner.get(conv + "/export.json")
	var exported export.Conversation
	if err := json.NewDecoder(res.Body).Decode(&exported); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var rated *chat.Feedback
	for _, m := range exported.Messages {
		if m.ID == answerID {
			rated = m.Feedback
		} else if m.Feedback != nil {
			t.Errorf("message %s has feedback in the export", m.ID)
		}
	}
	if rated == nil || rated.Rating != chat.RatingDown || rated.Reason != chat.ReasonNotFromSource || rated.Comment != "Salaries are not in it" || rated.At.IsZero() {
		t.Errorf("the JSON export's feedback = %+v", rated)
	}
	res = owner.get(conv + "/export.md")
	md, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(md), "Salaries") || strings.Contains(string(md), "not-from-article") {
		t.Errorf("the Markdown export holds the feedback:\n%s", md)
	}

	// Changed to a thumbs up: the reason goes; pressing it again takes it back.
	frag = post(url.Values{"rating": {"up"}})
	if got := thumbs(t, frag); got != "up" || frag.Find(`[data-testid="feedback-reason"]`).Length() != 0 {
		t.Errorf("after thumbs up, pressed = %q, reason form shown: %v", got, frag.Find(`[data-testid="feedback-reason"]`).Length() != 0)
	}
	if v, _ := frag.Find(`[data-testid="feedback-up"]`).Attr("value"); v != "" {
		t.Errorf("a pressed thumbs up asks for %q when pressed again, want none (taking it back)", v)
	}
	post(url.Values{"rating": {""}})
	if got := thumbs(t, answer()); got != "" {
		t.Errorf("after taking the rating back, pressed = %q", got)
	}
	if m, _ := app.db.Message(t.Context(), answerID); m.Feedback != nil {
		t.Errorf("the store still holds %+v", m.Feedback)
	}

	series := scrape(t, owner)
	if up, down := series[`rolefit_feedback_total{rating="up"}`], series[`rolefit_feedback_total{rating="down"}`]; up != 1 || down != 2 {
		t.Errorf("rolefit_feedback_total up %v, down %v; want 1 and 2 (each rating given)", up, down)
	}
}

// Only the owner rates an answer: anyone else gets the same 404 as for an
// answer that does not exist, and their rating is not kept.
func TestFeedbackIsTheOwners(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	owner := app.browser(true)
	conv, convID, answerID := ratedAnswer(t, app, owner)
	_, otherConvID, otherAnswerID := ratedAnswer(t, app, owner)

	for name, b := range map[string]*browser{"another visitor": app.browser(true), "another visitor without JavaScript": app.browser(false)} {
		if res := b.post(views.FeedbackURL(convID, answerID), url.Values{"rating": {"up"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s rating the answer: %d, want 404", name, res.StatusCode)
		}
		res := b.get(conv)
		if body, _ := io.ReadAll(res.Body); res.StatusCode != http.StatusNotFound || strings.Contains(string(body), "feedback-up") {
			t.Errorf("%s opening the conversation: %d, with thumbs: %v", name, res.StatusCode, strings.Contains(string(body), "feedback-up"))
		}
		res.Body.Close()
	}
	for name, u := range map[string]string{
		"an unknown answer":                       views.FeedbackURL(convID, "NOSUCHANSWER"),
		"an answer of another conversation":       views.FeedbackURL(convID, otherAnswerID),
		"a question":                              views.FeedbackURL(otherConvID, questionOf(t, app, otherAnswerID)),
		"an answer under an unknown conversation": views.FeedbackURL("NOSUCHCONVERSATION", answerID),
	} {
		if res := owner.post(u, url.Values{"rating": {"up"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("rating %s: %d, want 404", name, res.StatusCode)
		}
	}
	if m, _ := app.db.Message(t.Context(), answerID); m.Feedback != nil {
		t.Errorf("a refused rating was kept: %+v", m.Feedback)
	}
}

func questionOf(t *testing.T, app *testApp, answerID string) string {
	t.Helper()
	m, err := app.db.Message(t.Context(), answerID)
	if err != nil {
		t.Fatal(err)
	}
	return m.ReplyTo
}

// Without JavaScript the thumbs and the reason are plain forms that come
// back to the answer.
func TestFeedbackWithoutJavaScript(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	asker := app.browser(true)
	conv, convID, answerID := ratedAnswer(t, app, asker)
	owner := &browser{app: app, client: asker.client, htmx: false} // the same visitor, without JavaScript
	res := owner.post(views.FeedbackURL(convID, answerID), url.Values{"rating": {"down"}, "reason": {"wrong"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != views.MessageURL(convID, answerID) {
		t.Fatalf("POST feedback without JavaScript = %d to %q, want 303 to the answer", res.StatusCode, res.Header.Get("Location"))
	}
	page := doc(t, owner.get(conv))
	a := page.Find(`[data-testid="message"][data-role="assistant"]`)
	if got := thumbs(t, a); got != "down" {
		t.Errorf("the page shows %q pressed, want down", got)
	}
	for _, form := range []*goquery.Selection{a.Find(`form:has([data-testid="feedback-down"])`), a.Find(`form[data-testid="feedback-reason"]`)} {
		if method, _ := form.Attr("method"); method != "post" || form.AttrOr("action", "") != views.FeedbackURL(convID, answerID) {
			t.Errorf("a feedback form is not a plain POST to the feedback URL: method %q action %q", method, form.AttrOr("action", ""))
		}
	}
	if v, _ := a.Find(`input[name="reason"][checked]`).Attr("value"); v != "wrong" {
		t.Errorf("the reason checked is %q, want wrong", v)
	}
}

// A bad rating or reason is refused with a message saying what to do,
// never a 500, and what was kept before stays.
func TestFeedbackBadInput(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	owner := app.browser(true)
	_, convID, answerID := ratedAnswer(t, app, owner)
	if res := owner.post(views.FeedbackURL(convID, answerID), url.Values{"rating": {"up"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("thumbs up = %d", res.StatusCode)
	}
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"an unknown reason", url.Values{"rating": {"down"}, "reason": {"boring"}}, "Choose one of the reasons offered, or none."},
		{"a comment too long", url.Values{"rating": {"down"}, "comment": {strings.Repeat("é", chat.MaxFeedbackComment+1)}}, "A reason can be up to 300 characters long; this one has 301."},
		{"an unknown rating", url.Values{"rating": {"sideways"}}, "Rate an answer with a thumbs up or a thumbs down."},
		{"a comment that is not text", url.Values{"rating": {"down"}, "comment": {"\xff\xfe"}}, "The reason must be plain text."},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{true, false} {
			same := &browser{app: app, client: owner.client, htmx: htmx} // the owner, with or without htmx
			res := same.post(views.FeedbackURL(convID, answerID), tt.form)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode < 400 || res.StatusCode >= 500 || !strings.Contains(string(body), tt.want) {
				t.Errorf("%s (htmx %v): %d %q, want a 4xx saying %q", tt.name, htmx, res.StatusCode, body, tt.want)
			}
		}
	}
	if m, _ := app.db.Message(t.Context(), answerID); m.Feedback == nil || m.Feedback.Rating != chat.RatingUp {
		t.Errorf("after refused ratings, the store holds %+v, want the thumbs up", m.Feedback)
	}
}

// Thumbs come with the finished answer, not before: an answer still being
// written cannot be rated, and its end event brings them.
func TestFeedbackOnlyOnceFinished(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"They train ", "models."}, Gate: gate})
	owner := app.browser(true)
	res := owner.post("/c", url.Values{"message": {"What do they do?"}})
	convID := strings.TrimPrefix(res.Header.Get("HX-Push-Url"), "/c/")
	streaming := doc(t, res).Find(`[data-testid="message"][data-role="assistant"]`)
	answerID := strings.TrimPrefix(streaming.AttrOr("id", ""), "m-")
	if streaming.Find(`[data-testid^="feedback"]`).Length() != 0 {
		t.Error("a streaming answer has thumbs")
	}
	gate <- struct{}{} // the first words; the rest waits

	res = owner.post(views.FeedbackURL(convID, answerID), url.Values{"rating": {"up"}})
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(body), "still being written") {
		t.Errorf("rating a streaming answer = %d %q, want 409 saying it is still being written", res.StatusCode, body)
	}

	close(gate)
	end, err := goquery.NewDocumentFromReader(strings.NewReader(endOf(t, owner, streaming.AttrOr("sse-connect", ""))))
	if err != nil {
		t.Fatal(err)
	}
	if got := thumbs(t, end.Selection); got != "" {
		t.Errorf("the end event's thumbs show %q pressed", got)
	}
	if res := owner.post(views.FeedbackURL(convID, answerID), url.Values{"rating": {"up"}}); res.StatusCode != http.StatusOK {
		t.Errorf("rating the finished answer = %d", res.StatusCode)
	}
}
