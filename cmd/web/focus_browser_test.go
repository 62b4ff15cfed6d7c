package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestBrowserHomeFocusesTheComposerAndASkipLinkPassesTheList(t *testing.T) {
	url := startRolefit(t, nil)
	ctx := browserTab(t)
	do(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(url))
	waitFor(t, ctx, "the home page", loaded)
	if got := eval[string](t, ctx, `document.activeElement.name || document.activeElement.tagName`); got != "message" {
		t.Errorf("the home page focuses %q, want the question box", got)
	}

	do(t, ctx, chromedp.Navigate(url+"/source"))
	waitFor(t, ctx, "the source page", loaded)
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	if got := eval[string](t, ctx, `document.activeElement.dataset.testid || document.activeElement.outerHTML.slice(0, 60)`); got != "skip-link" {
		t.Fatalf("the first Tab reaches %q, want the skip link", got)
	}
	if !eval[bool](t, ctx, `(r => r.width > 1 && r.height > 1 && r.top >= 0)(document.activeElement.getBoundingClientRect())`) {
		t.Error("the focused skip link cannot be seen")
	}
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Tab))
	if eval[bool](t, ctx, `document.querySelector('#sidebar').contains(document.activeElement) || document.activeElement === document.body`) {
		t.Errorf("after the skip link, Tab reaches %q, not past the conversation list", eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 60)`))
	}
}
