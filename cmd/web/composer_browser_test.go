package main

import (
	"math"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

func TestBrowserSendBecomesStopWhileAnAnswerStreams(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	gate := make(chan struct{})
	fake.Push(
		fakeopenai.Reply{Chunks: []string{"It depends ", "on you."}, Gate: gate},
		fakeopenai.Reply{Chunks: []string{"Second answer."}},
	)
	ctx := browserTab(t)
	do(t, ctx, chromedp.Navigate(url))
	waitFor(t, ctx, "the home page", loaded)
	const send = `document.querySelector('form[data-testid=composer] button[data-testid=send]')`
	const stop = `document.querySelector('[data-testid=stop]')`
	// Where a button sits in the composer's box: its right and bottom edges
	// from the box's.
	place := func(button string) []float64 {
		return eval[[]float64](t, ctx, `((b, r) => [b.right - r.right, b.bottom - r.bottom])(document.querySelector('form[data-testid=composer] .box').getBoundingClientRect(), `+button+`.getBoundingClientRect())`)
	}
	sendBox := place(send)

	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Which role fits me?"+kb.Enter))
	gate <- struct{}{}
	waitFor(t, ctx, "the first words", assistantText+` === 'It depends '`)
	waitFor(t, ctx, "Stop in the composer", `!!`+stop+`?.closest('form[data-testid=composer]') && `+stop+`.checkVisibility()`)
	if eval[bool](t, ctx, send+`.checkVisibility()`) {
		t.Error("Send is still shown while the answer streams")
	}
	if n := eval[int](t, ctx, `[...document.querySelectorAll('[data-testid=stop]')].filter(b => b.checkVisibility()).length`); n != 1 {
		t.Errorf("%d Stop buttons are shown, want 1", n)
	}
	stopBox := place(stop)
	if math.Abs(stopBox[0]-sendBox[0]) > 2 || math.Abs(stopBox[1]-sendBox[1]) > 2 {
		t.Errorf("Stop ends at %v, want where Send was, %v", stopBox, sendBox)
	}

	// Enter while the answer streams neither sends nor scolds: the text
	// waits in the box.
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "And then?"+kb.Enter))
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=composer-error]').length`); n != 0 {
		t.Errorf("sending while an answer streams shows an error")
	}
	if got := eval[string](t, ctx, `document.querySelector('textarea[name=message]').value.trim()`); got != "And then?" {
		t.Errorf("the box holds %q, want the unsent question kept", got)
	}

	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=stop]`)))
	waitFor(t, ctx, "the stopped answer", assistantState+` === 'stopped'`)
	waitFor(t, ctx, "Send back in its place", send+`.checkVisibility() && !document.querySelector('[data-testid=stop]')`)
	if got := eval[string](t, ctx, `document.activeElement.name || ''`); got != "message" {
		t.Errorf("after Stop focus is on %q, want the question box", got)
	}

	// The kept question is sent now; its answer finishes on its own, and
	// Send comes back without any leftover error.
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[data-testid=composer] button[data-testid=send]`)))
	waitFor(t, ctx, "the second answer", assistantText+`.includes('Second answer.') && `+assistantState+` === 'done'`)
	waitFor(t, ctx, "Send back", send+`.checkVisibility() && !document.querySelector('[data-testid=stop]')`)
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=composer-error]').length`); n != 0 {
		t.Errorf("an error is left in the composer after the answer ended")
	}
}
