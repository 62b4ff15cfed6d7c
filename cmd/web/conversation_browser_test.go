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
