package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestBrowserSuggestionAsksItsQuestion: a follow-up suggestion in an
// answer is a link; a click sends its question at once, in the same
// conversation. (Without JavaScript the same link puts the question in the
// composer: TestAskLinkPrefillsTheComposer in internal/server.)
func TestBrowserSuggestionAsksItsQuestion(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL, "OPENAI_API_KEY": "sk-test-SECRET"})
	const suggestion = "What tools do they use?"
	fake.Push(fakeopenai.Reply{Chunks: []string{"They train models.\n\nYou could also ask: ",
		"[" + suggestion + "](/?ask=What%20tools%20do%20they%20use%3F)"}})
	fake.Push(fakeopenai.Reply{Chunks: []string{"Python and PyTorch."}})

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What does an ML engineer do?"+kb.Enter),
	)
	waitFor(t, ctx, "the first answer", assistantState+` === 'done'`)
	conversation := eval[string](t, ctx, `location.pathname`)
	link := `[data-testid=message][data-role=assistant] .text a`
	waitFor(t, ctx, "the suggestion as a link", fmt.Sprintf(`document.querySelector(%q)?.textContent === %q`, link, suggestion))
	do(t, ctx, chromedp.Click(chromedp.CSS(link)))

	waitFor(t, ctx, "the suggested question asked", fmt.Sprintf(
		`[...document.querySelectorAll('[data-testid=message][data-role=user]')].map(m => m.querySelector('.text').textContent.trim()).includes(%q)`, suggestion))
	waitFor(t, ctx, "its answer", `document.querySelectorAll('[data-testid=message][data-role=assistant]').length === 2 && `+assistantState+` === 'done'`)
	if got := eval[string](t, ctx, assistantText); !strings.Contains(got, "Python and PyTorch.") {
		t.Errorf("the second answer reads %q", got)
	}
	if got := eval[string](t, ctx, `location.pathname + location.search`); got != conversation {
		t.Errorf("after the click the address is %q, want the same conversation %q", got, conversation)
	}
	calls := fake.Calls()
	if len(calls) != 2 {
		t.Fatalf("the model was called %d times, want 2", len(calls))
	}
	if msgs := calls[1].Request.Messages; msgs[len(msgs)-1].Content != suggestion || len(msgs) != 4 {
		t.Errorf("the second request has %d messages ending with %q; want the suggestion asked in the same conversation", len(msgs), msgs[len(msgs)-1].Content)
	}

}
