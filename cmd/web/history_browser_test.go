package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestBrowserReloadMidAnswer: a reload in the middle of an answer shows the
// text so far and keeps streaming to the end, every piece exactly once.
func TestBrowserReloadMidAnswer(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	chunks := []string{"One, ", "two, ", "three, ", "four, ", "five, ", "six."}
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: chunks, Gate: gate})

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Count to six"+kb.Enter),
	)
	gate <- struct{}{}
	gate <- struct{}{}
	waitFor(t, ctx, "two pieces", assistantText+` === 'One, two, '`)

	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the text so far after the reload", assistantText+` === 'One, two, ' && `+assistantState+` === 'streaming'`)
	gate <- struct{}{}
	waitFor(t, ctx, "the stream to continue after the reload", assistantText+` === 'One, two, three, '`)

	// Close the tab's connection altogether (navigate away) and come back.
	loc := eval[string](t, ctx, `location.href`)
	do(t, ctx, chromedp.Navigate(url+"/source"))
	gate <- struct{}{}
	gate <- struct{}{}
	do(t, ctx, chromedp.Navigate(loc))
	waitFor(t, ctx, "what was written while away", assistantText+` === 'One, two, three, four, five, '`)
	gate <- struct{}{}
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	if got := strings.TrimSpace(eval[string](t, ctx, assistantText)); got != "One, two, three, four, five, six." {
		t.Errorf("answer reads %q, want every piece exactly once", got)
	}
	if n := len(fake.Calls()); n != 1 {
		t.Errorf("the model was asked %d times; reloads must not restart the answer", n)
	}
}

// TestBrowserVisitorsAreSeparate: two browsers are two visitors; neither
// sees the other's conversations, by the list or by the address.
func TestBrowserVisitorsAreSeparate(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	alice := browserTab(t)
	do(t, alice,
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Alice asks about ML tools"+kb.Enter),
	)
	waitFor(t, alice, "Alice's answer", assistantState+` === 'done'`)
	waitFor(t, alice, "Alice's conversation in her list", `[...document.querySelectorAll('[data-testid=conversation]')].some(a => a.textContent.includes('Alice asks'))`)
	aliceURL := eval[string](t, alice, `location.href`)

	bob, cancel := chromedp.NewContext(alice, chromedp.WithNewBrowserContext())
	defer cancel()
	do(t, bob, chromedp.Navigate(url))
	if n := eval[int](t, bob, `document.querySelectorAll('[data-testid=conversation]').length`); n != 0 {
		t.Errorf("Bob's list shows %d conversations, want none", n)
	}
	res, err := chromedp.RunResponse(bob, chromedp.Navigate(aliceURL))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 404 || !strings.Contains(eval[string](t, bob, `document.body.innerText`), "Not found") {
		t.Errorf("Bob opening Alice's address got %d", res.Status)
	}
	if strings.Contains(eval[string](t, bob, `document.body.innerText`), "Alice asks") {
		t.Error("Bob can read Alice's question")
	}
}

// TestBrowserDeleteAndExport: export downloads the conversation; delete,
// after its confirmation, removes it from the list and from its address.
func TestBrowserDeleteAndExport(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	ctx := browserTab(t, expectNotFound)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What tools does an ML engineer use?"+kb.Enter),
	)
	waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
	do(t, ctx, chromedp.Reload()) // the conversation bar belongs to the conversation's own page
	conv := eval[string](t, ctx, `location.pathname`)

	// Export: a real download of the Markdown file.
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	do(t, ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
			})
			return err
		}),
		chromedp.Click(chromedp.CSS(`[data-testid=export]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=export-markdown]`)),
	)
	for ev, err := range progress {
		if err != nil {
			t.Fatal(err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			body, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			if md := string(body); !strings.Contains(md, "## You\n\nWhat tools does an ML engineer use?") || !strings.Contains(md, "PyTorch") || !strings.Contains(md, "[^1]:") {
				t.Errorf("downloaded export:\n%s", md)
			}
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the export download was cancelled")
		}
	}

	// Delete asks first, then removes it everywhere.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=delete]`)))
	waitFor(t, ctx, "the confirmation", `!!document.querySelector('[data-testid=delete-confirm]').offsetParent`)
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=delete-confirm]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=starter]`)), // the new-chat page
	)
	if p := eval[string](t, ctx, `location.pathname`); p != "/" {
		t.Errorf("after delete the page is %q, want /", p)
	}
	if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('[data-conversation=%q]').length`, strings.TrimPrefix(conv, "/c/"))); n != 0 {
		t.Error("the deleted conversation is still in the list")
	}
	res, err := chromedp.RunResponse(ctx, chromedp.Navigate(url+conv))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 404 {
		t.Errorf("the deleted conversation's address answers %d, want 404", res.Status)
	}
}

// TestBrowserCopyAnswer: the copy button puts the answer's text on the
// clipboard and says so.
func TestBrowserCopyAnswer(t *testing.T) {
	url := startRolefit(t, map[string]string{"OFFLINE_PACE": "0s"})
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			for _, name := range []string{"clipboard-read", "clipboard-write"} {
				if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
					Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: url,
				}); err != nil {
					return err
				}
			}
			return nil
		}),
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What does an ML engineer do day to day?"+kb.Enter),
	)
	waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-role=assistant] [data-testid=copy]`)))
	waitFor(t, ctx, "the copied feedback", `document.querySelector('[data-testid=copy]').textContent === 'Copied'`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "Collecting data and cleaning it") {
		t.Errorf("clipboard holds %q, want the answer's text", got)
	}
}
