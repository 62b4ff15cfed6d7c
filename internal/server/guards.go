package server

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/guard"
	"github.com/rolefit/rolefit/internal/metrics"
	"github.com/rolefit/rolefit/views"
)

const sessionCookie = "rolefit_session"

// guards are the protections of a public instance, each off unless
// configured: the access password, its login throttle, and the limit on
// questions.
type guards struct {
	access    *guard.Access         // nil: no password
	logins    *guard.Limiter        // attempts per client address
	questions guard.QuestionLimiter // nil: no limit
	metrics   *metrics.Metrics
	trusted   []netip.Prefix
	now       func() time.Time
	secure    bool
	ttl       time.Duration

	// maxQuestionChars is the longest question, checked before the limit
	// (0: only the chat service checks the length).
	maxQuestionChars int
	// A visitor keeps at most maxConversations; nil countConversations
	// turns the cap off.
	maxConversations   int
	countConversations func(ctx context.Context, visitorID string) (int, error)
}

// private lets a request through only with a valid session, when an
// access password is set.
func (g *guards) private(next http.Handler) http.Handler {
	if g.access == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.signedIn(r) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, true)))
			return
		}
		switch {
		case strings.Contains(r.Header.Get("Accept"), "text/event-stream"):
			// An EventSource cannot follow a login page; a 401 ends it.
			http.Error(w, "Please log in again.", http.StatusUnauthorized)
		case htmx.IsHTMX(r):
			// htmx swaps only what it asked for; HX-Redirect makes it load
			// the login page instead. A 2xx, because an error status would
			// also put a network error in the console.
			w.Header().Set("HX-Redirect", loginURL(currentPage(r)))
			w.WriteHeader(http.StatusNoContent)
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			http.Redirect(w, r, loginURL(r.URL.RequestURI()), http.StatusSeeOther)
		default:
			http.Redirect(w, r, loginURL("/"), http.StatusSeeOther)
		}
	})
}

// sessionKey marks, in a request's context, that it came with a valid
// session: the page then offers to log out.
type sessionKey struct{}

func hasSession(r *http.Request) bool {
	ok, _ := r.Context().Value(sessionKey{}).(bool)
	return ok
}

func (g *guards) signedIn(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	return err == nil && g.access.ValidSession(c.Value, g.now())
}

// startSession sets the cookie that proves the password was given.
func (g *guards) startSession(w http.ResponseWriter, r *http.Request) {
	expires := g.now().Add(g.ttl)
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    g.access.NewSession(expires),
		Path:     "/",
		MaxAge:   int(g.ttl / time.Second),
		HttpOnly: true,
		Secure:   g.secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// endSession removes the session cookie from this browser. Sessions are
// signed, not stored, so one cannot be revoked elsewhere: changing the
// password ends them all.
func (g *guards) endSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   g.secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// allowLogin throttles password attempts per client address.
func (g *guards) allowLogin(w http.ResponseWriter, r *http.Request) error {
	now := g.now()
	ok, at := g.logins.Allow(now, guard.ClientKey(guard.ClientIP(r, g.trusted)))
	if ok {
		return nil
	}
	g.metrics.Limited(metrics.LimitLogin)
	setRetryAfter(w, at, now)
	return chat.Limited("Too many attempts.", at, now)
}

// limitQuestion starts an answer under the question limit. Both the
// visitor and the client address must be under it, so clearing cookies
// does not escape it (and many cookie-less requests from one address are
// still one client). Only questions that start count: the allowance is
// taken before start runs and given back if start refuses, so concurrent
// requests can never start more than the limit, and a refused question
// (empty, someone else's conversation, over the budget) costs nothing.
// Callers check what they can before, so a refusal says what is wrong
// with the question rather than that there were too many.
func (g *guards) limitQuestion(w http.ResponseWriter, r *http.Request, start func() error) error {
	if g.questions == nil {
		return start()
	}
	now := g.now()
	keys := []string{"visitor:" + visitorID(r), guard.ClientKey(guard.ClientIP(r, g.trusted))}
	if ok, at := g.questions.Allow(now, keys...); !ok {
		g.metrics.Limited(metrics.LimitVisitor)
		setRetryAfter(w, at, now)
		return chat.Limited("You are asking questions faster than this Rolefit allows.", at, now)
	}
	if err := start(); err != nil {
		g.questions.Refund(g.now(), keys...)
		return err
	}
	return nil
}

// cleanQuestion refuses a question that cannot be asked, before it takes
// anything from the allowance. The chat service checks it again; this
// copy only decides what counts.
func (g *guards) cleanQuestion(text string) error {
	_, err := chat.CleanQuestion(text, g.maxQuestionChars)
	return err
}

// roomForConversation refuses a new conversation to a visitor who has
// reached the cap, saying what to do. Requests racing each other can each
// pass and go a few over: the cap bounds storage, it is not a count to the
// unit (the question limit, when set, bounds the race).
func (g *guards) roomForConversation(r *http.Request) error {
	if g.countConversations == nil {
		return nil
	}
	n, err := g.countConversations(r.Context(), visitorID(r))
	if err != nil {
		return fmt.Errorf("server: count conversations: %w", err)
	}
	if n >= g.maxConversations {
		return chat.Errorf(chat.ECONFLICT, "You have %s conversations, the most Rolefit keeps for one visitor. Please delete some (or clear them all) to start a new one.", thousands(n))
	}
	return nil
}

// thousands writes n with comma separators, as people read counts.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func setRetryAfter(w http.ResponseWriter, at, now time.Time) {
	secs := int((at.Sub(now) + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
}

func loginURL(next string) string { return views.LoginURL(safeNext(next)) }

// currentPage is the page an htmx request was made from, if it is one of
// ours.
func currentPage(r *http.Request) string {
	u, err := url.Parse(r.Header.Get("HX-Current-URL"))
	if err != nil || u.Host != r.Host {
		return "/"
	}
	return u.RequestURI()
}

// safeNext keeps a post-login redirect on this site: only a path of ours,
// never "//host" or "/\host", which browsers read as another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "/login" || strings.Contains(u.Path, "\\") {
		return "/"
	}
	return u.RequestURI()
}
