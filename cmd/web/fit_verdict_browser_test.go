package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFitVerdictInViewAndFocused: after "See my result" the verdict
// (the recommendation and both scores) is in view and has the focus, so a
// screen reader reads it out, on a desktop and on a phone, and again when
// the result page is loaded afresh; the scores say what they mean.
func TestBrowserFitVerdictInViewAndFocused(t *testing.T) {
	url := startRolefit(t, nil)
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 800}, {"phone", 390, 700}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browserTab(t)
			do(t, ctx,
				chromedp.EmulateViewport(size.width, size.height),
				chromedp.Navigate(url+"/fit"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=fit-form]`)),
			)
			waitForHTMX(t, ctx, `[data-testid=fit-submit]`)
			for q, o := range mlAnswers {
				do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, q, o))))
			}
			do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=fit-submit]`)))
			waitFor(t, ctx, "the result", `document.querySelector('[data-testid=fit-result]')?.dataset.fit === 'ml-engineer'`)
			checkVerdict(t, ctx, "after See my result")

			do(t, ctx, chromedp.Reload())
			waitFor(t, ctx, "the result after a reload", `document.readyState === 'complete' && document.querySelector('[data-testid=fit-result]')?.dataset.fit === 'ml-engineer'`)
			checkVerdict(t, ctx, "after a reload")
		})
	}
}

func checkVerdict(t *testing.T, ctx context.Context, when string) {
	t.Helper()
	waitFor(t, ctx, "the verdict to take the focus "+when, `document.activeElement?.dataset?.testid === 'fit-result'`)
	inView := `(sel) => [...document.querySelectorAll(sel)].every(el => { const r = el.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; })`
	for _, sel := range []string{"[data-testid=fit-title]", "[data-testid=fit-score]"} {
		waitFor(t, ctx, sel+" in view "+when, `(`+inView+`)(`+jsString(sel)+`)`)
	}
	name := eval[string](t, ctx, `(() => { const el = document.activeElement; return document.getElementById(el.getAttribute('aria-labelledby')).textContent + ' | ' + document.getElementById(el.getAttribute('aria-describedby')).textContent; })()`)
	for _, want := range []string{"Machine Learning Engineer", "out of 10", "need not add up"} {
		if !strings.Contains(name, want) {
			t.Errorf("%s: the focused verdict is named and described as %q, which lacks %q", when, name, want)
		}
	}
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=fit-score]').textContent`); strings.Contains(got, "%") || !strings.Contains(got, "out of 10") {
		t.Errorf("%s: a score reads %q, want a match out of 10", when, got)
	}
}
