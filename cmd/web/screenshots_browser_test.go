package main

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

var updateScreenshots = flag.Bool("screenshots", false, "write the README's screenshots to docs/")

// TestBrowserScreenshots takes the README's screenshots, in offline mode,
// and checks each is a whole picture of its window. With -screenshots it
// writes them to docs/:
//
//	go test ./cmd/web -run TestBrowserScreenshots -screenshots
func TestBrowserScreenshots(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	ctx := browserTab(t)
	shot := func(name string, width, height int64) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		img, err := png.Decode(bytes.NewReader(buf))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", name, err)
		}
		if b := img.Bounds(); int64(b.Dx()) != width || int64(b.Dy()) != height {
			t.Errorf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), width, height)
		}
		if *updateScreenshots {
			if err := os.WriteFile(filepath.Join("..", "..", "docs", name), buf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	ask := func(question string) {
		t.Helper()
		do(t, ctx, chromedp.Navigate(url))
		waitFor(t, ctx, "the home page", loaded)
		do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), question+kb.Enter))
		waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
		// From the top: the header, the question and the answer's start.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0); document.activeElement.blur()`))
	}

	do(t, ctx, chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)), colorScheme("light"))
	ask("What does an ML engineer do day to day?")
	shot("screenshot.png", 1280, 900)

	do(t, ctx, chromedp.Click(chromedp.CSS(`a[data-testid=citation]`)))
	waitFor(t, ctx, "the citation panel", `document.querySelector('#source-panel').open && !!document.querySelector('[data-testid=source-passage]')`)
	shot("screenshot-citation.png", 1280, 900)

	do(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "the panel to close", `!document.querySelector('#source-panel').open`)
	ask("How much does each role earn?")
	waitForHTMX(t, ctx, `[data-testid=feedback-down]`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=feedback-down]`)))
	waitFor(t, ctx, "the reason asked", `!!document.querySelector('[data-testid=feedback-reason]')`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=feedback-reason] input[value=not-helpful]`)),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); scrollTo(0, document.documentElement.scrollHeight)`))
	waitFor(t, ctx, "the jump button gone at the bottom", `document.querySelector('#jump-latest')?.hidden ?? true`)
	shot("screenshot-feedback.png", 1280, 900)

	do(t, ctx, chromedp.EmulateViewport(1280, 1100, chromedp.EmulateScale(1)), chromedp.Navigate(url+"/fit"))
	waitFor(t, ctx, "the fit check", loaded)
	for q, o := range productAnswers {
		do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, q, o))))
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=fit-submit]`)))
	waitFor(t, ctx, "the fit result", `!!document.querySelector('[data-testid=fit-result]') && `+loaded)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0); document.activeElement.blur()`))
	shot("screenshot-fit.png", 1280, 1100)

	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)), colorScheme("dark"))
	ask("I already build React apps. What is my fastest way into AI?")
	shot("screenshot-phone.png", 390, 844)
}
