// Package fakeopenai is an in-process, OpenAI-compatible chat completions
// server for tests. It speaks the real wire format of POST
// /v1/chat/completions with "stream": true (and the Azure deployments
// route), answers each call with a scripted Reply, and records every call so
// tests can synchronise on channels instead of sleeping.
//
// A test pushes the replies it wants, points its client at s.URL and reads
// what arrived with NextCall:
//
//	s := fakeopenai.New()
//	defer s.Close()
//	s.Push(fakeopenai.Reply{Chunks: []string{"Hel", "lo"}})
//	// ... make the request with BaseURL s.URL ...
//	call, err := s.NextCall(ctx)
package fakeopenai

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
)

// DefaultAnswer is what the fake streams, in five chunks, when no reply was
// pushed and SetDefault was not called.
const DefaultAnswer = "Hello from the fake model."

// Server is a running fake. Its zero value is not usable; call New.
type Server struct {
	// URL is the base URL for OpenAI-style clients, ending in /v1.
	URL string
	// AzureURL is the endpoint for Azure-style clients (no /v1): they add
	// /openai/deployments/{deployment}/chat/completions themselves.
	AzureURL string

	ts *httptest.Server
	// quit releases handlers that wait (Hang, Stall, Gate) so Close never
	// blocks on a test that forgot to cancel its request.
	quit      chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	queue   []Reply
	def     Reply
	respond func(ChatRequest) (Reply, bool)
	calls   []*Call
	next    int           // index of the next call NextCall returns
	arrived chan struct{} // closed and replaced whenever a call arrives
	ids     int

	conns atomic.Int64 // connections clients opened
}

// New starts a fake server on a random local port.
func New() *Server {
	ts := httptest.NewUnstartedServer(nil)
	return start(ts)
}

// NewOn starts a fake server on ln, for a fake that runs as a process
// (cmd serve) at an address people can type.
func NewOn(ln net.Listener) *Server {
	ts := httptest.NewUnstartedServer(nil)
	ts.Listener.Close()
	ts.Listener = ln
	return start(ts)
}

func start(ts *httptest.Server) *Server {
	s := &Server{
		quit:    make(chan struct{}),
		arrived: make(chan struct{}),
		def:     Reply{Chunks: []string{"Hello", " from", " the", " fake", " model."}},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("POST /openai/deployments/{deployment}/chat/completions", s.handleAzureChat)
	mux.HandleFunc("/", handleUnknown)
	ts.Config.Handler = mux
	ts.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	ts.Start()
	s.ts = ts
	s.AzureURL = s.ts.URL
	s.URL = s.ts.URL + "/v1"
	return s
}

// Close stops the server. Handlers still waiting (Hang, Stall, a Gate) drop
// their connections, so clients read an error, and Close does not block on
// them.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// Conns is how many connections clients have opened to the fake so far: a
// client that reuses its connections opens one for requests in a row.
func (s *Server) Conns() int { return int(s.conns.Load()) }

// Push queues replies; each valid streaming request takes the oldest (a
// request the fake rejects with 400 or 404 takes none). When the queue is
// empty the default reply answers.
func (s *Server) Push(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// SetDefault sets the reply used when the queue is empty.
func (s *Server) SetDefault(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = r
}

// Calls returns every call received on the chat completions routes so far,
// oldest first, including those the fake rejected.
func (s *Server) Calls() []*Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Call(nil), s.calls...)
}

// NextCall waits for the next call that NextCall has not returned yet to
// arrive (its request is decoded; the reply may still be in progress).
func (s *Server) NextCall(ctx context.Context) (*Call, error) {
	for {
		s.mu.Lock()
		if s.next < len(s.calls) {
			c := s.calls[s.next]
			s.next++
			s.mu.Unlock()
			return c, nil
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// arrive records the call and wakes NextCall.
func (s *Server) arrive(c *Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids++
	c.id = s.ids
	s.calls = append(s.calls, c)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// SetResponder makes the fake choose the reply from the request: when
// respond returns true its reply answers, ahead of the queue. Concurrent
// requests then get the answer meant for them, whatever order they arrive
// in.
func (s *Server) SetResponder(respond func(ChatRequest) (Reply, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = respond
}

// take returns the reply for a valid request: the responder's, the oldest
// pushed one, or the default.
func (s *Server) take(req ChatRequest) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.respond != nil {
		if r, ok := s.respond(req); ok {
			return r
		}
	}
	if len(s.queue) == 0 {
		return s.def
	}
	r := s.queue[0]
	s.queue = s.queue[1:]
	return r
}
