package metrics

import (
	"math"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rolefit/rolefit/internal/chat"
)

type fixedBudget struct{ ok bool }

func (b fixedBudget) Allow(time.Time) (bool, time.Time) { return b.ok, time.Time{} }
func (fixedBudget) Spend(int, time.Time)                {}

// scrape serves m's metrics and reads them back with Prometheus's own
// parser, so what Rolefit writes is what a Prometheus server accepts.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("Content-Type = %q, want Prometheus's text format", ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("Prometheus cannot parse /metrics: %v\n%s", err, rec.Body.String())
	}
	return families
}

// value is the value of the series of family name with these labels
// ("name", "value" pairs), and whether there is one.
func value(families map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
		return m.GetUntyped().GetValue(), true
	}
	return 0, false
}

func TestAnswersAreCounted(t *testing.T) {
	m := New()
	m.AnswerStarted()
	m.AnswerStarted()
	if got, _ := value(scrape(t, m), "rolefit_answers_active"); got != 2 {
		t.Errorf("answers active = %v, want 2", got)
	}
	m.FirstToken(300 * time.Millisecond)
	m.AnswerFinished(chat.AnswerReport{State: chat.StateDone, Duration: 2 * time.Second, PromptTokens: 100, CompletionTokens: 20, Retries: 1})
	m.AnswerFinished(chat.AnswerReport{State: chat.StateError, Failure: chat.FailRateLimited, Retries: 2})
	b := m.CountRefusals(fixedBudget{ok: false})
	b.Allow(time.Now())
	m.CountRefusals(fixedBudget{ok: true}).Allow(time.Now())
	m.Limited(LimitLogin)
	m.Limited(LimitLogin)

	got := scrape(t, m)
	for _, tt := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rolefit_answers_active", nil, 0},
		{"rolefit_tokens_total", []string{"kind", "prompt"}, 100},
		{"rolefit_tokens_total", []string{"kind", "completion"}, 20},
		{"rolefit_answer_retries_total", nil, 3},
		{"rolefit_upstream_errors_total", []string{"kind", "rate_limited"}, 1},
		{"rolefit_upstream_errors_total", []string{"kind", "unavailable"}, 0}, // there from the start
		{"rolefit_upstream_errors_total", []string{"kind", "model_error"}, 0},
		{"rolefit_answers_total", []string{"state", "done"}, 1},
		{"rolefit_answers_total", []string{"state", "error"}, 1},
		{"rolefit_rate_limited_total", []string{"limit", "budget"}, 1},
		{"rolefit_rate_limited_total", []string{"limit", "login"}, 2},
		{"rolefit_rate_limited_total", []string{"limit", "visitor"}, 0},
		{"rolefit_time_to_first_token_seconds", nil, 1},
		{"rolefit_answer_duration_seconds", nil, 2},
	} {
		if v, ok := value(got, tt.name, tt.labels...); !ok || v != tt.want {
			t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, v, ok, tt.want)
		}
	}
}

func TestHistogramBuckets(t *testing.T) {
	m := New()
	for _, d := range []time.Duration{40 * time.Millisecond, 100 * time.Millisecond, 700 * time.Millisecond, 2 * time.Minute} {
		m.FirstToken(d)
	}
	h := scrape(t, m)["rolefit_time_to_first_token_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 4 || math.Abs(h.GetSampleSum()-120.84) > 1e-9 {
		t.Errorf("count %d, sum %v; want 4 and 120.84", h.GetSampleCount(), h.GetSampleSum())
	}
	// Buckets are cumulative and an observation on a bound falls in it.
	want := map[float64]uint64{.05: 1, .1: 2, .25: 2, .5: 2, 1: 3, 60: 3}
	for _, b := range h.GetBucket() {
		if n, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != n {
			t.Errorf("bucket le=%v holds %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), n)
		}
	}
}

func TestRequestsByRouteAndCode(t *testing.T) {
	m := New()
	m.Request("GET /c/{id}", 200)
	m.Request("GET /c/{id}", 200)
	m.Request("GET /c/{id}", 404)
	m.Request("", 404)
	m.Request(`POST /odd "route"`, 500) // quoted and escaped, never a broken line
	got := scrape(t, m)
	for _, tt := range []struct {
		route, code string
		want        float64
	}{
		{"GET /c/{id}", "200", 2},
		{"GET /c/{id}", "404", 1},
		{"unmatched", "404", 1},
		{`POST /odd "route"`, "500", 1},
	} {
		if v, _ := value(got, "rolefit_http_requests_total", "route", tt.route, "code", tt.code); v != tt.want {
			t.Errorf("requests{route=%q,code=%s} = %v, want %v", tt.route, tt.code, v, tt.want)
		}
	}
}

func TestStreamsGoUpAndDown(t *testing.T) {
	m := New()
	closeA := m.StreamOpened()
	closeB := m.StreamOpened()
	closeA()
	if v, _ := value(scrape(t, m), "rolefit_streams_active"); v != 1 {
		t.Errorf("streams active = %v, want 1", v)
	}
	closeB()
	if v, _ := value(scrape(t, m), "rolefit_streams_active"); v != 0 {
		t.Errorf("streams active = %v, want 0", v)
	}
}

func TestRuntimeAndProcess(t *testing.T) {
	got := scrape(t, New())
	for _, name := range []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes",
		"go_memstats_sys_bytes", "go_gc_heap_goal_bytes", "process_resident_memory_bytes", "process_open_fds"} {
		if v, ok := value(got, name); !ok || v <= 0 {
			t.Errorf("%s = %v (present %v), want a positive value", name, v, ok)
		}
	}
	if v, _ := value(got, "go_sched_gomaxprocs_threads"); v != float64(runtime.GOMAXPROCS(0)) {
		t.Errorf("go_sched_gomaxprocs_threads = %v, want GOMAXPROCS, %d", v, runtime.GOMAXPROCS(0))
	}
	if v, _ := value(got, "process_cpu_seconds_total"); v < 0 {
		t.Errorf("process_cpu_seconds_total = %v", v)
	}
	if v, _ := value(got, "process_start_time_seconds"); time.Since(time.Unix(int64(v), 0)) > time.Hour || v <= 0 {
		t.Errorf("process_start_time_seconds = %v, want about now", v)
	}
	if rss, _ := value(got, "process_resident_memory_bytes"); rss < 1<<20 || rss > 4<<30 {
		t.Errorf("process_resident_memory_bytes = %v, want a plausible size", rss)
	}
}

// TestSchedLatencies: goroutines kept waiting for the only core while
// another runs are counted among the waits longer than 5 ms, and the
// buckets add up as Prometheus reads them.
func TestSchedLatencies(t *testing.T) {
	slow := func(f map[string]*dto.MetricFamily) uint64 {
		t.Helper()
		fam, ok := f["go_sched_latencies_seconds"]
		if !ok || len(fam.GetMetric()) != 1 || fam.GetMetric()[0].GetHistogram() == nil {
			t.Fatalf("go_sched_latencies_seconds is not one histogram: %v", fam)
		}
		h := fam.GetMetric()[0].GetHistogram()
		var prev, at5ms uint64
		for _, b := range h.GetBucket() {
			if b.GetCumulativeCount() < prev {
				t.Fatalf("bucket le=%v holds %d, fewer than the bucket below it (%d)", b.GetUpperBound(), b.GetCumulativeCount(), prev)
			}
			prev = b.GetCumulativeCount()
			if b.GetUpperBound() == 5e-3 {
				at5ms = prev
			}
		}
		if prev > h.GetSampleCount() {
			t.Fatalf("the buckets hold %d, the count is %d", prev, h.GetSampleCount())
		}
		return h.GetSampleCount() - at5ms
	}
	m := New()
	before := slow(scrape(t, m))

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	// The runtime times the waits of one goroutine in eight, at random:
	// with 128, the chance that none is timed is below one in 10^7.
	var ran sync.WaitGroup
	for range 128 {
		ran.Go(func() {})
	}
	// Busy without yielding: the goroutines above wait until the runtime
	// preempts this one, after 10 ms.
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; {
	}
	ran.Wait()

	if after := slow(scrape(t, m)); after <= before {
		t.Errorf("waits over 5 ms: %d before 128 goroutines waited 10 ms or more, %d after; want more", before, after)
	}
}

func TestEachMetricsStartsFromZero(t *testing.T) {
	a, b := New(), New()
	a.Request("GET /healthz", 200)
	if v, ok := value(scrape(t, b), "rolefit_http_requests_total", "route", "GET /healthz", "code", "200"); ok || v != 0 {
		t.Errorf("a second Metrics sees the first's requests: %v", v)
	}
}

// Ratings are counted by rating from zero; taking one back counts nothing.
func TestFeedbackCounted(t *testing.T) {
	m := New()
	for _, r := range []string{"up", "down"} {
		if v, ok := value(scrape(t, m), "rolefit_feedback_total", "rating", r); !ok || v != 0 {
			t.Errorf("before any rating, rolefit_feedback_total{rating=%q} = %v (exists: %v), want 0", r, v, ok)
		}
	}
	m.Feedback(chat.RatingDown)
	m.Feedback(chat.RatingUp)
	m.Feedback(chat.RatingDown)
	m.Feedback("")
	families := scrape(t, m)
	if f := families["rolefit_feedback_total"]; f == nil || f.GetType() != dto.MetricType_COUNTER || len(f.GetMetric()) != 2 {
		t.Fatalf("rolefit_feedback_total = %v, want a counter with two series", f)
	}
	up, _ := value(families, "rolefit_feedback_total", "rating", "up")
	down, _ := value(families, "rolefit_feedback_total", "rating", "down")
	if up != 1 || down != 2 {
		t.Errorf("up %v, down %v; want 1 and 2", up, down)
	}
}
