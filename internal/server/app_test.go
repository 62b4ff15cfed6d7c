package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
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
	"github.com/rolefit/rolefit/internal/offline"
	"github.com/rolefit/rolefit/internal/store"
)

// testSystemPrompt is the test app's system prompt: with characters that
// must be escaped wherever it is shown.
const testSystemPrompt = "SYSTEM & <rules>"

// testApp is the real HTTP stack on a real SQLite file, answering through
// the OpenAI provider from the project's fake OpenAI server (or offline),
// with metrics, a clock the test moves for limits and sessions, and every
// answer's report as it is counted.
type testApp struct {
	t        *testing.T
	url      string
	fake     *fakeopenai.Server
	svc      *chat.Service
	logs     *logBuffer
	db       *store.Store
	metrics  *metrics.Metrics
	clock    *testClock
	finished chan chat.AnswerReport
	handler  *Server
	// transport is the browsers'; nil: the default one.
	transport http.RoundTripper
}

const testAPIKey = "sk-test-SECRET"

type appOption func(*appOptions)

type appOptions struct {
	chat    chat.Config
	server  Config
	baseURL string // the model's; empty: the fake
	offline bool
	json    bool
	// readTimeout is the HTTP server's; zero: none.
	readTimeout time.Duration
	provider    chat.Provider // nil: the fake, or offline
	sendBuffer  int           // the server's connections' send buffer; zero: the system's
	http2       bool          // serve over TLS with HTTP/2, as behind a proxy that speaks it
}

// withHTTP2 serves the app over TLS with HTTP/2, where no connection can
// be taken over for an event stream.
func withHTTP2() appOption { return func(o *appOptions) { o.http2 = true } }

func withChat(c chat.Config) appOption { return func(o *appOptions) { o.chat = c } }
func withServer(c Config) appOption    { return func(o *appOptions) { o.server = c } }

// withBaseURL points the provider elsewhere than the fake (which still
// runs, unused), for upstreams the fake cannot be: a closed port, a name
// that does not resolve, a certificate not trusted.
func withBaseURL(u string) appOption { return func(o *appOptions) { o.baseURL = u } }
func offlineProvider() appOption     { return func(o *appOptions) { o.offline = true } }
func jsonLogs() appOption            { return func(o *appOptions) { o.json = true } }

// withProvider answers with p.
func withProvider(p chat.Provider) appOption { return func(o *appOptions) { o.provider = p } }

// withSendBuffer makes the server's connections buffer at most about n
// bytes each in the kernel, so a client that does not read makes the
// server wait soon.
func withSendBuffer(n int) appOption { return func(o *appOptions) { o.sendBuffer = n } }

type sendBufferListener struct {
	net.Listener
	size int
}

func (l sendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(l.size)
	}
	return c, err
}

// withReadTimeout gives the HTTP server a ReadTimeout, as production has.
func withReadTimeout(d time.Duration) appOption { return func(o *appOptions) { o.readTimeout = d } }

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// newTestApp serves metrics at /metrics and otherwise runs with defaults.
func newTestApp(t *testing.T, cfg chat.Config) *testApp {
	t.Helper()
	return newOpsApp(t, withChat(cfg), withServer(Config{ServeMetrics: true}))
}

func newTestAppAt(t *testing.T, cfg chat.Config, baseURL string) *testApp {
	t.Helper()
	return newOpsApp(t, withChat(cfg), withServer(Config{ServeMetrics: true}), withBaseURL(baseURL))
}

// newOpsApp builds the app with the options given.
func newOpsApp(t *testing.T, opts ...appOption) *testApp {
	t.Helper()
	var o appOptions
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	fake := fakeopenai.New()
	if o.baseURL == "" {
		o.baseURL = fake.URL
	}
	logs := &logBuffer{written: make(chan struct{}, 1)}
	var log *slog.Logger
	if o.json {
		log = slog.New(slog.NewJSONHandler(logs, nil))
	} else {
		log = slog.New(slog.NewTextHandler(logs, nil))
	}
	openAI := llm.NewOpenAI(llm.OpenAIConfig{APIKey: testAPIKey, BaseURL: o.baseURL, Model: "test-model"})
	var provider chat.Provider = openAI
	if o.offline {
		provider = offline.NewProvider(offline.Answer, 0)
	}
	if o.provider != nil {
		provider = o.provider
	}
	m := metrics.New()
	finished := make(chan chat.AnswerReport, 100)
	o.chat.Observer = notifying{m, finished}
	if o.chat.Budget != nil {
		o.chat.Budget = m.CountRefusals(o.chat.Budget)
	}
	if o.chat.Shares == nil {
		o.chat.Shares = db
	}
	svc := chat.NewService(db, provider, testSystemPrompt, o.chat, log)
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg := o.server
	cfg.Metrics = m
	if cfg.Now == nil {
		cfg.Now = clock.now
	}
	if cfg.Ping == nil {
		cfg.Ping = db.Ping
	}
	if cfg.CountConversations == nil {
		cfg.CountConversations = db.CountConversationsByVisitor
	}
	handler := New(svc, log, cfg)
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ReadTimeout = o.readTimeout
	if o.sendBuffer > 0 {
		srv.Listener = sendBufferListener{srv.Listener, o.sendBuffer}
	}
	var transport http.RoundTripper
	if o.http2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
		transport = srv.Client().Transport
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		fake.Close()
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		svc.Shutdown(ctx)
		openAI.Close()
		srv.Close()
		handler.CloseStreams(ctx)
		db.Close()
	})
	return &testApp{t: t, url: srv.URL, fake: fake, svc: svc, logs: logs, db: db, metrics: m, clock: clock, finished: finished,
		handler: handler, transport: transport}
}

// notifying passes answers on to the metrics, then tells the test: the
// service reports an answer after its watchers see the end, so this is how
// a test knows the metrics (and the budget) have it. A test that never
// reads the reports must not stall the service, so a full channel drops.
type notifying struct {
	*metrics.Metrics
	finished chan chat.AnswerReport
}

func (n notifying) AnswerFinished(r chat.AnswerReport) {
	n.Metrics.AnswerFinished(r)
	select {
	case n.finished <- r:
	default:
	}
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
		Transport:     a.transport,
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
	mu      sync.Mutex
	b       strings.Builder
	written chan struct{} // if not nil, signalled after each write
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.written != nil {
		defer func() {
			select {
			case l.written <- struct{}{}:
			default:
			}
		}()
	}
	return l.b.Write(p)
}

// mark is where the log ends now, for waitFor.
func (l *logBuffer) mark() int { return len(l.String()) }

// waitFor waits up to 5 s until a line logged after mark contains s, and
// returns it.
func (l *logBuffer) waitFor(t *testing.T, mark int, s string) string {
	t.Helper()
	return l.waitForWithin(t, mark, s, 5*time.Second)
}

func (l *logBuffer) waitForWithin(t *testing.T, mark int, s string, d time.Duration) string {
	t.Helper()
	timeout := time.After(d)
	for {
		for line := range strings.Lines(l.String()[mark:]) {
			if strings.Contains(line, s) {
				return line
			}
		}
		select {
		case <-l.written:
		case <-timeout:
			t.Fatalf("no log line with %q within %v; the log:\n%s", s, d, l.String())
		}
	}
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
