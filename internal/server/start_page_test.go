package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// The start page made once is the page rendering gives, compressed or not,
// for every request after the first; any other page is rendered.
func TestTheStartPageMadeOnceIsTheRenderedPage(t *testing.T) {
	start := views.ChatPage{Page: views.Page{Title: "Rolefit", Provider: chat.ProviderInfo{Model: "m"}, Back: "/", Now: time.Now()}}
	signedIn := start
	signedIn.SignedIn = true
	var pages startPages
	for _, p := range []views.ChatPage{start, signedIn} {
		want := renderPage(t, p)
		for i := range 4 {
			p.Now = p.Now.Add(time.Duration(i) * 24 * time.Hour) // it dates no conversation
			gz := i%2 == 1
			res := serveStartPage(t, &pages, p, gz)
			if res == nil {
				t.Fatalf("signed in %v, request %d: not served from the copy", p.SignedIn, i)
			}
			if enc := res.Header.Get("Content-Encoding"); (enc == "gzip") != gz {
				t.Errorf("request %d asked for gzip: %v, Content-Encoding %q", i, gz, enc)
			}
			if got := decodedBody(t, res); got != want {
				t.Errorf("signed in %v, request %d (gzip %v): the copy differs from the rendered page:\n%s\nwant\n%s", p.SignedIn, i, gz, got, want)
			}
		}
	}
	if renderPage(t, start) == renderPage(t, signedIn) {
		t.Fatal("the signed-in page is the same as the other: the check below cannot tell them apart")
	}

	others := map[string]func(*views.ChatPage){
		"an ask link's question": func(p *views.ChatPage) { p.Composer.Text = "Which role fits me?" },
		"a conversation listed": func(p *views.ChatPage) {
			p.Conversations = []chat.Conversation{{ID: "C1", Title: "my question"}}
		},
		"more conversations than listed": func(p *views.ChatPage) { p.ConversationCount = 3 },
		"another address":                func(p *views.ChatPage) { p.Back = "/?ask=x" },
		"a refused question":             func(p *views.ChatPage) { p.Composer.Error = "Too long." },
		"another provider":               func(p *views.ChatPage) { p.Provider.Offline = true },
	}
	for name, change := range others {
		p := start
		change(&p)
		if res := serveStartPage(t, &pages, p, true); res != nil {
			t.Errorf("a page with %s was served from the start page's copy", name)
		}
	}
}

func renderPage(t *testing.T, p views.ChatPage) string {
	t.Helper()
	var b bytes.Buffer
	if err := views.Chat(p).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// serveStartPage asks pages for p, as a request with or without gzip; nil
// when it was not served from the copy.
func serveStartPage(t *testing.T, pages *startPages, p views.ChatPage, gz bool) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	rec := httptest.NewRecorder()
	if !pages.serve(rec, req, p) {
		return nil
	}
	return rec.Result()
}

func decodedBody(t *testing.T, res *http.Response) string {
	t.Helper()
	var r io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A visitor's own conversations are on their start page, and on no one
// else's, while new visitors are served the page made once.
func TestTheStartPageShowsOnlyTheVisitorsOwnConversations(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	first := doc(t, app.browser(false).get("/"))
	if n := first.Find(`[data-testid="conversation"]`).Length(); n != 0 {
		t.Fatalf("a new visitor's start page lists %d conversations", n)
	}
	owner := app.browser(false)
	owner.get("/").Body.Close()
	res := owner.post("/c", url.Values{"message": {"my private question"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /c = %d", res.StatusCode)
	}
	mine := doc(t, owner.get("/")).Find(`[data-testid="conversation"]`)
	if mine.Length() != 1 || !strings.Contains(mine.Text(), "my private question") {
		t.Errorf("the owner's start page lists %q, want their conversation", mine.Text())
	}
	for _, gz := range []bool{false, true} {
		stranger := app.browser(false)
		h := http.Header{}
		if gz {
			// Set by hand, the client leaves the body compressed.
			h.Set("Accept-Encoding", "gzip")
		}
		res := stranger.do(http.MethodGet, "/", nil, h)
		body := decodedBody(t, res)
		res.Body.Close()
		plain := plainStart(t, app)
		want := decodedBody(t, plain)
		plain.Body.Close()
		if strings.Contains(body, "my private question") || body != want {
			t.Errorf("gzip %v: a new visitor's start page differs from the first one, or shows another's conversation", gz)
		}
	}
}

func plainStart(t *testing.T, app *testApp) *http.Response {
	t.Helper()
	return app.browser(false).do(http.MethodGet, "/", nil, http.Header{"Accept-Encoding": {"identity"}})
}
