package llm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rolefit/rolefit/internal/chat"
)

// chunk is what Rolefit reads of one stream chunk: the fields every
// OpenAI-compatible server sends, and the extensions some add in their
// place (internal/fakeopenai/wire holds a recording of each).
type chunk struct {
	Choices []chunkChoice `json:"choices"`
	// Usage arrives on the last chunk (OpenAI, Azure, Ollama, llama.cpp),
	// or running on every chunk (vLLM's continuous_usage_stats): the last
	// one seen is the total either way.
	Usage *chunkUsage `json:"usage"`
	// XGroq is where Groq reports usage instead.
	XGroq *struct {
		Usage *chunkUsage `json:"usage"`
	} `json:"x_groq"`
	// Error is a failure reported inside an HTTP 200 stream: in a chunk
	// that is otherwise a normal one (OpenRouter), or alone, as an error
	// event.
	Error *streamError `json:"error"`
}

type chunkChoice struct {
	Delta struct {
		Content string `json:"content"`
		// A reasoning model's thinking, apart from the content:
		// reasoning_content (DeepSeek, vLLM, llama.cpp) or reasoning
		// (Ollama, OpenRouter, LM Studio).
		ReasoningContent string `json:"reasoning_content"`
		Reasoning        string `json:"reasoning"`
	} `json:"delta"`
	FinishReason string `json:"finish_reason"`
}

type chunkUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

func (c *chunk) usage() *chunkUsage {
	if c.Usage != nil {
		return c.Usage
	}
	if c.XGroq != nil {
		return c.XGroq.Usage
	}
	return nil
}

// streamError is an error object in a chunk; code is a string or a number
// depending on the server.
type streamError struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
}

func (e *streamError) Error() string {
	if e.Code != nil {
		return fmt.Sprintf("error in the stream (code %v): %s", e.Code, e.Message)
	}
	return "error in the stream: " + e.Message
}

var (
	errContentFilter = errors.New("the model service's content filter stopped the answer (finish_reason content_filter)")
	errFinishError   = errors.New("the model service ended the answer with finish_reason error")
)

// ollamaHint adds to a 404 from Ollama for a model it has not downloaded
// the command that fixes it, for the operator reading the log or
// `rolefit eval`'s report, and makes it FailModelNotPulled, so the person
// is told that command too.
func (p *OpenAI) ollamaHint(f *chat.ProviderError) *chat.ProviderError {
	if f.Kind == chat.FailModelNotFound && f.Err != nil && strings.Contains(f.Err.Error(), "try pulling it first") {
		f.Err = fmt.Errorf("the model is not pulled on the Ollama server: run `ollama pull %s`: %w", p.cfg.Model, f.Err)
		f.Kind, f.Model = chat.FailModelNotPulled, p.cfg.Model
	}
	return f
}
