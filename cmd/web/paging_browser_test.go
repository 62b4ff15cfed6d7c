package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store"
)

// TestBrowserEarlierMessagesLoadInPlace: a long conversation opens on its
// latest messages; "Show earlier messages" loads the ones before, in place,
// above them, without leaving the page, until the first question shows.
func TestBrowserEarlierMessagesLoadInPlace(t *testing.T) {
	dir := t.TempDir()
	url := startRolefit(t, map[string]string{"DATA_DIR": dir, "OFFLINE_PACE": "0s"})
	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "The very first question"+kb.Enter),
	)
	waitFor(t, ctx, "the first answer", assistantState+` === 'done'`)
	page := eval[string](t, ctx, `location.href`)
	conversation := page[strings.LastIndex(page, "/")+1:]

	// Sixty more turns, written straight into the database.
	db, err := store.Open(context.Background(), filepath.Join(dir, "rolefit.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var msgs []chat.Message
	for i := range 60 {
		q, a := fmt.Sprintf("LATERQ%03d", i), fmt.Sprintf("LATERA%03d", i)
		msgs = append(msgs,
			chat.Message{ID: q, ConversationID: conversation, Role: chat.RoleUser, Content: "question " + q, State: chat.StateDone, CreatedAt: now, UpdatedAt: now},
			chat.Message{ID: a, ConversationID: conversation, Role: chat.RoleAssistant, Content: "answer " + a, State: chat.StateDone, ReplyTo: q, CreatedAt: now, UpdatedAt: now})
	}
	if err := db.AddMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	db.Close()

	const count = `document.querySelectorAll('[data-testid=message]').length`
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the latest page", fmt.Sprintf(`%s === %d && document.querySelector('[data-testid=earlier] a') !== null`, count, chat.MessagesPerPage))
	if first := eval[string](t, ctx, `document.querySelector('[data-testid=message]').id`); first != "m-LATERQ035" {
		t.Errorf("the page starts at %s, want the %dth message from the end", first, chat.MessagesPerPage)
	}

	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=earlier] a`)))
	waitFor(t, ctx, "a second page above the first", fmt.Sprintf(`%s === %d`, count, 2*chat.MessagesPerPage))
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=earlier] a`)))
	waitFor(t, ctx, "the whole conversation", fmt.Sprintf(`%s === %d`, count, 2+len(msgs)))

	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=earlier]').length`); n != 0 {
		t.Errorf("the first message shows, yet %d links to earlier ones remain", n)
	}
	if first := eval[string](t, ctx, `document.querySelector('[data-testid=message]').textContent`); !strings.Contains(first, "The very first question") {
		t.Errorf("the conversation starts with %q, want the first question", first)
	}
	ids := eval[[]string](t, ctx, `[...document.querySelectorAll('[data-testid=message]')].map(m => m.id)`)
	for i := 2; i < len(ids); i++ {
		if want := "m-" + msgs[i-2].ID; ids[i] != want {
			t.Fatalf("message %d is %s, want %s: earlier pages are out of order", i, ids[i], want)
		}
	}
	if now := eval[string](t, ctx, `location.href`); now != page {
		t.Errorf("loading earlier messages moved the page to %s", now)
	}
	// The latest answer can still be acted on; none of the earlier ones.
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=retry], [data-testid=regenerate]').length`); n > 1 {
		t.Errorf("%d answers offer to regenerate, want at most the latest", n)
	}
}
