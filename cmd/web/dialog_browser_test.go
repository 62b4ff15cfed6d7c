package main

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// colorScheme emulates the person's light or dark preference.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

func TestBrowserCitationPanelIsADialog(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	fake.Push(fakeopenai.Reply{Chunks: []string{"They train models in PyTorch [§ml-engineer-tools]."}})
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.EmulateViewport(1280, 800),
		colorScheme("dark"),
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Which tools?"+kb.Enter),
	)
	waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
	const (
		panel    = `document.querySelector('#source-panel')`
		citation = `document.querySelector('a[data-testid=citation]')`
		inPanel  = panel + `.contains(document.activeElement)`
	)
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[data-testid=citation]`)))
	waitFor(t, ctx, "the passage", panel+`.open && !!document.querySelector('[data-testid=source-passage]') && document.activeElement.id === 'source-panel-title'`)
	if !eval[bool](t, ctx, panel+`.matches(':modal')`) {
		t.Error("the panel is not a modal dialog: the page behind takes focus")
	}

	// On a desktop the cited text stays in view beside the panel: no
	// message lies under it.
	if !eval[bool](t, ctx, `((m, c, p) => m.right <= p.left && c.top >= 0 && c.bottom <= innerHeight)(document.querySelector('#messages').getBoundingClientRect(), `+citation+`.getBoundingClientRect(), `+panel+`.getBoundingClientRect())`) {
		t.Errorf("the panel hides the messages: messages %v, panel %v",
			eval[string](t, ctx, `JSON.stringify(document.querySelector('#messages').getBoundingClientRect())`), eval[string](t, ctx, `JSON.stringify(`+panel+`.getBoundingClientRect())`))
	}
	// In dark mode it stands apart from the messages.
	if eval[bool](t, ctx, `getComputedStyle(`+panel+`).backgroundColor === getComputedStyle(document.querySelector('[data-role=assistant]')).backgroundColor`) {
		t.Error("in dark mode the panel has the messages' own background")
	}

	// Tab walks round the panel, reaching its close button, never the page.
	reached := false
	for i := range 6 {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		if !eval[bool](t, ctx, inPanel) {
			t.Fatalf("Tab %d left the panel for %s", i+1, eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 80)`))
		}
		if eval[bool](t, ctx, `document.activeElement.matches('[data-close-panel]')`) {
			reached = true
			break
		}
	}
	if !reached {
		t.Fatal("Tab never reaches the panel's close button")
	}
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "the panel to close, focus back on the citation", `!`+panel+`.open && document.activeElement === `+citation)
}
