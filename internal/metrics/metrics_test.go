package metrics

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rolefit/rolefit/internal/chat"
)

type fixedBudget struct{ ok bool }

func (b fixedBudget) Allow(time.Time) (bool, time.Time) { return b.ok, time.Time{} }
func (fixedBudget) Spend(int, time.Time)                {}

func TestAnswersAreCounted(t *testing.T) {
	m := New()
	m.AnswerStarted()
	m.AnswerStarted()
	if got := testutil.ToFloat64(m.answersActive); got != 2 {
		t.Errorf("answers active = %v, want 2", got)
	}
	m.FirstToken(300 * time.Millisecond)
	m.AnswerFinished(chat.AnswerReport{State: chat.StateDone, Duration: 2 * time.Second, PromptTokens: 100, CompletionTokens: 20, Retries: 1})
	m.AnswerFinished(chat.AnswerReport{State: chat.StateError, Failure: chat.FailRateLimited, Retries: 2})
	for name, tt := range map[string]struct{ got, want float64 }{
		"answers active":           {testutil.ToFloat64(m.answersActive), 0},
		"prompt tokens":            {testutil.ToFloat64(m.tokens.WithLabelValues("prompt")), 100},
		"completion tokens":        {testutil.ToFloat64(m.tokens.WithLabelValues("completion")), 20},
		"retries":                  {testutil.ToFloat64(m.retries), 3},
		"rate_limited upstream":    {testutil.ToFloat64(m.upstream.WithLabelValues("rate_limited")), 1},
		"unavailable upstream":     {testutil.ToFloat64(m.upstream.WithLabelValues("unavailable")), 0},
		"answers done":             {testutil.ToFloat64(m.answers.WithLabelValues("done")), 1},
		"answers error":            {testutil.ToFloat64(m.answers.WithLabelValues("error")), 1},
		"budget refusals (before)": {testutil.ToFloat64(m.limited.WithLabelValues(LimitBudget)), 0},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", name, tt.got, tt.want)
		}
	}
	b := m.CountRefusals(fixedBudget{ok: false})
	b.Allow(time.Now())
	m.CountRefusals(fixedBudget{ok: true}).Allow(time.Now())
	if got := testutil.ToFloat64(m.limited.WithLabelValues(LimitBudget)); got != 1 {
		t.Errorf("budget refusals = %v, want 1", got)
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		"rolefit_time_to_first_token_seconds_count 1",
		"rolefit_answer_duration_seconds_count 2",
		`rolefit_rate_limited_total{limit="login"} 0`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestRegistriesAreSeparate(t *testing.T) {
	a, b := New(), New()
	a.Request("GET /healthz", 200)
	if got := testutil.ToFloat64(b.requests.WithLabelValues("GET /healthz", "200")); got != 0 {
		t.Errorf("a second Metrics sees the first's requests: %v", got)
	}
}
