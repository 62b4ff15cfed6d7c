package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/llm"
	"github.com/rolefit/rolefit/internal/metrics"
	"github.com/rolefit/rolefit/internal/store"
)

// testApp is the real HTTP stack on a real SQLite file, answering through
// the OpenAI provider from the project's fake OpenAI server, with metrics
// served at /metrics.
type testApp struct {
	t       *testing.T
	url     string
	fake    *fakeopenai.Server
	svc     *chat.Service
	logs    *logBuffer
	metrics *metrics.Metrics
}

const testAPIKey = "sk-test-SECRET"

func newTestApp(t *testing.T, cfg chat.Config) *testApp {
	t.Helper()
	return newTestAppAt(t, cfg, "")
}

// newTestAppAt is newTestApp with the provider pointed at baseURL instead
// of the fake (which still runs, unused), for upstreams the fake cannot be:
// a closed port, a name that does not resolve, a certificate not trusted.
func newTestAppAt(t *testing.T, cfg chat.Config, baseURL string) *testApp {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	fake := fakeopenai.New()
	if baseURL == "" {
		baseURL = fake.URL
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	m := metrics.New()
	cfg.Observer = m
	provider := llm.NewOpenAI(llm.OpenAIConfig{APIKey: testAPIKey, BaseURL: baseURL, Model: "test-model"})
	svc := chat.NewService(db, provider, "SYSTEM", cfg, log)
	srv := httptest.NewServer(New(svc, log, Config{Metrics: m, ServeMetrics: true, Ping: db.Ping}))
	t.Cleanup(func() {
		fake.Close()
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		svc.Shutdown(ctx)
		srv.Close()
		db.Close()
	})
	return &testApp{t: t, url: srv.URL, fake: fake, svc: svc, logs: logs, metrics: m}
}

// browser is one visitor: a cookie jar, and htmx or not.
type browser struct {
	app    *testApp
	client *http.Client
	htmx   bool
}

func (a *testApp) browser(htmx bool) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{app: a, htmx: htmx, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(method, path string, form url.Values, header http.Header) *http.Response {
	b.app.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.app.url+path, body)
	if err != nil {
		b.app.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.htmx {
		req.Header.Set("HX-Request", "true")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.app.t.Fatal(err)
	}
	return res
}

func (b *browser) get(path string) *http.Response { return b.do("GET", path, nil, nil) }

func (b *browser) post(path string, form url.Values) *http.Response {
	return b.do("POST", path, form, nil)
}

func doc(t *testing.T, res *http.Response) *goquery.Document {
	t.Helper()
	defer res.Body.Close()
	d, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// event is one Server-Sent Event as a browser's EventSource parses it.
type event struct{ name, id, data string }

// readEvents parses an event stream until it ends.
func readEvents(t *testing.T, body io.Reader) []event {
	t.Helper()
	var events []event
	for e := range streamEvents(body) {
		events = append(events, e)
	}
	return events
}

// streamEvents parses an event stream as it arrives; the channel is closed
// when the stream ends.
func streamEvents(body io.Reader) <-chan event {
	out := make(chan event, 100)
	go func() {
		defer close(out)
		parseEvents(body, out)
	}()
	return out
}

func parseEvents(body io.Reader, out chan<- event) {
	var cur event
	var data []string
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data != nil {
				cur.data = strings.Join(data, "\n")
				out <- cur
			}
			cur, data = event{}, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(line, "data:"))
		}
	}
}

// logBuffer lets the test read logs written from many goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
