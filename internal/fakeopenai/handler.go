package fakeopenai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
)

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	s.serveChat(w, r, "")
}

func (s *Server) handleAzureChat(w http.ResponseWriter, r *http.Request) {
	s.serveChat(w, r, r.PathValue("deployment"))
}

// handleUnknown answers like api.openai.com does for a wrong path, which is
// what a BaseURL without /v1 produces.
func handleUnknown(w http.ResponseWriter, r *http.Request) {
	writeAPIError(w, http.StatusNotFound, apiError{
		Message: fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path),
		Type:    "invalid_request_error",
	})
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, deployment string) {
	c := &Call{
		Header:     r.Header.Clone(),
		Path:       r.URL.Path,
		Query:      r.URL.Query(),
		Deployment: deployment,
		done:       make(chan struct{}),
		cancelled:  make(chan struct{}),
	}
	defer close(c.done)
	w = countingWriter{ResponseWriter: w, c: c}
	// Read the body to EOF: net/http only watches for the client going away
	// (cancelling r.Context()) once the body has been consumed.
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(body, &c.Request)
	}
	s.arrive(c)
	switch {
	case c.Deployment != "" && c.Query.Get("api-version") == "":
		// What Azure answers when the query lacks api-version.
		writeJSON(w, http.StatusNotFound, `{"error":{"code":"404","message":"Resource not found"}}`)
	case err != nil:
		writeAPIError(w, http.StatusBadRequest, apiError{
			Message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
			Type:    "invalid_request_error",
		})
	case !c.Request.Stream:
		writeAPIError(w, http.StatusBadRequest, apiError{
			Message: "fakeopenai: only streaming requests (\"stream\": true) are supported",
			Type:    "invalid_request_error",
		})
	default:
		s.reply(w, r, c, s.take(c.Request))
	}
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, c *Call, reply Reply) {
	switch {
	case reply.Recorded != nil:
		s.replay(w, reply.Recorded)
	case reply.Fault == Hang:
		s.waitGone(r, c)
	case reply.Status != 0 && reply.Status != http.StatusOK:
		if !writeErrorReply(w, reply, c.Request.Model) {
			c.cancel()
		}
	default:
		s.stream(w, r, c, reply)
	}
}

// waitGone blocks until the client goes away or the server closes.
func (s *Server) waitGone(r *http.Request, c *Call) {
	select {
	case <-r.Context().Done():
		c.cancel()
	case <-s.quit:
		abort()
	}
}

// abort drops the connection without finishing the response, as a server
// that is shutting down does; returning would send a clean, empty answer.
func abort() {
	// net/http closes the connection without the chunked body's
	// terminator and does not log this panic.
	panic(http.ErrAbortHandler)
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, c *Call, reply Reply) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	out := &sse{w: w, rc: http.NewResponseController(w)}
	includeUsage := c.Request.StreamOptions != nil && c.Request.StreamOptions.IncludeUsage
	cs := chunks{
		id:      fmt.Sprintf("chatcmpl-fake%06d", c.id),
		created: time.Now().Unix(),
		model:   c.Request.Model,
		usage:   includeUsage,
	}

	// The fault happens at one position: after that many content chunks,
	// or after the finish chunk for anything beyond them.
	faultAt := min(max(reply.FaultAfter, 0), len(reply.Chunks)+1)
	// fault reports whether the reply ended at position n; the caller
	// returns when it did.
	fault := func(n int) bool {
		if reply.Fault == NoFault || n != faultAt {
			return false
		}
		if !s.pass(reply.Gate, r, c) {
			return true
		}
		switch reply.Fault {
		case Stall:
			s.waitGone(r, c)
		case Cut:
			abort()
		case Malformed:
			out.data([]byte("{not json"))
		case ErrorEvent:
			e := apiError{Message: reply.Message, Type: "server_error", Code: reply.Code}
			if e.Message == "" {
				e.Message = "The server had an error while processing your request. Sorry about that!"
			}
			b, _ := json.Marshal(errorBody{Error: e})
			out.data(b)
		case EndlessLine:
			s.endlessLine(w, c, cs, reply.LineBytes)
		}
		return true
	}

	if !out.data(cs.role()) {
		c.cancel()
		return
	}
	for _, thought := range reply.Reasoning {
		if !s.pass(reply.Gate, r, c) {
			return
		}
		if !out.data(cs.reasoning(thought)) {
			c.cancel()
			return
		}
	}
	for i, text := range reply.Chunks {
		if fault(i) || !s.pass(reply.Gate, r, c) {
			return
		}
		if !out.data(cs.content(text)) {
			c.cancel()
			return
		}
	}
	if fault(len(reply.Chunks)) {
		return
	}
	out.data(cs.finish(reply.FinishReason))
	if fault(len(reply.Chunks) + 1) {
		return
	}
	if includeUsage {
		u := defaultUsage(c.Request, reply)
		out.data(cs.usageChunk(u))
	}
	if !out.data([]byte("[DONE]")) {
		c.cancel()
	}
}

// endlessLine writes a content chunk up to its content, then "x" without a
// newline: limit bytes of line in all, or, when limit is 0, until the
// client goes away or the server closes.
func (s *Server) endlessLine(w http.ResponseWriter, c *Call, cs chunks, limit int64) {
	const marker = "\x00"
	chunk := cs.content(marker)
	start := "data: " + string(chunk[:bytes.Index(chunk, []byte(`\u0000`))])
	if limit == 0 {
		limit = math.MaxInt64
	}
	if !writeRepeated(w, s.quit, start, 'x', limit-int64(len(start)), "") {
		c.cancel()
	}
}

// writeRepeated writes head, then n bytes of fill, then tail, flushing as
// it goes, in pieces so that nothing large is held in memory. It reports
// whether the client took it all; it stops early when the server closes.
func writeRepeated(w http.ResponseWriter, quit <-chan struct{}, head string, fill byte, n int64, tail string) bool {
	rc := http.NewResponseController(w)
	if _, err := io.WriteString(w, head); err != nil {
		return false
	}
	piece := bytes.Repeat([]byte{fill}, 32<<10)
	for n > 0 {
		select {
		case <-quit:
			abort()
		default:
		}
		p := piece[:min(int64(len(piece)), n)]
		if _, err := w.Write(p); err != nil {
			return false
		}
		n -= int64(len(p))
	}
	if _, err := io.WriteString(w, tail); err != nil {
		return false
	}
	return rc.Flush() == nil
}

// pass waits for the gate, if any. It returns false when the client went
// away or the server closed first.
func (s *Server) pass(gate <-chan struct{}, r *http.Request, c *Call) bool {
	if gate == nil {
		return true
	}
	select {
	case <-gate:
		return true
	case <-r.Context().Done():
		c.cancel()
		return false
	case <-s.quit:
		abort()
		return false
	}
}

func defaultUsage(req ChatRequest, reply Reply) Usage {
	if reply.Usage != nil {
		return *reply.Usage
	}
	u := Usage{CompletionTokens: len(reply.Chunks) + len(reply.Reasoning)} // thinking is output the model is paid for
	for _, m := range req.Messages {
		u.PromptTokens += len(strings.Fields(m.Content))
	}
	return u
}

// sse writes server-sent events, flushing each one so the client sees it
// at once.
type sse struct {
	w   io.Writer
	rc  *http.ResponseController
	buf bytes.Buffer
}

// data writes one `data:` event and reports whether the client took it.
func (e *sse) data(payload []byte) bool {
	e.buf.Reset()
	e.buf.WriteString("data: ")
	e.buf.Write(payload)
	e.buf.WriteString("\n\n")
	if _, err := e.w.Write(e.buf.Bytes()); err != nil {
		return false
	}
	return e.rc.Flush() == nil
}
