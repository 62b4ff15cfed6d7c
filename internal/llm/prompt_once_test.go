package llm_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/llm"
)

// sentBodies is a transport that keeps the body of every request it sends.
type sentBodies struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (s *sentBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	if req.ContentLength != int64(len(body)) {
		return nil, io.ErrUnexpectedEOF // a Content-Length that lies
	}
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	s.mu.Unlock()
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(r)
}

func (s *sentBodies) last() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[len(s.bodies)-1]
}

// goOpenAIBody is what go-openai sends for msgs, encoding every message
// itself.
func goOpenAIBody(t *testing.T, model string, msgs []chat.PromptMessage) []byte {
	t.Helper()
	r := openai.ChatCompletionRequest{
		Model:         model,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	}
	for _, m := range msgs {
		r.Messages = append(r.Messages, openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content})
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The provider encodes the system prompt once and go-openai the rest: the
// model must still receive exactly the request go-openai would send, for a
// prompt with everything JSON escapes, and the next prompt, not the last
// one encoded, when the prompt changes.
func TestThePromptIsSentAsGoOpenAIWouldSendIt(t *testing.T) {
	s := newFake(t)
	sent := &sentBodies{}
	p := newOpenAI(t, llm.OpenAIConfig{BaseURL: s.URL, Model: "gpt-4o-mini", HTTPClient: &http.Client{Transport: sent}})
	ctx := testContext(t)
	escaped := "Rules: \"quote\" <b>bold</b> & more \\ back\tslash\nnew line \u2028 é 😀 \x01 [§ml-engineer-tools]\n"
	prompts := []string{
		strings.Repeat(escaped, 100),
		strings.Repeat(escaped, 100), // the same text again: encoded before
		"You are Rolefit, briefly.",
	}
	for i, prompt := range prompts {
		msgs := []chat.PromptMessage{
			{Role: chat.RoleSystem, Content: prompt},
			{Role: chat.RoleUser, Content: "Which role fits me? " + `"content":"rolefit-system-prompt-"`},
			{Role: chat.RoleAssistant, Content: "The ML Engineer."},
			{Role: chat.RoleUser, Content: prompt},
		}
		s.Push(fakeopenai.Reply{Chunks: []string{"Both ", "roles."}})
		deltas, _, err := collect(ctx, p, chat.Request{Messages: msgs})
		if text := strings.Join(deltas, ""); err != nil || text != "Both roles." {
			t.Fatalf("prompt %d: answer %q, %v", i, text, err)
		}
		call, err := s.NextCall(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := call.Request.Messages; len(got) != len(msgs) || got[0].Content != prompt || got[3].Content != prompt {
			t.Fatalf("prompt %d: the model received other messages: %+v", i, got)
		}
		if want := goOpenAIBody(t, "gpt-4o-mini", msgs); !bytes.Equal(sent.last(), want) {
			t.Errorf("prompt %d: sent\n%s\nwant what go-openai sends\n%s", i, sent.last(), want)
		}
	}
}

// A model service behind a redirect that keeps the method (307, 308) is
// sent the whole request again, prompt included.
func TestARedirectIsSentThePromptToo(t *testing.T) {
	s := newFake(t)
	sent := &sentBodies{}
	moved := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, s.URL+"/chat/completions", http.StatusTemporaryRedirect)
	})
	front := httptest.NewServer(moved)
	t.Cleanup(front.Close)
	p := newOpenAI(t, llm.OpenAIConfig{BaseURL: front.URL, Model: "gpt-4o-mini", HTTPClient: &http.Client{Transport: sent}})
	ctx := testContext(t)
	prompt := strings.Repeat("Cite the article, \"always\".\n", 300)
	msgs := []chat.PromptMessage{{Role: chat.RoleSystem, Content: prompt}, {Role: chat.RoleUser, Content: "Which role fits me?"}}
	s.Push(fakeopenai.Reply{Chunks: []string{"Either."}})
	if deltas, _, err := collect(ctx, p, chat.Request{Messages: msgs}); err != nil || strings.Join(deltas, "") != "Either." {
		t.Fatalf("answer %q, %v", deltas, err)
	}
	call, err := s.NextCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := call.Request.Messages; len(got) != 2 || got[0].Content != prompt {
		t.Fatalf("the model behind the redirect received %+v", got)
	}
	if len(sent.bodies) != 2 || !bytes.Equal(sent.bodies[0], sent.bodies[1]) {
		t.Errorf("sent %d requests; the redirected one must be the first again", len(sent.bodies))
	}
}
