// Package metrics is Rolefit's instrumentation, served in Prometheus's text
// format. Each Metrics starts from zero, so a test or a second server in the
// same process counts only its own. It hears about answers as a
// chat.Observer and about HTTP requests from the server's middleware.
//
// The exposition is written here rather than taken from Prometheus's client
// library: Rolefit exports a dozen series, and the library (with protobuf)
// would add about 3 MB to the binary and as much to the memory of every
// running instance, which has a budget of 40 MiB at 200 answers.
package metrics

import (
	"bufio"
	"net/http"
	"strconv"
	"time"

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
	requests      *counterVec
	streams       *gauge
	answersActive *gauge
	answers       *counterVec
	firstToken    *histogram
	duration      *histogram
	tokens        *counterVec
	upstream      *counterVec
	retries       *counterVec
	limited       *counterVec
	feedback      *counterVec

	families []family // in the order they are served
}

// New returns Rolefit's metrics, all at zero.
func New() *Metrics {
	m := &Metrics{
		requests: newCounterVec("rolefit_http_requests_total",
			"HTTP requests by route (the pattern that matched) and status code.", "code", "route"),
		streams: newGauge("rolefit_streams_active",
			"Open answer event streams (browsers watching an answer)."),
		answersActive: newGauge("rolefit_answers_active",
			"Answers being generated."),
		answers: newCounterVec("rolefit_answers_total",
			"Finished answers by final state (done, stopped, error, interrupted).", "state"),
		firstToken: newHistogram("rolefit_time_to_first_token_seconds",
			"Time from starting an answer to its first piece of text, retries included.",
			.05, .1, .25, .5, 1, 2, 5, 10, 30, 60),
		duration: newHistogram("rolefit_answer_duration_seconds",
			"Time from starting an answer to its end, whatever the end.",
			.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
		tokens: newCounterVec("rolefit_tokens_total",
			"Tokens spent, by kind (prompt or completion); estimated when the model reports no usage.", "kind"),
		upstream: newCounterVec("rolefit_upstream_errors_total",
			"Answers that failed because of the model service, by kind of failure.", "kind"),
		retries: newCounterVec("rolefit_answer_retries_total",
			"Times an answer that failed before its first token was tried again."),
		limited: newCounterVec("rolefit_rate_limited_total",
			"Requests refused by a limit: visitor (questions per visitor and IP), budget (daily tokens), login (password attempts).", "limit"),
		feedback: newCounterVec("rolefit_feedback_total",
			"Answers rated by their readers, by rating (up or down); a changed rating counts again.", "rating"),
	}
	m.families = []family{m.requests, m.streams, m.answersActive, m.answers, m.firstToken, m.duration,
		m.tokens, m.upstream, m.retries, m.limited, m.feedback, runtimeFamily{}, processFamily{}}
	// Series that exist from the start, at zero, so a dashboard or an
	// alert sees "none yet" rather than "no data".
	m.retries.with()
	for _, k := range []string{"prompt", "completion"} {
		m.tokens.with(k)
	}
	for _, k := range chat.FailureKinds() {
		m.upstream.with(string(k))
	}
	for _, l := range []string{LimitVisitor, LimitBudget, LimitLogin} {
		m.limited.with(l)
	}
	for _, r := range []chat.Rating{chat.RatingUp, chat.RatingDown} {
		m.feedback.with(string(r))
	}
	return m
}

// Handler serves the metrics in Prometheus's text format (version 0.0.4).
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		bw := bufio.NewWriter(w)
		for _, f := range m.families {
			f.write(bw)
		}
		bw.Flush()
	})
}

// Request counts one finished HTTP request. route is the ServeMux pattern
// that served it, so the label's values are bounded by the routes.
func (m *Metrics) Request(route string, code int) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.with(strconv.Itoa(code), route).Add(1)
}

// StreamOpened counts an open event stream; call the function it returns
// when the stream closes.
func (m *Metrics) StreamOpened() (closed func()) {
	m.streams.Add(1)
	return func() { m.streams.Add(-1) }
}

// Limited counts a request refused by limit (LimitVisitor, …).
func (m *Metrics) Limited(limit string) { m.limited.with(limit).Add(1) }

// Feedback counts a rating given to an answer. Taking a rating back is
// not counted: a counter only goes up.
func (m *Metrics) Feedback(r chat.Rating) {
	if r == chat.RatingUp || r == chat.RatingDown {
		m.feedback.with(string(r)).Add(1)
	}
}

// AnswerStarted implements chat.Observer.
func (m *Metrics) AnswerStarted() { m.answersActive.Add(1) }

// FirstToken implements chat.Observer.
func (m *Metrics) FirstToken(d time.Duration) { m.firstToken.Observe(d.Seconds()) }

// AnswerFinished implements chat.Observer.
func (m *Metrics) AnswerFinished(r chat.AnswerReport) {
	m.answersActive.Add(-1)
	m.answers.with(string(r.State)).Add(1)
	m.duration.Observe(r.Duration.Seconds())
	m.tokens.with("prompt").Add(uint64(max(r.PromptTokens, 0)))
	m.tokens.with("completion").Add(uint64(max(r.CompletionTokens, 0)))
	if r.State == chat.StateError && r.Failure != "" {
		m.upstream.with(string(r.Failure)).Add(1)
	}
	m.retries.with().Add(uint64(max(r.Retries, 0)))
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
