package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// The answers of a clearly ML-leaning and a clearly product-leaning person.
var (
	mlAnswers      = map[string]string{"enjoy": "math-data", "build": "train-model", "approach": "from-scratch", "work-style": "experiment", "tools": "python-ml", "background": "data", "analogy": "chef"}
	productAnswers = map[string]string{"enjoy": "software", "build": "build-app", "approach": "use-models", "work-style": "ship", "tools": "web-stack", "background": "developer", "analogy": "owner"}
)

func TestBrowserFitCheck(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	ctx := browserTab(t)

	// From the starter, answered with the mouse.
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.Click(chromedp.CSS(`a[data-testid=starter]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=fit-form]`)),
	)
	for q, o := range mlAnswers {
		do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, q, o))))
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=fit-submit]`)))
	waitFor(t, ctx, "the ML result", `document.querySelector('[data-testid=fit-result]')?.dataset.fit === 'ml-engineer'`)
	text := eval[string](t, ctx, `document.querySelector('[data-testid=fit-result]').innerText`)
	for _, want := range []string{"Machine Learning Engineer", "out of 10"} {
		if !strings.Contains(text, want) {
			t.Errorf("result card lacks %q:\n%s", want, text)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=fit-reasons] a[data-testid=citation]').length`); n < 2 {
		t.Errorf("the result gives %d cited reasons, want at least 2", n)
	}
	if !strings.HasPrefix(eval[string](t, ctx, `location.pathname`), "/c/") {
		t.Error("the result is not a conversation of its own")
	}
	waitFor(t, ctx, "the drawer's toggle after htmx brought the result in", `!document.querySelector('[data-testid=sidebar-toggle]').hidden`)
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the result after a reload", `document.querySelector('[data-testid=fit-result]')?.dataset.fit === 'ml-engineer'`)

	// From the sidebar's button (the window is phone-sized, so the sidebar
	// is a drawer to open first), then with the keyboard alone.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=sidebar-toggle]`)))
	waitFor(t, ctx, "the drawer to slide in", `document.querySelector('#sidebar').getBoundingClientRect().left === 0 && document.querySelector('[data-testid=sidebar-toggle]').getAttribute('aria-expanded') === 'true'`)
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=fit-check-button]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=fit-form]`)),
	)
	for q, o := range productAnswers {
		do(t, ctx,
			chromedp.Focus(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, q, o))),
			chromedp.KeyEvent(" "),
		)
	}
	do(t, ctx, chromedp.Focus(chromedp.CSS(`[data-testid=fit-submit]`)), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "the product result", `document.querySelector('[data-testid=fit-result]')?.dataset.fit === 'genai-developer'`)

	// Discuss: the summary is shown as the person's message and the answer
	// streams in.
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: []string{"Your answers point to ", "building products ", "with AI [§genai-developer-role]."}, Gate: gate})
	waitForHTMX(t, ctx, `[data-testid=fit-discuss]`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=fit-discuss]`)))
	waitFor(t, ctx, "the summary as my message", `document.querySelector('[data-testid=message][data-role=user]')?.innerText.includes('My fit check result:')`)
	gate <- struct{}{}
	waitFor(t, ctx, "the first words", assistantText+` === 'Your answers point to '`)
	gate <- struct{}{}
	waitFor(t, ctx, "more words", assistantText+` === 'Your answers point to building products '`)
	gate <- struct{}{}
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	calls := fake.Calls()
	last := calls[len(calls)-1].Request.Messages
	q := last[len(last)-1]
	if q.Role != "user" || !strings.Contains(q.Content, "Gen AI Application Developer") || !strings.Contains(q.Content, "My fit check result:") {
		t.Errorf("the model was asked %+v, want the visible summary with the result", q)
	}
}

func TestBrowserFitCheckOfflineAndIncomplete(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Which role fits me?"+kb.Enter),
	)
	waitFor(t, ctx, "the offline answer", assistantState+` === 'done'`)
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-role=assistant] a[href="/fit"]').length`); n != 1 {
		t.Errorf("offline mode does not offer the fit check (%d links)", n)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-role=assistant] a[href="/fit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=fit-form]`)),
		// The browser's own check would stop an incomplete form; the server's
		// must too, for clients that skip it.
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=fit-form]').noValidate = true`),
		chromedp.Click(chromedp.CSS(`input[name=enjoy][value=software]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=fit-submit]`)),
	)
	waitFor(t, ctx, "the missing answer named", `document.querySelector('[data-testid=fit-error]')?.innerText.includes('Please answer')`)
	if !eval[bool](t, ctx, `document.querySelector('input[name=enjoy][value=software]').checked`) {
		t.Error("the answer given was lost")
	}
	for q, o := range productAnswers {
		do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, q, o))))
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=fit-submit]`)))
	waitFor(t, ctx, "the result", `document.querySelector('[data-testid=fit-result]')?.dataset.fit === 'genai-developer'`)
	waitForHTMX(t, ctx, `[data-testid=fit-discuss]`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=fit-discuss]`)))
	waitFor(t, ctx, "the offline explanation", assistantState+` === 'done'`)
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-role=assistant] a[data-testid=citation]').length`); n == 0 {
		t.Error("the offline explanation cites nothing")
	}
}

// waitForHTMX waits until htmx has wired up the form of the element: content
// htmx swaps in is live a moment after it appears. (Clicked earlier, the
// form would still work, as a plain post.)
func waitForHTMX(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	waitFor(t, ctx, "htmx to process "+sel, fmt.Sprintf(`document.querySelector(%q)?.closest('form')?.['htmx-internal-data'] !== undefined`, sel))
}
