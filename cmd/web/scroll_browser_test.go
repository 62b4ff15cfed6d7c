package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// loaded holds once the page and its deferred scripts have run (app.js
// acts on the window's load event).
const loaded = `document.readyState === 'complete' && !!window.htmx`

func TestBrowserPagesOpenAtTheTop(t *testing.T) {
	url := startRolefit(t, nil)
	ctx := browserTab(t)
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"phone", 390, 700}, {"desktop", 1280, 600}} {
		do(t, ctx, chromedp.EmulateViewport(size.width, size.height))
		for _, path := range []string{"/", "/fit", "/source"} {
			do(t, ctx, chromedp.Navigate(url+path))
			waitFor(t, ctx, path+" to load", loaded)
			if h := eval[int](t, ctx, `document.documentElement.scrollHeight - window.innerHeight`); h <= 0 && path != "/" {
				t.Fatalf("%s fits the %s window; the test needs a page taller than it", path, size.name)
			}
			if y := eval[int](t, ctx, `Math.round(window.scrollY)`); y != 0 {
				t.Errorf("%s at %s width opens %dpx down, want the top", path, size.name, y)
			}
		}
	}
}

func TestBrowserReaderWhoScrolledUpGetsAJumpButton(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	gate := make(chan struct{})
	var lines []string
	for i := range 60 {
		lines = append(lines, fmt.Sprintf("Line %d of a long answer.\n\n", i+1))
	}
	fake.Push(fakeopenai.Reply{Chunks: lines, Gate: gate})

	ctx := browserTab(t)
	jump := `document.querySelector('[data-testid=jump-latest]')`
	visible := jump + `.checkVisibility()`
	do(t, ctx,
		chromedp.EmulateViewport(800, 600),
		chromedp.Navigate(url),
	)
	waitFor(t, ctx, "the home page", loaded)
	if eval[bool](t, ctx, visible) {
		t.Error("the jump button shows on the home page")
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Tell me everything"+kb.Enter))
	for i := range 30 {
		gate <- struct{}{}
		waitFor(t, ctx, fmt.Sprintf("line %d", i+1), fmt.Sprintf(`%s.includes('Line %d of')`, assistantText, i+1))
	}
	if eval[bool](t, ctx, visible) {
		t.Error("the jump button shows while the view follows the answer")
	}

	// The reader scrolls up: new text neither pulls them down nor goes
	// unnoticed.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 100)`))
	for i := 30; i < 35; i++ {
		gate <- struct{}{}
		waitFor(t, ctx, fmt.Sprintf("line %d", i+1), fmt.Sprintf(`%s.includes('Line %d of')`, assistantText, i+1))
	}
	if y := eval[int](t, ctx, `Math.round(window.scrollY)`); y != 100 {
		t.Errorf("the view moved to %dpx while the person was reading at 100px", y)
	}
	waitFor(t, ctx, "the jump button", visible)

	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=jump-latest]`)))
	waitFor(t, ctx, "the view at the newest text", `document.documentElement.scrollHeight - window.innerHeight - window.scrollY < 2`)
	waitFor(t, ctx, "the jump button to go", `!`+visible)
	// Back at the bottom, the view follows again.
	gate <- struct{}{}
	waitFor(t, ctx, "line 36", assistantText+`.includes('Line 36 of')`)
	waitFor(t, ctx, "the view to follow", `document.documentElement.scrollHeight - window.innerHeight - window.scrollY < 2`)
	close(gate)
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)

	// Reopened, the conversation shows its latest message.
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the reloaded conversation", loaded)
	waitFor(t, ctx, "the view at the latest message", `document.documentElement.scrollHeight - window.innerHeight - window.scrollY < 2`)
}
