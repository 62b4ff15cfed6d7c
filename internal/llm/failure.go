package llm

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/rolefit/rolefit/internal/chat"
)

// connectFailure classifies an error from CreateChatCompletionStream: the
// request failed before any chunk arrived.
func connectFailure(err error, meta *responseMeta) *chat.ProviderError {
	// A RequestError (a non-JSON error body) may wrap an APIError without
	// a status, so it is checked first.
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0 {
		return statusFailure(reqErr.HTTPStatusCode, meta, err)
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0 {
		return statusFailure(apiErr.HTTPStatusCode, meta, err)
	}
	// The error body could not be read: the status is still known.
	if meta.status >= 400 {
		return statusFailure(meta.status, meta, err)
	}
	// Refused, DNS, TLS, or the connection closed before any response:
	// every transport error reaches us as a *url.Error.
	var urlErr *url.Error
	var netErr net.Error
	if errors.As(err, &urlErr) || errors.As(err, &netErr) {
		return &chat.ProviderError{Kind: chat.FailUnreachable, Err: err}
	}
	// What is left is go-openai refusing the request before sending it.
	return &chat.ProviderError{Kind: chat.FailBadResponse, Err: err}
}

func statusFailure(status int, meta *responseMeta, err error) *chat.ProviderError {
	f := &chat.ProviderError{Status: status, Err: err}
	switch {
	case status == 401 || status == 403:
		f.Kind = chat.FailUnauthorized
	case status == 404:
		f.Kind = chat.FailModelNotFound
	case status == 429:
		f.Kind = chat.FailRateLimited
		f.RetryAfter = meta.retryAfter
	case status >= 500:
		f.Kind = chat.FailUnavailable
	default:
		f.Kind = chat.FailBadResponse
	}
	return f
}

var (
	// errNoFinish is the cause of a stream that ended cleanly, but before
	// the model said it had finished.
	errNoFinish = errors.New("stream ended before a finish_reason")
	// errNotStream is the cause of a 200 response without a single chunk:
	// typically a proxy or server that ignored "stream": true, or an HTML
	// page.
	errNotStream = errors.New("response held no stream chunks")
)

// streamFailure classifies an error from reading or decoding the stream,
// given whether any chunk, and a finish_reason, had arrived. (An error
// event is a chunk: see Stream.)
func streamFailure(err error, received, finished bool) *chat.ProviderError {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	// The server sent more than Rolefit reads (see LineLimit).
	case errors.Is(err, errLineTooLong), errors.Is(err, errTooMuchNoise):
		return &chat.ProviderError{Kind: chat.FailBadResponse, Err: err}
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr),
		errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		return &chat.ProviderError{Kind: chat.FailBadResponse, Err: err}
	case errors.Is(err, io.EOF) && !received:
		return &chat.ProviderError{Kind: chat.FailBadResponse, Err: errNotStream}
	case errors.Is(err, io.EOF) && !finished:
		// The eventReader returns the same io.EOF for "data: [DONE]" and
		// for a body that simply ended; only the finish_reason tells them
		// apart.
		return &chat.ProviderError{Kind: chat.FailCut, Err: errNoFinish}
	}
	// io.ErrUnexpectedEOF (the chunked body was cut), connection resets,
	// HTTP/2 stream errors: the text stopped arriving.
	return &chat.ProviderError{Kind: chat.FailCut, Err: err}
}

// clean makes f's cause fit for the log: the secrets (the API key, and the
// credentials a base URL may hold) are hidden, in case an upstream, a proxy
// or net/http echoed one into an error message, and the text is cut to an
// excerpt, since an upstream's error body can be any size.
func (p *OpenAI) clean(f *chat.ProviderError) *chat.ProviderError {
	if f.Err == nil {
		return f
	}
	msg := f.Err.Error()
	text := msg
	for _, s := range p.secrets {
		text = strings.ReplaceAll(text, s, "[redacted]")
	}
	text = excerpt(text)
	if text != msg {
		f.Err = cleaned{err: f.Err, text: text}
	}
	return f
}

// cleaned is an error whose text was redacted or cut.
type cleaned struct {
	err  error
	text string
}

func (c cleaned) Error() string { return c.text }
func (c cleaned) Unwrap() error { return c.err }

// minSecret is the shortest value of a base URL's query treated as a
// secret: shorter ones (?v=1) are settings, and hiding every "1" in an
// error would garble it.
const minSecret = 4

// urlSecrets returns what a base URL holds that may be a credential: its
// user and password and its query's values, as written and as escaped.
func urlSecrets(base string) []string {
	u, err := url.Parse(base)
	if err != nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if len(s) >= minSecret {
			out = append(out, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	if u.User != nil {
		add(u.User.Username())
		pw, _ := u.User.Password()
		add(pw)
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			add(v)
		}
	}
	return out
}

// splitQuery returns base without its query, and the query.
func splitQuery(base string) (string, url.Values) {
	u, err := url.Parse(base)
	if err != nil || u.RawQuery == "" {
		return base, nil
	}
	q := u.Query()
	u.RawQuery, u.ForceQuery = "", false
	return u.String(), q
}
