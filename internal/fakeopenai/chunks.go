package fakeopenai

import (
	"bytes"
	"encoding/json"
)

// chunks builds the JSON of one stream's chunks, shaped like
// api.openai.com's (field order included, so raw dumps read the same).
type chunks struct {
	id      string
	created int64
	model   string
	usage   bool // the request asked for include_usage: every chunk has "usage"
}

type chunkJSON struct {
	ID                string          `json:"id"`
	Object            string          `json:"object"`
	Created           int64           `json:"created"`
	Model             string          `json:"model"`
	SystemFingerprint string          `json:"system_fingerprint"`
	Choices           []choiceJSON    `json:"choices"`
	Usage             json.RawMessage `json:"usage,omitempty"`
}

type choiceJSON struct {
	Index        int             `json:"index"`
	Delta        deltaJSON       `json:"delta"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
}

type deltaJSON struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
	// ReasoningContent is vLLM's and DeepSeek's field for thinking.
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	Refusal          json.RawMessage `json:"refusal,omitempty"`
}

type usageJSON struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

var jsonNull = json.RawMessage("null")

func (c chunks) role() []byte {
	empty := ""
	return c.choice(deltaJSON{Role: "assistant", Content: &empty, Refusal: jsonNull}, nil)
}

func (c chunks) content(text string) []byte {
	return c.choice(deltaJSON{Content: &text}, nil)
}

// reasoning is a thinking delta: empty content beside it, as vLLM sends.
func (c chunks) reasoning(text string) []byte {
	empty := ""
	return c.choice(deltaJSON{Content: &empty, ReasoningContent: text}, nil)
}

func (c chunks) finish(reason string) []byte {
	if reason == "" {
		reason = "stop"
	}
	return c.choice(deltaJSON{}, &reason)
}

func (c chunks) usageChunk(u Usage) []byte {
	b, _ := json.Marshal(usageJSON{
		PromptTokens:     u.PromptTokens,
		CompletionTokens: u.CompletionTokens,
		TotalTokens:      u.PromptTokens + u.CompletionTokens,
	})
	return c.encode(chunkJSON{Choices: []choiceJSON{}, Usage: b})
}

func (c chunks) choice(d deltaJSON, finish *string) []byte {
	ch := chunkJSON{Choices: []choiceJSON{{Delta: d, Logprobs: jsonNull, FinishReason: finish}}}
	if c.usage {
		ch.Usage = jsonNull
	}
	return c.encode(ch)
}

func (c chunks) encode(ch chunkJSON) []byte {
	ch.ID, ch.Object, ch.Created, ch.Model = c.id, "chat.completion.chunk", c.created, c.model
	ch.SystemFingerprint = "fp_fake"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// The real API sends <, > and & as they are.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(ch) // cannot fail: plain structs
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
