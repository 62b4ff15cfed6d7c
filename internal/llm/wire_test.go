package llm_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/llm"
)

// TestRecordedWireFormats replays what real servers send (the fake's
// wire/*.http files) and checks what Rolefit makes of it: the text, the
// usage, and for a failure the kind (which decides what the person is told)
// and the cause (what the log and `rolefit eval` show the operator).
func TestRecordedWireFormats(t *testing.T) {
	const text = "ML Engineers train the models."
	const thought = "The person asks about ML roles."
	tests := []struct {
		recorded  string
		model     string
		wantText  string
		wantUsage chat.Usage
		wantKind  chat.FailureKind // empty: no error
		wantCause string
		// Reasoning models: the thinking, apart from the text.
		wantReasoning string
		wantAtLength  bool
	}{
		{recorded: "openai-usage-chunk", wantText: text, wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 5}},
		{recorded: "azure-prompt-filter-results", wantText: text, wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 5}},
		{recorded: "azure-content-filter", wantText: "ML Engineers", wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 2},
			wantKind: chat.FailContentFilter, wantCause: "the model service's content filter stopped the answer"},
		{recorded: "openrouter-processing", wantText: text, wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 5}},
		{recorded: "openrouter-error-in-stream", wantText: "ML Engineers",
			wantKind: chat.FailModelError, wantCause: "Provider disconnected unexpectedly"},
		{recorded: "ollama-usage", model: "llama3.2", wantText: text, wantUsage: chat.Usage{PromptTokens: 1250, CompletionTokens: 6}},
		{recorded: "ollama-model-not-pulled", model: "llama3.2",
			wantKind: chat.FailModelNotPulled, wantCause: "run `ollama pull llama3.2`"},
		{recorded: "vllm-continuous-usage", wantText: text, wantUsage: chat.Usage{PromptTokens: 1210, CompletionTokens: 5}},
		{recorded: "llamacpp-timings", wantText: text, wantUsage: chat.Usage{PromptTokens: 1190, CompletionTokens: 6}},
		{recorded: "groq-x-groq-usage", wantText: text, wantUsage: chat.Usage{PromptTokens: 1180, CompletionTokens: 6}},
		{recorded: "vllm-reasoning-content", model: "deepseek-r1", wantText: text, wantReasoning: thought,
			wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 12}},
		{recorded: "ollama-reasoning", model: "gpt-oss:20b", wantText: text, wantReasoning: thought,
			wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 12}},
		{recorded: "ollama-inline-think", model: "qwen3:8b", wantText: text, wantReasoning: "\n" + thought + "\n",
			wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 14}},
		{recorded: "ollama-think-length", model: "qwen3:8b", wantReasoning: "\nThe person asks about ML roles and",
			wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 8, StoppedAtLength: true}, wantAtLength: true},
	}
	var tested []string
	for _, tt := range tests {
		tested = append(tested, tt.recorded)
		t.Run(tt.recorded, func(t *testing.T) {
			ctx := testContext(t)
			s := newFake(t)
			s.Push(fakeopenai.Recorded(tt.recorded))
			model := tt.model
			if model == "" {
				model = "gpt-4o-mini"
			}
			p := newOpenAI(t, llm.OpenAIConfig{BaseURL: s.URL, Model: model})
			var reasoning strings.Builder
			req := conversation
			req.OnReasoning = func(text string) { reasoning.WriteString(text) }
			deltas, usage, err := collect(ctx, p, req)
			if got := reasoning.String(); got != tt.wantReasoning {
				t.Errorf("reasoning = %q, want %q", got, tt.wantReasoning)
			}
			if usage.StoppedAtLength != tt.wantAtLength {
				t.Errorf("stopped at length = %v, want %v", usage.StoppedAtLength, tt.wantAtLength)
			}
			if got := strings.Join(deltas, ""); got != tt.wantText {
				t.Errorf("text = %q, want %q", got, tt.wantText)
			}
			if usage != tt.wantUsage {
				t.Errorf("usage = %+v, want %+v", usage, tt.wantUsage)
			}
			var pe *chat.ProviderError
			switch {
			case tt.wantKind == "" && err != nil:
				t.Errorf("error = %v, want none", err)
			case tt.wantKind == "":
			case !errors.As(err, &pe):
				t.Errorf("error = %v, want a %s ProviderError", err, tt.wantKind)
			case pe.Kind != tt.wantKind || !strings.Contains(pe.Error(), tt.wantCause):
				t.Errorf("error = %v (kind %s), want kind %s saying %q", err, pe.Kind, tt.wantKind, tt.wantCause)
			}
		})
	}
	for _, name := range fakeopenai.RecordedNames() {
		if !slices.Contains(tested, name) {
			t.Errorf("recorded reply %s has no case here", name)
		}
	}
}
