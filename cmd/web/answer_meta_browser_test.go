package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// The "How this answer was made" panel arrives with the finished answer,
// closed, opens with a click, and keeps the system prompt folded inside
// until that is opened too.
func TestBrowserAnswerMetaPanelOpens(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL, "OPENAI_API_KEY": "sk-test-SECRET", "OPENAI_MODEL": "panel-model",
		"PRICE_INPUT_PER_MTOK": "2", "PRICE_OUTPUT_PER_MTOK": "10"})
	fake.Push(fakeopenai.Reply{Chunks: []string{"They train models ", "[§ml-engineer-daily-work]."},
		Usage: &fakeopenai.Usage{PromptTokens: 3000, CompletionTokens: 100}})

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What does an ML engineer do?"+kb.Enter),
	)
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	const panel = `document.querySelector('[data-testid=message][data-role=assistant] details[data-testid=answer-meta]')`
	waitFor(t, ctx, "the panel under the answer", panel+` !== null`)
	visible := func(sel string) bool {
		return eval[bool](t, ctx, `(document.querySelector('`+sel+`')?.checkVisibility() ?? false)`)
	}
	if eval[bool](t, ctx, panel+`.open`) || visible(`[data-testid=answer-meta-provider]`) {
		t.Error("the panel starts open")
	}

	do(t, ctx, chromedp.Click(chromedp.CSS(`details[data-testid=answer-meta] > summary`)))
	waitFor(t, ctx, "the panel open", panel+`.open`)
	for id, want := range map[string]string{
		"answer-meta-provider": "panel-model",
		"answer-meta-tokens":   "3000 in, 100 out, reported by the model",
		"answer-meta-cost":     "0.0070", // 3000 × 2 / 1e6 + 100 × 10 / 1e6
		"answer-meta-ending":   "done",
	} {
		sel := `[data-testid=` + id + `]`
		if got := eval[string](t, ctx, `document.querySelector('`+sel+`')?.innerText ?? ''`); !visible(sel) || !strings.Contains(got, want) {
			t.Errorf("%s shows %q (visible: %v), want %q", id, got, visible(sel), want)
		}
	}
	if visible(`[data-testid=answer-meta-system] pre`) {
		t.Error("the system prompt shows before it is opened")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=answer-meta-system] > summary`)))
	// Loaded when opened: the page does not carry it in every answer.
	waitFor(t, ctx, "the system prompt shown", `(p => p.checkVisibility() && p.textContent.includes('[§'))(document.querySelector('[data-testid=answer-meta-system] pre'))`)
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=answer-meta-system] pre').textContent`); !strings.Contains(got, "[§") {
		t.Errorf("the system prompt shown is not the one sent (which asks for [§id] citations): %.200q", got)
	}
	// The panel belongs to the answer, not to the text Copy takes.
	if got := eval[string](t, ctx, assistantText); strings.Contains(got, "How this answer was made") {
		t.Errorf("the answer's text includes the panel: %q", got)
	}
}
