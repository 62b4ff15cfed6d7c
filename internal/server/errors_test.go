package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
)

// TestErrorsSayWhatWentWrong: every failure is answered by one sink, with
// the status of its code and its own message; each 404 names what was not
// found, on a page and, for htmx, in the notice area.
func TestErrorsSayWhatWentWrong(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	tests := []struct {
		name, path string
		htmx       bool
		status     int
		want       string // in the message
		notWant    string
	}{
		{name: "unknown passage", path: "/source/no-such-section", status: 404, want: "passage", notWant: "conversation"},
		{name: "unknown passage, htmx", path: "/source/no-such-section", htmx: true, status: 404, want: "passage", notWant: "conversation"},
		{name: "unknown page", path: "/no/such/page", status: 404, want: "page", notWant: "conversation"},
		{name: "unknown conversation", path: "/c/MADEUPIDAAAAAAAAAAAAAAAAAA", status: 404, want: "conversation"},
		{name: "unknown conversation, htmx", path: "/c/MADEUPIDAAAAAAAAAAAAAAAAAA", htmx: true, status: 404, want: "conversation"},
		{name: "events of an unknown answer", path: "/c/MADEUPIDAAAAAAAAAAAAAAAAAA/answers/NOPE/events", status: 404, want: "conversation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := app.browser(tt.htmx).get(tt.path)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			var msg string
			if tt.htmx {
				if got := res.Header.Get("HX-Retarget"); got != "#notice" {
					t.Errorf("HX-Retarget = %q, want the notice area", got)
				}
				msg = readBody(t, res)
			} else {
				d := doc(t, res)
				page := d.Find(`[data-testid="error-page"]`)
				if page.Length() != 1 || !strings.Contains(page.Text(), "Not found") {
					t.Errorf("no error page saying Not found: %q", d.Find("main").Text())
				}
				msg = page.Find("p").First().Text()
			}
			if !strings.Contains(msg, tt.want) || (tt.notWant != "" && strings.Contains(msg, tt.notWant)) {
				t.Errorf("message %q, want one about the %s (and not a %s)", msg, tt.want, tt.notWant)
			}
		})
	}
}

// TestEveryPageHasANoticeArea: an htmx error is put in #notice, so every
// page must have one, the fit check included.
func TestEveryPageHasANoticeArea(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	res := b.post("/c", url.Values{"message": {"hi"}})
	conv := strings.Split(res.Header.Get("Location"), "#")[0]
	res.Body.Close()
	for _, path := range []string{"/", "/fit", "/source", conv, "/no/such/page"} {
		if n := doc(t, b.get(path)).Find("#notice").Length(); n != 1 {
			t.Errorf("%s has %d notice areas, want 1", path, n)
		}
	}
}

// TestErrorPagesNeedNoDatabase: an error page is drawn from the error
// alone. It does not list the visitor's conversations, so it still shows
// when the database is gone.
func TestErrorPagesNeedNoDatabase(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	res := b.post("/c", url.Values{"message": {"a question of mine"}})
	res.Body.Close()
	app.svc.Shutdown(context.Background())
	app.db.Close()
	res = b.get("/no/such/page")
	d := doc(t, res)
	if res.StatusCode != http.StatusNotFound || d.Find(`[data-testid="error-page"]`).Length() != 1 {
		t.Errorf("with the database closed, an unknown page = %d %q; want the 404 page", res.StatusCode, d.Find("main").Text())
	}
	if strings.Contains(app.logs.String(), "list conversations") {
		t.Errorf("the error page asked the database for the sidebar:\n%s", app.logs.String())
	}
}

// TestLoginFormThatCannotBeRead is refused as such, not as a wrong
// password.
func TestLoginFormThatCannotBeRead(t *testing.T) {
	app := protectedApp(t, Config{})
	b := app.browser(false)
	req, _ := http.NewRequest("POST", app.url+"/login", strings.NewReader("password=%zz&next=/"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	d := doc(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(d.Text(), "could not be read") {
		t.Errorf("an unreadable login form = %d %q; want 422 saying it could not be read", res.StatusCode, d.Find("main").Text())
	}
}

// TestPanicIsAnErrorPage: a handler's panic is answered by the same sink,
// with a 500 page that keeps its cause to the log.
func TestPanicIsAnErrorPage(t *testing.T) {
	logs := &logBuffer{}
	h := withRecover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("reading /var/secret failed")
	}), slog.New(slog.NewTextHandler(logs, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	d, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusInternalServerError || d.Find(`[data-testid="error-page"]`).Length() != 1 {
		t.Errorf("a panic = %d %q, want the 500 error page", rec.Code, d.Text())
	}
	if strings.Contains(d.Text(), "secret") || !strings.Contains(logs.String(), "reading /var/secret failed") {
		t.Errorf("the cause should be in the log only; page %q, log %q", d.Text(), logs.String())
	}
}
