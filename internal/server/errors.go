package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/a-h/templ"
	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// statusFor maps an error to its HTTP status. It is the only place that
// does, so every handler answers the same failure the same way.
func statusFor(err error) int {
	switch chat.ErrorCode(err) {
	case chat.ENOTFOUND:
		return http.StatusNotFound
	case chat.EINVALID:
		return http.StatusUnprocessableEntity
	case chat.ECONFLICT:
		return http.StatusConflict
	case chat.ELIMIT:
		return http.StatusTooManyRequests
	case chat.EUNAVAILABLE:
		// 503, which a load balancer in front of several replicas may
		// safely send to another: nothing was done here.
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// headingFor is the error page's heading for an error's code.
func headingFor(err error) string {
	switch chat.ErrorCode(err) {
	case chat.ENOTFOUND:
		return "Not found"
	case chat.ELIMIT:
		return "Please wait a little"
	case chat.EINVALID, chat.ECONFLICT, chat.EUNAVAILABLE:
		return "That did not work"
	default:
		return "Something went wrong"
	}
}

// logIfInternal logs errors that are our fault. The person sees a generic
// message; the cause, which may name files or hosts, stays in the log. A
// request whose client failed (its context is then cancelled) fails
// everywhere after, through no fault of ours: that is only worth a debug
// line.
func logIfInternal(ctx context.Context, log *slog.Logger, err error) {
	if chat.ErrorCode(err) != chat.EINTERNAL {
		return
	}
	if ctx.Err() != nil {
		log.DebugContext(ctx, "request abandoned", "err", err)
		return
	}
	log.ErrorContext(ctx, "internal error", "err", err)
}

// statusClientClosed is nginx's status for a client that closed the
// connection before the answer: there is no standard one.
const statusClientClosed = 499

// clientFailed reports whether a request failed on the client's side, and
// the status that says so: its body did not arrive within the server's
// ReadTimeout (408), or the client went away (499). Either way the request's
// context is cancelled and whatever fails after (the database call, the
// template) is not a server error.
func clientFailed(r *http.Request) (status int, failed bool) {
	if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok && info.bodyErr != nil {
		if ne, ok := errors.AsType[net.Error](info.bodyErr); ok && ne.Timeout() {
			return http.StatusRequestTimeout, true
		}
		return statusClientClosed, true
	}
	if r.Context().Err() != nil {
		return statusClientClosed, true
	}
	return 0, false
}

// answerClientFailure answers a request that failed on the client's side:
// a slow client is told in plain text (a page cannot be rendered for a
// cancelled request, and a slow client is rarely a browser); a client gone
// gets only the status, for the log and the metrics.
func answerClientFailure(w http.ResponseWriter, status int) {
	if status == http.StatusRequestTimeout {
		w.Header().Set("Connection", "close")
		http.Error(w, "Your request took too long to arrive. Please try again.", status)
		return
	}
	w.WriteHeader(status)
}

// messageHTML escapes an error's message for the notice area. Messages are
// ours, but one may quote something a person typed.
var messageHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// writeError is the one way a failed request is answered: the status and
// the words come from the error's code and message alone, and the cause of
// an internal error goes to the log, never to the browser. For htmx, the
// message goes into the page's notice area, with the real status (app.js
// lets htmx swap it); otherwise an error page. The page is drawn without
// asking the store for anything: it must show when the store is the
// problem.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if status, failed := clientFailed(r); failed {
		logIfInternal(r.Context(), log, err)
		answerClientFailure(w, status)
		return
	}
	logIfInternal(r.Context(), log, err)
	status, msg := statusFor(err), chat.ErrorMessage(err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if htmx.IsHTMX(r) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		htmx.NewResponse().Retarget(views.NoticeTarget()).Reswap(htmx.SwapInnerHTML).Write(w)
		w.WriteHeader(status)
		w.Write([]byte(messageHTML.Replace(msg)))
		return
	}
	heading := headingFor(err)
	p := views.Page{Title: heading + " · Rolefit", Minimal: true, SignedIn: hasSession(r)}
	render(w, r, log, status, views.ErrorPage(p, heading, msg))
}

// render writes a component with a status. It renders into a buffer first,
// so a template failure becomes a clean 500 rather than half a page.
func render(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, c templ.Component) {
	if status, failed := clientFailed(r); failed {
		answerClientFailure(w, status)
		return
	}
	buf := renderBufs.Get().(*bytes.Buffer)
	defer putRenderBuf(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		log.ErrorContext(r.Context(), "render", "err", err)
		// Not writeError: its page is a component too.
		http.Error(w, chat.ErrorMessage(err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderBufs keeps the buffers pages are rendered into, for the next
// page: a new one grew, doubling, to each page's size, and that was a
// sixth of every new visitor's allocations (28 KB of 188 KB at 1,000 new
// visitors), work the garbage collector then did again.
var renderBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxKeptRenderBuf is the largest buffer kept for reuse: a rare huge page
// (a page of the longest answers) does not stay pinned in memory.
const maxKeptRenderBuf = 256 << 10

func putRenderBuf(b *bytes.Buffer) {
	if b.Cap() > maxKeptRenderBuf {
		return
	}
	b.Reset()
	renderBufs.Put(b)
}

// page gathers what every page shows: the provider and, for the sidebar,
// the visitor's conversations with the current one marked.
func page(r *http.Request, svc *chat.Service, log *slog.Logger, currentID string) views.Page {
	var list []chat.Conversation
	// A first visit has no conversations to list (its visitor id was made
	// for this request, and a GET creates none): a landing page, the one
	// crawlers and every new visitor ask for, reads nothing from the
	// database.
	if !firstVisit(r) || r.Method != http.MethodGet {
		var err error
		list, err = svc.Conversations(r.Context(), visitorID(r))
		if _, failed := clientFailed(r); err != nil && !failed {
			// The page is still useful without its sidebar.
			log.ErrorContext(r.Context(), "list conversations", "err", err)
		}
	}
	return views.Page{
		Title:             "Rolefit: ML Engineer or Gen AI Application Developer?",
		Provider:          svc.Provider(),
		Conversations:     list,
		ConversationCount: conversationCount(r, log, len(list)),
		CurrentID:         currentID,
		SignedIn:          hasSession(r),
		Now:               svc.Now(),
		Back:              pageAddress(r, currentID),
	}
}

// pageAddress is the address of the page the person sees, where the
// sidebar's rename and delete forms bring them back to: the page asked
// for, or, for an htmx request, the conversation it acted on or the page
// it came from.
func pageAddress(r *http.Request, currentID string) string {
	switch {
	case r.Method == http.MethodGet && !htmx.IsHTMX(r):
		return safeNext(r.URL.RequestURI())
	case currentID != "":
		return views.ConversationURL(currentID)
	default:
		return safeNext(currentPage(r))
	}
}
