package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store"
)

var updateScreenshots = flag.Bool("screenshots", false, "write the README's screenshots to docs/")

// TestBrowserScreenshots takes the README's screenshots, in offline mode,
// and checks each is a whole picture of its window. With -screenshots it
// writes them to docs/:
//
//	go test ./cmd/web -run TestBrowserScreenshots -screenshots
func TestBrowserScreenshots(t *testing.T) {
	dir := t.TempDir()
	url := startRolefit(t, map[string]string{"DATA_DIR": dir, "OFFLINE_PACE": "0s"})
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
		waitFor(t, ctx, "the composer emptied", `document.querySelector('textarea[name=message]').value === '' && !document.querySelector('.htmx-request')`)
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
	// The page brings the verdict into view once; then the whole card is
	// framed, under the conversation's title.
	waitFor(t, ctx, "the fit result", `!!document.querySelector('[data-testid=fit-result]:not([autofocus])') && `+loaded)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`scrollTo(0, document.querySelector('[data-testid=fit-result]').getBoundingClientRect().top + scrollY - 80); document.activeElement.blur()`))
	shot("screenshot-fit.png", 1280, 1100)

	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)), colorScheme("dark"))
	ask("I already build React apps. What is my fastest way into AI?")
	shot("screenshot-phone.png", 390, 844)

	// The features' shots, for a visitor of their own: their list holds
	// only what these shots put there.
	ctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	do(t, ctx, chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)), colorScheme("light"))
	ask("What does an ML engineer do day to day?")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Which tools do they use?"+kb.Enter))
	waitFor(t, ctx, "the second answer", `document.querySelectorAll('[data-testid=message][data-role=assistant]').length === 2 && `+assistantState+` === 'done'`)
	first := `#messages [data-role=user]:first-of-type `
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`),
		chromedp.Click(chromedp.CSS(first+`[data-testid=question-edit] summary`)),
		chromedp.WaitVisible(chromedp.CSS(first+`[data-testid=question-edit] textarea`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(first+`[data-testid=question-edit] textarea`)+`).value = ''`),
		chromedp.SendKeys(chromedp.CSS(first+`[data-testid=question-edit] textarea`), "What does a Gen AI application developer do day to day?"),
		chromedp.Click(chromedp.CSS(first+`[data-testid=question-edit-save]`)),
	)
	waitFor(t, ctx, "the edited question's answer", `document.querySelector('[data-testid=question-version-label]')?.textContent === '2 / 2' && `+assistantState+` === 'done' && !document.querySelector('.htmx-request')`)
	// The pointer, left where Save was, would hover whatever took its place.
	do(t, ctx,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1270, 890),
		chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0); document.activeElement.blur()`),
	)
	shot("screenshot-edit.png", 1280, 900)
	conversation := eval[string](t, ctx, `location.pathname`)

	// Earlier conversations, written straight into the database, so the
	// list shows its date groups.
	db, err := store.Open(context.Background(), filepath.Join(dir, "rolefit.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Conversation(context.Background(), strings.TrimPrefix(conversation, "/c/"))
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := time.Now().UTC().Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for i, older := range []struct {
		at                      time.Time
		title, question, answer string
	}{
		{midnight.Add(-10 * time.Hour), "Deploying a model to production", "How does an ML engineer deploy a model?",
			"They package the trained model, serve it behind an API, and monitor it once it is deployed."},
		{midnight.AddDate(0, 0, -3), "Prompts or fine-tuning?", "When is a prompt enough, and when is fine-tuning needed?",
			"A Gen AI developer starts with prompts and retrieval; fine-tuning comes when they are not enough."},
		{midnight.AddDate(0, 0, -20), "Tools of a Gen AI developer", "Which tools does a Gen AI developer use?",
			"LangChain, vector databases and the APIs of hosted models, to build and deploy applications."},
		{midnight.AddDate(0, 0, -60), "Maths for machine learning", "How much maths does an ML engineer need?",
			"Enough statistics and linear algebra to train models and understand why they fail."},
	} {
		id := fmt.Sprintf("older%d", i)
		if err := db.CreateConversation(context.Background(), chat.Conversation{ID: id, VisitorID: c.VisitorID, Title: older.title, CreatedAt: older.at, UpdatedAt: older.at}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddMessages(context.Background(),
			chat.Message{ID: id + "q", ConversationID: id, Role: chat.RoleUser, Content: older.question, State: chat.StateDone, CreatedAt: older.at, UpdatedAt: older.at},
			chat.Message{ID: id + "a", ConversationID: id, Role: chat.RoleAssistant, Content: older.answer, State: chat.StateDone, ReplyTo: id + "q", CreatedAt: older.at, UpdatedAt: older.at},
		); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the list's date groups", loaded+` && document.querySelectorAll('[data-testid=conversation-group]').length === 5`)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0); document.activeElement.blur()`))
	shot("screenshot-groups.png", 1280, 900)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=search]`), "deploy"))
	waitFor(t, ctx, "the search results", `document.querySelectorAll('[data-testid=search-result] mark').length > 0`)
	shot("screenshot-search.png", 1280, 900)

	do(t, ctx, chromedp.Navigate(url+conversation))
	waitFor(t, ctx, "the conversation", loaded)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=share]`)))
	waitFor(t, ctx, "the share panel", `document.querySelector('[data-testid=share-create]')?.checkVisibility()`)
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=share-create]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=share-url]`)),
		chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0); document.activeElement.blur()`),
	)
	shot("screenshot-share.png", 1280, 900)
	link := eval[string](t, ctx, `document.querySelector('[data-testid=share-url]').href`)
	reader, cancelReader := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancelReader()
	ctx = reader
	do(t, ctx, chromedp.EmulateViewport(1280, 960, chromedp.EmulateScale(1)), colorScheme("light"), chromedp.Navigate(link))
	waitFor(t, ctx, "the shared conversation", loaded+` && !!document.querySelector('[data-testid=share-continue]')`)
	shot("screenshot-shared.png", 1280, 960)
}
