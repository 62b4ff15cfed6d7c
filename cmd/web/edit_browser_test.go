package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// threadText is the conversation as shown: each message's text, "|"
// between them.
const threadText = `[...document.querySelectorAll('#messages [data-testid=message]')].map(m => m.querySelector('.text').textContent.trim()).join('|')`

func TestBrowserEditAQuestionAndSwitchBranches(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL, "OPENAI_API_KEY": "sk-test-SECRET"})
	gate := make(chan struct{})
	fake.Push(
		fakeopenai.Reply{Chunks: []string{"Answer one."}},
		fakeopenai.Reply{Chunks: []string{"Answer two."}},
		fakeopenai.Reply{Chunks: []string{"Edited ", "answer."}, Gate: gate},
	)
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "One"+kb.Enter),
	)
	waitFor(t, ctx, "the first answer", threadText+` === 'One|Answer one.'`)
	// The composer takes a question once the answer has ended.
	waitFor(t, ctx, "the first answer's end", assistantState+` === 'done'`)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Two"+kb.Enter))
	waitFor(t, ctx, "the second answer", threadText+` === 'One|Answer one.|Two|Answer two.'`)

	// Edit the first question: the conversation branches there, and the
	// new answer streams in, piece by piece. The composer stays at the
	// bottom of the window: each control is scrolled clear of it, as a
	// person would, before it is clicked.
	first := `#messages [data-role=user]:first-of-type `
	click := func(sel string) {
		t.Helper()
		// A control swapped in a moment ago is htmx's once it has
		// settled; clicked before, it would post its form without it and
		// load a new page.
		waitFor(t, ctx, "htmx to settle", `!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')`)
		do(t, ctx,
			chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel)+`).scrollIntoView({block: 'center'})`),
			chromedp.Click(chromedp.CSS(sel)),
		)
	}
	box := first + `[data-testid=question-edit] textarea`
	click(first + `[data-testid=question-edit] summary`)
	do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(box)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(box)+`).value = ' '`),
	)
	click(first + `[data-testid=question-edit-save]`)
	// An empty edit is refused with the composer's words, in the open form.
	waitFor(t, ctx, "the refused edit's message", `document.querySelector(`+jsString(first+`[data-testid=question-edit-error]`)+`)?.textContent === 'Type a question first.'`)
	accessible(t, ctx, "a refused edit")
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(box)+`).value = ''`),
		chromedp.SendKeys(chromedp.CSS(box), "One, edited"),
	)
	click(first + `[data-testid=question-edit-save]`)
	waitFor(t, ctx, "the new branch", threadText+` === 'One, edited|'`)
	if s := eval[string](t, ctx, assistantState); s != "streaming" {
		t.Errorf("the edited question's answer is %q, want streaming", s)
	}
	gate <- struct{}{}
	waitFor(t, ctx, "the first piece of the new answer", threadText+` === 'One, edited|Edited'`)
	gate <- struct{}{}
	waitFor(t, ctx, "the new answer, finished", assistantState+` === 'done'`)
	waitFor(t, ctx, "the new answer's text", threadText+` === 'One, edited|Edited answer.'`)
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=question-version-label]').textContent`); got != "2 / 2" {
		t.Errorf("the edited question's switcher says %q, want 2 / 2", got)
	}
	calls := fake.Calls()
	if msgs := calls[len(calls)-1].Request.Messages; len(msgs) != 2 || msgs[1].Content != "One, edited" {
		t.Errorf("the edited question was asked with %d messages; want the system prompt and it alone", len(msgs))
	}

	// ‹ goes back to the earlier branch, with its answer and later turns;
	// › returns to the new one.
	accessible(t, ctx, "an edited question")
	click(`[data-testid=question-version-prev]`)
	waitFor(t, ctx, "the earlier branch", threadText+` === 'One|Answer one.|Two|Answer two.'`)
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=question-version-label]').textContent`); got != "1 / 2" {
		t.Errorf("back on the earlier branch the switcher says %q, want 1 / 2", got)
	}
	click(`[data-testid=question-version-next]`)
	waitFor(t, ctx, "the new branch again", threadText+` === 'One, edited|Edited answer.'`)

	// The branch shown is the one a reload shows.
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the new branch after a reload", threadText+` === 'One, edited|Edited answer.'`)
	if n := len(fake.Calls()); n != 3 {
		t.Errorf("the model was asked %d times, want 3: switching asks nothing", n)
	}
}
