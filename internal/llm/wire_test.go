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
	tests := []struct {
		recorded  string
		model     string
		wantText  string
		wantUsage chat.Usage
		wantKind  chat.FailureKind // empty: no error
		wantCause string
	}{
		{recorded: "openai-usage-chunk", wantText: text, wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 5}},
		{recorded: "azure-prompt-filter-results", wantText: text, wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 5}},
		{recorded: "azure-content-filter", wantText: "ML Engineers", wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 2},
			wantKind: chat.FailModelError, wantCause: "the model service's content filter stopped the answer"},
		{recorded: "openrouter-processing", wantText: text, wantUsage: chat.Usage{PromptTokens: 1200, CompletionTokens: 5}},
		{recorded: "openrouter-error-in-stream", wantText: "ML Engineers",
			wantKind: chat.FailModelError, wantCause: "Provider disconnected unexpectedly"},
		{recorded: "ollama-usage", model: "llama3.2", wantText: text, wantUsage: chat.Usage{PromptTokens: 1250, CompletionTokens: 6}},
		{recorded: "ollama-model-not-pulled", model: "llama3.2",
			wantKind: chat.FailModelNotFound, wantCause: "run `ollama pull llama3.2`"},
		{recorded: "vllm-continuous-usage", wantText: text, wantUsage: chat.Usage{PromptTokens: 1210, CompletionTokens: 5}},
		{recorded: "llamacpp-timings", wantText: text, wantUsage: chat.Usage{PromptTokens: 1190, CompletionTokens: 6}},
		{recorded: "groq-x-groq-usage", wantText: text, wantUsage: chat.Usage{PromptTokens: 1180, CompletionTokens: 6}},
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
			deltas, usage, err := collect(ctx, p, conversation)
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
