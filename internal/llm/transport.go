package llm

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// newTransport returns the net/http transport a provider uses, when the
// caller gives none, for what inlineTransport leaves to it (TLS, HTTP/2,
// proxies): net/http's default (proxy from the environment, HTTP/2 where
// offered, the usual timeouts) with room to keep connections to the model
// service. The default keeps two idle connections per host, so under load
// most answers would dial, and over TLS shake hands, before their first
// token. Each provider owns its transport and closes it (see Close).
//
// Each HTTP/1 connection lives as long as its answer streams and holds a
// read and a write buffer all that time. 1 KB each is plenty: the request
// is written once, and the stream is read through a buffer of its own
// (see eventBuffer), so the default 4 KB would only cost 1.2 MB at 200
// answers.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ReadBufferSize = 1 << 10
	t.WriteBufferSize = 1 << 10
	return t
}

// releaseBodyAfterSend returns the request to send in place of req: the
// same request, whose body lets go of its bytes once it has been sent.
// Call done when RoundTrip has returned.
//
// The body is the whole system prompt as JSON, and net/http keeps the
// request it sent for as long as the response streams, so without this
// every answer being written would hold a copy of the prompt: about 2 MB
// at 200 concurrent answers. GetBody, which the transport uses to send
// the request again on a connection that turned out to be dead, stays
// usable until a response arrives; after that nothing sends it again.
func releaseBodyAfterSend(req *http.Request) (send *http.Request, done func()) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, func() {}
	}
	send = new(http.Request)
	*send = *req // a shallow copy, as Request.WithContext makes
	send.Body = &releasingBody{rc: req.Body}
	if req.GetBody == nil {
		return send, func() {}
	}
	var mu sync.Mutex
	getBody := req.GetBody
	send.GetBody = func() (io.ReadCloser, error) {
		mu.Lock()
		defer mu.Unlock()
		if getBody == nil {
			return nil, errBodyReleased
		}
		rc, err := getBody()
		if err != nil {
			return nil, err
		}
		return &releasingBody{rc: rc}, nil
	}
	return send, func() {
		mu.Lock()
		getBody = nil
		mu.Unlock()
	}
}

var errBodyReleased = errors.New("llm: request body already sent and released")

// releasingBody reads from rc until it is closed, and then forgets it. The
// transport closes a request body once it has written it, possibly from
// another goroutine than the one reading.
type releasingBody struct {
	mu sync.Mutex
	rc io.ReadCloser
}

func (b *releasingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rc == nil {
		return 0, errBodyReleased
	}
	return b.rc.Read(p)
}

func (b *releasingBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rc == nil {
		return nil
	}
	err := b.rc.Close()
	b.rc = nil
	return err
}
