package llm_test

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/llm"
)

// countingTransport counts the response body bytes its client read.
type countingTransport struct {
	base http.RoundTripper
	read atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		resp.Body = countingBody{resp.Body, &t.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// countingProvider returns a provider for s whose transport counts what it
// reads.
func countingProvider(t *testing.T, s *fakeopenai.Server) (*llm.OpenAI, *countingTransport) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	ct := &countingTransport{base: base}
	return newOpenAI(t, llm.OpenAIConfig{APIKey: secretKey, BaseURL: s.URL, Model: "m",
		HTTPClient: &http.Client{Transport: ct}}), ct
}

// TestHostileModelServerIsReadWithinBounds: whatever a model server sends,
// Rolefit reads a bounded amount of it: a line that never ends, or an error
// body of many megabytes, is a failure of its own kind after at most
// LineLimit or ErrorBodyLimit bytes (plus a buffer), the connection is
// dropped so the server stops sending, and the error says it briefly.
func TestHostileModelServerIsReadWithinBounds(t *testing.T) {
	const huge = 64 << 20
	const slack = 64 << 10 // what the transport and go-openai read ahead
	tests := []struct {
		name       string
		reply      fakeopenai.Reply
		kind       chat.FailureKind
		status     int
		wantDeltas string
		maxRead    int64
	}{
		{"a line without end", fakeopenai.Reply{Chunks: []string{"Hi "}, Fault: fakeopenai.EndlessLine, FaultAfter: 1, LineBytes: huge},
			chat.FailBadResponse, 0, "Hi ", llm.LineLimit + slack},
		{"one content delta larger than a line may be", fakeopenai.Reply{Chunks: []string{"Hi ", strings.Repeat("x", 10<<20)}},
			chat.FailBadResponse, 0, "Hi ", llm.LineLimit + slack},
		{"a 500 with a huge body", fakeopenai.Reply{Status: 500, ErrorBodyBytes: huge},
			chat.FailUnavailable, 500, "", llm.ErrorBodyLimit + slack},
		{"a 429 with a huge body", fakeopenai.Reply{Status: 429, RetryAfter: "3", ErrorBodyBytes: huge},
			chat.FailRateLimited, 429, "", llm.ErrorBodyLimit + slack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			s := newFake(t)
			s.Push(tt.reply)
			p, counted := countingProvider(t, s)
			deltas, _, err := collect(ctx, p, conversation)
			retry := time.Duration(0)
			if tt.status == 429 {
				retry = 3 * time.Second
			}
			checkFailure(t, err, tt.kind, tt.status, retry)
			if got := strings.Join(deltas, ""); got != tt.wantDeltas {
				t.Errorf("deltas %.40q, want %q", got, tt.wantDeltas)
			}
			if n := counted.read.Load(); n > tt.maxRead {
				t.Errorf("read %d bytes of the response, want at most %d", n, tt.maxRead)
			}
			if n := len(err.Error()); n > llm.MaxErrorText+200 {
				t.Errorf("the error, which is logged, is %d bytes long", n)
			}
			call, _ := s.NextCall(ctx)
			select {
			case <-call.Done():
			case <-ctx.Done():
				t.Fatal("the model server is still sending")
			}
			// What the connection's buffers took is all the server could
			// write once Rolefit stopped reading.
			if n := call.BytesWritten(); n >= huge {
				t.Errorf("the server wrote all %d bytes: the connection was read to the end", n)
			}
		})
	}
}

// TestLargeDeltaUnderTheLineLimitArrivesWhole: the limit is on lines, far
// above any real chunk; a large delta under it is delivered as it is (the
// chat service then applies the answer's length cap).
func TestLargeDeltaUnderTheLineLimitArrivesWhole(t *testing.T) {
	s := newFake(t)
	big := strings.Repeat("é", llm.LineLimit/8)
	s.Push(fakeopenai.Reply{Chunks: []string{big, "!"}})
	deltas, _, err := collect(testContext(t), provider(t, s, secretKey), conversation)
	if err != nil || strings.Join(deltas, "") != big+"!" {
		t.Errorf("got %d deltas, %v; want the large delta whole", len(deltas), err)
	}
}

// BenchmarkHostileReply measures what one answer from a hostile model
// server costs Rolefit: B/op is what the provider allocates, read-B/op what
// it reads off the connection, of the 800 MB line or 300 MB error body the
// server would send (issue 11 measured 1.7 GB of memory for each, unbounded).
func BenchmarkHostileReply(b *testing.B) {
	for _, bm := range []struct {
		name  string
		reply fakeopenai.Reply
	}{
		{"800MB-line", fakeopenai.Reply{Chunks: []string{"Hi"}, Fault: fakeopenai.EndlessLine, FaultAfter: 1, LineBytes: 800 << 20}},
		{"300MB-error-body", fakeopenai.Reply{Status: 500, ErrorBodyBytes: 300 << 20}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			s := newFake(b)
			s.SetDefault(bm.reply)
			base := http.DefaultTransport.(*http.Transport).Clone()
			b.Cleanup(base.CloseIdleConnections)
			ct := &countingTransport{base: base}
			p := newOpenAI(b, llm.OpenAIConfig{BaseURL: s.URL, Model: "m", HTTPClient: &http.Client{Transport: ct}})
			ctx := testContext(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := collect(ctx, p, conversation); err == nil {
					b.Fatal("a hostile reply was read as an answer")
				}
			}
			b.ReportMetric(float64(ct.read.Load())/float64(b.N), "read-B/op")
		})
	}
}
