package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestBrowserShareAConversation: the owner shares a conversation from its
// bar; someone else, in a browser of their own, opens the link, reads it
// as it was when shared, opens a citation's passage, and continues it in a
// conversation of their own.
func TestBrowserShareAConversation(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	fake.Push(fakeopenai.Reply{Chunks: []string{"They train models in PyTorch [§ml-engineer-tools]."}})
	owner := browserTab(t, expectNotFound) // the revoked link, at the end
	do(t, owner,
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Which tools do ML engineers use?"+kb.Enter),
	)
	waitFor(t, owner, "the answer", assistantState+` === 'done'`)

	// The bar htmx brought in with the first answer already offers sharing.
	do(t, owner, chromedp.Click(chromedp.CSS(`[data-testid=share]`)))
	waitFor(t, owner, "the share panel", `document.querySelector('[data-testid=share-create]')?.checkVisibility()`)
	do(t, owner,
		chromedp.Click(chromedp.CSS(`[data-testid=share-create]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=share-url]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=share-revoke]`)),
	)
	link := eval[string](t, owner, `document.querySelector('[data-testid=share-url]').href`)
	if !strings.HasPrefix(link, url+"/s/") || strings.Contains(link, strings.TrimPrefix(eval[string](t, owner, `location.pathname`), "/c/")) {
		t.Fatalf("share-url = %q, want %s/s/<its own id>", link, url)
	}

	// What the owner adds later is not shared.
	fake.Push(fakeopenai.Reply{Chunks: []string{"Later answer."}})
	do(t, owner, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "A later question"+kb.Enter))
	waitFor(t, owner, "the later answer", assistantText+`.trim() === 'Later answer.'`)

	reader, cancel := chromedp.NewContext(owner, chromedp.WithNewBrowserContext())
	defer cancel()
	do(t, reader, chromedp.Navigate(link))
	waitFor(t, reader, "the shared conversation", `!!document.querySelector('[data-testid=share-continue]')`)
	if got := eval[string](t, reader, `[...document.querySelectorAll('[data-testid=message]')].map(m => m.dataset.role + ': ' + m.querySelector('.text').innerText.trim()).join(' | ')`); got != "user: Which tools do ML engineers use? | assistant: They train models in PyTorch 1." {
		t.Errorf("the shared page shows %q, want the conversation as it was when shared", got)
	}
	for _, absent := range []string{`[data-testid=sidebar]`, `[data-testid=composer]`, `[data-testid=regenerate]`, `[data-testid=share]`, `[data-testid=delete]`, `[data-testid=answer-meta]`} {
		if eval[bool](t, reader, `!!document.querySelector('`+absent+`')`) {
			t.Errorf("the shared page has %s", absent)
		}
	}
	if got := eval[string](t, reader, `document.querySelector('meta[name=robots]')?.content ?? ''`); got != "noindex" {
		t.Errorf("robots meta = %q, want noindex", got)
	}

	do(t, reader, chromedp.Click(chromedp.CSS(`a[data-testid=citation][data-section=ml-engineer-tools]`)))
	waitFor(t, reader, "the cited passage", `document.querySelector('#source-panel').open && !!document.querySelector('[data-testid=source-passage][data-section=ml-engineer-tools]')`)
	do(t, reader, chromedp.KeyEvent(kb.Escape))
	waitFor(t, reader, "the panel to close", `!document.querySelector('#source-panel').open`)

	do(t, reader,
		chromedp.Click(chromedp.CSS(`[data-testid=share-continue]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=composer]`)),
	)
	waitFor(t, reader, "the copy in the reader's own conversations", `location.pathname.startsWith('/c/') && !!document.querySelector('[data-testid=composer]')`)
	if got := eval[string](t, reader, `[...document.querySelectorAll('[data-testid=conversation]')].map(a => a.textContent).join('|')`); got != "Which tools do ML engineers use?" {
		t.Errorf("the reader's list = %q, want the copy alone", got)
	}
	if got := eval[int](t, reader, `document.querySelectorAll('[data-testid=message]').length`); got != 2 {
		t.Errorf("the copy has %d messages, want the 2 shared", got)
	}
	copyPath := eval[string](t, reader, `location.pathname`)
	if strings.HasPrefix(link, url+copyPath) || eval[string](t, owner, `location.pathname`) == copyPath {
		t.Errorf("the copy %s is not a conversation of its own", copyPath)
	}

	// The reader asks on in the copy.
	fake.Push(fakeopenai.Reply{Chunks: []string{"Your own answer."}})
	do(t, reader, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "My follow-up"+kb.Enter))
	waitFor(t, reader, "the reader's own answer", assistantText+`.trim() === 'Your own answer.'`)

	// Revoked, the link is gone for the reader.
	do(t, owner,
		chromedp.Navigate(url+eval[string](t, owner, `location.pathname`)),
		chromedp.Click(chromedp.CSS(`[data-testid=share]`)),
	)
	waitFor(t, owner, "the revoke button", `document.querySelector('[data-testid=share-revoke]')?.checkVisibility()`)
	do(t, owner,
		chromedp.Click(chromedp.CSS(`[data-testid=share-revoke]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=share-url]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=share-create]`)),
	)
	waitFor(t, owner, "the panel without a link", `!document.querySelector('[data-testid=share-url]') && !!document.querySelector('[data-testid=share-create]')`)
	res, err := chromedp.RunResponse(reader, chromedp.Navigate(link))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 404 {
		t.Errorf("the revoked link = %d, want 404", res.Status)
	}
}
