// Package llm holds Rolefit's model providers: the OpenAI-compatible one
// (OpenAI, Azure OpenAI, and local servers such as Ollama, vLLM, LM Studio
// and llama.cpp) and the offline one. It is the only package that imports
// go-openai; everything else meets these providers through chat.Provider.
package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/rolefit/rolefit/internal/chat"
)

// API types accepted in OpenAIConfig.APIType.
const (
	APITypeOpenAI = "openai"
	APITypeAzure  = "azure"
)

// DefaultAzureAPIVersion is the Azure OpenAI API version used when
// OpenAIConfig.APIVersion is empty. go-openai's own default (2023-05-15)
// predates stream_options, which Rolefit sends to learn the usage.
const DefaultAzureAPIVersion = "2024-10-21"

// OpenAIConfig configures an OpenAI-compatible provider.
type OpenAIConfig struct {
	// APIKey may be empty for local servers: no Authorization header is
	// sent then.
	APIKey string
	// BaseURL includes the version path, e.g. http://localhost:11434/v1.
	// Empty means api.openai.com. For Azure it is the resource endpoint,
	// e.g. https://NAME.openai.azure.com, and is required.
	BaseURL string
	// Model is the model name, or for Azure the deployment name, used as
	// it is.
	Model string
	// APIType is APITypeOpenAI (the default when empty) or APITypeAzure.
	APIType string
	// APIVersion is Azure's api-version; empty means DefaultAzureAPIVersion.
	APIVersion string
	// HTTPClient is optional. The provider uses a copy with the Timeout
	// removed, because an overall timeout would kill long answers: bound a
	// request with its context instead.
	HTTPClient *http.Client
}

// Validate reports a configuration that cannot work, with a message fit for
// the person starting the program.
func (c OpenAIConfig) Validate() error {
	switch c.APIType {
	case "", APITypeOpenAI:
	case APITypeAzure:
		if c.BaseURL == "" || c.APIKey == "" {
			return errors.New("llm: azure needs both a base URL (the resource endpoint) and an API key")
		}
	default:
		return fmt.Errorf("llm: unknown API type %q (want %q or %q)", c.APIType, APITypeOpenAI, APITypeAzure)
	}
	if c.Model == "" {
		return errors.New("llm: a model name is required")
	}
	return nil
}

// OpenAI answers with an OpenAI-compatible chat completions API.
type OpenAI struct {
	client *openai.Client
	cfg    OpenAIConfig
	// transport is the provider's own, when the caller's HTTPClient
	// brought none; Close closes its idle connections.
	transport *inlineTransport
	// secrets are hidden in every error: the key, and what the base URL
	// holds in its user, password and query.
	secrets []string
	// prompts keeps the system prompt encoded (prompt_once.go).
	prompts *promptOnce
}

var _ chat.Provider = (*OpenAI)(nil)

// NewOpenAI returns a provider for cfg. An invalid cfg (see Validate) gives
// a provider whose answers fail.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	var cc openai.ClientConfig
	if cfg.APIType == APITypeAzure {
		cc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		cc.APIVersion = cfg.APIVersion
		if cc.APIVersion == "" {
			cc.APIVersion = DefaultAzureAPIVersion
		}
		// Deployment names are chosen by people; go-openai would strip
		// "." and ":" from some of them.
		cc.AzureModelMapperFunc = func(model string) string { return model }
	} else {
		cc = openai.DefaultConfig(cfg.APIKey)
	}
	// go-openai appends its path to the base URL as a string, which would
	// put it inside a query (a gateway's ?api-key=…): the query is taken
	// off here and added to each request by the transport instead.
	base, query := splitQuery(cfg.BaseURL)
	if base != "" {
		cc.BaseURL = base
	}
	p := &OpenAI{cfg: cfg, secrets: urlSecrets(cfg.BaseURL), prompts: newPromptOnce()}
	if cfg.APIKey != "" {
		p.secrets = append(p.secrets, cfg.APIKey)
	}
	if cfg.HTTPClient == nil || cfg.HTTPClient.Transport == nil {
		p.transport = newInlineTransport(newTransport())
	}
	cc.HTTPClient = capturingClient(cfg.HTTPClient, p.transport, query)
	p.client = openai.NewClientWithConfig(cc)
	return p
}

// Close closes the connections the provider keeps open to the model
// service, once no answer streams any more (at shutdown). Connections of a
// transport the caller gave in OpenAIConfig.HTTPClient are the caller's.
func (p *OpenAI) Close() error {
	if p.transport != nil {
		// Connections still in use close as they become idle.
		p.transport.CloseIdleConnections()
	}
	return nil
}

// Describe names the provider and model; it never includes the key.
func (p *OpenAI) Describe() chat.ProviderInfo {
	name := "openai-compatible"
	if p.cfg.APIType == APITypeAzure {
		name = "azure-openai"
	}
	return chat.ProviderInfo{Name: name, Model: p.cfg.Model}
}

// Stream implements chat.Provider. Failures are *chat.ProviderError; a
// cancelled or expired ctx gives chat.ContextError(ctx).
//
// An answer is complete when a finish_reason arrives: a stream that ends
// before one, cleanly or not, is FailCut (FailBadResponse if not a single
// chunk came: that was no event stream). A connection lost after it only
// loses the usage report and is not an error. A finish_reason of "length"
// still counts as complete; "content_filter" (Azure: the service's filter
// stopped the answer) and "error" (OpenRouter) are FailModelError, with
// the text so far. A length finish sets Usage.StoppedAtLength.
//
// Thinking goes to req.OnReasoning, never to onDelta, whether the server
// sends it in a field of its own or inline in a leading <think> block.
func (p *OpenAI) Stream(ctx context.Context, req chat.Request, onDelta func(text string)) (usage chat.Usage, err error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	ctx, meta := withResponseMeta(ctx)
	meta.stop = stop
	out := reasoningSink{onDelta: onDelta, onReasoning: req.OnReasoning}
	// The text of every chunk that arrived together is handed on at
	// once, when the stream is about to wait for more: under load, when
	// chunks pile up between reads, that is one wake-up of the answer's
	// watchers and one event to each browser instead of one per chunk,
	// and never later than the text would have been delivered alone.
	meta.beforeRead = out.deliver
	body, err := p.open(ctx, req, meta)
	if err != nil {
		if ctx.Err() != nil {
			return chat.Usage{}, chat.ContextError(ctx)
		}
		return chat.Usage{}, p.clean(p.ollamaHint(connectFailure(err, meta)))
	}
	defer body.Close()
	events := newEventReader(body)
	// What the splitter holds back is delivered however the stream ends.
	defer out.flush()
	received, finished := false, false
	var ended error // why a finished answer still failed (a content filter)
	var c chunk     // each chunk is read into it in turn (see decodeChunk)
	for {
		raw, err := events.next()
		if err == nil {
			err = decodeChunk(raw, &c)
		}
		if err != nil {
			if ctx.Err() != nil {
				return usage, chat.ContextError(ctx)
			}
			f := streamFailure(err, received, finished)
			if f.Kind == chat.FailCut && finished {
				meta.complete = true
				if ended != nil {
					return usage, p.clean(&chat.ProviderError{Kind: chat.FailContentFilter, Err: ended})
				}
				return usage, nil
			}
			return usage, p.clean(f)
		}
		received = true
		if u := c.usage(); u != nil {
			usage.PromptTokens, usage.CompletionTokens = u.PromptTokens, u.CompletionTokens
		}
		if c.Error != nil {
			// The service failed after its 200 (typically a transient
			// error): an error event, or OpenRouter's error in a chunk.
			return usage, p.clean(&chat.ProviderError{Kind: chat.FailModelError, Err: c.Error})
		}
		// The usage chunk, and Azure's content-filter chunks, have no
		// choices.
		if len(c.Choices) == 0 {
			continue
		}
		choice := c.Choices[0]
		out.reasoning(choice.Delta.ReasoningContent)
		out.reasoning(choice.Delta.Reasoning)
		out.content(choice.Delta.Content)
		switch choice.FinishReason {
		case "":
		case "length":
			finished, usage.StoppedAtLength = true, true
		case "content_filter":
			// Read on for the usage: the tokens were spent.
			finished, ended = true, errContentFilter
		case "error":
			return usage, p.clean(&chat.ProviderError{Kind: chat.FailModelError, Err: errFinishError})
		default:
			finished = true
		}
	}
}

// reasoningSink hands thinking and answer text to their callbacks, taking
// inline thinking out of the content. Answer text is gathered until
// deliver: the deltas of one read from the network reach onDelta as one.
// Thinking is rare and short-lived, and goes on at once, after the text
// before it.
type reasoningSink struct {
	onDelta, onReasoning func(string)
	inline               thinkSplitter
	// pending is the text gathered since the last delivery: one delta
	// as it came (most reads bring one), or joined in buf.
	pending string
	buf     []byte
}

func (o *reasoningSink) reasoning(text string) {
	if text != "" && o.onReasoning != nil {
		o.deliver()
		o.onReasoning(text)
	}
}

func (o *reasoningSink) content(text string) {
	if text == "" {
		return
	}
	thinking, answer := o.inline.split(text)
	o.reasoning(thinking)
	o.gather(answer)
}

func (o *reasoningSink) gather(text string) {
	switch {
	case text == "":
	case o.pending == "" && len(o.buf) == 0:
		o.pending = text
	default:
		if len(o.buf) == 0 {
			o.buf = append(o.buf, o.pending...)
			o.pending = ""
		}
		o.buf = append(o.buf, text...)
	}
}

// deliver hands the gathered text to onDelta.
func (o *reasoningSink) deliver() {
	if len(o.buf) > 0 {
		text := string(o.buf)
		o.buf = o.buf[:0]
		o.onDelta(text)
		return
	}
	if o.pending != "" {
		text := o.pending
		o.pending = ""
		o.onDelta(text)
	}
}

func (o *reasoningSink) flush() {
	thinking, answer := o.inline.flush()
	o.reasoning(thinking)
	o.gather(answer)
	o.deliver()
}

// open asks the model for req's answer, on a goroutine of its own, for
// memory. Asking is deep: go-openai encodes the request with encoding/json
// and sends it through net/http. A goroutine's stack doubles when a call
// goes past its end, and is kept while a quarter of it is in use, so the
// deepest point of asking would decide the stack each answer's generator
// holds for as long as the answer streams, though reading the stream
// needs less. Asked from the generator, that point was close to 8 KiB:
// 400 more bytes in Stream's frame took it past, and 9,000 answers held at
// once then had 75 MiB more of stacks (the load tool's hold reports them,
// from /metrics). The goroutine that asks ends once the stream is open,
// and its stack with it.
//
// It returns the response's body: go-openai's stream is let go at once,
// with the buffer it would read through (see events.go).
func (p *OpenAI) open(ctx context.Context, req chat.Request, meta *responseMeta) (*boundedStream, error) {
	done := make(chan error, 1)
	go func() {
		_, err := p.client.CreateChatCompletionStream(ctx, p.request(req, &meta.splice))
		done <- err
	}()
	if err := <-done; err != nil {
		return nil, err
	}
	return meta.events, nil
}

// request returns what go-openai is to send for req, and sets splice to
// how the transport puts the system prompt back in it (prompt_once.go).
func (p *OpenAI) request(req chat.Request, splice *promptSplice) openai.ChatCompletionRequest {
	msgs := make([]openai.ChatCompletionMessage, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content}
		if i == 0 && m.Role == chat.RoleSystem {
			*splice = p.prompts.splice(p.prompts.encoded(m.Content))
			msgs[i].Content = p.prompts.placeholder
		}
	}
	r := openai.ChatCompletionRequest{
		Model:         p.cfg.Model,
		Messages:      msgs,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	}
	if req.MaxTokens > 0 {
		if reasoningModel(p.cfg.Model) {
			r.MaxCompletionTokens = req.MaxTokens
		} else {
			//lint:ignore SA1019 the servers that are not OpenAI's (Ollama, llama.cpp, older vLLM) know only max_tokens
			r.MaxTokens = req.MaxTokens
		}
	}
	return r
}

// reasoningModel reports the models for which go-openai refuses max_tokens
// before sending anything; they take max_completion_tokens instead. Other
// servers (Ollama, llama.cpp, older vLLM) know only max_tokens.
func reasoningModel(model string) bool {
	for _, prefix := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(model, prefix) {
			return true
		}
	}
	return false
}
