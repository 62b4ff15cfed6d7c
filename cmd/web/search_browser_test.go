package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// Typing in the sidebar's search box finds the conversation, its match
// marked, and the result opens it; each entry's own menu renames and
// deletes a conversation without opening it, and stays on the page.
func TestBrowserSearchAndTidyFromTheList(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	fake.Push(fakeopenai.Reply{Chunks: []string{"In **Zanzibar** as anywhere: ", "PyTorch and MLflow [§ml-engineer-tools]."}})
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	ctx := browserTab(t)
	ask := func(question string) string {
		t.Helper()
		do(t, ctx,
			chromedp.Navigate(url),
			chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), question+kb.Enter),
		)
		waitFor(t, ctx, "the answer", assistantState+` === 'done'`)
		waitFor(t, ctx, "the conversation's address", `location.pathname.startsWith('/c/')`)
		return eval[string](t, ctx, `location.pathname`)
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 800))
	first := ask("What tools does an ML engineer use in Zanzibar?")
	second := ask("How do I choose between the two roles?")
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the second conversation", loaded)

	// Search as you type: the list gives way to the results.
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=search]`), "zanzi"))
	waitFor(t, ctx, "a search result", `document.querySelectorAll('[data-testid=search-result]').length === 1`)
	if got := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid=search-result] mark')].map(m => m.textContent).filter((w, i, all) => all.indexOf(w) === i).join(' ')`); got != "Zanzibar" {
		t.Errorf("marked %q, want Zanzibar", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#sidebar [data-testid=conversation]').length`); n != 0 {
		t.Errorf("the list still shows %d conversations beside the results", n)
	}
	accessible(t, ctx, "search results in the list")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=search-result] a`)))
	waitFor(t, ctx, "the first conversation to open", `location.pathname === '`+first+`' && `+loaded)

	// Nothing found says so.
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=search]`), `"quokka*`))
	waitFor(t, ctx, "the empty search", `!!document.querySelector('[data-testid=search-empty]')`)
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the first conversation", loaded)

	// Rename the other conversation from the list, staying here.
	entry := `li:has(> a[href="` + second + `"]) `
	do(t, ctx, chromedp.Click(chromedp.CSS(entry+`[data-testid=conversation-menu] > summary`)))
	waitFor(t, ctx, "the entry's menu", `document.querySelector('`+entry+`[data-testid=conversation-menu]').open`)
	eval[bool](t, ctx, `(document.querySelector('`+entry+`input[name=title]').value = '') === ''`)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(entry+`input[name=title]`), "Choosing a role"))
	navigate(t, ctx, chromedp.Click(chromedp.CSS(entry+`[data-testid=conversation-rename-save]`)))
	waitFor(t, ctx, "the renamed entry", `document.querySelector('a[href="`+second+`"]')?.textContent === 'Choosing a role' && `+loaded)
	if got := eval[string](t, ctx, `location.pathname`); got != first {
		t.Errorf("after renaming from the list the page is %s, want %s", got, first)
	}

	// Delete it from the list, after confirming, staying here.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(entry+`[data-testid=conversation-menu] > summary`)),
		chromedp.Click(chromedp.CSS(entry+`[data-testid=conversation-delete]`)),
	)
	accessible(t, ctx, "an entry's menu open at its delete confirmation")
	navigate(t, ctx, chromedp.Click(chromedp.CSS(entry+`[data-testid=conversation-delete-confirm]`)))
	waitFor(t, ctx, "the entry to go", `!document.querySelector('a[href="`+second+`"]') && `+loaded)
	waitFor(t, ctx, "the notice", `document.querySelector('[data-testid=notice]').textContent === 'Conversation deleted.'`)
	if got := eval[string](t, ctx, `location.pathname`); got != first {
		t.Errorf("after deleting from the list the page is %s, want %s", got, first)
	}
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=conversation-group] h2').textContent`); !strings.EqualFold(got, "Today") {
		t.Errorf("the list's group is %q, want Today", got)
	}

	// Without JavaScript's help, the form's own page of results.
	navigate(t, ctx, chromedp.Navigate(url+"/search?q=zanzibar"))
	waitFor(t, ctx, "the results page", loaded+` && document.querySelectorAll('main [data-testid=search-result] mark').length > 0`)
	accessible(t, ctx, "the search page")
}

// navigate runs an action that loads another page (a form's post and its
// redirect) and waits for that page.
func navigate(t *testing.T, ctx context.Context, action chromedp.Action[chromedp.Void]) {
	t.Helper()
	res, err := chromedp.RunResponse(ctx, action)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 {
		t.Fatalf("the page after the post answered %d", res.Status)
	}
}
