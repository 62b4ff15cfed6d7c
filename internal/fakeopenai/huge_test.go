package fakeopenai_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

func post(t *testing.T, s *fakeopenai.Server) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, s.URL+"/chat/completions",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestEndlessLine: the line starts as a real content chunk, has no newline,
// is as long as asked, and the fake counts what it wrote.
func TestEndlessLine(t *testing.T) {
	s := newFake(t)
	s.Push(fakeopenai.Reply{Chunks: []string{"one "}, Fault: fakeopenai.EndlessLine, FaultAfter: 1, LineBytes: 1 << 20})
	resp := post(t, s)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	events := strings.Split(string(body), "\n\n")
	last := events[len(events)-1]
	if len(events) != 3 || !strings.Contains(events[1], `"content":"one "`) || len(last) != 1<<20 ||
		!strings.HasPrefix(last, `data: {"id":"chatcmpl-fake`) || !strings.Contains(last, `"delta":{"content":"xxxx`) || strings.Contains(last, "\n") {
		t.Errorf("got %d events, the last %d bytes: %.120q", len(events), len(last), last)
	}
	call, _ := s.NextCall(testContext(t))
	<-call.Done()
	if call.BytesWritten() != int64(len(body)) {
		t.Errorf("BytesWritten = %d, the client read %d", call.BytesWritten(), len(body))
	}
}

// TestEndlessLineWithoutLimit goes on until the client hangs up.
func TestEndlessLineWithoutLimit(t *testing.T) {
	s := newFake(t)
	s.Push(fakeopenai.Reply{Fault: fakeopenai.EndlessLine})
	resp := post(t, s)
	if n, err := io.CopyN(io.Discard, bufio.NewReader(resp.Body), 8<<20); n != 8<<20 {
		t.Fatalf("read %d bytes (%v), want an endless line", n, err)
	}
	resp.Body.Close()
	call, _ := s.NextCall(testContext(t))
	select {
	case <-call.Cancelled():
	case <-testContext(t).Done():
		t.Fatal("the fake did not see the client go away")
	}
	<-call.Done()
	if call.BytesWritten() < 8<<20 {
		t.Errorf("BytesWritten = %d, want at least what was read", call.BytesWritten())
	}
}

// TestHugeErrorBody: a real error body, just enormous, which go-openai
// still reads as an API error.
func TestHugeErrorBody(t *testing.T) {
	s := newFake(t)
	const size = 3 << 20
	s.Push(fakeopenai.Reply{Status: 500, ErrorBodyBytes: size})
	resp := post(t, s)
	body, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct{ Message, Type string }
	}
	if resp.StatusCode != 500 || json.Unmarshal(body, &e) != nil || len(body) < size-8 || len(body) > size+8 ||
		!strings.HasPrefix(e.Error.Message, "The server had an error") || e.Error.Type != "server_error" {
		t.Errorf("status %d, %d bytes, message %.80q, type %q", resp.StatusCode, len(body), e.Error.Message, e.Error.Type)
	}

	s.Push(fakeopenai.Reply{Status: 500, ErrorBodyBytes: size})
	_, err := client(s).CreateChatCompletionStream(testContext(t), request(true))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("go-openai read %T, want an API error", err)
	}
	if apiErr.HTTPStatusCode != 500 || len(apiErr.Message) < size-200 {
		t.Errorf("go-openai read status %d with a %d-byte message", apiErr.HTTPStatusCode, len(apiErr.Message))
	}
}
