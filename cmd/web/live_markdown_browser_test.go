package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestBrowserMarkdownRendersWhileStreaming streams an answer with bold text,
// a list and a citation, a piece at a time, and checks that each block (and
// each list item) is rendered as soon as the next one begins, long before
// the answer ends:
// bold is <strong>, the list is a list, the citation a numbered link; the
// unfinished block meanwhile reads as the text the model wrote. A reload
// mid-answer shows the same.
func TestBrowserMarkdownRendersWhileStreaming(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	chunks := []string{
		"An ML engineer does **real ", "maths**:\n\n", // 2: the paragraph, not yet finished
		"- trains ", "models\n", // 4: a list line: the paragraph is finished
		"- ships them [§ml-engineer-daily-work]\n", "\nIn short", // 6: the list is finished
		", they **build**", " things.", // 8: the end
	}
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: chunks, Gate: gate})

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What does an ML engineer do?"+kb.Enter),
	)
	const (
		answer    = `document.querySelector('[data-testid=message][data-role=assistant][data-state=streaming]')`
		strong    = `(` + answer + `?.querySelectorAll('strong').length ?? -1` + `)`
		items     = `(` + answer + `?.querySelectorAll('li').length ?? -1` + `)`
		citations = `(` + answer + `?.querySelectorAll('li a[data-testid=citation]').length ?? -1` + `)`
		tail      = `(` + answer + `?.querySelector('.live-tail')?.textContent ?? '')`
	)
	release := func(n int) {
		for range n {
			gate <- struct{}{}
		}
	}

	release(2)
	waitFor(t, ctx, "the unfinished paragraph as text", tail+` === 'An ML engineer does **real maths**:\n\n'`)
	if n := eval[int](t, ctx, strong); n != 0 {
		t.Errorf("the unfinished paragraph has %d <strong>, want its text as written", n)
	}

	release(2)
	waitFor(t, ctx, "the finished paragraph rendered", strong+` === 1 && `+tail+` === '- trains models\n'`)
	if got := eval[string](t, ctx, answer+`.querySelector('.live-blocks strong').textContent`); got != "real maths" {
		t.Errorf("the bold text reads %q", got)
	}

	release(1)
	waitFor(t, ctx, "the first item rendered while the list is written", items+` === 1 && `+tail+` === '- ships them 1\n'`)
	if got := eval[string](t, ctx, answer+`.querySelector('li').textContent`); got != "trains models" {
		t.Errorf("the first item reads %q", got)
	}

	release(1)
	waitFor(t, ctx, "the finished list rendered", items+` === 2 && `+tail+` === 'In short'`)
	if n := eval[int](t, ctx, citations); n != 1 {
		t.Errorf("the list has %d citation links, want its marker as one", n)
	}
	if got := eval[string](t, ctx, answer+`.querySelector('a[data-testid=citation]').textContent`); got != "1" {
		t.Errorf("the citation is numbered %q, want 1", got)
	}

	// A reload mid-answer shows the same page, and the stream goes on.
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the rendered blocks after a reload", strong+` === 1 && `+items+` === 2 && `+tail+` === 'In short'`)

	release(1)
	waitFor(t, ctx, "the next piece as text", tail+` === 'In short, they **build**'`)
	release(1)
	waitFor(t, ctx, "the final rendering", assistantState+` === 'done'`)
	// The answer's own text, not the panel below it that lists its sentences.
	final := `document.querySelector('[data-testid=message][data-role=assistant] .text')`
	if n := eval[int](t, ctx, final+`.querySelectorAll('strong').length`); n != 2 {
		t.Errorf("the final answer has %d <strong>, want 2", n)
	}
	if n := eval[int](t, ctx, final+`.querySelectorAll('li').length`); n != 2 {
		t.Errorf("the final answer has %d <li>, want 2", n)
	}
	if got := eval[string](t, ctx, final+`.querySelector('a[data-testid=citation]').textContent`); got != "1" {
		t.Errorf("the final citation is numbered %q, want 1 as while streaming", got)
	}
}
