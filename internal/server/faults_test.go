package server

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// refusedURL is a base URL on a local port nothing listens on.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/v1"
}

// untrustedTLSURL is a base URL served over TLS with httptest's own
// certificate, which the provider's client does not trust.
func untrustedTLSURL(t *testing.T) string {
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	// The refused handshake is the point; keep it out of the test output.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts.URL + "/v1"
}

// flow is everything the person's browser received while asking one
// question: every response body and every event.
type flow struct {
	bodies []string
	events []event
}

func (f *flow) read(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	f.bodies = append(f.bodies, string(b))
	return string(b)
}

func parseDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestUpstreamFaultMatrix breaks the model service in every way it breaks in
// production and checks what the person sees: the answer ends in the error
// state with a message of its own for each kind of failure, keeps the text
// that had arrived, the server stays healthy, and the API key shows up
// nowhere: not in a page, an event, or the log, even when the upstream
// echoes it in its error.
func TestUpstreamFaultMatrix(t *testing.T) {
	echo := "Incorrect API key provided: " + testAPIKey + "."
	const partial = "Machine learning engineers build"
	chunks := []string{partial, " and never finish"}
	tests := []struct {
		name    string
		kind    string // failures of one kind share their message; kinds never do
		metric  string // the kind label it counts under in rolefit_upstream_errors_total
		reply   fakeopenai.Reply
		baseURL func(t *testing.T) string // default: the fake
		cfg     chat.Config
		want    string // the answer's error message, whole
		partial bool   // some text arrived and must be kept
	}{
		{name: "401", metric: "unauthorized", kind: "credentials", reply: fakeopenai.Reply{Status: 401, Message: echo},
			want: "The assistant is not configured correctly: the model service refused its credentials. Please tell whoever runs this Rolefit."},
		{name: "403", metric: "unauthorized", kind: "credentials", reply: fakeopenai.Reply{Status: 403, Message: "Key " + testAPIKey + " may not use this model."},
			want: "The assistant is not configured correctly: the model service refused its credentials. Please tell whoever runs this Rolefit."},
		{name: "404 model", metric: "model_not_found", kind: "model", reply: fakeopenai.Reply{Status: 404},
			want: "The model this assistant is set up to use was not found on the model service. Please tell whoever runs this Rolefit."},
		{name: "429 with Retry-After", metric: "rate_limited", kind: "rate limit, retry after", reply: fakeopenai.Reply{Status: 429, RetryAfter: "7"},
			want: "The model service is receiving too many requests. Please try again in 7 seconds."},
		{name: "429 without Retry-After", metric: "rate_limited", kind: "rate limit", reply: fakeopenai.Reply{Status: 429, Message: "Rate limit for " + testAPIKey},
			want: "The model service is receiving too many requests. Please try again in a minute."},
		{name: "500", metric: "unavailable", kind: "unavailable", reply: fakeopenai.Reply{Status: 500, Message: "upstream failed for key " + testAPIKey},
			want: "The model service is having problems right now. Please try again in a moment."},
		{name: "502 from a proxy", metric: "unavailable", kind: "unavailable", reply: fakeopenai.Reply{Status: 502, NonJSONError: true},
			want: "The model service is having problems right now. Please try again in a moment."},
		{name: "503", metric: "unavailable", kind: "unavailable", reply: fakeopenai.Reply{Status: 503},
			want: "The model service is having problems right now. Please try again in a moment."},
		{name: "connection refused", metric: "unreachable", kind: "unreachable", baseURL: refusedURL,
			want: "Rolefit could not reach the model service. Please try again in a moment."},
		{name: "DNS failure", metric: "unreachable", kind: "unreachable", baseURL: func(*testing.T) string { return "http://model.invalid/v1" },
			want: "Rolefit could not reach the model service. Please try again in a moment."},
		{name: "TLS certificate not trusted", metric: "unreachable", kind: "unreachable", baseURL: untrustedTLSURL,
			want: "Rolefit could not reach the model service. Please try again in a moment."},
		{name: "no first token in time", metric: "timeout", kind: "no first token", reply: fakeopenai.Reply{Fault: fakeopenai.Hang},
			cfg:  chat.Config{FirstTokenTimeout: 100 * time.Millisecond},
			want: "The model did not start answering in time. Please try again."},
		{name: "stall mid-stream", metric: "timeout", kind: "stall", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Stall, FaultAfter: 1},
			cfg:  chat.Config{StallTimeout: 100 * time.Millisecond},
			want: "The model stopped sending text partway through. What arrived is kept; you can try again.", partial: true},
		{name: "malformed chunk", metric: "bad_response", kind: "unreadable partway", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Malformed, FaultAfter: 1},
			want: "The model service sent a reply Rolefit could not read partway through. What arrived is kept; you can try again.", partial: true},
		{name: "malformed first chunk", metric: "bad_response", kind: "unreadable", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Malformed},
			want: "The model service sent a reply Rolefit could not read. Please try again."},
		{name: "error event mid-stream", metric: "model_error", kind: "model error partway", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.ErrorEvent, FaultAfter: 1, Message: "server error for " + testAPIKey},
			want: "The model service reported an error partway through the answer. What arrived is kept; you can try again.", partial: true},
		{name: "error event first", metric: "model_error", kind: "model error", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.ErrorEvent, Message: "server error for " + testAPIKey},
			want: "The model service reported an error before answering. Please try again."},
		{name: "connection cut mid-stream", metric: "cut", kind: "cut", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.Cut, FaultAfter: 1},
			want: "The connection to the model was lost partway through. What arrived is kept; you can try again.", partial: true},
		{name: "stream ended without finishing", metric: "cut", kind: "cut", reply: fakeopenai.Reply{Chunks: chunks, Fault: fakeopenai.EndEarly, FaultAfter: 1},
			want: "The connection to the model was lost partway through. What arrived is kept; you can try again.", partial: true},
	}
	messageOf := map[string]string{} // kind -> message
	for _, tt := range tests {
		if m, ok := messageOf[tt.kind]; ok && m != tt.want {
			t.Fatalf("table: kind %q has two messages", tt.kind)
		}
		messageOf[tt.kind] = tt.want
	}
	kindOf := map[string]string{}
	for kind, m := range messageOf {
		if other, ok := kindOf[m]; ok {
			t.Errorf("failures of kinds %q and %q tell the person the same thing: %q", kind, other, m)
		}
		kindOf[m] = kind
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := ""
			if tt.baseURL != nil {
				base = tt.baseURL(t)
			}
			app := newTestAppAt(t, tt.cfg, base)
			app.fake.Push(tt.reply)
			b := app.browser(true)
			var f flow

			res := b.post("/c", url.Values{"message": {"What does an ML engineer do?"}})
			conv := res.Header.Get("HX-Push-Url")
			d := parseDoc(t, f.read(t, res))
			events, ok := d.Find(`[data-testid="message"][data-role="assistant"]`).Attr("sse-connect")
			if res.StatusCode != http.StatusOK || !ok || conv == "" {
				t.Fatalf("POST /c = %d, push %q, events %q: want the turn with a streaming answer", res.StatusCode, conv, events)
			}

			res = b.get(events)
			f.events = readEvents(t, res.Body)
			res.Body.Close()
			var streamed strings.Builder
			var last event
			for _, e := range f.events {
				if e.name == "delta" {
					streamed.WriteString(e.data)
				}
				last = e
			}
			end := parseDoc(t, last.data).Find(`[data-testid="message"][data-role="assistant"]`)
			if last.name != "end" || end.AttrOr("data-state", "") != "error" {
				t.Fatalf("the stream ended with %q in state %q, want the end event in the error state", last.name, end.AttrOr("data-state", ""))
			}
			if got := strings.TrimSpace(end.Find(`[data-testid="answer-error"]`).Text()); got != tt.want {
				t.Errorf("the end event says %q, want %q", got, tt.want)
			}

			// What stays: the reloaded conversation.
			page := parseDoc(t, f.read(t, b.get(conv)))
			answer := page.Find(`[data-testid="message"][data-role="assistant"]`).Last()
			if s := answer.AttrOr("data-state", ""); s != "error" {
				t.Errorf("after a reload the answer is %q, want error", s)
			}
			if got := strings.TrimSpace(answer.Find(`[data-testid="answer-error"]`).Text()); got != tt.want {
				t.Errorf("after a reload the answer says %q, want %q", got, tt.want)
			}
			if answer.Find(`[data-testid="retry"]`).Length() != 1 {
				t.Error("the failed answer offers no retry")
			}
			if tt.partial {
				if streamed.String() != partial {
					t.Errorf("streamed %q before the failure, want %q", streamed.String(), partial)
				}
				if !strings.Contains(answer.Find(".text").Text(), partial) || !strings.Contains(end.Find(".text").Text(), partial) {
					t.Errorf("the text that arrived was not kept: end %q, reload %q", end.Find(".text").Text(), answer.Find(".text").Text())
				}
			} else if txt := strings.TrimSpace(answer.Find(".text").Text()); txt != "" {
				t.Errorf("the answer shows %q, but no text ever arrived", txt)
			}

			res = b.get("/healthz")
			if body := f.read(t, res); res.StatusCode != http.StatusOK || body != "ok\n" {
				t.Errorf("healthz after the failure = %d %q", res.StatusCode, body)
			}

			// The failure is counted under its kind, once, and nothing else is.
			metricsBody := f.read(t, b.get("/metrics"))
			for _, line := range strings.Split(metricsBody, "\n") {
				if !strings.HasPrefix(line, "rolefit_upstream_errors_total{") {
					continue
				}
				want := " 0"
				if strings.Contains(line, `kind="`+tt.metric+`"`) {
					want = " 1"
				}
				if !strings.HasSuffix(line, want) {
					t.Errorf("metric %q, want it to end in%s", line, want)
				}
			}
			if !strings.Contains(metricsBody, `rolefit_upstream_errors_total{kind="`+tt.metric+`"} 1`) {
				t.Errorf("no upstream error counted under %q", tt.metric)
			}

			for i, body := range f.bodies {
				if strings.Contains(body, testAPIKey) {
					t.Errorf("response %d of the flow shows the API key", i)
				}
			}
			for _, e := range f.events {
				if strings.Contains(e.data, testAPIKey) {
					t.Errorf("the %s event shows the API key", e.name)
				}
			}
			// Shutdown returns once every generator has returned, so its
			// log line is written.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			app.svc.Shutdown(ctx)
			logs := app.logs.String()
			if strings.Contains(logs, testAPIKey) {
				t.Errorf("the log shows the API key:\n%s", logs)
			}
			if !strings.Contains(logs, "state=error") {
				t.Errorf("the failure was not logged:\n%s", logs)
			}
		})
	}
}
