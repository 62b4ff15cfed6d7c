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
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store"
)

// pacedProvider sends each delta the benchmark hands it, recording when.
type pacedProvider struct {
	deltas chan string
	sent   chan time.Time
}

func (p *pacedProvider) Describe() chat.ProviderInfo { return chat.ProviderInfo{Name: "bench"} }

func (p *pacedProvider) Stream(ctx context.Context, _ chat.Request, onDelta func(string)) (chat.Usage, error) {
	for {
		select {
		case d, ok := <-p.deltas:
			if !ok {
				return chat.Usage{}, nil
			}
			p.sent <- time.Now()
			onDelta(d)
		case <-ctx.Done():
			return chat.Usage{}, ctx.Err()
		}
	}
}

var sseConnect = regexp.MustCompile(`sse-connect="([^"]+)"`)

func benchApp(b *testing.B, p chat.Provider) (*httptest.Server, *http.Client) {
	// No caps: the relay benchmark streams one endless answer.
	return benchAppWith(b, p, chat.Config{MaxAnswerTokens: 1 << 30, MaxGeneration: time.Hour})
}

func benchAppWith(b *testing.B, p chat.Provider, cfg chat.Config) (*httptest.Server, *http.Client) {
	return benchAppPrompt(b, p, "S", cfg)
}

func benchAppPrompt(b *testing.B, p chat.Provider, systemPrompt string, cfg chat.Config) (*httptest.Server, *http.Client) {
	db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc := chat.NewService(db, p, systemPrompt, cfg, log)
	srv := httptest.NewServer(New(svc, log, Config{}))
	b.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		svc.Shutdown(ctx)
		db.Close()
	})
	jar, _ := cookiejar.New(nil)
	return srv, &http.Client{Jar: jar}
}

// startAnswer asks a question as htmx does and opens the answer's stream.
func startAnswer(b *testing.B, srv *httptest.Server, client *http.Client) *bufio.Reader {
	req, _ := http.NewRequest("POST", srv.URL+"/c", strings.NewReader(url.Values{"message": {"q"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var body strings.Builder
	bufio.NewReader(res.Body).WriteTo(&body)
	res.Body.Close()
	m := sseConnect.FindStringSubmatch(body.String())
	if m == nil {
		b.Fatalf("no event stream in %q", body.String())
	}
	res, err = client.Get(srv.URL + m[1])
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { res.Body.Close() })
	return bufio.NewReader(res.Body)
}

func nextDelta(b *testing.B, r *bufio.Reader) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(line, "data: ") {
			r.ReadString('\n') // the blank line ending the event
			return
		}
	}
}

// BenchmarkFirstVisit is the new-chat page for a visitor seen for the
// first time (no cookie: every new visitor once, and crawlers), asked
// over loopback and read whole; ns/op is the round trip.
func BenchmarkFirstVisit(b *testing.B) {
	srv, _ := benchApp(b, instantProvider{})
	client := &http.Client{} // no cookie jar: every request is a first visit
	for b.Loop() {
		res, err := client.Get(srv.URL + "/")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET / = %d", res.StatusCode)
		}
	}
}

// BenchmarkEventFraming is the cost of framing and sending one event on
// a connection of its own: a token's delta, and a final answer's 20 KB
// rendering (the end event), to a connection that takes every byte.
func BenchmarkEventFraming(b *testing.B) {
	line := "An <em>ML engineer</em> trains models &amp; ships them.\n"
	for _, bc := range []struct {
		name string
		data []byte
		once bool // sent once per stream, with the buffer a stream starts with
	}{
		{"delta", []byte("token "), false},
		{"end", []byte(strings.Repeat(line, 20<<10/len(line))), true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			newStream := func() *eventStream {
				return &eventStream{conn: discardConn{}, timeout: time.Second, buf: make([]byte, 0, 1024)}
			}
			s := newStream()
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if bc.once {
					s = newStream()
				}
				if err := s.sendBytes("delta", 1234, bc.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// discardConn is a connection that takes every write at once.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkDeltaRelay is the time Rolefit adds to each token: from the
// provider handing over a delta to the browser's connection reading its
// event, over loopback. ns/op is the latency of one delta.
func BenchmarkDeltaRelay(b *testing.B) {
	p := &pacedProvider{deltas: make(chan string), sent: make(chan time.Time, 1)}
	srv, client := benchApp(b, p)
	r := startAnswer(b, srv, client)
	var total time.Duration
	for b.Loop() {
		p.deltas <- "token "
		sent := <-p.sent
		nextDelta(b, r)
		total += time.Since(sent)
	}
	close(p.deltas)
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/delta")
}

// BenchmarkDeltaRelayMarkdown is BenchmarkDeltaRelay for an answer in
// Markdown (paragraphs with emphasis, a list, a code block, a table) sent
// in 4-byte deltas: the deltas that end a line also find and render the
// blocks they finish. ns/op is the mean latency of one delta.
func BenchmarkDeltaRelayMarkdown(b *testing.B) {
	src := "An **ML engineer** trains models with `PyTorch`, then ships them.\n\n" +
		"- collects and cleans data\n- trains and tunes models\n- deploys them\n\n" +
		"```python\nmodel.fit(x, y)\nmodel.save('m')\n```\n\n| role | tools |\n|---|---|\n| ML | PyTorch |\n\n"
	var deltas []string
	for i := 0; i < len(src); i += 4 {
		deltas = append(deltas, src[i:min(i+4, len(src))])
	}
	p := &pacedProvider{deltas: make(chan string), sent: make(chan time.Time, 1)}
	srv, client := benchApp(b, p)
	r := startAnswer(b, srv, client)
	var total time.Duration
	i := 0
	for b.Loop() {
		p.deltas <- deltas[i%len(deltas)]
		i++
		sent := <-p.sent
		nextDelta(b, r)
		total += time.Since(sent)
	}
	close(p.deltas)
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/delta")
}

// BenchmarkTimeToFirstToken is everything Rolefit does before the model's
// first token can reach the browser: the question's POST (validation, two
// rows in SQLite, starting the generator), opening the event stream, and
// relaying the first delta. A model answers instantly here, so ns/op is
// Rolefit's own share of the time to first token.
func BenchmarkTimeToFirstToken(b *testing.B) {
	p := &instantProvider{}
	srv, _ := benchApp(b, p)
	for b.Loop() {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		r := startAnswer(b, srv, client)
		nextDelta(b, r)
	}
}

type instantProvider struct{}

func (instantProvider) Describe() chat.ProviderInfo { return chat.ProviderInfo{Name: "instant"} }

func (instantProvider) Stream(ctx context.Context, _ chat.Request, onDelta func(string)) (chat.Usage, error) {
	onDelta("first")
	return chat.Usage{}, nil
}

// BenchmarkNewVisitor is what every chat costs apart from its deltas: a
// visitor seen for the first time opens the page, asks, and reads the
// one-delta answer to its end event, with a system prompt as long as
// Rolefit's (about 9 KB). B/op, the server's and this client's together,
// is what the garbage collector has to go over again for each visitor.
func BenchmarkNewVisitor(b *testing.B) {
	srv, _ := benchAppPrompt(b, instantProvider{}, strings.Repeat("Answer from the article only. ", 300), chat.Config{})
	b.ReportAllocs()
	for b.Loop() {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		res, err := client.Get(srv.URL + "/")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		r := startAnswer(b, srv, client)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if line == "event: end\n" {
				break
			}
		}
	}
}
