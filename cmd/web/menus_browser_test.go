package main

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestBrowserMenusCloseAndDeleteIsConfirmed(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What tools does an ML engineer use?"+kb.Enter),
	)
	waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the conversation", loaded)
	dir := t.TempDir()
	do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir,
		})
		return err
	}))
	isOpen := func(hook string) string {
		return `document.querySelector('[data-testid=` + hook + `]').closest('details').open`
	}

	// Escape closes a menu and leaves focus on it.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=rename]`)))
	waitFor(t, ctx, "the rename menu", isOpen("rename"))
	do(t, ctx, chromedp.Focus(chromedp.CSS(`#conversation-title-input`)), chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "Escape to close the rename menu", `!`+isOpen("rename")+` && document.activeElement.dataset.testid === 'rename'`)

	// A click elsewhere closes it.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=export]`)))
	waitFor(t, ctx, "the export menu", isOpen("export"))
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=conversation-title]`)))
	waitFor(t, ctx, "a click outside to close the export menu", `!`+isOpen("export"))

	// So does a download.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=export]`)))
	waitFor(t, ctx, "the export menu", isOpen("export"))
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=export-json]`)))
	waitFor(t, ctx, "the download to close the export menu", `!`+isOpen("export"))

	// The rename field looks like the page's other fields, not the
	// browser's default.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=rename]`)))
	waitFor(t, ctx, "the rename menu", isOpen("rename"))
	if got := eval[string](t, ctx, `getComputedStyle(document.querySelector('#conversation-title-input')).borderRadius`); got == "0px" {
		t.Error("the rename field has the browser's default square look")
	}
	do(t, ctx, chromedp.KeyEvent(kb.Escape))

	// A delete is confirmed by a notice on the page it leads to.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=delete]`)))
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=delete-confirm]`)))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=starter]`)))
	waitFor(t, ctx, "the new-chat page", loaded)
	waitFor(t, ctx, "the notice", `document.querySelector('[data-testid=notice]').textContent === 'Conversation deleted.'`)
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the reloaded page", loaded)
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=notice]').textContent`); got != "" {
		t.Errorf("after a reload the notice still says %q", got)
	}
}
