package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestBrowserAnnouncesOnlyTheFinishedAnswer: a screen reader hears the
// finished answer, once, and neither the question just sent (it was
// typed, not received) nor the pieces of the answer as they stream.
func TestBrowserAnnouncesOnlyTheFinishedAnswer(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: []string{"They train ", "and deploy **models**."}, Gate: gate})

	ctx := browserTab(t)
	question := "What do ML engineers do all day?"
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), question+kb.Enter),
	)
	const (
		announced = `document.querySelector('[data-testid=answer-announcer]').textContent`
		// Inside a live region, or one itself: what a screen reader reads
		// out when it changes.
		inLiveRegion = `(sel) => { const el = document.querySelector(sel); return !!(el && el.closest('[aria-live]:not([aria-live=off]), [role=status], [role=log], [role=alert]')); }`
	)
	gate <- struct{}{}
	waitFor(t, ctx, "the first piece", assistantText+`.includes('They train')`)
	for _, sel := range []string{"[data-testid=message][data-role=user]", "[data-testid=message][data-role=assistant] .text"} {
		if eval[bool](t, ctx, `(`+inLiveRegion+`)(`+jsString(sel)+`)`) {
			t.Errorf("%s is in a live region: a screen reader reads it out as it changes", sel)
		}
	}
	if got := eval[string](t, ctx, announced); got != "" {
		t.Errorf("while streaming the announcer says %q, want nothing yet", got)
	}
	gate <- struct{}{}
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	waitFor(t, ctx, "the answer announced", announced+`.includes('They train and deploy models.')`)
	if got := eval[string](t, ctx, announced); strings.Contains(got, question) || strings.Count(got, "They train") != 1 {
		t.Errorf("the announcer says %q, want the answer once and not the question", got)
	}
	if eval[bool](t, ctx, `document.querySelector('[data-testid=answer-announcer]').getAttribute('aria-live') !== 'polite'`) {
		t.Error("the announcer is not a polite live region")
	}
}
