package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestBrowserNewConversationIsNamedAtOnce(t *testing.T) {
	url := startRolefit(t, nil)
	ctx := browserTab(t)
	do(t, ctx, chromedp.Navigate(url))
	waitFor(t, ctx, "the home page", loaded)
	home := eval[string](t, ctx, `document.title`)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What tools do ML engineers use?"+kb.Enter))
	waitFor(t, ctx, "the conversation's title", `document.querySelector('h1[data-testid=conversation-title]')?.textContent === 'What tools do ML engineers use?'`)
	for _, hook := range []string{"rename", "export", "delete"} {
		if !eval[bool](t, ctx, `!!document.querySelector('[data-testid=`+hook+`]')?.checkVisibility()`) {
			t.Errorf("the new conversation has no visible %s", hook)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('h1').length`); n != 1 {
		t.Errorf("the page has %d visible h1 elements, want the conversation's title alone", n)
	}
	want := "What tools do ML engineers use? · Rolefit"
	if got := eval[string](t, ctx, `document.title`); got != want || got == home {
		t.Errorf("the tab is titled %q, want %q", got, want)
	}
	waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the reloaded conversation", loaded)
	if got := eval[string](t, ctx, `document.title`); got != want {
		t.Errorf("after a reload the tab is titled %q, want %q", got, want)
	}
}

// After the first question, the page is the same as the conversation's own:
// htmx's out-of-band swaps leave no wrappers that would unstick the
// composer from the window's bottom or move the sidebar.
func TestBrowserComposerStaysInReachAfterAsking(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	ctx := browserTab(t)
	do(t, ctx, chromedp.EmulateViewport(390, 700), chromedp.Navigate(url))
	waitFor(t, ctx, "the home page", loaded)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "I already build React apps. What is my fastest way into AI?"+kb.Enter))
	waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))
	if h := eval[int](t, ctx, `document.documentElement.scrollHeight - innerHeight`); h < 200 {
		t.Fatalf("the page is only %dpx taller than the window; the test needs a long answer", h)
	}
	if got := eval[float64](t, ctx, `innerHeight - document.querySelector('#composer').getBoundingClientRect().bottom`); got < -1 || got > 1 {
		t.Errorf("at the top of the page the composer ends %.0fpx above the window's bottom, want it at the bottom", got)
	}
	for sel, parent := range map[string]string{"#composer": "content", "#sidebar": "", "#conversation-bar": ""} {
		if got := eval[string](t, ctx, `(el => el.parentElement.id || el.parentElement.tagName.toLowerCase())(document.querySelector('`+sel+`'))`); parent != "" && got != parent || parent == "" && got == "div" {
			t.Errorf("%s sits in %q after the question", sel, got)
		}
	}
}
