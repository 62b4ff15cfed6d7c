package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// visitorOf is the browser's visitor id, from its cookie.
func visitorOf(t *testing.T, b *browser) string {
	t.Helper()
	b.get("/").Body.Close()
	u, _ := url.Parse(b.app.url)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == visitorCookie {
			return c.Value
		}
	}
	t.Fatal("the browser has no visitor cookie")
	return ""
}

// seedConversations gives the visitor n conversations, straight in the
// store (asking n questions would take the test too long).
func seedConversations(t *testing.T, app *testApp, visitor string, n int) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		c := chat.Conversation{ID: fmt.Sprintf("SEED%04d%s", i, visitor[:8]), VisitorID: visitor,
			Title: fmt.Sprintf("Seeded %d", i), CreatedAt: at, UpdatedAt: at.Add(time.Duration(i) * time.Second)}
		if err := app.db.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

const capMessage = "You have 3 conversations, the most Rolefit keeps for one visitor. Please delete some (or clear them all) to start a new one."

// TestConversationCap: a visitor who reaches MaxConversations is told to
// delete some, with the question kept, and never gets a 500; questions in
// existing conversations still work, and deleting one makes room.
func TestConversationCap(t *testing.T) {
	app := newOpsApp(t, offlineProvider(), withServer(Config{MaxConversations: 3}))
	b := app.browser(false)
	seedConversations(t, app, visitorOf(t, b), 2)
	first := b.ask("/c", "Third conversation")

	status, msg, text := askRefused(t, b, "/c", "Fourth conversation")
	if status != http.StatusConflict || msg != capMessage || text != "Fourth conversation" {
		t.Errorf("no JS: a fourth conversation = %d %q (text %q); want 409, %q, the text kept", status, msg, text, capMessage)
	}
	h := app.browser(true)
	h.client.Jar = b.client.Jar
	status, msg, text = askRefused(t, h, "/c", "Fourth, with htmx")
	if status != http.StatusOK || msg != capMessage || text != "Fourth, with htmx" {
		t.Errorf("htmx: a fourth conversation = %d %q (text %q); want 200, %q, the text kept", status, msg, text, capMessage)
	}
	res := b.post("/fit", fitForm(mlFit))
	d := doc(t, res)
	if got := strings.TrimSpace(d.Find(`[data-testid="fit-error"]`).Text()); res.StatusCode != http.StatusConflict || got != capMessage {
		t.Errorf("a fit check at the cap = %d %q, want 409 %q", res.StatusCode, got, capMessage)
	}
	if n := len(conversationsOf(t, b)); n != 3 {
		t.Errorf("the visitor has %d conversations, want 3", n)
	}

	// An existing conversation goes on.
	b.ask(first+"/messages", "A follow-up")
	// Deleting one makes room for a new one.
	res = b.post(first+"/delete", nil)
	res.Body.Close()
	b.ask("/c", "Room again")

	// Someone else is not affected.
	app.browser(false).ask("/c", "Another visitor")
	if logs := app.logs.String(); strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "status=500") {
		t.Errorf("the cap was logged as a server error:\n%s", logs)
	}
}

// TestClearAllSaysTheRealCount: a visitor with more conversations than
// the sidebar lists is asked about all of them, and all of them go.
func TestClearAllSaysTheRealCount(t *testing.T) {
	app := newOpsApp(t, offlineProvider())
	b := app.browser(false)
	visitor := visitorOf(t, b)
	seedConversations(t, app, visitor, 1002)

	d := doc(t, b.get("/"))
	listed := d.Find(`a[data-testid="conversation"]`).Length()
	if listed >= 1002 {
		t.Fatalf("the sidebar lists %d conversations; the test needs more than it lists", listed)
	}
	confirm := strings.Join(strings.Fields(d.Find(`[data-testid="clear-all"]`).Parent().Find("form p").Text()), " ")
	if want := "Delete all 1,002 conversations? This cannot be undone."; confirm != want {
		t.Errorf("clear all asks %q, want %q", confirm, want)
	}
	res := b.post("/c/delete-all", nil)
	res.Body.Close()
	if n, err := app.db.CountConversationsByVisitor(context.Background(), visitor); err != nil || n != 0 {
		t.Errorf("after clear all: %d left (%v)", n, err)
	}

	// One conversation: singular.
	seedConversations(t, app, visitor, 1)
	d = doc(t, b.get("/"))
	confirm = strings.Join(strings.Fields(d.Find(`[data-testid="clear-all"]`).Parent().Find("form p").Text()), " ")
	if want := "Delete your only conversation? This cannot be undone."; confirm != want {
		t.Errorf("clear all asks %q, want %q", confirm, want)
	}
}
