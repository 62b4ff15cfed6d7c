package fakeopenai

import (
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
)

// ChatRequest is the decoded body of a chat completions request: the fields
// Rolefit sends.
type ChatRequest struct {
	Model               string         `json:"model"`
	Messages            []Message      `json:"messages"`
	Stream              bool           `json:"stream"`
	MaxTokens           int            `json:"max_tokens"`
	MaxCompletionTokens int            `json:"max_completion_tokens"`
	StreamOptions       *StreamOptions `json:"stream_options"`
}

// Message is one message of a ChatRequest.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// StreamOptions is the request's stream_options object.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Call is one request the fake received. Its fields are set before NextCall
// returns it and never change afterwards.
type Call struct {
	Request    ChatRequest
	Header     http.Header
	Path       string
	Query      url.Values // Azure clients send api-version here
	Deployment string     // the Azure route's {deployment}; empty on /v1

	id         int
	written    atomic.Int64 // bytes of the response body written
	done       chan struct{}
	cancelled  chan struct{}
	cancelOnce sync.Once
}

// Done is closed when the fake has finished handling the call.
func (c *Call) Done() <-chan struct{} { return c.done }

// Cancelled is closed when the client went away before the fake finished its
// reply: it closed the connection, or cancelled the request's context. It is
// closed before Done. A reply the fake finished writing is never cancelled.
func (c *Call) Cancelled() <-chan struct{} { return c.cancelled }

func (c *Call) cancel() { c.cancelOnce.Do(func() { close(c.cancelled) }) }

// BytesWritten returns how many bytes of the response body the fake has
// written so far: the client took them, or the connection's buffers hold
// them. Once Done is closed it is final.
func (c *Call) BytesWritten() int64 { return c.written.Load() }

// countingWriter counts the body bytes written into its Call.
type countingWriter struct {
	http.ResponseWriter
	c *Call
}

func (w countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.c.written.Add(int64(n))
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer to flush.
func (w countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
