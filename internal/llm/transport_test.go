package llm

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// TestRequestBodyIsFreedWhileTheAnswerStreams: the request body (in real
// use the whole system prompt) must not stay in memory for as long as the
// response streams, which net/http would otherwise make it do.
func TestRequestBodyIsFreedWhileTheAnswerStreams(t *testing.T) {
	for _, tt := range []struct {
		name      string
		transport interface {
			http.RoundTripper
			CloseIdleConnections()
		}
	}{
		{"the provider's own", newInlineTransport(newTransport())},
		{"net/http's, for TLS and proxies", newTransport()},
	} {
		t.Run(tt.name, func(t *testing.T) { testRequestBodyIsFreed(t, tt.transport) })
	}
}

func testRequestBodyIsFreed(t *testing.T, transport interface {
	http.RoundTripper
	CloseIdleConnections()
}) {
	var received int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done() // an answer that is still being written
	}))
	t.Cleanup(srv.Close)
	client := capturingClient(nil, transport, nil)
	t.Cleanup(transport.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	freed := make(chan struct{})
	const size = 64 << 10
	resp := func() *http.Response {
		prompt := new([size]byte)
		runtime.AddCleanup(prompt, func(ch chan struct{}) { close(ch) }, freed)
		// A bytes.Buffer body, as go-openai sends.
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, bytes.NewBuffer(prompt[:]))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}()
	defer resp.Body.Close()

	for {
		runtime.GC()
		select {
		case <-freed:
			if received != size {
				t.Errorf("the server received %d bytes, want %d", received, size)
			}
			return
		case <-ctx.Done():
			t.Fatal("the request body is still held while its response streams")
		case <-time.After(10 * time.Millisecond): // cleanups run after a GC, on their own goroutine
		}
	}
}

// TestGetBodyWorksUntilTheResponse: the transport may send a request again
// on another connection (the first turned out closed); the body must still
// be there for that, whole, until a response arrives.
func TestGetBodyWorksUntilTheResponse(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://model.invalid/", bytes.NewBufferString("the prompt"))
	send, done := releaseBodyAfterSend(req)
	first, _ := io.ReadAll(send.Body)
	send.Body.Close()
	again, err := send.GetBody()
	if err != nil {
		t.Fatalf("GetBody before the response: %v", err)
	}
	second, _ := io.ReadAll(again)
	if string(first) != "the prompt" || string(second) != "the prompt" {
		t.Errorf("sent %q, then %q; want the prompt both times", first, second)
	}
	if _, err := send.Body.Read(make([]byte, 1)); err == nil {
		t.Error("the body can still be read after it was closed")
	}
	done()
	if _, err := send.GetBody(); err == nil {
		t.Error("GetBody still works after the response arrived")
	}
}
