package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestBrowserShowsThinkingCollapsedApart: a model that thinks inline in
// <think> (tags split across chunks) shows only its answer as the answer;
// the thinking is a collapsed "Thought for N s" part that opens on a click.
func TestBrowserShowsThinkingCollapsedApart(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	fake.Push(fakeopenai.Recorded("ollama-inline-think"))

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What do ML engineers do?"+kb.Enter),
	)
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	const reasoning = `document.querySelector('[data-role=assistant] details[data-testid=reasoning]')`
	if got := eval[string](t, ctx, assistantText+`.trim()`); got != "ML Engineers train the models." {
		t.Errorf("the answer reads %q, want only the answer", got)
	}
	if !eval[bool](t, ctx, reasoning+` !== null && !`+reasoning+`.open`) {
		t.Fatal("no collapsed thinking")
	}
	if got := eval[string](t, ctx, reasoning+`.querySelector('summary').textContent`); got != "Thought for 1 s" {
		t.Errorf("summary %q", got)
	}
	if eval[bool](t, ctx, reasoning+`.querySelector('.reasoning-text').checkVisibility()`) {
		t.Error("the thinking shows before it is opened")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-role=assistant] details[data-testid=reasoning] summary`)))
	waitFor(t, ctx, "the thinking opened", reasoning+`.querySelector('.reasoning-text').checkVisibility() && `+
		reasoning+`.textContent.includes('The person asks about ML roles.')`)
}
