package llm_test

import (
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/prompts"
)

// BenchmarkStream measures what one delta costs through the OpenAI provider
// and go-openai, fake server included (it encodes and flushes each chunk on
// the same machine), as ns/delta.
func BenchmarkStream(b *testing.B) {
	const deltas = 500
	s := newFake(b)
	s.SetDefault(fakeopenai.Reply{Chunks: strings.Fields(strings.Repeat("token ", deltas))})
	p := provider(b, s, "sk-bench")
	ctx := testContext(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if _, err := p.Stream(ctx, conversation, func(string) { n++ }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/delta")
}

// BenchmarkAsk is the provider's cost of one question with Rolefit's
// system prompt (and the fake's, in the same process): encoding the
// request, sending it, reading a one-delta answer.
func BenchmarkAsk(b *testing.B) {
	s := newFake(b)
	s.SetDefault(fakeopenai.Reply{Chunks: []string{"Both."}})
	p := provider(b, s, "sk-bench")
	ctx := testContext(b)
	req := chat.Request{Messages: []chat.PromptMessage{
		{Role: chat.RoleSystem, Content: prompts.SystemPrompt()},
		{Role: chat.RoleUser, Content: "Which role fits me if I like shipping products?"},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Stream(ctx, req, func(string) {}); err != nil {
			b.Fatal(err)
		}
	}
}
