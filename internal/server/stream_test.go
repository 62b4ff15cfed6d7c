package server

import (
	"bufio"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/llm"
	"github.com/rolefit/rolefit/internal/store"
)

// TestStreamOutlivesWriteTimeoutWithKeepAlives runs the handler in a server
// whose WriteTimeout is far shorter than the answer: the stream lifts it for
// itself, and comments keep the idle connection alive meanwhile.
func TestStreamOutlivesWriteTimeoutWithKeepAlives(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fake := fakeopenai.New()
	defer fake.Close()
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: []string{"slow ", "answer"}, Gate: gate})
	log := slog.New(slog.DiscardHandler)
	provider := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: fake.URL, Model: "m"})
	defer provider.Close()
	svc := chat.NewService(db, provider, "S", chat.Config{}, log)
	defer svc.Shutdown(ctx)

	srv := httptest.NewUnstartedServer(New(svc, log, Config{KeepAlive: 20 * time.Millisecond}))
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Start()
	defer srv.Close()
	app := &testApp{t: t, url: srv.URL}
	b := app.browser(true)
	d := doc(t, b.post("/c", url.Values{"message": {"q"}}))
	events := d.Find(`[data-role="assistant"]`).AttrOr("sse-connect", "")

	res := b.get(events)
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	// Wait for keep-alive comments to pass the write timeout several times.
	deadline := time.Now().Add(300 * time.Millisecond)
	comments := 0
	for time.Now().Before(deadline) {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream broke after %d keep-alives: %v", comments, err)
		}
		if strings.HasPrefix(line, ": keep-alive") {
			comments++
		}
	}
	if comments < 3 {
		t.Errorf("%d keep-alive comments in 300ms at a 20ms interval", comments)
	}
	close(gate)
	rest, _ := io.ReadAll(r)
	if !strings.Contains(string(rest), "event: end") || !strings.Contains(string(rest), "slow answer") {
		t.Errorf("the answer did not arrive whole after %v: %q", srv.Config.WriteTimeout, rest)
	}
}

// TestFirstPageWeight holds the page to its budget: everything a browser
// downloads for the first visit, as sent on the wire, within 30 KB.
func TestFirstPageWeight(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(path string) int {
		req, _ := http.NewRequest("GET", app.url+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", path, res.StatusCode)
		}
		if strings.HasPrefix(path, "/static/") {
			if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s: encoding %q, cache %q; want gzip and immutable", path, res.Header.Get("Content-Encoding"), res.Header.Get("Cache-Control"))
			}
			if _, err := gzip.NewReader(strings.NewReader(string(body))); err != nil {
				t.Errorf("%s: not valid gzip: %v", path, err)
			}
		}
		return len(body)
	}
	page := newTestApp(t, chat.Config{}).browser(false).get("/")
	d := doc(t, page)
	total := get("/")
	d.Find(`script[src], link[href]`).Each(func(_ int, s *goquery.Selection) {
		ref := s.AttrOr("src", s.AttrOr("href", ""))
		total += get(ref)
	})
	t.Logf("first page on the wire: %d bytes", total)
	if total > 30*1024 {
		t.Errorf("first page weighs %d bytes on the wire, over the 30 KB budget", total)
	}
}

// TestRetryShownWhileWaiting: a failure before the first token is retried,
// and the person sees a note while it waits.
func TestRetryShownWhileWaiting(t *testing.T) {
	app := newTestApp(t, chat.Config{Retries: 2})
	app.fake.Push(fakeopenai.Reply{Status: 503}, fakeopenai.Reply{Chunks: []string{"Recovered."}})
	b := app.browser(true)
	d := doc(t, b.post("/c", url.Values{"message": {"q"}}))
	res := b.get(d.Find(`[data-role="assistant"]`).AttrOr("sse-connect", ""))
	evs := readEvents(t, res.Body)
	res.Body.Close()
	var names []string
	var note string
	for _, e := range evs {
		names = append(names, e.name)
		if e.name == "status" && note == "" {
			note = e.data
		}
	}
	if !strings.Contains(note, "trying again (1 of 2)") {
		t.Errorf("events %q; first status %q, want a retry note", names, note)
	}
	if last := evs[len(evs)-1]; last.name != "end" || !strings.Contains(last.data, `data-state="done"`) || !strings.Contains(last.data, "Recovered.") {
		t.Errorf("end = %+v", last)
	}
	if n := len(app.fake.Calls()); n != 2 {
		t.Errorf("the model was called %d times, want 2", n)
	}
}
