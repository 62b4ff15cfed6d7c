// Package server is Rolefit's HTTP layer: routes, handlers, middleware and
// the Server-Sent Events stream. Handlers are thin: they read the request,
// call the chat service, and render a view. They take their dependencies as
// arguments, so each can be read (and tested) on its own.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/cores"
	"github.com/rolefit/rolefit/internal/guard"
	"github.com/rolefit/rolefit/internal/metrics"
	"github.com/rolefit/rolefit/views"
)

// Config holds the HTTP layer's own settings.
type Config struct {
	// KeepAlive is how often an idle event stream gets a comment line, so
	// proxies and browsers do not drop it. Zero means 15 seconds.
	KeepAlive time.Duration
	// StreamWriteTimeout is how long a watcher of an answer's event stream
	// may take to accept one write (an event, at most maxEventText of
	// text, or a keep-alive) before it is disconnected, so a client that
	// never reads cannot hold the server's memory. It reconnects and
	// resumes where it stopped. Zero means 30 seconds.
	StreamWriteTimeout time.Duration
	// AnswerWait is how long a question posted without JavaScript waits
	// for its answer before being sent to the conversation, whose page
	// then shows the text so far and refreshes itself. It must stay well
	// under the server's write timeout. Zero means 10 seconds.
	AnswerWait time.Duration
	// SecureCookies marks cookies Secure even on plain HTTP, for a server
	// behind a proxy that terminates TLS.
	SecureCookies bool

	// Ping reports whether the database answers, for /readyz. Nil counts
	// as reachable.
	Ping func(context.Context) error
	// Writable reports whether the database accepts writes (a full disk
	// does not), for /readyz. Nil counts as writable.
	Writable func(context.Context) error
	// Metrics records requests, streams and refusals; nil records them
	// nowhere. ServeMetrics also serves them at /metrics on this handler
	// (METRICS=on without METRICS_ADDR).
	Metrics      *metrics.Metrics
	ServeMetrics bool

	// AccessPassword, if set, is asked for before any page is shown. A
	// login lasts SessionTTL (zero: 30 days), in a cookie signed with a
	// key derived from the password and SessionSecret (empty: a random
	// secret, so sessions end when the process does).
	AccessPassword string
	SessionSecret  []byte
	SessionTTL     time.Duration
	// LoginAttempts per LoginWindow are allowed from one client address
	// (zero: 5 a minute).
	LoginAttempts int
	LoginWindow   time.Duration

	// QuestionLimit questions per QuestionWindow are allowed per visitor
	// and per client address; zero means no limit.
	QuestionLimit  int
	QuestionWindow time.Duration
	// Questions, when set, is the question limit instead of one built
	// from QuestionLimit and QuestionWindow in this process's memory: a
	// guard.RedisLimiter shared by every replica, so that several behind
	// a load balancer grant a visitor the allowance once, not once each.
	Questions guard.QuestionLimiter
	// MaxQuestionChars is the longest question. A longer one is refused
	// before it takes from the question limit; zero leaves the check to
	// the chat service alone (and such a refusal is given back).
	MaxQuestionChars int
	// MaxConversations caps how many conversations one visitor keeps
	// (zero: 1,000); CountConversations says how many a visitor has, for
	// the cap and for "Clear all" (the sidebar lists only the latest). Nil
	// CountConversations turns the cap off and counts the sidebar's list.
	MaxConversations   int
	CountConversations func(ctx context.Context, visitorID string) (int, error)
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// when telling clients apart.
	TrustedProxies []netip.Prefix

	// AnswerDetails draws each answer's "How this answer was made" panel
	// for its owner when Show is set (ANSWER_DETAILS), with a cost at the
	// prices given.
	AnswerDetails views.AnswerDetails

	// Now is the clock of the limits and sessions; nil is time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.StreamWriteTimeout <= 0 {
		c.StreamWriteTimeout = 30 * time.Second
	}
	if c.AnswerWait <= 0 {
		c.AnswerWait = 10 * time.Second
	}
	if c.Metrics == nil {
		c.Metrics = metrics.New() // counted, never served
		c.ServeMetrics = false
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 30 * 24 * time.Hour
	}
	if c.LoginAttempts <= 0 || c.LoginWindow <= 0 {
		c.LoginAttempts, c.LoginWindow = 5, time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxConversations <= 0 {
		c.MaxConversations = 1000
	}
	return c
}

// gzipConcurrency is how many responses are compressed at once, at most:
// one per core of the machines Rolefit is measured on; each compressor
// holds about a megabyte.
const gzipConcurrency = 2

// pageTurns is how many pages are made at once per core (see turns): two,
// so that a core is not left idle while a page waits for the database.
// The cores are those the process may use (cores.Most), not those it uses
// at the moment: it takes more as the pages waiting in line make it busy.
// turnWait is the longest a page waits for its turn.
const (
	pageTurns = 2
	turnWait  = 10 * time.Second
)

// Server is the whole HTTP surface of Rolefit, with what shutting it down
// needs beyond http.Server's Shutdown.
type Server struct {
	http.Handler
	streams *streams
}

// CloseStreams cuts the answers' event streams and waits, until ctx is
// done, for them to end. Call it after http.Server's Shutdown, which waits
// for pages but not for these: they run on connections taken over from
// net/http, which no longer tracks them. Browsers reconnect and resume
// where they were.
func (s *Server) CloseStreams(ctx context.Context) error {
	return s.streams.closeAll(ctx)
}

// New returns the whole HTTP surface of Rolefit.
func New(svc *chat.Service, log *slog.Logger, cfg Config) *Server {
	cfg = cfg.withDefaults()
	// Every line logged with a request's context carries its id.
	log = slog.New(requestIDHandler{log.Handler()})
	g := &guards{
		metrics: cfg.Metrics,
		trusted: cfg.TrustedProxies,
		now:     cfg.Now,
		secure:  cfg.SecureCookies,
		ttl:     cfg.SessionTTL,

		maxQuestionChars:   cfg.MaxQuestionChars,
		maxConversations:   cfg.MaxConversations,
		countConversations: cfg.CountConversations,
	}
	if cfg.AccessPassword != "" {
		g.access = guard.NewAccess(cfg.AccessPassword, cfg.SessionSecret)
		g.logins = guard.NewLimiter(cfg.LoginAttempts, cfg.LoginWindow)
	}
	switch {
	case cfg.Questions != nil:
		g.questions = cfg.Questions
	case cfg.QuestionLimit > 0 && cfg.QuestionWindow > 0:
		g.questions = guard.NewLimiter(cfg.QuestionLimit, cfg.QuestionWindow)
	}
	mux := http.NewServeMux()
	streams := newStreams(log)
	addRoutes(mux, svc, log, cfg, g, streams)
	var h http.Handler = mux
	h = withAnswerDetails(h, cfg.AnswerDetails)
	h = withConversationCount(h, cfg.CountConversations)
	h = withVisitor(h, cfg.SecureCookies)
	h = http.NewCrossOriginProtection().Handler(h)
	h = withSecurityHeaders(h)
	h = withGzip(h, newGzipPool(gzipConcurrency))
	h = withTurns(h, mux, newTurns(pageTurns*cores.Most(), turnWait), log)
	h = withRecover(h, log)
	h = withRequestLog(h, log, cfg.Metrics)
	return &Server{Handler: h, streams: streams}
}
