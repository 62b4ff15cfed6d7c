package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

func (a *testApp) waitFinished() chat.AnswerReport {
	a.t.Helper()
	select {
	case r := <-a.finished:
		return r
	case <-time.After(5 * time.Second):
		a.t.Fatal("no answer finished within 5s")
		return chat.AnswerReport{}
	}
}

// scrape reads /metrics into series → value ("name{labels}" as exposed).
func scrape(t *testing.T, b *browser) map[string]float64 {
	t.Helper()
	res := b.get("/metrics")
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

func TestReadyz(t *testing.T) {
	tests := []struct {
		name       string
		opts       []appOption
		wantStatus int
		want       readiness
	}{
		{"model configured", nil, http.StatusOK, readiness{"ready", "ok", "openai-compatible", "accepted"}},
		{"offline counts as configured", []appOption{offlineProvider()}, http.StatusOK, readiness{"ready", "ok", "offline", "accepted"}},
		{"database down", []appOption{withServer(Config{Ping: func(context.Context) error {
			return errors.New("store: ping: disk /secret/path on fire")
		}})}, http.StatusServiceUnavailable, readiness{"not ready", "unreachable", "openai-compatible", "accepted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := newOpsApp(t, tt.opts...)
			res := app.browser(false).get("/readyz")
			defer res.Body.Close()
			var got readiness
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantStatus || got != tt.want || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("GET /readyz = %d %+v (%s), want %d %+v", res.StatusCode, got, res.Header.Get("Content-Type"), tt.wantStatus, tt.want)
			}
		})
	}
	t.Run("the real database, closed", func(t *testing.T) {
		app := newOpsApp(t)
		app.db.Close()
		res := app.browser(false).get("/readyz")
		body := readBody(t, res)
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"unreachable"`) {
			t.Errorf("GET /readyz with the database closed = %d %s", res.StatusCode, body)
		}
		if strings.Contains(body, "closed") || strings.Contains(body, "sql") {
			t.Errorf("/readyz shows the cause: %s", body)
		}
		if !strings.Contains(app.logs.String(), "readiness: database unreachable") {
			t.Error("the cause is not logged")
		}
	})
}

func TestMetricsAfterAStreamedAnswer(t *testing.T) {
	app := newOpsApp(t, withServer(Config{ServeMetrics: true}))
	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Engineers ", "train models."}, Gate: gate,
		Usage: &fakeopenai.Usage{PromptTokens: 120, CompletionTokens: 2}})
	b := app.browser(true)
	a := ask(t, b, "What does an ML engineer do?")
	res := b.get(a.events)
	defer res.Body.Close()
	stream := streamEvents(res.Body)
	gate <- struct{}{}
	if e := <-stream; e.name != "delta" {
		t.Fatalf("first event %+v, want a delta", e)
	}
	during := scrape(t, b)
	for series, want := range map[string]float64{
		"rolefit_streams_active":                                  1,
		"rolefit_answers_active":                                  1,
		"rolefit_time_to_first_token_seconds_count":               1,
		`rolefit_http_requests_total{code="200",route="POST /c"}`: 1,
	} {
		if during[series] != want {
			t.Errorf("while streaming, %s = %v, want %v", series, during[series], want)
		}
	}
	close(gate)
	for range stream {
	}
	app.waitFinished()

	after := scrape(t, b)
	for series, want := range map[string]float64{
		"rolefit_streams_active":                                                              0,
		"rolefit_answers_active":                                                              0,
		"rolefit_time_to_first_token_seconds_count":                                           1,
		"rolefit_answer_duration_seconds_count":                                               1,
		`rolefit_answers_total{state="done"}`:                                                 1,
		`rolefit_tokens_total{kind="prompt"}`:                                                 120,
		`rolefit_tokens_total{kind="completion"}`:                                             2,
		`rolefit_http_requests_total{code="200",route="POST /c"}`:                             1,
		`rolefit_http_requests_total{code="200",route="GET /c/{id}/answers/{answer}/events"}`: 1,
		`rolefit_http_requests_total{code="200",route="GET /metrics"}`:                        1, // the first scrape; this one is counted when it ends
		`rolefit_upstream_errors_total{kind="unavailable"}`:                                   0,
		`rolefit_answer_retries_total`:                                                        0,
		`rolefit_rate_limited_total{limit="visitor"}`:                                         0,
		`rolefit_rate_limited_total{limit="budget"}`:                                          0,
		`rolefit_rate_limited_total{limit="login"}`:                                           0,
	} {
		got, ok := after[series]
		if !ok || got != want {
			t.Errorf("after the answer, %s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if after["rolefit_time_to_first_token_seconds_sum"] <= 0 || after["rolefit_answer_duration_seconds_sum"] <= 0 {
		t.Error("the histograms hold no time")
	}
	if after["go_goroutines"] <= 0 {
		t.Error("the Go runtime's metrics are missing")
	}
}

func TestUpstreamErrorsAndRetriesAreCounted(t *testing.T) {
	app := newOpsApp(t, withChat(chat.Config{Retries: 1}), withServer(Config{ServeMetrics: true}))
	// 503 with Retry-After: 0 is retried at once; the 401 is final.
	app.fake.Push(fakeopenai.Reply{Status: 503, RetryAfter: "0"}, fakeopenai.Reply{Status: 401})
	b := app.browser(true)
	ask(t, b, "Hello?")
	if r := app.waitFinished(); r.State != chat.StateError {
		t.Fatalf("answer ended %s, want error", r.State)
	}
	m := scrape(t, b)
	for series, want := range map[string]float64{
		`rolefit_upstream_errors_total{kind="unauthorized"}`: 1,
		`rolefit_upstream_errors_total{kind="unavailable"}`:  0,
		`rolefit_answer_retries_total`:                       1,
		`rolefit_answers_total{state="error"}`:               1,
	} {
		if m[series] != want {
			t.Errorf("%s = %v, want %v", series, m[series], want)
		}
	}
}

func TestMetricsCanBeOff(t *testing.T) {
	app := newOpsApp(t, withServer(Config{ServeMetrics: false}))
	res := app.browser(false).get("/metrics")
	body := readBody(t, res)
	if res.StatusCode != http.StatusNotFound || strings.Contains(body, "rolefit_") {
		t.Errorf("GET /metrics with metrics off = %d, want 404 without metrics", res.StatusCode)
	}
}

// TestRequestIDOnEveryLine makes a request fail inside (the database is
// gone) and checks that every line it logs carries its request id.
func TestRequestIDOnEveryLine(t *testing.T) {
	app := newOpsApp(t, jsonLogs())
	b := app.browser(false)
	path := b.ask("/c", "First question") // a conversation to fail to load
	app.waitFinished()
	app.logs.mu.Lock()
	app.logs.b.Reset()
	app.logs.mu.Unlock()

	app.db.Close()
	res := b.get(path)
	readBody(t, res)
	id := res.Header.Get("X-Request-Id")
	if res.StatusCode != http.StatusInternalServerError || id == "" {
		t.Fatalf("GET %s with the database closed = %d, request id %q; want 500 and an id", path, res.StatusCode, id)
	}
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(app.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		msgs = append(msgs, rec["msg"].(string))
		if rec["request_id"] != id {
			t.Errorf("line %q has request_id %v, want %s", rec["msg"], rec["request_id"], id)
		}
		if n := strings.Count(line, `"request_id"`); n != 1 {
			t.Errorf("line %q has request_id %d times", rec["msg"], n)
		}
	}
	if want := []string{"internal error", "request"}; !containsAll(msgs, want) {
		t.Errorf("logged %q, want at least %q", msgs, want)
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
