package main

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestBrowserWithoutJavaScriptShowsOnlyWhatWorks(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}),
		chromedp.EmulateViewport(390, 760),
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What does an ML engineer do day to day?"),
		chromedp.Click(chromedp.CSS(`form[data-testid=composer] button[data-testid=send]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-role=assistant][data-state=done]`)),
	)
	if eval[bool](t, ctx, `!!window.htmx`) {
		t.Fatal("scripts ran: the test needs JavaScript off")
	}
	for _, sel := range []string{"[data-testid=copy]", "[data-testid=sidebar-toggle]", "[data-testid=sidebar-close]", "#composer-hint", "[data-testid=jump-latest]"} {
		if eval[bool](t, ctx, `[...document.querySelectorAll('`+sel+`')].some(el => el.checkVisibility())`) {
			t.Errorf("without JavaScript %s is shown, but it needs JavaScript", sel)
		}
	}
	if !eval[bool](t, ctx, `document.querySelector('[data-testid=conversation]').checkVisibility({visibilityProperty: true})`) {
		t.Error("without JavaScript the conversation list cannot be seen on a phone")
	}
}

func TestBrowserPhoneFirstPaintIsFinal(t *testing.T) {
	url := startRolefit(t, nil)
	ctx := browserTab(t)
	do(t, ctx, chromedp.EmulateViewport(390, 760), chromedp.Navigate(url))
	waitFor(t, ctx, "the home page", loaded)
	// Layout shifts since the page began, as Lighthouse counts them.
	shift := eval[float64](t, ctx, `(() => {
		const o = new PerformanceObserver(() => {});
		o.observe({type: 'layout-shift', buffered: true});
		return o.takeRecords().reduce((sum, e) => sum + e.value, 0);
	})()`)
	if shift > 0.01 {
		t.Errorf("the phone layout shifts by %.3f as it loads, want none", shift)
	}
	lines := eval[float64](t, ctx, `(el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))(document.querySelector('.tagline'))`)
	if lines > 1.5 {
		t.Errorf("the tagline takes %.1f lines on a phone, want one", lines)
	}
	// The placeholder, typed as text, fits the empty box.
	if !eval[bool](t, ctx, `(box => { box.value = box.placeholder; const fits = box.scrollHeight <= box.clientHeight; box.value = ''; return fits })(document.querySelector('textarea[name=message]'))`) {
		t.Error("the question box's placeholder is cut on a phone")
	}
}

// A resized question box carries an inline height; sending must not make
// htmx copy that style to the new box, which the CSP would refuse.
func TestBrowserResizedBoxSendsWithoutCSPViolation(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	ctx := browserTab(t)
	do(t, ctx, chromedp.Navigate(url))
	waitFor(t, ctx, "the home page", loaded)
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('textarea[name=message]').style.height = '150px'`),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What tools does an ML engineer use?"+kb.Enter),
	)
	waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('textarea[name=message]').style.height = '120px'`),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "And a Gen AI developer?"+kb.Enter))
	waitFor(t, ctx, "the second answer", `document.querySelectorAll('[data-role=assistant][data-state=done]').length === 2`)
}
