package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

const chromiumPath = "/usr/bin/chromium"

// tabOption adjusts what browserTab tolerates.
type tabOption int

// expectNotFound is for tests that open a missing page on purpose: the
// browser's "Failed to load resource … 404" line is then not a failure.
const expectNotFound tabOption = 1

// expectUnauthorized is for tests that give a wrong password on purpose.
const expectUnauthorized tabOption = 2

// expectReconnect is for tests that cut an answer's stream on purpose (a
// replica going away): htmx logs the broken stream's error event (its
// sseError, which prints as "[object Event]"), and the browser the
// response that ended early, before it reconnects.
const expectReconnect tabOption = 3

// browserTab opens headless Chromium and fails the test on any console
// error, uncaught exception or Content Security Policy violation the page
// reports.
func browserTab(t *testing.T, opts ...tabOption) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: starts Chromium, too slow for -short; `make test` runs it")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is needed for the browser tests (%v); `make test` installs it with scripts/ensure-chromium", err)
	}
	profile, err := os.MkdirTemp("", "rolefit-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	allow404, allow401, allowCut := false, false, false
	for _, o := range opts {
		allow404 = allow404 || o == expectNotFound
		allow401 = allow401 || o == expectUnauthorized
		allowCut = allowCut || o == expectReconnect
	}
	execOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), execOpts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p = "console.error: " + strings.Join(args, " ")
				if allowCut && strings.Join(args, " ") == `"[object Event]"` {
					p = ""
				}
			}
		case *runtime.EventExceptionThrown:
			p = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				p += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			network := ev.Entry.Source == log.EntrySourceNetwork
			expected := network && (allow404 && strings.Contains(ev.Entry.Text, "status of 404") ||
				allow401 && strings.Contains(ev.Entry.Text, "status of 401") ||
				allowCut && strings.Contains(ev.Entry.Text, "ERR_INCOMPLETE_CHUNKED_ENCODING"))
			if ev.Entry.Level == log.EntryLevelError && !expected {
				p = "log: " + ev.Entry.Text
			}
		}
		if p != "" {
			mu.Lock()
			problems = append(problems, p)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		mu.Lock()
		for _, p := range problems {
			t.Errorf("the page reported an error: %s", p)
		}
		mu.Unlock()
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		os.RemoveAll(profile) // best effort: Chromium's helpers may still be writing
	})
	return ctx
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition in the page until it holds. A poll
// cut short because the page it ran in was just replaced (a navigation
// settling) is simply started again in the new page.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		transient := strings.Contains(err.Error(), "Cannot find context with specified id") ||
			strings.Contains(err.Error(), "Execution context was destroyed") ||
			strings.Contains(err.Error(), "Inspected target navigated or closed")
		if !transient || time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v\n(page: %s)", what, err, eval[string](t, ctx, `document.querySelector('#messages')?.innerText ?? document.body.innerText`))
		}
	}
}

const (
	assistantText  = `(document.querySelector('[data-testid=message][data-role=assistant]:last-child .text')?.textContent ?? '')`
	assistantState = `(document.querySelector('[data-testid=message][data-role=assistant]:last-child')?.dataset.state ?? '')`
)

func TestBrowserAnswerStreamsInAndSurvivesReload(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL, "OPENAI_API_KEY": "sk-test-SECRET"})
	chunks := []string{"Machine learning engineers ", "train and test models, ", "then **fine-tune** them."}
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: chunks, Gate: gate})

	ctx := browserTab(t)
	question := "What does an ML engineer do?"
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), question+kb.Enter), // Enter sends
	)
	waitFor(t, ctx, "the question's bubble", fmt.Sprintf(
		`document.querySelector('[data-testid=message][data-role=user]')?.textContent.includes(%q)`, question))
	// (trim: the DevTools protocol can deliver Enter's "char" event to the
	// fresh, focused composer, which a real keyboard does not)
	waitFor(t, ctx, "an emptied composer", `document.querySelector('textarea[name=message]').value.trim() === ''`)

	// Each chunk the model sends shows up on its own: the answer grows in
	// visible steps while it is still streaming.
	for i := range chunks {
		gate <- struct{}{}
		want := strings.Join(chunks[:i+1], "")
		if i == len(chunks)-1 {
			want = strings.ReplaceAll(want, "**", "") // the final rendering is Markdown
			waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
		}
		waitFor(t, ctx, fmt.Sprintf("step %d of the answer", i+1), fmt.Sprintf(`%s.trim() === %q`, assistantText, strings.TrimSpace(want)))
		if i < len(chunks)-1 {
			if s := eval[string](t, ctx, assistantState); s != "streaming" {
				t.Errorf("after step %d the answer is %q, want streaming", i+1, s)
			}
			if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=stop]').length`); n != 1 {
				t.Errorf("while streaming there are %d stop buttons, want 1", n)
			}
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.text strong').length`); n != 1 {
		t.Errorf("the finished answer has %d <strong> elements, want its Markdown rendered", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=stop]').length`); n != 0 {
		t.Errorf("a finished answer still shows %d stop buttons", n)
	}
	// The model was asked with the knowledge base in the system message and
	// the person's words only in the user message.
	calls := fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("the model was called %d times", len(calls))
	}
	msgs := calls[0].Request.Messages
	if len(msgs) != 2 || msgs[0].Role != "system" || !strings.Contains(msgs[0].Content, "(id: ml-engineer-daily-work)") ||
		strings.Contains(msgs[0].Content, question) || msgs[1].Role != "user" || msgs[1].Content != question {
		t.Errorf("the model's request was %d messages; want the system prompt with the knowledge base, then the question", len(msgs))
	}
	loc := eval[string](t, ctx, `location.pathname`)
	if !strings.HasPrefix(loc, "/c/") {
		t.Errorf("the address is %q, want the conversation's own /c/… address", loc)
	}

	// A reload shows the whole conversation again.
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the conversation after a reload", `document.querySelectorAll('[data-testid=message]').length === 2`)
	if s := eval[string](t, ctx, assistantState); s != "done" {
		t.Errorf("after reload the answer is %q, want done", s)
	}
	if got := eval[string](t, ctx, assistantText); !strings.Contains(got, "then fine-tune them.") {
		t.Errorf("after reload the answer reads %q", got)
	}
}

func TestBrowserStopKeepsThePartialAnswer(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: []string{"It depends on ", "what you enjoy", " most."}, Gate: gate})

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.Click(chromedp.CSS(`button[data-testid=starter]`)), // the first question a starter asks
	)
	call, err := fake.NextCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := call.Request.Messages[len(call.Request.Messages)-1].Content; got != "What does an ML engineer do day to day?" {
		t.Errorf("the starter asked %q", got)
	}
	gate <- struct{}{}
	waitFor(t, ctx, "the first words", assistantText+` === 'It depends on '`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=stop]`)))
	waitFor(t, ctx, "the stopped state", assistantState+` === 'stopped'`)
	select {
	case <-call.Cancelled():
	case <-time.After(5 * time.Second):
		t.Error("the model's request was not cancelled by stop")
	}
	if got := eval[string](t, ctx, assistantText); strings.TrimSpace(got) != "It depends on" {
		t.Errorf("stopped answer reads %q, want the partial text kept", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=stop]').length`); n != 0 {
		t.Error("the stop button is still shown")
	}
}

func TestBrowserOfflineModeAnswers(t *testing.T) {
	url := startRolefit(t, nil)
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-banner]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What does an ML engineer do day to day?"),
		chromedp.Click(chromedp.CSS(`form[data-testid=composer] button[type=submit]`)),
	)
	waitFor(t, ctx, "the offline answer", assistantState+` === 'done'`)
	got := strings.ToLower(eval[string](t, ctx, assistantText))
	for _, fact := range []string{"clean", "train", "accuracy", "fine-tun"} {
		if !strings.Contains(got, fact) {
			t.Errorf("the offline answer lacks %q from the daily-work section:\n%s", fact, got)
		}
	}
}

func TestBrowserFollowsTheNewestText(t *testing.T) {
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
	do(t, ctx,
		chromedp.EmulateViewport(800, 600),
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Tell me everything"+kb.Enter),
	)
	atBottom := `(document.documentElement.scrollHeight - window.innerHeight - window.scrollY) < 120`
	for i := range 40 {
		gate <- struct{}{}
		waitFor(t, ctx, fmt.Sprintf("line %d", i+1), fmt.Sprintf(`%s.includes('Line %d of')`, assistantText, i+1))
	}
	waitFor(t, ctx, "the view to follow the stream", atBottom)
	if h := eval[int](t, ctx, `document.documentElement.scrollHeight`); h < 1200 {
		t.Fatalf("the page is only %dpx tall; the test needs an answer taller than the window", h)
	}
	// Someone who scrolls up to read is not dragged back down.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	gate <- struct{}{}
	waitFor(t, ctx, "line 41", assistantText+`.includes('Line 41 of')`)
	if y := eval[int](t, ctx, `Math.round(window.scrollY)`); y > 50 {
		t.Errorf("the view jumped to %dpx while the person was reading at the top", y)
	}
	close(gate)
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
}

func TestBrowserCitationsOpenTheirPassage(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Gate: gate, Chunks: []string{
		"They train models in PyTorch [§ml-engi", "neer-tools]. ",
		"They earn well [§salaries]. ",
		"React apps are the other side [§genai-developer-tools].",
	}})
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Which tools?"+kb.Enter),
	)
	citations := `[...document.querySelectorAll('[data-role=assistant] a[data-testid=citation]')].map(a => a.dataset.section + '=' + a.textContent).join(',')`

	gate <- struct{}{}
	waitFor(t, ctx, "the first words", assistantText+`.includes('PyTorch')`)
	if got := eval[string](t, ctx, citations); got != "" {
		t.Errorf("a half-streamed marker already shows as %q", got)
	}
	if strings.Contains(eval[string](t, ctx, assistantText), "§") {
		t.Error("the cut marker shows as raw text")
	}
	gate <- struct{}{} // completes the marker
	waitFor(t, ctx, "the split citation as a link while streaming", citations+` === 'ml-engineer-tools=1'`)
	gate <- struct{}{} // an unknown section
	gate <- struct{}{}
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	if got := eval[string](t, ctx, citations); got != "ml-engineer-tools=1,genai-developer-tools=2" {
		t.Errorf("citations = %q, want the two known sections, numbered", got)
	}
	if text := eval[string](t, ctx, assistantText); strings.Contains(text, "salaries") || strings.Contains(text, "§") {
		t.Errorf("the unknown marker shows: %q", text)
	}

	// Clicking a citation opens its passage beside the conversation.
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[data-testid=citation][data-section=genai-developer-tools]`)))
	waitFor(t, ctx, "the passage panel", `document.querySelector('#source-panel').open && !!document.querySelector('[data-testid=source-passage][data-section=genai-developer-tools]')`)
	if got := eval[string](t, ctx, `document.querySelector('#source-panel').innerText`); !strings.Contains(got, "React") || !strings.Contains(got, "Sarthak Thakare") {
		t.Errorf("the panel shows %q, want the Gen AI tools passage and the credit", got)
	}
	if loc := eval[string](t, ctx, `location.pathname`); !strings.HasPrefix(loc, "/c/") {
		t.Errorf("following a citation left the conversation for %q", loc)
	}
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "source-panel-title" {
		t.Errorf("focus is on %q, want the passage heading", got)
	}

	// With the keyboard alone: Escape closes and focus returns; Enter on a
	// citation opens the other passage.
	do(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "the panel to close", `!document.querySelector('#source-panel').open`)
	if got := eval[string](t, ctx, `document.activeElement.dataset.section || ''`); got != "genai-developer-tools" {
		t.Errorf("after closing, focus is on %q, want the citation that opened the panel", got)
	}
	do(t, ctx,
		chromedp.Focus(chromedp.CSS(`a[data-testid=citation][data-section=ml-engineer-tools]`)),
		chromedp.KeyEvent(kb.Enter),
	)
	waitFor(t, ctx, "the ML tools passage", `document.querySelector('#source-panel').open && !!document.querySelector('[data-testid=source-passage][data-section=ml-engineer-tools]')`)

	// After a reload the stored answer has the same links.
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the reloaded answer", assistantState+` === 'done'`)
	if got := eval[string](t, ctx, citations); got != "ml-engineer-tools=1,genai-developer-tools=2" {
		t.Errorf("after reload citations = %q", got)
	}
}
