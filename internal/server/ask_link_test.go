package server

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/views"
)

// TestAskLinkPrefillsTheComposer: a follow-up suggestion is a link with
// ?ask=; without JavaScript it opens the page with the question in the
// box, one click from being sent, in the conversation it was offered in.
func TestAskLinkPrefillsTheComposer(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"More: [What tools do they use?](/?ask=What%20tools%20do%20they%20use%3F)"}})
	b := app.browser(false)
	res := b.post("/c", url.Values{"message": {"What does an ML engineer do?"}})
	conv := strings.Split(res.Header.Get("Location"), "#")[0]
	res.Body.Close()

	d := doc(t, b.get(conv))
	link := d.Find(`[data-role="assistant"] .text a`).First()
	href := link.AttrOr("href", "")
	if want := conv + "?ask="; !strings.HasPrefix(href, want) {
		t.Fatalf("the suggestion links to %q, want %q… (its own conversation)", href, want)
	}
	d = doc(t, b.get(href))
	composer := d.Find(`form[data-testid="composer"]`)
	if got := composer.Find("textarea").Text(); got != "What tools do they use?" {
		t.Errorf("the composer holds %q, want the suggested question", got)
	}
	if got := composer.AttrOr("action", ""); got != views.AskURL(strings.TrimPrefix(conv, "/c/")) {
		t.Errorf("the composer posts to %q, want the conversation's", got)
	}

	d = doc(t, b.get("/?ask="+url.QueryEscape("Which role fits me?")))
	if got := d.Find(`form[data-testid="composer"] textarea`).Text(); got != "Which role fits me?" {
		t.Errorf("a new chat's composer holds %q", got)
	}
	long := strings.Repeat("é", views.MaxAskChars+50)
	d = doc(t, b.get("/?ask="+url.QueryEscape(long)))
	if got := d.Find(`form[data-testid="composer"] textarea`).Text(); got != long[:2*views.MaxAskChars] {
		t.Errorf("a long ?ask= fills the box with %d characters, want %d", len([]rune(got)), views.MaxAskChars)
	}
}

// TestOfflineAnswersAreNotRegenerated: the offline answerer gives the same
// text to the same question, so Regenerate is not offered for its answers;
// an answer that did not finish can still be tried again.
func TestOfflineAnswersAreNotRegenerated(t *testing.T) {
	app := newOpsApp(t, offlineProvider())
	b := app.browser(false)
	res := b.post("/c", url.Values{"message": {"What does an ML engineer do?"}})
	conv := strings.Split(res.Header.Get("Location"), "#")[0]
	res.Body.Close()
	d := doc(t, b.get(conv))
	answer := d.Find(`[data-role="assistant"]`)
	if answer.AttrOr("data-state", "") != "done" {
		t.Fatalf("offline answer in state %q", answer.AttrOr("data-state", ""))
	}
	if answer.Find(`[data-testid="regenerate"]`).Length() != 0 {
		t.Error("an offline answer offers Regenerate, which would give the same text again")
	}
	if answer.Find(`[data-testid="copy"]`).Length() != 1 {
		t.Error("an offline answer lost its other actions")
	}
}
