package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// Thumbs down on a finished answer presses it in place (the page is not
// reloaded), asks for an optional reason, keeps the one chosen, and a
// reload shows both.
func TestBrowserThumbsDownWithAReason(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	fake.Push(fakeopenai.Reply{Chunks: []string{"They earn the most ", "[§ml-engineer-daily-work]."}})

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Who earns more?"+kb.Enter),
	)
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	const answer = `document.querySelector('[data-testid=message][data-role=assistant]')`
	pressed := func(thumb string) string {
		return eval[string](t, ctx, answer+`?.querySelector('[data-testid=feedback-`+thumb+`]')?.getAttribute('aria-pressed') ?? 'missing'`)
	}
	if up, down := pressed("up"), pressed("down"); up != "false" || down != "false" {
		t.Fatalf("a new answer's thumbs: up %s, down %s; want both there, unpressed", up, down)
	}
	if eval[bool](t, ctx, `!!document.querySelector('[data-testid=feedback-reason]')`) {
		t.Error("the reason is asked for before a thumbs down")
	}

	waitForHTMX(t, ctx, `[data-testid=feedback-down]`)
	eval[bool](t, ctx, `window.__samePage = true`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=feedback-down]`)))
	waitFor(t, ctx, "thumbs down pressed and the reason asked", answer+`.querySelector('[data-testid=feedback-down]').getAttribute('aria-pressed') === 'true' && !!document.querySelector('[data-testid=feedback-reason]')?.checkVisibility()`)
	if !eval[bool](t, ctx, `window.__samePage === true`) {
		t.Error("the page was reloaded for a rating; htmx should swap only the controls")
	}
	if got := eval[string](t, ctx, `document.activeElement?.dataset.testid ?? ''`); got != "feedback-down" {
		t.Errorf("after the swap, focus is on %q, want the thumbs down still", got)
	}
	if up := pressed("up"); up != "false" {
		t.Errorf("thumbs up shows pressed %s", up)
	}
	accessible(t, ctx, "thumbs down, the reason asked")

	waitForHTMX(t, ctx, `[data-testid=feedback-reason-send]`)
	// The sticky composer must not cover the question it asks.
	waitFor(t, ctx, "the reason's Send button in view, above the composer", `(() => {
		const b = document.querySelector('[data-testid=feedback-reason-send]').getBoundingClientRect();
		return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2)?.dataset.testid === 'feedback-reason-send';
	})()`)
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=feedback-reason] input[value=not-from-article]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=feedback-reason] textarea[name=comment]`), "Pay is not in the article"),
	)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=feedback-reason-send]`)))
	waitFor(t, ctx, "the reason kept", `!!document.querySelector('[data-testid=feedback-reason-saved]')`)

	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the reloaded answer", assistantState+` === 'done'`)
	if down := pressed("down"); down != "true" {
		t.Errorf("after a reload thumbs down is pressed %s, want true", down)
	}
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=feedback-reason] input[name=reason]:checked')?.value ?? ''`); got != "not-from-article" {
		t.Errorf("after a reload the reason chosen is %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=feedback-reason] textarea').value`); got != "Pay is not in the article" {
		t.Errorf("after a reload the note is %q", got)
	}
	// The controls are the answer's, not part of the text Copy takes.
	if got := eval[string](t, ctx, assistantText); strings.Contains(got, "What was wrong") {
		t.Errorf("the answer's text includes the feedback form: %q", got)
	}
}
