package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// startWithMetrics runs Rolefit with METRICS_ADDR on a free port and
// returns its two addresses, read from the two lines it prints.
func startWithMetrics(t *testing.T) (app, metrics string) {
	t.Helper()
	addrs := launch(t, map[string]string{"METRICS_ADDR": "127.0.0.1:0", "OFFLINE_PACE": "0s"},
		"listening on ", "Metrics are served on ")
	return addrs[0], addrs[1]
}

func TestMetricsOnTheirOwnAddress(t *testing.T) {
	app, metricsURL := startWithMetrics(t)
	if !strings.HasSuffix(metricsURL, "/metrics") || strings.HasPrefix(metricsURL, app) {
		t.Fatalf("metrics at %q, app at %q: want a separate address", metricsURL, app)
	}
	res, err := http.Get(app + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the main address = %d, want 404", res.StatusCode)
	}
	if res, err := http.Get(app + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz = %v, %v", res, err)
	} else {
		res.Body.Close()
	}
	res, err = http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`rolefit_http_requests_total{code="200",route="GET /readyz"} 1`,
		`rolefit_http_requests_total{code="404",route="/"} 1`,
		"rolefit_answers_active 0",
		"# TYPE rolefit_time_to_first_token_seconds histogram",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the metrics address lacks %q", want)
		}
	}
}

// TestDailyTokenBudgetIsWired spends a one-token budget with one answer:
// the next question is refused, except offline, where answers cost nothing.
func TestDailyTokenBudgetIsWired(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	tests := []struct {
		name string
		env  map[string]string
		// The statuses of three questions asked without JavaScript. The
		// service records an answer's cost just after its end reaches the
		// browser, so the second question may still slip in (0: either).
		want []int
	}{
		{"with a model", map[string]string{"OPENAI_BASE_URL": fake.URL}, []int{http.StatusSeeOther, 0, http.StatusTooManyRequests}},
		{"offline", nil, []int{http.StatusSeeOther, http.StatusSeeOther, http.StatusSeeOther}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"DAILY_TOKEN_BUDGET": "1", "OFFLINE_PACE": "0s"}
			for k, v := range tt.env {
				env[k] = v
			}
			base := startRolefit(t, env)
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for i, q := range []string{"What does an ML engineer do?", "And a Gen AI developer?", "Which tools?"} {
				res, err := client.PostForm(base+"/c", url.Values{"message": {q}})
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if tt.want[i] != 0 && res.StatusCode != tt.want[i] {
					t.Errorf("question %d = %d, want %d", i+1, res.StatusCode, tt.want[i])
				}
				if res.StatusCode == http.StatusTooManyRequests && !strings.Contains(string(body), "today&#39;s budget") {
					t.Errorf("question %d refused without the budget message", i+1)
				}
			}
		})
	}
}

// TestDailyTokenBudgetOutlivesARestart: what a day has spent is kept in the
// database, so restarting Rolefit does not hand the day's budget out again.
func TestDailyTokenBudgetOutlivesARestart(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	env := map[string]string{"DAILY_TOKEN_BUDGET": "1", "OPENAI_BASE_URL": fake.URL, "DATA_DIR": t.TempDir()}
	ask := func(t *testing.T, base string) (int, string) {
		t.Helper()
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.PostForm(base+"/c", url.Values{"message": {"What does an ML engineer do?"}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	t.Run("first run", func(t *testing.T) {
		// Stopping waits for the answer in flight, which spends the budget.
		if code, _ := ask(t, startRolefit(t, env)); code != http.StatusSeeOther {
			t.Fatalf("the first question = %d, want it accepted", code)
		}
	})
	code, body := ask(t, startRolefit(t, env))
	if code != http.StatusTooManyRequests || !strings.Contains(body, "today&#39;s budget") {
		t.Errorf("after a restart the next question = %d, want 429 with the budget message", code)
	}
}

// Profiles are served only on PPROF_ADDR, never on the main address.
func TestProfilesOnlyOnTheirOwnAddress(t *testing.T) {
	addrs := launch(t, map[string]string{"PPROF_ADDR": "127.0.0.1:0", "OFFLINE_PACE": "0s"},
		"listening on ", "Profiles are served on ")
	app, profiles := addrs[0], addrs[1]
	for _, tt := range []struct {
		url  string
		want int
	}{
		{profiles + "goroutine?debug=1", http.StatusOK},
		{app + "/debug/pprof/goroutine?debug=1", http.StatusNotFound},
	} {
		res, err := http.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.url, res.StatusCode, tt.want)
		}
	}
}
