package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"

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
	case chat.EINVALID, chat.ECONFLICT:
		return "That did not work"
	default:
		return "Something went wrong"
	}
}

// logIfInternal logs errors that are our fault. The person sees a generic
// message; the cause, which may name files or hosts, stays in the log.
func logIfInternal(ctx context.Context, log *slog.Logger, err error) {
	if chat.ErrorCode(err) == chat.EINTERNAL {
		log.ErrorContext(ctx, "internal error", "err", err)
	}
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
	logIfInternal(r.Context(), log, err)
	status, msg := statusFor(err), chat.ErrorMessage(err)
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
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		log.ErrorContext(r.Context(), "render", "err", err)
		// Not writeError: its page is a component too.
		http.Error(w, chat.ErrorMessage(err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// page gathers what every page shows: the provider and, for the sidebar,
// the visitor's conversations with the current one marked.
func page(r *http.Request, svc *chat.Service, log *slog.Logger, currentID string) views.Page {
	list, err := svc.Conversations(r.Context(), visitorID(r))
	if err != nil {
		// The page is still useful without its sidebar.
		log.ErrorContext(r.Context(), "list conversations", "err", err)
	}
	return views.Page{
		Title:             "Rolefit: ML Engineer or Gen AI Application Developer?",
		Provider:          svc.Provider(),
		Conversations:     list,
		ConversationCount: conversationCount(r, log, len(list)),
		CurrentID:         currentID,
		SignedIn:          hasSession(r),
	}
}
