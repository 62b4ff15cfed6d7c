package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/offline"
	"github.com/rolefit/rolefit/internal/store"
)

// fullDisk is the real SQLite store whose answer saves fail while full is
// set, as they do when the disk fills mid-answer.
type fullDisk struct {
	*store.Store
	full atomic.Bool
}

func (d *fullDisk) SaveAnswer(ctx context.Context, id, content string, state chat.State, errMsg string) error {
	if d.full.Load() {
		return errors.New("store: save answer: database or disk is full")
	}
	return d.Store.SaveAnswer(ctx, id, content, state, errMsg)
}

func (d *fullDisk) SaveFinalAnswer(ctx context.Context, m chat.Message) error {
	if d.full.Load() {
		return errors.New("store: save final answer: database or disk is full")
	}
	return d.Store.SaveFinalAnswer(ctx, m)
}

// endOf reads an answer's event stream to its end and returns the end
// event's HTML.
func endOf(t *testing.T, b *browser, events string) string {
	t.Helper()
	res := b.get(events)
	defer res.Body.Close()
	for _, e := range readEvents(t, res.Body) {
		if e.name == "end" {
			return e.data
		}
	}
	t.Fatalf("%s ended without an end event", events)
	return ""
}

// TestUnsavedAnswerIsNotDoneAndNeverLoops: the final save fails. The
// person must see an error saying so, with the text and a retry, and no
// end event, then or after the answer leaves memory, may hold HTML that
// connects to the stream again (a tab looping on it made 241 requests in
// nine seconds).
func TestUnsavedAnswerIsNotDoneAndNeverLoops(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	disk := &fullDisk{Store: db}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := chat.NewService(disk, offline.NewProvider(offline.Answer, 0), "SYSTEM",
		chat.Config{SaveEvery: time.Hour, KeepFinished: time.Millisecond}, log)
	srv := httptest.NewServer(New(svc, log, Config{Ping: db.Ping}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		svc.Shutdown(ctx)
		srv.Close()
		db.Close()
	})
	app := &testApp{t: t, url: srv.URL}
	b := app.browser(true)
	b.get("/")

	disk.full.Store(true)
	a := ask(t, b, "What does an ML engineer do?")
	end := endOf(t, b, a.events)
	d, _ := goquery.NewDocumentFromReader(strings.NewReader(end))
	msg := d.Find(`[data-testid="message"]`)
	if state := msg.AttrOr("data-state", ""); state != "error" {
		t.Errorf("the end of an answer that could not be saved has state %q, want error", state)
	}
	if got := msg.Find(`[data-testid="answer-error"]`).Text(); !strings.Contains(got, "could not be saved") || strings.Contains(got, "disk") {
		t.Errorf("the answer says %q; want that it could not be saved, and no cause", got)
	}
	if msg.Find(".text").Text() == "" || msg.Find(`[data-testid="retry"]`).Length() != 1 {
		t.Errorf("the unsaved answer lost its text or offers no retry:\n%s", end)
	}

	// Connect again, as a browser would, many times: every end is final.
	for i := range 5 {
		if html := endOf(t, b, a.events); strings.Contains(html, "sse-connect") {
			t.Fatalf("connection %d: the end event holds HTML that connects again:\n%s", i+2, html)
		}
	}
	page := doc(t, b.get(a.conversation))
	if page.Find(`[sse-connect]`).Length() != 0 {
		t.Error("a reload shows the unsaved answer as still streaming")
	}
}

// TestAnswerLeftStreamingIsShownInterrupted: an answer the database holds
// as streaming that no generator here writes (another process wrote it, or
// its final save failed and the process restarted) is shown interrupted,
// and its event stream ends at once with HTML that does not reconnect.
func TestAnswerLeftStreamingIsShownInterrupted(t *testing.T) {
	app := newOpsApp(t, offlineProvider())
	b := app.browser(true)
	a := ask(t, b, "What does an ML engineer do?")
	endOf(t, b, a.events) // let the real answer finish

	ctx := context.Background()
	q, _ := app.db.Message(ctx, a.id)
	stuck := chat.Message{ID: "STUCKANSWER", ConversationID: q.ConversationID, Role: chat.RoleAssistant,
		Content: "half an answer", State: chat.StateStreaming, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := app.db.AddMessages(ctx, stuck); err != nil {
		t.Fatal(err)
	}
	events := strings.Replace(a.events, a.id, stuck.ID, 1)
	html := endOf(t, b, events)
	if strings.Contains(html, "sse-connect") || !strings.Contains(html, `data-state="interrupted"`) {
		t.Errorf("the end event of an answer nobody writes:\n%s\nwant it interrupted, not connecting again", html)
	}
	page := doc(t, b.get(a.conversation))
	if page.Find(`[sse-connect]`).Length() != 0 {
		t.Error("the page shows an answer nobody writes as streaming")
	}
}
