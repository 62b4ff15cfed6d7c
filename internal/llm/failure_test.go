package llm_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/llm"
)

// checkFailure asserts err is a *chat.ProviderError of the given kind,
// status and retry delay that does not reveal the key.
func checkFailure(t *testing.T, err error, kind chat.FailureKind, status int, retryAfter time.Duration) {
	t.Helper()
	var pe *chat.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %T %v, want *chat.ProviderError", err, err)
	}
	if pe.Kind != kind || pe.Status != status || pe.RetryAfter != retryAfter {
		t.Errorf("got kind %q status %d retry %v, want %q %d %v (%v)", pe.Kind, pe.Status, pe.RetryAfter, kind, status, retryAfter, err)
	}
	if pe.Err == nil {
		t.Error("the cause is lost")
	}
	if strings.Contains(err.Error(), secretKey) {
		t.Errorf("the error reveals the key: %v", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a provider failure reads as a context error: %v", err)
	}
}

func TestOpenAIFailures(t *testing.T) {
	chunks := []string{"Partial ", "answer ", "here."}
	tests := []struct {
		name           string
		reply          fakeopenai.Reply
		wantKind       chat.FailureKind
		wantStatus     int
		wantRetryAfter time.Duration
		wantDeltas     string // what arrived before the failure
	}{
		{name: "401", reply: fakeopenai.Reply{Status: 401}, wantKind: chat.FailUnauthorized, wantStatus: 401},
		{name: "401 echoing the key", reply: fakeopenai.Reply{Status: 401, Message: "Incorrect API key provided: " + secretKey}, wantKind: chat.FailUnauthorized, wantStatus: 401},
		{name: "403", reply: fakeopenai.Reply{Status: 403}, wantKind: chat.FailUnauthorized, wantStatus: 403},
		{name: "404", reply: fakeopenai.Reply{Status: 404}, wantKind: chat.FailModelNotFound, wantStatus: 404},
		{name: "429 with Retry-After", reply: fakeopenai.Reply{Status: 429, RetryAfter: "12"}, wantKind: chat.FailRateLimited, wantStatus: 429, wantRetryAfter: 12 * time.Second},
		{name: "429 without Retry-After", reply: fakeopenai.Reply{Status: 429}, wantKind: chat.FailRateLimited, wantStatus: 429},
		{name: "429 quota", reply: fakeopenai.Reply{Status: 429, Code: "insufficient_quota"}, wantKind: chat.FailRateLimited, wantStatus: 429},
		{name: "400", reply: fakeopenai.Reply{Status: 400}, wantKind: chat.FailBadResponse, wantStatus: 400},
		{name: "422", reply: fakeopenai.Reply{Status: 422}, wantKind: chat.FailBadResponse, wantStatus: 422},
		{name: "500", reply: fakeopenai.Reply{Status: 500}, wantKind: chat.FailUnavailable, wantStatus: 500},
		{name: "502", reply: fakeopenai.Reply{Status: 502}, wantKind: chat.FailUnavailable, wantStatus: 502},
		{name: "503", reply: fakeopenai.Reply{Status: 503}, wantKind: chat.FailUnavailable, wantStatus: 503},
		{name: "502 html", reply: fakeopenai.Reply{Status: 502, NonJSONError: true}, wantKind: chat.FailUnavailable, wantStatus: 502},
		{name: "401 html", reply: fakeopenai.Reply{Status: 401, NonJSONError: true}, wantKind: chat.FailUnauthorized, wantStatus: 401},
		{name: "404 html", reply: fakeopenai.Reply{Status: 404, NonJSONError: true}, wantKind: chat.FailModelNotFound, wantStatus: 404},
		{name: "429 html with Retry-After", reply: fakeopenai.Reply{Status: 429, NonJSONError: true, RetryAfter: "3"}, wantKind: chat.FailRateLimited, wantStatus: 429, wantRetryAfter: 3 * time.Second},
		{name: "error event mid-stream", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.ErrorEvent, FaultAfter: 2}, wantKind: chat.FailModelError, wantDeltas: "Partial answer "},
		{name: "error event first", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.ErrorEvent}, wantKind: chat.FailModelError},
		{name: "malformed chunk", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Malformed, FaultAfter: 1}, wantKind: chat.FailBadResponse, wantDeltas: "Partial "},
		{name: "cut after 0", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Cut}, wantKind: chat.FailCut},
		{name: "cut after 2", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Cut, FaultAfter: 2}, wantKind: chat.FailCut, wantDeltas: "Partial answer "},
		{name: "clean end without finish", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.EndEarly, FaultAfter: 1}, wantKind: chat.FailCut, wantDeltas: "Partial "},
		{name: "clean end after all text, without finish", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.EndEarly, FaultAfter: 3}, wantKind: chat.FailCut, wantDeltas: "Partial answer here."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.Push(tt.reply)
			deltas, _, err := collect(testContext(t), provider(t, s, secretKey), conversation)
			checkFailure(t, err, tt.wantKind, tt.wantStatus, tt.wantRetryAfter)
			if got := strings.Join(deltas, ""); got != tt.wantDeltas {
				t.Errorf("deltas before the failure = %q, want %q", got, tt.wantDeltas)
			}
		})
	}
}

// After the finish_reason the answer is whole; losing the usage chunk or
// [DONE] must not turn it into an error.
func TestOpenAIToleratesLossAfterFinish(t *testing.T) {
	tests := []struct {
		name  string
		fault fakeopenai.Fault
	}{
		{name: "cut", fault: fakeopenai.Cut},
		{name: "clean end", fault: fakeopenai.EndEarly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.Push(fakeopenai.Reply{Chunks: []string{"All ", "there."}, Fault: tt.fault, FaultAfter: 3})
			deltas, usage, err := collect(testContext(t), provider(t, s, secretKey), conversation)
			if err != nil || strings.Join(deltas, "") != "All there." || usage != (chat.Usage{}) {
				t.Errorf("Stream = %q, %+v, %v", deltas, usage, err)
			}
		})
	}
}

func TestOpenAIUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	tlsServer := httptest.NewTLSServer(nil) // its certificate is not trusted
	defer tlsServer.Close()

	tests := []struct {
		name    string
		baseURL string
	}{
		{name: "connection refused", baseURL: refused},
		{name: "unknown host", baseURL: "http://rolefit-test.invalid/v1"},
		{name: "untrusted certificate", baseURL: tlsServer.URL + "/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newOpenAI(t, llm.OpenAIConfig{APIKey: secretKey, BaseURL: tt.baseURL, Model: "m"})
			_, _, err := collect(testContext(t), p, conversation)
			checkFailure(t, err, chat.FailUnreachable, 0, 0)
		})
	}
}

// A 200 that is not an event stream: a server or proxy that ignored
// "stream": true, or a captive portal.
func TestOpenAINotAStream(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
	}{
		{name: "json completion", contentType: "application/json", body: `{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}`},
		{name: "html page", contentType: "text/html", body: "<html><body>Please log in</body></html>"},
		{name: "empty", contentType: "text/event-stream", body: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			p := newOpenAI(t, llm.OpenAIConfig{APIKey: secretKey, BaseURL: srv.URL + "/v1", Model: "m"})
			deltas, _, err := collect(testContext(t), p, conversation)
			checkFailure(t, err, chat.FailBadResponse, 0, 0)
			if len(deltas) != 0 {
				t.Errorf("deltas = %q", deltas)
			}
		})
	}
}
