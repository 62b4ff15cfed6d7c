package fakeopenai_test

import (
	"testing"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// A responder answers each question with its own reply, ahead of the
// queue, and leaves the others to the queue and the default.
func TestResponderChoosesByRequest(t *testing.T) {
	ctx := testContext(t)
	s := newFake(t)
	s.SetResponder(func(req fakeopenai.ChatRequest) (fakeopenai.Reply, bool) {
		if q := req.Messages[len(req.Messages)-1].Content; q == "ping" {
			return fakeopenai.Reply{Chunks: []string{"po", "ng"}}, true
		}
		return fakeopenai.Reply{}, false
	})
	s.Push(fakeopenai.Reply{Chunks: []string{"queued"}})
	ask := func(q string) string {
		req := request(false)
		req.Messages[1].Content = q
		stream, err := client(s).CreateChatCompletionStream(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		defer stream.Close()
		return readAll(stream).text
	}
	for _, tt := range []struct{ question, want string }{
		{"ping", "pong"},
		{"other", "queued"},
		{"ping", "pong"},
		{"other", fakeopenai.DefaultAnswer},
	} {
		if got := ask(tt.question); got != tt.want {
			t.Errorf("%q answered %q, want %q", tt.question, got, tt.want)
		}
	}
}
