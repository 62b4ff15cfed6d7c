package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestBrowserThinkingStreamsThenContinueAppends: a reasoning model's
// thinking streams inside a collapsed "Thinking…" part, never into the
// answer, which is titled "Thought for N s" once the answer starts; the
// model then cuts the answer at its length limit, and Continue appends the
// rest to the same answer.
func TestBrowserThinkingStreamsThenContinueAppends(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Reasoning: []string{"Weighing the roles", " carefully."},
		Chunks: []string{"ML engineers", " train models"}, FinishReason: "length", Gate: gate})

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What do ML engineers do?"+kb.Enter),
	)
	const (
		answer    = `document.querySelector('[data-testid=message][data-role=assistant]:last-child')`
		reasoning = answer + `.querySelector('details[data-testid=reasoning]')`
		summary   = `(` + reasoning + `?.querySelector('summary').textContent.trim() ?? '')`
		thinking  = `(` + reasoning + `?.querySelector('.reasoning-text').textContent ?? '')`
	)
	waitFor(t, ctx, "the answer streaming", assistantState+` === 'streaming'`)
	if eval[bool](t, ctx, reasoning+`.checkVisibility()`) {
		t.Error("an empty thinking part shows before the model thinks")
	}
	gate <- struct{}{}
	waitFor(t, ctx, "the first thinking, live", thinking+`.includes('Weighing the roles') && `+reasoning+`.checkVisibility()`)
	if got := eval[string](t, ctx, summary); got != "Thinking…" {
		t.Errorf("while the model thinks the part is titled %q", got)
	}
	if eval[bool](t, ctx, reasoning+`.open || `+reasoning+`.querySelector('.reasoning-text').checkVisibility()`) {
		t.Error("the thinking is not collapsed")
	}
	gate <- struct{}{}
	waitFor(t, ctx, "more thinking, live", thinking+` === 'Weighing the roles carefully.'`)
	if got := eval[string](t, ctx, assistantText); strings.Contains(got, "Weighing") {
		t.Errorf("the thinking reached the answer: %q", got)
	}
	gate <- struct{}{}
	waitFor(t, ctx, "the answer starting", assistantText+`.includes('ML engineers')`)
	waitFor(t, ctx, "the thinking titled by its length", summary+`.startsWith('Thought for ')`)
	if s := eval[string](t, ctx, assistantState); s != "streaming" {
		t.Errorf("the answer is %q; want it still streaming when the thinking is titled", s)
	}
	close(gate)
	waitFor(t, ctx, "the answer cut at the length limit", assistantState+` === 'stopped' && `+answer+`.querySelector('[data-testid=continue]') !== null`)
	if got := eval[string](t, ctx, summary); !strings.HasPrefix(got, "Thought for ") {
		t.Errorf("the ended answer's thinking is titled %q", got)
	}
	id := eval[string](t, ctx, answer+`.id`)

	fake.Push(fakeopenai.Reply{Chunks: []string{" and ship them."}})
	// The end event has just put the button in: clicked before htmx has
	// processed it, the form is posted without htmx and the page reloads.
	waitForHTMX(t, ctx, `[data-testid=continue]`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=continue]`)))
	waitFor(t, ctx, "the continued answer", assistantState+` === 'done' && `+assistantText+`.includes('ML engineers train models and ship them.')`)
	if got := eval[string](t, ctx, answer+`.id`); got != id {
		t.Errorf("the rest went to %s; want the same answer, %s", got, id)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-role=assistant]').length`); n != 1 {
		t.Errorf("%d answers shown; want the one, continued", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=continue]').length`); n != 0 {
		t.Error("the finished answer still offers Continue")
	}
}
