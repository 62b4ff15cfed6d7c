package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/offline"
	"github.com/rolefit/rolefit/internal/store"
)

// ask asks a question without JavaScript and returns the conversation's path.
func (b *browser) ask(path, question string) string {
	b.app.t.Helper()
	res := b.post(path, url.Values{"message": {question}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.app.t.Fatalf("POST %s = %d", path, res.StatusCode)
	}
	return strings.Split(res.Header.Get("Location"), "#")[0]
}

func sidebarTitles(t *testing.T, b *browser) []string {
	t.Helper()
	var titles []string
	doc(t, b.get("/")).Find(`[data-testid="conversation"]`).Each(func(_ int, s *goquery.Selection) {
		titles = append(titles, s.Text())
	})
	return titles
}

func TestConversationList(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	first := b.ask("/c", "First question")
	b.ask("/c", "Second question")
	if got := sidebarTitles(t, b); strings.Join(got, "|") != "Second question|First question" {
		t.Errorf("sidebar = %q, want newest first", got)
	}
	b.ask(first+"/messages", "a follow-up") // moves it to the top
	if got := sidebarTitles(t, b); strings.Join(got, "|") != "First question|Second question" {
		t.Errorf("sidebar after a follow-up = %q", got)
	}
	if got := sidebarTitles(t, app.browser(false)); len(got) != 0 {
		t.Errorf("another visitor sees %q", got)
	}
	d := doc(t, b.get(first))
	if cur := d.Find(`[data-testid="conversation"][aria-current="page"]`).Text(); cur != "First question" {
		t.Errorf("current conversation marked = %q", cur)
	}
}

func TestRenameDeleteAndClearAll(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	keep := b.ask("/c", "Keep me")
	gone := b.ask("/c", "Delete me")

	stranger := app.browser(false)
	for _, path := range []string{gone + "/rename", gone + "/delete"} {
		if res := stranger.post(path, url.Values{"title": {"mine"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("stranger POST %s = %d, want 404", path, res.StatusCode)
		}
	}

	res := b.post(keep+"/rename", url.Values{"title": {"  My plan  "}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != keep {
		t.Errorf("rename = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if title := doc(t, b.get(keep)).Find(`[data-testid="conversation-title"]`).Text(); title != "My plan" {
		t.Errorf("title after rename = %q", title)
	}

	res = b.post(gone+"/delete", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("delete = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if r := b.get(gone); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleted conversation = %d, want 404", r.StatusCode)
	}
	if r := b.get(gone + "/export.json"); r.StatusCode != http.StatusNotFound {
		t.Errorf("export of a deleted conversation = %d, want 404", r.StatusCode)
	}
	if got := sidebarTitles(t, b); strings.Join(got, "|") != "My plan" {
		t.Errorf("sidebar after delete = %q", got)
	}

	theirs := stranger.ask("/c", "Stranger's question")
	b.post("/c/delete-all", nil)
	if got := sidebarTitles(t, b); len(got) != 0 {
		t.Errorf("sidebar after clear all = %q", got)
	}
	if r := stranger.get(theirs); r.StatusCode != http.StatusOK {
		t.Errorf("clear all removed another visitor's conversation (%d)", r.StatusCode)
	}
}

func TestExport(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"They use PyTorch [§ml-engineer-tools]."}})
	b := app.browser(false)
	conv := b.ask("/c", "Which tools?")

	res := b.get(conv + "/export.md")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, `attachment; filename="rolefit-which-tools.md"`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if md := string(body); !strings.Contains(md, "They use PyTorch [^1].") || !strings.Contains(md, "[^1]: ") {
		t.Errorf("markdown export:\n%s", md)
	}

	res = b.get(conv + "/export.json")
	var exp struct {
		Title    string
		Messages []struct{ Role, Content, State string }
	}
	if err := json.NewDecoder(res.Body).Decode(&exp); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if exp.Title != "Which tools?" || len(exp.Messages) != 2 || exp.Messages[1].State != "done" {
		t.Errorf("json export = %+v", exp)
	}
	if r := app.browser(false).get(conv + "/export.md"); r.StatusCode != http.StatusNotFound {
		t.Errorf("another visitor's export = %d, want 404", r.StatusCode)
	}
}

func TestRegenerateAndSwitchVersions(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"First answer."}}, fakeopenai.Reply{Chunks: []string{"Second answer."}})
	b := app.browser(false)
	conv := b.ask("/c", "Tell me")
	d := doc(t, b.get(conv))
	regen := d.Find(`[data-testid="regenerate"]`).Closest("form").AttrOr("action", "")
	if regen == "" {
		t.Fatal("no regenerate button on the latest answer")
	}
	res := b.post(regen, nil)
	res.Body.Close()
	d = doc(t, b.get(conv))
	answer := d.Find(`[data-role="assistant"]`)
	if answer.Length() != 1 || !strings.Contains(answer.Text(), "Second answer.") || answer.Find(`[data-testid="version-label"]`).Text() != "2 / 2" {
		t.Fatalf("after regenerate: %d answers shown, %q", answer.Length(), answer.Text())
	}
	prev := answer.Find(`[data-testid="version-prev"]`).Closest("form").AttrOr("hx-post", "")

	// With htmx, switching returns the other version in the answer's place.
	h := app.browser(true)
	h.client.Jar = b.client.Jar
	d = doc(t, h.post(prev, nil))
	if got := d.Find(`[data-role="assistant"]`).Text(); !strings.Contains(got, "First answer.") || !strings.Contains(got, "1 / 2") {
		t.Errorf("switched version shows %q", got)
	}
	if got := doc(t, b.get(conv)).Find(`[data-role="assistant"]`).Text(); !strings.Contains(got, "First answer.") {
		t.Errorf("the switch did not stick: %q", got)
	}
}

// listCounting counts the store's lists of a visitor's conversations.
type listCounting struct {
	chat.Store
	lists atomic.Int32
}

func (s *listCounting) ConversationsByVisitor(ctx context.Context, visitorID string, limit int) ([]chat.Conversation, error) {
	s.lists.Add(1)
	return s.Store.ConversationsByVisitor(ctx, visitorID, limit)
}

// TestFirstVisitReadsNoConversations opens the new-chat page as a first
// visitor (no cookie yet: crawlers, and everyone once) and as a returning
// one. The first has nothing to list, and its sidebar is drawn without
// asking the database; the returning visitor's lists their conversations,
// and does not count them apart: a list shorter than the sidebar's most
// is all of them.
func TestFirstVisitReadsNoConversations(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counting := &listCounting{Store: db}
	log := slog.New(slog.DiscardHandler)
	svc := chat.NewService(counting, offline.NewProvider(offline.Answer, 0), "S", chat.Config{}, log)
	defer svc.Shutdown(ctx)
	var counts atomic.Int32
	count := func(ctx context.Context, visitorID string) (int, error) {
		counts.Add(1)
		return db.CountConversationsByVisitor(ctx, visitorID)
	}
	srv := httptest.NewServer(New(svc, log, Config{CountConversations: count}))
	defer srv.Close()
	app := &testApp{t: t, url: srv.URL}
	b := app.browser(false)

	first := doc(t, b.get("/"))
	if first.Find(`[data-testid="sidebar"]`).Length() != 1 {
		t.Fatal("the first visit's page has no sidebar")
	}
	if n := counting.lists.Load(); n != 0 {
		t.Errorf("a first visit listed conversations %d times, want none", n)
	}

	b.ask("/c", "What does an ML engineer do?")
	lists, counted := counting.lists.Load(), counts.Load()
	again := doc(t, b.get("/"))
	if counting.lists.Load() == lists {
		t.Error("a returning visitor's page did not list their conversations")
	}
	if again.Find(`a[data-testid="conversation"]`).Length() != 1 {
		t.Error("a returning visitor's page does not list their conversation")
	}
	if n := counts.Load() - counted; n != 0 {
		t.Errorf("a page listing one conversation counted them %d times, want none", n)
	}
}
