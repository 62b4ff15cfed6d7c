package fakeopenai_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// testContext bounds a test; it is the only timeout the tests use.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newFake(t *testing.T) *fakeopenai.Server {
	t.Helper()
	s := fakeopenai.New()
	t.Cleanup(s.Close)
	return s
}

func client(s *fakeopenai.Server) *openai.Client {
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = s.URL
	return openai.NewClientWithConfig(cfg)
}

func request(includeUsage bool) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{
			{Role: "system", Content: "Be brief."},
			{Role: "user", Content: "Say hello to me"},
		},
		//lint:ignore SA1019 the fake must accept the field Rolefit's provider sends (see internal/llm/openai.go)
		MaxTokens: 50,
	}
	if includeUsage {
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return req
}

// received is what a go-openai client read from one stream.
type received struct {
	text     string
	chunks   []openai.ChatCompletionStreamResponse
	finished bool // some choice had a finish_reason
	usage    *openai.Usage
	err      error // what ended the stream: io.EOF after [DONE]
}

func readAll(stream *openai.ChatCompletionStream) received {
	var got received
	for {
		resp, err := stream.Recv()
		if err != nil {
			got.err = err
			return got
		}
		got.chunks = append(got.chunks, resp)
		if resp.Usage != nil {
			got.usage = resp.Usage
		}
		for _, c := range resp.Choices {
			got.text += c.Delta.Content
			if c.FinishReason != "" {
				got.finished = true
			}
		}
	}
}

func TestStreamRoundTrip(t *testing.T) {
	tests := []struct {
		name         string
		includeUsage bool
		wantChunks   int // role + content + finish (+ usage)
	}{
		{name: "with usage", includeUsage: true, wantChunks: 1 + 3 + 1 + 1},
		{name: "without usage", includeUsage: false, wantChunks: 1 + 3 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			s := newFake(t)
			s.Push(fakeopenai.Reply{Chunks: []string{"Hi", " <there>\n", "\"friend\" ✓"}})

			stream, err := client(s).CreateChatCompletionStream(ctx, request(tt.includeUsage))
			if err != nil {
				t.Fatalf("CreateChatCompletionStream: %v", err)
			}
			defer stream.Close()
			got := readAll(stream)

			if !errors.Is(got.err, io.EOF) {
				t.Fatalf("stream ended with %v, want io.EOF", got.err)
			}
			if want := "Hi <there>\n\"friend\" ✓"; got.text != want {
				t.Errorf("text = %q, want %q", got.text, want)
			}
			if len(got.chunks) != tt.wantChunks {
				t.Fatalf("got %d chunks, want %d", len(got.chunks), tt.wantChunks)
			}
			first := got.chunks[0]
			if first.Object != "chat.completion.chunk" || !strings.HasPrefix(first.ID, "chatcmpl-") || first.Model != "gpt-4o-mini" || first.Created == 0 {
				t.Errorf("first chunk envelope = %+v", first)
			}
			if d := first.Choices[0].Delta; d.Role != "assistant" || d.Content != "" {
				t.Errorf("first delta = %+v, want role only", d)
			}
			for i, c := range got.chunks[1:4] {
				if c.Choices[0].Delta.Role != "" || c.Choices[0].FinishReason != "" {
					t.Errorf("content chunk %d = %+v, want content only", i, c.Choices[0])
				}
			}
			if fin := got.chunks[4].Choices[0]; fin.FinishReason != openai.FinishReasonStop || fin.Delta.Content != "" {
				t.Errorf("finish chunk = %+v", fin)
			}
			if tt.includeUsage {
				last := got.chunks[5]
				if len(last.Choices) != 0 {
					t.Errorf("usage chunk has %d choices, want 0", len(last.Choices))
				}
				// Words of the messages, and one token per chunk.
				want := openai.Usage{PromptTokens: 6, CompletionTokens: 3, TotalTokens: 9}
				if got.usage == nil || *got.usage != want {
					t.Errorf("usage = %+v, want %+v", got.usage, want)
				}
			} else if got.usage != nil {
				t.Errorf("usage = %+v, want none", got.usage)
			}

			call, err := s.NextCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if call.Path != "/v1/chat/completions" || call.Header.Get("Authorization") != "Bearer sk-test" {
				t.Errorf("path %q, authorization %q", call.Path, call.Header.Get("Authorization"))
			}
			r := call.Request
			if r.Model != "gpt-4o-mini" || !r.Stream || r.MaxTokens != 50 || len(r.Messages) != 2 ||
				r.Messages[0] != (fakeopenai.Message{Role: "system", Content: "Be brief."}) ||
				r.Messages[1] != (fakeopenai.Message{Role: "user", Content: "Say hello to me"}) {
				t.Errorf("request = %+v", r)
			}
			if (r.StreamOptions != nil && r.StreamOptions.IncludeUsage) != tt.includeUsage {
				t.Errorf("stream_options = %+v", r.StreamOptions)
			}
			<-call.Done()
			select {
			case <-call.Cancelled():
				t.Error("a completed call reports Cancelled")
			default:
			}
		})
	}
}

func TestWireFormat(t *testing.T) {
	s := newFake(t)
	s.Push(fakeopenai.Reply{Chunks: []string{"a<b"}, Usage: &fakeopenai.Usage{PromptTokens: 7, CompletionTokens: 2}})
	body := `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"q"}]}`
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, s.URL+"/chat/completions", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type = %q", ct)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	events := strings.Split(strings.TrimSuffix(string(raw), "\n\n"), "\n\n")
	if len(events) != 5 {
		t.Fatalf("got %d events, want 5:\n%s", len(events), raw)
	}
	wantParts := [][]string{
		{`"object":"chat.completion.chunk"`, `"delta":{"role":"assistant","content":"","refusal":null}`, `"finish_reason":null`, `"usage":null`},
		{`"delta":{"content":"a<b"}`, `"finish_reason":null`},
		{`"delta":{}`, `"finish_reason":"stop"`},
		{`"choices":[]`, `"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}`},
	}
	for i, ev := range events[:4] {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || !json.Valid([]byte(data)) {
			t.Fatalf("event %d = %q, want data: {json}", i, ev)
		}
		for _, part := range wantParts[i] {
			if !strings.Contains(data, part) {
				t.Errorf("event %d = %s\nwant it to contain %s", i, data, part)
			}
		}
	}
	if events[4] != "data: [DONE]" {
		t.Errorf("last event = %q", events[4])
	}
}

func TestErrorResponses(t *testing.T) {
	tests := []struct {
		name      string
		reply     fakeopenai.Reply
		wantCode  any // go-openai reads a null code as int 0
		wantType  string
		wantInMsg string
	}{
		{name: "401", reply: fakeopenai.Reply{Status: 401}, wantCode: "invalid_api_key", wantType: "invalid_request_error", wantInMsg: "Incorrect API key"},
		{name: "403", reply: fakeopenai.Reply{Status: 403}, wantCode: "unsupported_country_region_territory", wantType: "request_forbidden"},
		{name: "404", reply: fakeopenai.Reply{Status: 404}, wantCode: "model_not_found", wantType: "invalid_request_error", wantInMsg: "`gpt-4o-mini` does not exist"},
		{name: "429", reply: fakeopenai.Reply{Status: 429, RetryAfter: "7"}, wantCode: "rate_limit_exceeded", wantType: "requests"},
		{name: "429 quota", reply: fakeopenai.Reply{Status: 429, Code: "insufficient_quota", Message: "You exceeded your current quota."}, wantCode: "insufficient_quota", wantType: "requests", wantInMsg: "current quota"},
		{name: "500", reply: fakeopenai.Reply{Status: 500}, wantCode: 0, wantType: "server_error", wantInMsg: "Sorry about that"},
		{name: "502", reply: fakeopenai.Reply{Status: 502}, wantCode: 0, wantType: "server_error"},
		{name: "503", reply: fakeopenai.Reply{Status: 503}, wantCode: 0, wantType: "server_error", wantInMsg: "overloaded"},
		{name: "400", reply: fakeopenai.Reply{Status: 400}, wantCode: 0, wantType: "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.Push(tt.reply)
			stream, err := client(s).CreateChatCompletionStream(testContext(t), request(true))
			if stream != nil {
				t.Error("stream is not nil on error")
			}
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want *openai.APIError", err, err)
			}
			if apiErr.HTTPStatusCode != tt.reply.Status || apiErr.Code != tt.wantCode || apiErr.Type != tt.wantType ||
				!strings.Contains(apiErr.Message, tt.wantInMsg) || apiErr.Message == "" {
				t.Errorf("APIError = %+v", apiErr)
			}
		})
	}
}

func TestErrorHeaders(t *testing.T) {
	tests := []struct {
		name       string
		reply      fakeopenai.Reply
		wantType   string
		wantRetry  string
		wantInBody string
	}{
		{name: "json", reply: fakeopenai.Reply{Status: 429, RetryAfter: "20"}, wantType: "application/json", wantRetry: "20", wantInBody: `"param":null,"code":"rate_limit_exceeded"`},
		{name: "html", reply: fakeopenai.Reply{Status: 502, NonJSONError: true}, wantType: "text/html", wantInBody: "<h1>502 Bad Gateway</h1>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.Push(tt.reply)
			resp, err := http.Post(s.URL+"/chat/completions", "application/json", strings.NewReader(`{"model":"m","stream":true}`))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.reply.Status || resp.Header.Get("Content-Type") != tt.wantType ||
				resp.Header.Get("Retry-After") != tt.wantRetry || !strings.Contains(string(body), tt.wantInBody) {
				t.Errorf("status %d, Content-Type %q, Retry-After %q, body %s",
					resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Retry-After"), body)
			}
		})
	}
}

func TestNonJSONErrorIsRequestError(t *testing.T) {
	s := newFake(t)
	s.Push(fakeopenai.Reply{Status: 502, NonJSONError: true})
	_, err := client(s).CreateChatCompletionStream(testContext(t), request(true))
	var reqErr *openai.RequestError
	if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != 502 || !strings.Contains(string(reqErr.Body), "nginx") {
		t.Fatalf("err = %T %v, want *openai.RequestError with status 502", err, err)
	}
}

func TestFaults(t *testing.T) {
	chunks := []string{"one ", "two ", "three"}
	tests := []struct {
		name         string
		reply        fakeopenai.Reply
		wantText     string
		wantFinished bool
		check        func(error) bool
	}{
		{
			name:     "cut after 1",
			reply:    fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Cut, FaultAfter: 1},
			wantText: "one ",
			check:    func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		{
			name:  "cut after 0",
			reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Cut},
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		{
			name:         "cut after finish",
			reply:        fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Cut, FaultAfter: 99},
			wantText:     "one two three",
			wantFinished: true,
			check:        func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		{
			name:     "end early reads as a plain EOF",
			reply:    fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.EndEarly, FaultAfter: 2},
			wantText: "one two ",
			check:    func(err error) bool { return err == io.EOF },
		},
		{
			name:     "malformed",
			reply:    fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Malformed, FaultAfter: 1},
			wantText: "one ",
			check: func(err error) bool {
				var syntax *json.SyntaxError
				return errors.As(err, &syntax)
			},
		},
		{
			name:     "error event",
			reply:    fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.ErrorEvent, FaultAfter: 3, Message: "boom"},
			wantText: "one two three",
			check: func(err error) bool {
				var apiErr *openai.APIError
				return errors.As(err, &apiErr) && apiErr.HTTPStatusCode == 0 && apiErr.Message == "boom" && apiErr.Type == "server_error"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.Push(tt.reply)
			stream, err := client(s).CreateChatCompletionStream(testContext(t), request(true))
			if err != nil {
				t.Fatalf("CreateChatCompletionStream: %v", err)
			}
			defer stream.Close()
			got := readAll(stream)
			if got.text != tt.wantText || got.finished != tt.wantFinished || !tt.check(got.err) {
				t.Errorf("text %q, finished %v, err %T %v", got.text, got.finished, got.err, got.err)
			}
		})
	}
}

// TestClientGoesAway checks that the fake sees a client's cancellation at
// every place a reply can wait.
func TestClientGoesAway(t *testing.T) {
	tests := []struct {
		name      string
		reply     fakeopenai.Reply
		readFirst int // chunks to read before cancelling; -1: do not open the stream first
	}{
		{name: "hang", reply: fakeopenai.Reply{Fault: fakeopenai.Hang}, readFirst: -1},
		{name: "stall after 0", reply: fakeopenai.Reply{Chunks: []string{"a"}, Fault: fakeopenai.Stall}, readFirst: 1},
		{name: "stall after 1", reply: fakeopenai.Reply{Chunks: []string{"a", "b"}, Fault: fakeopenai.Stall, FaultAfter: 1}, readFirst: 2},
		{name: "waiting at gate", reply: fakeopenai.Reply{Chunks: []string{"a"}, Gate: make(chan struct{})}, readFirst: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			s := newFake(t)
			s.Push(tt.reply)
			reqCtx, cancel := context.WithCancel(ctx)
			defer cancel()

			errc := make(chan error, 1)
			go func() {
				stream, err := client(s).CreateChatCompletionStream(reqCtx, request(true))
				if err != nil {
					errc <- err
					return
				}
				defer stream.Close()
				for range tt.readFirst {
					if _, err := stream.Recv(); err != nil {
						errc <- err
						return
					}
				}
				// Reading is done: cancel from here so the fake is known
				// to be waiting when the client goes away.
				cancel()
				_, err = stream.Recv()
				errc <- err
			}()
			call, err := s.NextCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.readFirst < 0 {
				cancel()
			}
			select {
			case <-call.Cancelled():
			case <-ctx.Done():
				t.Fatal("the fake never saw the client go away")
			}
			<-call.Done()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Errorf("client err = %v, want context.Canceled", err)
			}
		})
	}
}

func TestGatePacesTheStream(t *testing.T) {
	ctx := testContext(t)
	s := newFake(t)
	gate := make(chan struct{})
	s.Push(fakeopenai.Reply{Chunks: []string{"a", "b", "c"}, Gate: gate})
	stream, err := client(s).CreateChatCompletionStream(ctx, request(false))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if _, err := stream.Recv(); err != nil { // the role chunk needs no gate
		t.Fatal(err)
	}
	for _, want := range []string{"a", "b"} {
		gate <- struct{}{} // returns once the fake took it, and so is about to send
		resp, err := stream.Recv()
		if err != nil || resp.Choices[0].Delta.Content != want {
			t.Fatalf("Recv = %+v, %v; want %q", resp, err, want)
		}
	}
	close(gate)
	if got := readAll(stream); got.text != "c" || got.err != io.EOF {
		t.Errorf("rest = %q, %v", got.text, got.err)
	}
}

func TestAzureRoute(t *testing.T) {
	ctx := testContext(t)
	s := newFake(t)
	cfg := openai.DefaultAzureConfig("azure-key", s.AzureURL)
	cfg.APIVersion = "2024-10-21"
	cfg.AzureModelMapperFunc = func(model string) string { return model }
	stream, err := openai.NewClientWithConfig(cfg).CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model:    "my-gpt-4o",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if got := readAll(stream); got.text != fakeopenai.DefaultAnswer || got.err != io.EOF {
		t.Errorf("got %q, %v", got.text, got.err)
	}
	call, err := s.NextCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if call.Deployment != "my-gpt-4o" || call.Query.Get("api-version") != "2024-10-21" ||
		call.Header.Get("api-key") != "azure-key" || call.Header.Get("Authorization") != "" ||
		call.Path != "/openai/deployments/my-gpt-4o/chat/completions" {
		t.Errorf("call = %+v", call)
	}
}

func TestRequestProblems(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		wantInBody string
		wantCalls  int
	}{
		{name: "azure without api-version", path: "/openai/deployments/d/chat/completions", body: `{"stream":true}`, wantStatus: 404, wantInBody: "Resource not found", wantCalls: 1},
		{name: "base URL without /v1", path: "/chat/completions", body: `{"stream":true}`, wantStatus: 404, wantInBody: "Invalid URL (POST /chat/completions)"},
		{name: "not JSON", path: "/v1/chat/completions", body: `{`, wantStatus: 400, wantInBody: "could not parse the JSON body", wantCalls: 1},
		{name: "not streaming", path: "/v1/chat/completions", body: `{"model":"m"}`, wantStatus: 400, wantInBody: "only streaming", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.Push(fakeopenai.Reply{Chunks: []string{"kept"}})
			resp, err := http.Post(s.AzureURL+tt.path, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantInBody) || !json.Valid(body) {
				t.Errorf("status %d, body %s", resp.StatusCode, body)
			}
			if n := len(s.Calls()); n != tt.wantCalls {
				t.Errorf("recorded %d calls, want %d", n, tt.wantCalls)
			}
			// A rejected request leaves the pushed reply for the next one.
			stream, err := client(s).CreateChatCompletionStream(testContext(t), request(false))
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			if got := readAll(stream); got.text != "kept" {
				t.Errorf("next reply = %q, want the pushed one", got.text)
			}
		})
	}
}

func TestRepliesInOrder(t *testing.T) {
	ctx := testContext(t)
	s := newFake(t)
	s.SetDefault(fakeopenai.Reply{Chunks: []string{"default"}})
	s.Push(fakeopenai.Reply{Chunks: []string{"first"}}, fakeopenai.Reply{Chunks: []string{"second"}})
	for _, want := range []string{"first", "second", "default", "default"} {
		stream, err := client(s).CreateChatCompletionStream(ctx, request(false))
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(stream); got.text != want {
			t.Errorf("got %q, want %q", got.text, want)
		}
		stream.Close()
	}
	if n := len(s.Calls()); n != 4 {
		t.Errorf("Calls() has %d calls, want 4", n)
	}
}

func TestNextCallHonoursContext(t *testing.T) {
	s := newFake(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.NextCall(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("NextCall = %v, want context.Canceled", err)
	}
}

func TestCloseReleasesWaitingHandlers(t *testing.T) {
	ctx := testContext(t)
	s := fakeopenai.New()
	s.Push(fakeopenai.Reply{Fault: fakeopenai.Hang})
	errc := make(chan error, 1)
	go func() {
		_, err := client(s).CreateChatCompletionStream(ctx, request(false))
		errc <- err
	}()
	if _, err := s.NextCall(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close() // must return although the client still waits
	if err := <-errc; err == nil {
		t.Error("the request succeeded after Close")
	}
}

// TestReasoningAndFinishReasonOnTheWire: thinking goes out as vLLM's and
// DeepSeek's reasoning_content deltas beside empty content, before the
// answer, and a reply can end at the length limit.
func TestReasoningAndFinishReasonOnTheWire(t *testing.T) {
	s := newFake(t)
	s.Push(fakeopenai.Reply{Reasoning: []string{"Let me", " think."}, Chunks: []string{"Cut sho"}, FinishReason: "length"})
	body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"q"}]}`
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, s.URL+"/chat/completions", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	events := strings.Split(strings.TrimSuffix(string(raw), "\n\n"), "\n\n")
	wantParts := []string{
		`"delta":{"role":"assistant","content":"","refusal":null}`,
		`"delta":{"content":"","reasoning_content":"Let me"}`,
		`"delta":{"content":"","reasoning_content":" think."}`,
		`"delta":{"content":"Cut sho"}`,
		`"delta":{},"logprobs":null,"finish_reason":"length"`,
		`[DONE]`,
	}
	if len(events) != len(wantParts) {
		t.Fatalf("got %d events, want %d:\n%s", len(events), len(wantParts), raw)
	}
	for i, part := range wantParts {
		if !strings.Contains(events[i], part) {
			t.Errorf("event %d = %s\nwant it to contain %s", i, events[i], part)
		}
	}
}
