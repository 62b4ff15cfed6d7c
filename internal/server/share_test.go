package server

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// share creates the conversation's link as its owner would, without
// JavaScript, and returns the link's path as the share panel shows it.
func (b *browser) share(conv string) string {
	b.app.t.Helper()
	res := b.post(conv+"/share", nil)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, conv+"?share=open") {
		b.app.t.Fatalf("POST %s/share = %d to %q, want the conversation with its share panel open", conv, res.StatusCode, loc)
	}
	d := doc(b.app.t, b.get(loc))
	panel := d.Find(`details:has([data-testid="share"])`)
	if _, open := panel.Attr("open"); !open {
		b.app.t.Errorf("share panel is closed after creating the link")
	}
	link := panel.Find(`[data-testid="share-url"]`)
	u, err := url.Parse(link.AttrOr("href", ""))
	if err != nil || u.Scheme != "http" || u.Host != strings.TrimPrefix(b.app.url, "http://") || !strings.HasPrefix(u.Path, "/s/") {
		b.app.t.Fatalf("share-url = %q (%v), want an absolute /s/ address on this server", link.AttrOr("href", ""), err)
	}
	if link.Text() != u.String() {
		b.app.t.Errorf("share-url shows %q, links to %q", link.Text(), u)
	}
	if panel.Find(`form [data-testid="share-revoke"]`).Length() != 1 {
		b.app.t.Errorf("no revoke button beside the link")
	}
	return u.Path
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The owner shares; anyone with the link reads the conversation as it was
// then, with working citations, nothing to change it, noindex, and nothing
// of the owner's; later messages stay out.
func TestSharedConversation(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"They use Python [§ml-engineer-tools]."}})
	owner := app.browser(false)
	conv := owner.ask("/c", "Which tools do ML engineers use?")
	other := owner.ask("/c", "A secret other title")
	link := owner.share(conv)

	convID := strings.TrimPrefix(conv, "/c/")
	shareID := strings.TrimPrefix(link, "/s/")
	if shareID == convID || len(shareID) < 26 {
		t.Errorf("link id %q: want its own id of 128 bits or more, not the conversation's %q", shareID, convID)
	}

	owner.ask(conv+"/messages", "A later question")

	reader := app.browser(false)
	reader.get("/").Body.Close() // the reader has a visitor id of their own
	res := reader.get(link)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", link, res.StatusCode)
	}
	if got := res.Header.Get("X-Robots-Tag"); got != "noindex" {
		t.Errorf("X-Robots-Tag = %q, want noindex", got)
	}
	raw := body(t, res)
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if d.Find(`meta[name="robots"][content="noindex"]`).Length() != 1 {
		t.Error("no <meta name=robots content=noindex>")
	}
	var shown []string
	d.Find(`[data-testid="message"]`).Each(func(_ int, s *goquery.Selection) {
		shown = append(shown, s.AttrOr("data-role", "")+": "+strings.TrimSpace(s.Find(".text").Text()))
	})
	if want := "user: Which tools do ML engineers use?|assistant: They use Python 1."; strings.Join(shown, "|") != want {
		t.Errorf("shared messages = %q, want the two of the moment it was shared: %q", shown, want)
	}
	cite := d.Find(`a[data-testid="citation"][data-section="ml-engineer-tools"]`)
	if cite.Length() != 1 {
		t.Fatal("the shared answer's citation is not a link")
	}
	if r := reader.get(cite.AttrOr("href", "")); r.StatusCode != http.StatusOK {
		t.Errorf("the citation leads to %d", r.StatusCode)
	} else {
		r.Body.Close()
	}
	if r := reader.do("GET", "/source/ml-engineer-tools", nil, http.Header{"HX-Request": {"true"}}); r.StatusCode != http.StatusOK {
		t.Errorf("the citation's passage = %d", r.StatusCode)
	} else {
		r.Body.Close()
	}

	// Nothing that changes anything, but Continue; no sidebar or composer.
	for _, sel := range []string{`[data-testid="sidebar"]`, `[data-testid="composer"]`, `textarea`, `[data-testid="regenerate"]`,
		`[data-testid="retry"]`, `[data-testid="delete"]`, `[data-testid="rename"]`, `[data-testid="share"]`, `[data-testid="answer-meta"]`,
		`[data-testid="conversation"]`, `[data-testid="sidebar-toggle"]`, `[data-testid="fit-discuss"]`, `[data-testid^="feedback"]`} {
		if n := d.Find(sel).Length(); n != 0 {
			t.Errorf("shared page has %d of %s", n, sel)
		}
	}
	var posts []string
	d.Find("form").Each(func(_ int, s *goquery.Selection) { posts = append(posts, s.AttrOr("action", "")) })
	if strings.Join(posts, ",") != link+"/continue" || d.Find(`form [data-testid="share-continue"]`).Length() != 1 {
		t.Errorf("shared page forms post to %q, want only %s/continue", posts, link)
	}
	for _, secret := range []string{convID, strings.TrimPrefix(other, "/c/"), "A secret other title", "A later question", visitorOf(t, owner)} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the shared page reveals %q", secret)
		}
	}
	if bytes.Contains(raw, []byte(visitorOf(t, reader))) {
		t.Error("the shared page shows the reader's own visitor id")
	}

	// The owner's conversation is still theirs alone.
	if r := reader.get(conv); r.StatusCode != http.StatusNotFound {
		t.Errorf("reader opening the original = %d, want 404", r.StatusCode)
	}
}

// Only the owner creates or revokes a link; to anyone else the routes are
// the conversation's 404. A revoked link and one never made answer the
// same 404, byte for byte.
func TestShareOwnerOnlyAndRevokedIsUnknown(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	owner := app.browser(false)
	conv := owner.ask("/c", "A question")
	stranger := app.browser(false)
	for _, path := range []string{conv + "/share", conv + "/share/revoke", "/c/MADEUPIDAAAAAAAAAAAAAAAAAA/share"} {
		if r := stranger.post(path, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("stranger POST %s = %d, want 404", path, r.StatusCode)
		}
	}
	link := owner.share(conv)
	if r := stranger.post(conv+"/share/revoke", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("stranger revoking = %d, want 404", r.StatusCode)
	}
	if r := stranger.get(link); r.StatusCode != http.StatusOK {
		t.Fatalf("the link after a stranger tried to revoke it = %d, want 200", r.StatusCode)
	}

	// Sharing again keeps the address.
	if again := owner.share(conv); again != link {
		t.Errorf("sharing again moved the link from %s to %s", link, again)
	}

	res := owner.post(conv+"/share/revoke", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke = %d", res.StatusCode)
	}
	d := doc(t, owner.get(res.Header.Get("Location")))
	if d.Find(`[data-testid="share-url"]`).Length() != 0 || d.Find(`[data-testid="share-create"]`).Length() != 1 {
		t.Error("after revoking, the panel still shows the link, or offers no new one")
	}

	revoked := stranger.get(link)
	unknown := stranger.get("/s/NOSUCHLINKAAAAAAAAAAAAAAAA")
	rb, ub := body(t, revoked), body(t, unknown)
	if revoked.StatusCode != http.StatusNotFound || unknown.StatusCode != http.StatusNotFound {
		t.Errorf("revoked = %d, unknown = %d; want 404 for both", revoked.StatusCode, unknown.StatusCode)
	}
	if !bytes.Equal(rb, ub) {
		t.Errorf("a revoked link's page differs from an unknown one's:\n%s\n---\n%s", rb, ub)
	}
	if r := owner.get(link); r.StatusCode != http.StatusNotFound {
		t.Errorf("the owner opening a revoked link = %d, want 404", r.StatusCode)
	}
	if r := stranger.post(link+"/continue", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("continuing a revoked link = %d, want 404", r.StatusCode)
	}
}

// Continue copies the shared conversation into the visitor's own: a new
// conversation of theirs, the same messages, and they can ask on; the
// owner's is untouched.
func TestContinueSharedCopiesForAnotherVisitor(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Shared answer [§ml-engineer-tools]."}})
	owner := app.browser(false)
	conv := owner.ask("/c", "Shared question")
	link := owner.share(conv)

	visitor := app.browser(false)
	res := visitor.post(link+"/continue", nil)
	res.Body.Close()
	copyPath := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(copyPath, "/c/") || copyPath == conv {
		t.Fatalf("continue = %d to %q, want a new conversation", res.StatusCode, copyPath)
	}
	d := doc(t, visitor.get(copyPath))
	var shown []string
	d.Find(`[data-testid="message"]`).Each(func(_ int, s *goquery.Selection) {
		shown = append(shown, strings.TrimSpace(s.Find(".text").Text()))
	})
	if strings.Join(shown, "|") != "Shared question|Shared answer 1." {
		t.Errorf("the copy shows %q", shown)
	}
	if got := sidebarTitles(t, visitor); len(got) != 1 || got[0] != "Shared question" {
		t.Errorf("the visitor's list = %q, want the copy", got)
	}
	if d.Find(`form[data-testid="composer"]`).AttrOr("action", "") != copyPath+"/messages" {
		t.Error("the copy has no composer of its own")
	}

	// The copy is theirs: they ask on, and the owner's stays as it was.
	visitor.ask(copyPath+"/messages", "My own follow-up")
	if r := owner.get(copyPath); r.StatusCode != http.StatusNotFound {
		t.Errorf("the owner opening the visitor's copy = %d, want 404", r.StatusCode)
	}
	od := doc(t, owner.get(conv))
	if n := od.Find(`[data-testid="message"]`).Length(); n != 2 || strings.Contains(od.Text(), "My own follow-up") {
		t.Errorf("the owner's conversation changed: %d messages", n)
	}
}

// A fit check result is shared the same way: the shared page shows the
// card, without "Discuss my result", which would act on the owner's
// conversation; Continue copies the result too.
func TestSharedFitResult(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	owner := app.browser(false)
	ml := map[string]string{"enjoy": "math-data", "build": "train-model", "approach": "from-scratch", "work-style": "experiment", "tools": "python-ml", "background": "data", "analogy": "chef"}
	res := owner.post("/fit", fitForm(ml))
	res.Body.Close()
	conv := res.Header.Get("Location")
	link := owner.share(conv)

	reader := app.browser(false)
	d := doc(t, reader.get(link))
	card := d.Find(`[data-testid="fit-result"]`)
	if card.AttrOr("data-fit", "") != "ml-engineer" || card.Find(`a[data-testid="citation"]`).Length() < 2 {
		t.Errorf("shared fit card = %q (data-fit %q)", card.Text(), card.AttrOr("data-fit", ""))
	}
	if d.Find(`[data-testid="fit-discuss"]`).Length() != 0 || strings.Contains(d.Text(), "Your fit check result") {
		t.Error("the shared card offers to discuss it, or calls it the reader's")
	}
	res = reader.post(link+"/continue", nil)
	res.Body.Close()
	cd := doc(t, reader.get(res.Header.Get("Location")))
	if cd.Find(`[data-testid="fit-result"][data-fit="ml-engineer"] [data-testid="fit-discuss"]`).Length() != 1 {
		t.Error("the copy does not show the result with Discuss my result")
	}
}

// An answer still being written is not shared half done: the owner is told
// to wait, and no link is made.
func TestShareWaitsForTheAnswer(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"partial ", "rest"}, Gate: gate})
	owner := app.browser(true)
	d := doc(t, owner.post("/c", url.Values{"message": {"q"}}))
	conv := strings.TrimSuffix(d.Find(`form[data-testid="composer"]`).AttrOr("action", ""), "/messages")
	if !strings.HasPrefix(conv, "/c/") {
		t.Fatalf("no conversation: composer posts to %q", conv)
	}
	plain := app.browser(false)
	plain.client.Jar = owner.client.Jar
	res := plain.post(conv+"/share", nil)
	page := doc(t, res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page.Text(), "still being written") {
		t.Errorf("sharing mid-answer = %d %q, want 409 asking to wait", res.StatusCode, page.Find("main").Text())
	}
	close(gate)
	if n := doc(t, plain.get(conv)).Find(`[data-testid="share-url"]`).Length(); n != 0 {
		t.Error("a link was made mid-answer")
	}
}
