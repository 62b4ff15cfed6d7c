package llm

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// go-openai drops the response headers when it turns an error response into
// an *openai.APIError, so Retry-After would be lost. The provider therefore
// puts a responseMeta in each request's context, and a wrapping transport
// fills it from the response before go-openai sees it.
//
// The transport's RoundTrip runs in the goroutine that calls
// CreateChatCompletionStream and returns before it does, and Stream reads
// the meta after that goroutine has handed it the stream (see open), so
// no lock is needed; each Stream call has its own meta.
type responseMeta struct {
	status     int
	retryAfter time.Duration
	// beforeRead, when set, is called by the event stream's body each
	// time it is about to read from the network: the reader has used up
	// everything that had arrived. It runs in the goroutine that reads.
	beforeRead func()
	// complete, set once the answer has ended well, has the body read to
	// its end when it is closed, for at most endWait, which stop (the
	// request's cancel) enforces: see boundedStream.Close.
	complete bool
	stop     context.CancelFunc
	// splice puts the system prompt back into the request (prompt_once.go).
	splice promptSplice
	// events is the body of the response that was an event stream, for
	// Stream to read (events.go).
	events *boundedStream
}

type metaKey struct{}

func withResponseMeta(ctx context.Context) (context.Context, *responseMeta) {
	m := &responseMeta{}
	return context.WithValue(ctx, metaKey{}, m), m
}

// metaTransport records each response's status and Retry-After in the
// request context's responseMeta, if it has one. It also puts the system
// prompt, encoded once, in each request's body (see promptOnce), sends the
// body so that it is released once sent (see releaseBodyAfterSend) and the
// base URL's query, and bounds what is read of each response (see
// boundBody): it is the one place every byte from the model server passes.
type metaTransport struct {
	base http.RoundTripper
	now  func() time.Time
	// query is added to every request: the base URL's own (see NewOpenAI).
	query url.Values
}

func (t metaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	m, _ := req.Context().Value(metaKey{}).(*responseMeta)
	if m == nil {
		m = &responseMeta{}
	}
	if m.splice.prompt != nil {
		// Redirects call RoundTrip again with go-openai's body, from
		// its GetBody: the prompt is put back each time.
		var err error
		if req, err = m.splice.into(req); err != nil {
			return nil, err
		}
	}
	send, done := releaseBodyAfterSend(withQuery(req, t.query))
	resp, err := t.base.RoundTrip(send)
	done()
	if err != nil {
		return nil, err
	}
	// Redirects call RoundTrip again: the last response wins.
	m.status = resp.StatusCode
	m.retryAfter = retryAfter(resp.Header, t.now())
	boundBody(resp, m)
	return resp, nil
}

// withQuery returns req, or a copy of it whose URL also has the parameters
// of query that it lacks.
func withQuery(req *http.Request, query url.Values) *http.Request {
	if len(query) == 0 {
		return req
	}
	u := *req.URL
	q := u.Query()
	for k, vs := range query {
		if !q.Has(k) {
			q[k] = vs
		}
	}
	u.RawQuery = q.Encode()
	r := new(http.Request)
	*r = *req // a shallow copy, as Request.WithContext makes
	r.URL = &u
	return r
}

// capturingClient returns a copy of c (or of a zero client) whose transport
// records responseMeta, adds query to each request, and which has no
// overall timeout. base is the transport to use when c has none.
func capturingClient(c *http.Client, base http.RoundTripper, query url.Values) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	cp.Timeout = 0
	if cp.Transport != nil {
		base = cp.Transport
	}
	cp.Transport = metaTransport{base: base, now: time.Now, query: query}
	return &cp
}

// retryAfter reads Retry-After (seconds or an HTTP date), falling back to
// Azure's retry-after-ms. It returns 0 when neither is usable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			if secs > 0 && secs < 1e6 {
				return time.Duration(secs * float64(time.Second))
			}
			return 0
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(at.Sub(now), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	return 0
}
