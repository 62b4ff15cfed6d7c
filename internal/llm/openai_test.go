package llm_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/llm"
)

const secretKey = "sk-test-SECRET"

// testContext bounds a test; it is the only timeout the tests use.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newFake(t testing.TB) *fakeopenai.Server {
	t.Helper()
	s := fakeopenai.New()
	t.Cleanup(s.Close)
	return s
}

func provider(t testing.TB, s *fakeopenai.Server, key string) *llm.OpenAI {
	return newOpenAI(t, llm.OpenAIConfig{APIKey: key, BaseURL: s.URL, Model: "gpt-4o-mini"})
}

// newOpenAI returns a provider that is closed when the test ends.
func newOpenAI(t testing.TB, cfg llm.OpenAIConfig) *llm.OpenAI {
	t.Helper()
	p := llm.NewOpenAI(cfg)
	t.Cleanup(func() { p.Close() })
	return p
}

var conversation = chat.Request{
	Messages: []chat.PromptMessage{
		{Role: chat.RoleSystem, Content: "You are Rolefit."},
		{Role: chat.RoleUser, Content: "First question"},
		{Role: chat.RoleAssistant, Content: "First answer"},
		{Role: chat.RoleUser, Content: "Second question"},
	},
}

// collect runs p.Stream and returns the deltas it delivered.
func collect(ctx context.Context, p chat.Provider, req chat.Request) ([]string, chat.Usage, error) {
	var deltas []string
	usage, err := p.Stream(ctx, req, func(text string) { deltas = append(deltas, text) })
	return deltas, usage, err
}

func TestOpenAIRequest(t *testing.T) {
	tests := []struct {
		name                    string
		key                     string
		model                   string
		maxTokens               int
		wantAuth                string
		wantMax, wantCompletion int
	}{
		{name: "key and max tokens", key: "sk-test", model: "gpt-4o-mini", maxTokens: 300, wantAuth: "Bearer sk-test", wantMax: 300},
		{name: "no key, default length", model: "llama3.2", wantAuth: ""},
		{name: "reasoning model takes max_completion_tokens", key: "sk-test", model: "gpt-5-mini", maxTokens: 300, wantAuth: "Bearer sk-test", wantCompletion: 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			s := newFake(t)
			p := newOpenAI(t, llm.OpenAIConfig{APIKey: tt.key, BaseURL: s.URL, Model: tt.model})
			req := conversation
			req.MaxTokens = tt.maxTokens
			if _, _, err := collect(ctx, p, req); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			call, err := s.NextCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, sent := call.Header["Authorization"]; call.Header.Get("Authorization") != tt.wantAuth || sent != (tt.wantAuth != "") {
				t.Errorf("Authorization = %q (sent %v), want %q", call.Header.Get("Authorization"), sent, tt.wantAuth)
			}
			r := call.Request
			if r.Model != tt.model || !r.Stream || r.StreamOptions == nil || !r.StreamOptions.IncludeUsage {
				t.Errorf("model %q, stream %v, stream_options %+v", r.Model, r.Stream, r.StreamOptions)
			}
			if r.MaxTokens != tt.wantMax || r.MaxCompletionTokens != tt.wantCompletion {
				t.Errorf("max_tokens %d, max_completion_tokens %d; want %d, %d", r.MaxTokens, r.MaxCompletionTokens, tt.wantMax, tt.wantCompletion)
			}
			if len(r.Messages) != len(conversation.Messages) {
				t.Fatalf("got %d messages, want %d", len(r.Messages), len(conversation.Messages))
			}
			for i, m := range conversation.Messages {
				if want := (fakeopenai.Message{Role: string(m.Role), Content: m.Content}); r.Messages[i] != want {
					t.Errorf("message %d = %+v, want %+v", i, r.Messages[i], want)
				}
			}
		})
	}
}

func TestOpenAIStreamsDeltasAndUsage(t *testing.T) {
	ctx := testContext(t)
	s := newFake(t)
	chunks := []string{"# Title\n\n", "", "Some *emphasis*", " and `code`", "\n\n```go\nx := 1 < 2\n```\n", "— ✓"}
	s.Push(fakeopenai.Reply{Chunks: chunks, Usage: &fakeopenai.Usage{PromptTokens: 42, CompletionTokens: 7}})

	deltas, usage, err := collect(ctx, provider(t, s, "sk-test"), conversation)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	// Empty deltas are not delivered; the text arrives in order, intact
	// (chunks that arrive together may come as one delta).
	if got, want := strings.Join(deltas, ""), strings.Join(chunks, ""); got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	for i, d := range deltas {
		if d == "" {
			t.Errorf("delta %d is empty", i)
		}
	}
	if usage != (chat.Usage{PromptTokens: 42, CompletionTokens: 7}) {
		t.Errorf("usage = %+v", usage)
	}
}

// TestChunksThatArriveTogetherComeAsOneDelta: under load a model's chunks
// pile up between reads; their text is handed on at once, so watchers wake
// and browsers get an event once for all of them, not once per chunk.
func TestChunksThatArriveTogetherComeAsOneDelta(t *testing.T) {
	words := []string{"Machine ", "learning ", "engineers ", "train ", "models."}
	var stream strings.Builder
	stream.WriteString(`data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}` + "\n\n")
	for _, w := range words {
		fmt.Fprintf(&stream, `data: {"choices":[{"index":0,"delta":{"content":%q}}]}`+"\n\n", w)
	}
	stream.WriteString(`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, stream.String()) // one write: the chunks arrive together
	}))
	t.Cleanup(srv.Close)

	deltas, _, err := collect(testContext(t), newOpenAI(t, llm.OpenAIConfig{BaseURL: srv.URL, Model: "m"}), conversation)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(words, ""); len(deltas) != 1 || deltas[0] != want {
		t.Errorf("deltas = %q, want one: %q", deltas, want)
	}
}

// TestAChunkAloneIsDeliveredAtOnce: gathering chunks never holds text back
// waiting for the next one.
func TestAChunkAloneIsDeliveredAtOnce(t *testing.T) {
	ctx := testContext(t)
	s := newFake(t)
	gate := make(chan struct{}, 1)
	s.Push(fakeopenai.Reply{Chunks: []string{"first ", "second"}, Gate: gate})
	got := make(chan string, 2)
	done := make(chan error, 1)
	go func() {
		_, err := provider(t, s, secretKey).Stream(ctx, conversation, func(text string) { got <- text })
		done <- err
	}()
	for i, want := range []string{"first ", "second"} {
		gate <- struct{}{} // one chunk through; the next waits at the gate
		select {
		case d := <-got:
			if d != want {
				t.Fatalf("delta %d = %q, want %q", i, d, want)
			}
		case <-ctx.Done():
			t.Fatalf("chunk %d was not delivered while the stream waited for the next", i)
		}
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestOpenAIAzure(t *testing.T) {
	ctx := testContext(t)
	s := newFake(t)
	// A dotted name, which go-openai's default mapper would have changed.
	p := newOpenAI(t, llm.OpenAIConfig{APIType: llm.APITypeAzure, APIKey: "azure-key", BaseURL: s.AzureURL, Model: "gpt-3.5-turbo"})
	deltas, _, err := collect(ctx, p, conversation)
	if err != nil || strings.Join(deltas, "") != fakeopenai.DefaultAnswer {
		t.Fatalf("Stream = %q, %v", deltas, err)
	}
	call, err := s.NextCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if call.Deployment != "gpt-3.5-turbo" || call.Query.Get("api-version") != llm.DefaultAzureAPIVersion ||
		call.Header.Get("api-key") != "azure-key" || call.Header.Get("Authorization") != "" {
		t.Errorf("deployment %q, query %v, headers %v", call.Deployment, call.Query, call.Header)
	}
	if got := p.Describe(); got != (chat.ProviderInfo{Name: "azure-openai", Model: "gpt-3.5-turbo"}) {
		t.Errorf("Describe = %+v", got)
	}
}

func TestOpenAIDescribe(t *testing.T) {
	p := newOpenAI(t, llm.OpenAIConfig{APIKey: secretKey, Model: "gpt-4o-mini"})
	if got := p.Describe(); got != (chat.ProviderInfo{Name: "openai-compatible", Model: "gpt-4o-mini"}) {
		t.Errorf("Describe = %+v", got)
	}
}

func TestOpenAIIgnoresClientTimeout(t *testing.T) {
	s := newFake(t)
	hc := &http.Client{Timeout: time.Nanosecond}
	p := newOpenAI(t, llm.OpenAIConfig{BaseURL: s.URL, Model: "m", HTTPClient: hc})
	if _, _, err := collect(testContext(t), p, conversation); err != nil {
		t.Fatalf("Stream: %v (the client's Timeout was kept)", err)
	}
	if hc.Timeout != time.Nanosecond {
		t.Error("the caller's http.Client was modified")
	}
}

func TestOpenAIConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     llm.OpenAIConfig
		wantErr string
	}{
		{name: "openai", cfg: llm.OpenAIConfig{APIKey: "k", Model: "gpt-4o-mini"}},
		{name: "local without key", cfg: llm.OpenAIConfig{BaseURL: "http://localhost:11434/v1", Model: "llama3.2"}},
		{name: "azure", cfg: llm.OpenAIConfig{APIType: "azure", APIKey: "k", BaseURL: "https://x.openai.azure.com", Model: "d"}},
		{name: "no model", cfg: llm.OpenAIConfig{APIKey: "k"}, wantErr: "model name is required"},
		{name: "azure without endpoint", cfg: llm.OpenAIConfig{APIType: "azure", APIKey: "k", Model: "d"}, wantErr: "azure needs"},
		{name: "unknown type", cfg: llm.OpenAIConfig{APIType: "anthropic", Model: "m"}, wantErr: `unknown API type "anthropic"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestCloseReleasesConnections: a provider owns its connections to the
// model service, and Close lets them go (shutdown; tests that start the
// whole program many times in one process).
func TestCloseReleasesConnections(t *testing.T) {
	s := newFake(t)
	ignore := goleak.IgnoreCurrent() // the fake server's own
	p := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: s.URL, Model: "m"})
	if _, _, err := collect(testContext(t), p, conversation); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, ignore)
}

// TestAnswersInARowShareAConnection: an answer that ended well gives its
// connection back for the next one. A model server ends the body just
// after "data: [DONE]", often in a packet of its own; a client that closes
// the body at [DONE] without reading that end loses the connection, and
// the next answer dials again (over HTTPS, a TLS handshake) before it can
// ask.
func TestAnswersInARowShareAConnection(t *testing.T) {
	ctx := testContext(t)
	s := newFake(t)
	p := provider(t, s, "")
	const answers = 20
	for i := range answers {
		deltas, _, err := collect(ctx, p, conversation)
		if err != nil || strings.Join(deltas, "") != fakeopenai.DefaultAnswer {
			t.Fatalf("answer %d: %q, %v", i+1, deltas, err)
		}
	}
	if n := s.Conns(); n != 1 {
		t.Errorf("%d answers in a row opened %d connections to the model server, want 1", answers, n)
	}
}
