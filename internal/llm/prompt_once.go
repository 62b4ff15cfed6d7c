package llm

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
)

// The system prompt is most of every request to the model (about 9 KB:
// the rules and the whole knowledge base) and the same for every question.
// go-openai encodes each request with encoding/json, and each message
// through a MarshalJSON of its own whose output encoding/json then scans
// again: for the prompt, about 0.1 ms of CPU per question, spent after the
// question arrives and before the model is asked. go-openai takes no bytes
// encoded in advance, so the provider gives it a placeholder in the
// prompt's place, and the transport, which every request passes, puts the
// prompt back, encoded once. What is sent is byte for byte what go-openai
// would have sent (TestThePromptIsSentAsGoOpenAIWouldSendIt).

// encodedText is a text and its encoding as a JSON string, quotes included.
type encodedText struct {
	text string
	json []byte
}

// promptOnce keeps the latest system prompt encoded. A service sends one
// system prompt (the same string each time, so telling it is the same is
// a pointer comparison); another one is encoded in its turn.
type promptOnce struct {
	last atomic.Pointer[encodedText]
	// placeholder stands in for the prompt's text in what go-openai
	// encodes: random, so that no text a person types can be it, and
	// plain letters, so that it is encoded as it is.
	placeholder string
	// quoted is the placeholder as it appears in the encoded request.
	quoted []byte
}

func newPromptOnce() *promptOnce {
	placeholder := "rolefit-system-prompt-" + rand.Text()
	return &promptOnce{placeholder: placeholder, quoted: []byte(`"` + placeholder + `"`)}
}

// encoded returns text encoded as a JSON string, as encoding/json encodes
// it inside a request.
func (p *promptOnce) encoded(text string) *encodedText {
	if last := p.last.Load(); last != nil && last.text == text {
		return last
	}
	b, err := json.Marshal(text)
	if err != nil {
		panic(fmt.Sprintf("llm: encode a string: %v", err)) // a string always encodes
	}
	e := &encodedText{text: text, json: b}
	p.last.Store(e)
	return e
}

// promptSplice is what one request's transport needs to put its prompt back.
type promptSplice struct {
	quoted []byte       // the placeholder, as go-openai encoded it
	prompt *encodedText // nil: the request has no prompt to put back
}

// splice returns what the transport needs to put prompt back in place of
// the placeholder.
func (p *promptOnce) splice(prompt *encodedText) promptSplice {
	return promptSplice{quoted: p.quoted, prompt: prompt}
}

var errNoPlaceholder = errors.New("llm: the request has no place for the system prompt")

// into returns req with the placeholder in its body replaced by the prompt:
// a copy of req, whose body it reads. The placeholder is random, so the
// one place it appears is the one go-openai put it.
func (s promptSplice) into(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, errNoPlaceholder
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("llm: read the request to send: %w", err)
	}
	i := bytes.Index(body, s.quoted)
	if i < 0 {
		return nil, errNoPlaceholder
	}
	// The body is read from its three parts: the prompt is never copied
	// into a body of its own for each question.
	before, after := body[:i], body[i+len(s.quoted):]
	parts := func() io.ReadCloser {
		return io.NopCloser(io.MultiReader(bytes.NewReader(before), bytes.NewReader(s.prompt.json), bytes.NewReader(after)))
	}
	send := new(http.Request)
	*send = *req // a shallow copy, as Request.WithContext makes
	send.Body = parts()
	send.ContentLength = int64(len(before) + len(s.prompt.json) + len(after))
	send.GetBody = func() (io.ReadCloser, error) { return parts(), nil }
	return send, nil
}
