package server

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

func (b *browser) htmxGet(path string) *http.Response {
	return b.do("GET", path, nil, http.Header{"HX-Request": {"true"}})
}

// results is each search result's conversation, and its text with the
// marked words in brackets.
func results(d *goquery.Document) (ids, texts []string) {
	d.Find(`[data-testid="search-result"]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-conversation", ""))
		s.Find("mark").Each(func(_ int, m *goquery.Selection) { m.SetText("[" + m.Text() + "]") })
		texts = append(texts, strings.Join(strings.Fields(s.Text()), " "))
	})
	return ids, texts
}

func conversationID(path string) string { return strings.TrimPrefix(path, "/c/") }

func TestSearchWithoutJavaScript(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Vector databases store ", "**embeddings** for retrieval [§genai-developer-tools]."}})
	rag := b.ask("/c", "What is RAG?")
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Feature stores and training pipelines."}})
	mlops := b.ask("/c", "What is MLOps?")

	res := b.get("/search?q=" + url.QueryEscape("embed"))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /search = %d", res.StatusCode)
	}
	d := doc(t, res)
	if v := d.Find(`form[method="get"] input[data-testid="search"]`).AttrOr("value", ""); v != "embed" {
		t.Errorf("search box holds %q, want the query", v)
	}
	ids, texts := results(d)
	if !slices.Equal(ids, []string{conversationID(rag)}) {
		t.Fatalf("results %q, want only %s", ids, rag)
	}
	if want := "What is RAG? Vector databases store [embeddings] for retrieval."; texts[0] != want {
		t.Errorf("result reads %q, want %q", texts[0], want)
	}
	href := d.Find(`[data-testid="search-result"] a`).AttrOr("href", "")
	if !strings.HasPrefix(href, rag+"#m-") {
		t.Errorf("result links to %q, want the message on %s", href, rag)
	}
	if res := b.get(strings.Split(href, "#")[0]); res.StatusCode != http.StatusOK {
		t.Errorf("opening the result = %d", res.StatusCode)
	}

	// A title matches too; every word must be found.
	ids, _ = results(doc(t, b.get("/search?q=mlops")))
	if !slices.Equal(ids, []string{conversationID(mlops)}) {
		t.Errorf("search mlops = %q", ids)
	}
	d = doc(t, b.get("/search?q=embeddings+pipelines"))
	if d.Find(`[data-testid="search-empty"]`).Length() != 1 || d.Find(`[data-testid="search-result"]`).Length() != 0 {
		t.Error("a search nothing matches does not say so")
	}
	// Both conversations hold "what"; the one updated last comes first.
	ids, _ = results(doc(t, b.get("/search?q=what")))
	if !slices.Equal(ids, []string{conversationID(mlops), conversationID(rag)}) {
		t.Errorf("search what = %q, want newest first", ids)
	}
}

func TestSearchAsYouTypeWithHtmx(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	rag := b.ask("/c", "Explain retrieval augmented generation")

	d := doc(t, b.get("/"))
	box := d.Find(`[data-testid="search"]`)
	if box.AttrOr("hx-get", "") != "/search" || !strings.Contains(box.AttrOr("hx-trigger", ""), "delay:300ms") {
		t.Errorf("search box hx-get %q, hx-trigger %q: want a debounced live search", box.AttrOr("hx-get", ""), box.AttrOr("hx-trigger", ""))
	}
	target := box.AttrOr("hx-target", "")
	if d.Find(target).Find(`[data-testid="conversation-list"]`).Length() != 1 {
		t.Errorf("the search box's target %q does not hold the conversation list", target)
	}

	res := b.htmxGet("/search?q=retriev")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	vary := strings.Join(res.Header.Values("Vary"), ", ")
	if res.StatusCode != http.StatusOK || strings.Contains(string(body), "<html") || !strings.Contains(vary, "HX-Request") {
		t.Fatalf("htmx search = %d, Vary %q, a whole page: %v", res.StatusCode, vary, strings.Contains(string(body), "<html"))
	}
	part, _ := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	ids, texts := results(part)
	if !slices.Equal(ids, []string{conversationID(rag)}) || !strings.Contains(texts[0], "[retrieval]") {
		t.Errorf("htmx results %q %q", ids, texts)
	}

	// Emptying the box brings the list back, the open conversation marked.
	part = doc(t, b.do("GET", "/search?q=", nil, http.Header{"HX-Request": {"true"}, "HX-Current-URL": {app.url + rag}}))
	if got := part.Find(`[aria-current="page"]`).AttrOr("href", ""); got != rag {
		t.Errorf("the list given back marks %q, want %s", got, rag)
	}
	if part.Find(`[data-testid="conversation-group"] [data-testid="conversation"]`).Length() != 1 || part.Find("html").Length() > 0 && part.Find("body > *").Length() > 1 {
		t.Error("an empty search does not give the conversation list back")
	}
	if part.Find(`[data-testid="search-empty"]`).Length() != 0 {
		t.Error("an empty search says nothing matched")
	}
}

func TestSearchNeverShowsAnotherVisitors(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	owner := app.browser(false)
	owner.ask("/c", "My secret Kubernetes migration plan")
	stranger := app.browser(false)
	stranger.ask("/c", "Kubernetes basics")
	for _, q := range []string{"secret", "migration", "kubernetes"} {
		for _, get := range []func(string) *http.Response{stranger.get, stranger.htmxGet} {
			res := get("/search?q=" + q)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(body), "secret Kubernetes") || strings.Contains(string(body), "migration plan") {
				t.Errorf("a stranger searching %q sees the owner's conversation", q)
			}
		}
	}
	if d := doc(t, app.browser(false).get("/search?q=kubernetes")); d.Find(`[data-testid="search-result"]`).Length() != 0 {
		t.Error("a new visitor finds conversations")
	}
}

// Quotes, stars, minus signs, FTS5's operators and markup are only text:
// never an error, and never markup on the page.
func TestSearchOddCharacters(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	page := b.ask("/c", `Is "C++" <b>bold</b> & (AND) OR NOT -risky* NEAR "it"?`)
	for _, q := range []string{`"`, `""`, `"C++`, `C++"`, `*`, `-`, `-risky`, `risky*`, `(AND)`, `AND`, `OR NOT`, `NEAR(bold, it)`,
		`bold:`, `^bold`, `{content}:bold`, `'`, `%`, `_`, `\`, `<script>alert(1)</script>`, `<b>bold</b>`, "\x00", "\xff", strings.Repeat("a ", 500)} {
		for _, get := range []func(string) *http.Response{b.get, b.htmxGet} {
			res := get("/search?q=" + url.QueryEscape(q))
			d := doc(t, res)
			if res.StatusCode != http.StatusOK {
				t.Errorf("search %q = %d", q, res.StatusCode)
				continue
			}
			if d.Find("script:not([src]), b").Length() != 0 {
				t.Errorf("search %q put markup on the page", q)
			}
			if d.Find(`[data-testid="search-result"], [data-testid="search-empty"], [data-testid="conversation-list"]`).Length() == 0 {
				t.Errorf("search %q shows neither results nor that there are none", q)
			}
		}
	}
	ids, texts := results(doc(t, b.get("/search?q="+url.QueryEscape(`<b>bold</b>`))))
	if !slices.Equal(ids, []string{conversationID(page)}) || !strings.Contains(texts[0], "<[b]>[bold]</[b]>") {
		t.Errorf("search <b>bold</b> = %q %q, want the question with its text escaped and the words marked", ids, texts)
	}
}

func TestConversationListGroupedByDate(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	today := b.ask("/c", "From today")
	ctx := t.Context()
	c, err := app.db.Conversation(ctx, conversationID(today))
	if err != nil {
		t.Fatal(err)
	}
	// Days are UTC days (the server does not know the visitor's zone).
	y, m, d := time.Now().UTC().Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for i, older := range []struct {
		title string
		at    time.Time
	}{
		{"From yesterday", midnight.Add(-12 * time.Hour)},
		{"Previous seven", midnight.AddDate(0, 0, -3)},
		{"Previous thirty", midnight.AddDate(0, 0, -20)},
		{"Older one", midnight.AddDate(0, 0, -60)},
	} {
		if err := app.db.CreateConversation(ctx, chat.Conversation{ID: "old" + string(rune('a'+i)), VisitorID: c.VisitorID,
			Title: older.title, CreatedAt: older.at, UpdatedAt: older.at}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	doc(t, b.get("/")).Find(`[data-testid="conversation-group"]`).Each(func(_ int, g *goquery.Selection) {
		got = append(got, g.Find("h2").Text()+": "+g.Find(`[data-testid="conversation"]`).Text())
	})
	want := []string{"Today: From today", "Yesterday: From yesterday", "Previous 7 days: Previous seven",
		"Previous 30 days: Previous thirty", "Older: Older one"}
	if !slices.Equal(got, want) {
		t.Errorf("groups:\n got %q\nwant %q", got, want)
	}
}

// The list's own menu renames and deletes a conversation without opening
// it, and returns to the page the person was on; back is only ever a path
// of this site.
func TestListMenuRenamesAndDeletesInPlace(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	keep := b.ask("/c", "Keep me")
	tidy := b.ask("/c", "Tidy me")

	d := doc(t, b.get(keep))
	entry := d.Find(`[data-testid="conversation"][data-conversation="` + conversationID(tidy) + `"]`).Parent()
	menu := entry.Find(`details[data-testid="conversation-menu"]`)
	rename := menu.Find(`[data-testid="conversation-rename-save"]`).Closest("form")
	if rename.AttrOr("action", "") != tidy+"/rename" || rename.Find(`input[name="back"]`).AttrOr("value", "") != keep {
		t.Fatalf("rename form posts to %q with back %q", rename.AttrOr("action", ""), rename.Find(`input[name="back"]`).AttrOr("value", ""))
	}
	del := menu.Find(`[data-testid="conversation-delete-confirm"]`).Closest("form")
	if del.AttrOr("action", "") != tidy+"/delete" || menu.Find(`[data-testid="conversation-delete"]`).Length() != 1 {
		t.Fatalf("delete form posts to %q", del.AttrOr("action", ""))
	}

	res := b.post(tidy+"/rename", url.Values{"title": {"Tidied"}, "back": {keep}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != keep {
		t.Errorf("rename from the list = %d to %q, want back to %s", res.StatusCode, res.Header.Get("Location"), keep)
	}
	if got := sidebarTitles(t, b); !slices.Contains(got, "Tidied") {
		t.Errorf("list after rename = %q", got)
	}
	for back, want := range map[string]string{
		"/search?q=tidied":      "/search?q=tidied",
		"//evil.example/":       "/",
		"https://evil.example/": "/",
		"/\\evil.example":       "/",
		"javascript:alert(1)":   "/",
		"":                      tidy, // the conversation's bar: as before
	} {
		res := b.post(tidy+"/rename", url.Values{"title": {"Tidied"}, "back": {back}})
		if res.Header.Get("Location") != want {
			t.Errorf("rename with back %q goes to %q, want %q", back, res.Header.Get("Location"), want)
		}
	}

	res = b.post(tidy+"/delete", url.Values{"back": {keep}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != keep {
		t.Errorf("delete from the list = %d to %q, want back to %s", res.StatusCode, res.Header.Get("Location"), keep)
	}
	if got := sidebarTitles(t, b); !slices.Equal(got, []string{"Keep me"}) {
		t.Errorf("list after delete = %q", got)
	}
	// Deleting the conversation on screen cannot go back to it.
	if res := b.post(keep+"/delete", url.Values{"back": {keep + "?before=x"}}); res.Header.Get("Location") != "/" {
		t.Errorf("deleting the open conversation goes to %q, want /", res.Header.Get("Location"))
	}
}
