package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserLoginThenRateLimit logs in through the login page of a
// password-protected Rolefit, asks a question, and then asks faster than
// the instance allows: the message shows in the composer, and the question
// is still there to send later. Then it logs out.
func TestBrowserLoginThenRateLimit(t *testing.T) {
	url := startRolefit(t, map[string]string{
		"ACCESS_PASSWORD":      "correct horse battery staple",
		"RATE_LIMIT_QUESTIONS": "1/30s",
		"OFFLINE_PACE":         "0s",
	})
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url+"/source"),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=login-form] input[name=password]`)),
	)
	if path := eval[string](t, ctx, `location.pathname + location.search`); path != "/login?next=%2Fsource" {
		t.Errorf("a private page led to %q, want the login page coming back to /source", path)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "correct horse battery staple"),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=source-credit]`)),
	)
	if path := eval[string](t, ctx, `location.pathname`); path != "/source" {
		t.Errorf("after logging in the page is %q, want /source", path)
	}

	first := "What does an ML engineer do?"
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), first+kb.Enter),
	)
	waitFor(t, ctx, "the first answer", assistantState+` === 'done'`)
	waitFor(t, ctx, "an emptied composer", `document.querySelector('textarea[name=message]').value.trim() === ''`)

	second := "And a Gen AI application developer?"
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), second+kb.Enter))
	waitFor(t, ctx, "the rate limit's message", `!!document.querySelector('[data-testid=composer-error]')`)
	msg := eval[string](t, ctx, `document.querySelector('[data-testid=composer-error]').textContent.trim()`)
	const prefix = "You are asking questions faster than this Rolefit allows. Please try again in "
	if !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, " seconds.") {
		t.Errorf("the composer says %q, want %q…", msg, prefix)
	}
	if got := eval[string](t, ctx, `document.querySelector('textarea[name=message]').value.trim()`); got != second {
		t.Errorf("the composer holds %q, want the question kept: %q", got, second)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=message][data-role=user]').length`); n != 1 {
		t.Errorf("%d questions on the page, want only the first", n)
	}
	if eval[bool](t, ctx, fmt.Sprintf(`document.cookie.includes(%q)`, "rolefit_session")) {
		t.Error("the session cookie is readable by scripts")
	}

	// Logging out, from the drawer at this width, leads to the login page,
	// and the app stays behind it.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=sidebar-toggle]`)))
	waitFor(t, ctx, "the drawer to slide in", `document.querySelector('#sidebar').getBoundingClientRect().left === 0`)
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=logout]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=login-form]`)),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=login-form]`)),
	)
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=sidebar], [data-testid=composer]').length`); n != 0 {
		t.Error("after logging out the app is still shown")
	}
}
