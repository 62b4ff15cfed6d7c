// Package metrics is Rolefit's Prometheus instrumentation, on a registry of
// its own (never the global one), so a test or a second server in the same
// process starts from zero. It hears about answers as a chat.Observer and
// about HTTP requests from the server's middleware.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rolefit/rolefit/internal/chat"
)

// Limits a person can hit, the label values of rolefit_rate_limited_total.
const (
	LimitVisitor = "visitor" // RATE_LIMIT_QUESTIONS
	LimitBudget  = "budget"  // DAILY_TOKEN_BUDGET
	LimitLogin   = "login"   // too many password attempts
)

// Metrics holds every metric Rolefit exports.
type Metrics struct {
	reg *prometheus.Registry

	requests      *prometheus.CounterVec
	streams       prometheus.Gauge
	answersActive prometheus.Gauge
	answers       *prometheus.CounterVec
	firstToken    prometheus.Histogram
	duration      prometheus.Histogram
	tokens        *prometheus.CounterVec
	upstream      *prometheus.CounterVec
	retries       prometheus.Counter
	limited       *prometheus.CounterVec
}

// New registers Rolefit's metrics, and the Go runtime's and the process's,
// on a new registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rolefit_http_requests_total",
			Help: "HTTP requests by route (the pattern that matched) and status code.",
		}, []string{"route", "code"}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rolefit_streams_active",
			Help: "Open answer event streams (browsers watching an answer).",
		}),
		answersActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rolefit_answers_active",
			Help: "Answers being generated.",
		}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rolefit_answers_total",
			Help: "Finished answers by final state (done, stopped, error, interrupted).",
		}, []string{"state"}),
		firstToken: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rolefit_time_to_first_token_seconds",
			Help:    "Time from starting an answer to its first piece of text, retries included.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30, 60},
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rolefit_answer_duration_seconds",
			Help:    "Time from starting an answer to its end, whatever the end.",
			Buckets: []float64{.5, 1, 2, 5, 10, 20, 30, 60, 120, 300},
		}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rolefit_tokens_total",
			Help: "Tokens spent, by kind (prompt or completion); estimated when the model reports no usage.",
		}, []string{"kind"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rolefit_upstream_errors_total",
			Help: "Answers that failed because of the model service, by kind of failure.",
		}, []string{"kind"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rolefit_answer_retries_total",
			Help: "Times an answer that failed before its first token was tried again.",
		}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rolefit_rate_limited_total",
			Help: "Requests refused by a limit: visitor (questions per visitor and IP), budget (daily tokens), login (password attempts).",
		}, []string{"limit"}),
	}
	m.reg.MustRegister(m.requests, m.streams, m.answersActive, m.answers, m.firstToken, m.duration,
		m.tokens, m.upstream, m.retries, m.limited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that exist from the start, at zero, so a dashboard or an
	// alert sees "none yet" rather than "no data".
	for _, k := range []string{"prompt", "completion"} {
		m.tokens.WithLabelValues(k)
	}
	for _, k := range []chat.FailureKind{chat.FailUnauthorized, chat.FailModelNotFound, chat.FailRateLimited,
		chat.FailUnavailable, chat.FailUnreachable, chat.FailTimeout, chat.FailCut, chat.FailModelError, chat.FailBadResponse, chat.FailUnknown} {
		m.upstream.WithLabelValues(string(k))
	}
	for _, l := range []string{LimitVisitor, LimitBudget, LimitLogin} {
		m.limited.WithLabelValues(l)
	}
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is where the metrics live, for tests that read them.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Request counts one finished HTTP request. route is the ServeMux pattern
// that served it, so the label's values are bounded by the routes.
func (m *Metrics) Request(route string, code int) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
}

// StreamOpened counts an open event stream; call the function it returns
// when the stream closes.
func (m *Metrics) StreamOpened() (closed func()) {
	m.streams.Inc()
	return m.streams.Dec
}

// Limited counts a request refused by limit (LimitVisitor, …).
func (m *Metrics) Limited(limit string) { m.limited.WithLabelValues(limit).Inc() }

// AnswerStarted implements chat.Observer.
func (m *Metrics) AnswerStarted() { m.answersActive.Inc() }

// FirstToken implements chat.Observer.
func (m *Metrics) FirstToken(d time.Duration) { m.firstToken.Observe(d.Seconds()) }

// AnswerFinished implements chat.Observer.
func (m *Metrics) AnswerFinished(r chat.AnswerReport) {
	m.answersActive.Dec()
	m.answers.WithLabelValues(string(r.State)).Inc()
	m.duration.Observe(r.Duration.Seconds())
	m.tokens.WithLabelValues("prompt").Add(float64(r.PromptTokens))
	m.tokens.WithLabelValues("completion").Add(float64(r.CompletionTokens))
	if r.State == chat.StateError && r.Failure != "" {
		m.upstream.WithLabelValues(string(r.Failure)).Inc()
	}
	m.retries.Add(float64(r.Retries))
}

// CountRefusals wraps a budget so that each answer it refuses is counted
// as rolefit_rate_limited_total{limit="budget"}.
func (m *Metrics) CountRefusals(b chat.Budget) chat.Budget { return countedBudget{b, m} }

type countedBudget struct {
	chat.Budget
	m *Metrics
}

func (c countedBudget) Allow(now time.Time) (bool, time.Time) {
	ok, at := c.Budget.Allow(now)
	if !ok {
		c.m.Limited(LimitBudget)
	}
	return ok, at
}

var _ chat.Observer = (*Metrics)(nil)
