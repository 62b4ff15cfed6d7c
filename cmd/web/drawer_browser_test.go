package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestBrowserPhoneDrawerKeepsFocusAndCloses(t *testing.T) {
	url := startRolefit(t, nil)
	ctx := browserTab(t)
	do(t, ctx, chromedp.EmulateViewport(390, 700), chromedp.Navigate(url))
	waitFor(t, ctx, "the home page", loaded)
	if !eval[bool](t, ctx, `!!document.querySelector('[data-testid=header-new-chat]')?.checkVisibility()`) {
		t.Error("New chat is not in the phone's header")
	}
	const (
		open      = `document.querySelector('#sidebar').getBoundingClientRect().left === 0 && document.querySelector('[data-testid=sidebar-toggle]').getAttribute('aria-expanded') === 'true'`
		closed    = `document.querySelector('[data-testid=sidebar-toggle]').getAttribute('aria-expanded') === 'false' && !document.querySelector('#sidebar').checkVisibility({visibilityProperty: true})`
		onToggle  = `document.activeElement === document.querySelector('[data-testid=sidebar-toggle]')`
		inDrawer  = `document.querySelector('#sidebar').contains(document.activeElement)`
		openIt    = `the drawer to open`
		closeIt   = `the drawer to close with focus back on its toggle`
		activeTag = `(document.activeElement.dataset.testid || document.activeElement.tagName)`
	)
	for _, how := range []struct {
		name  string
		close chromedp.Action[chromedp.Void]
	}{
		{"close button", chromedp.Click(chromedp.CSS(`[data-testid=sidebar-close]`))},
		{"backdrop", chromedp.MouseClickXY(380, 650)},
		{"Escape", chromedp.KeyEvent(kb.Escape)},
	} {
		do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=sidebar-toggle]`)))
		waitFor(t, ctx, openIt, open)
		if !eval[bool](t, ctx, inDrawer) {
			t.Errorf("opened, focus is on %s, outside the drawer", eval[string](t, ctx, activeTag))
		}
		if how.name == "close button" {
			// Tab and Shift+Tab walk round the drawer, never into the page behind.
			for i := range 8 {
				do(t, ctx, chromedp.KeyEvent(kb.Tab))
				if !eval[bool](t, ctx, inDrawer) {
					t.Fatalf("Tab %d moved focus to %s, behind the drawer", i+1, eval[string](t, ctx, activeTag))
				}
			}
			for i := range 8 {
				do(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
				if !eval[bool](t, ctx, inDrawer) {
					t.Fatalf("Shift+Tab %d moved focus to %s, behind the drawer", i+1, eval[string](t, ctx, activeTag))
				}
			}
		}
		do(t, ctx, how.close)
		waitFor(t, ctx, fmt.Sprintf("%s (%s)", closeIt, how.name), closed+` && `+onToggle)
	}
}
