package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"

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

// logIfInternal logs errors that are our fault. The person sees a generic
// message; the cause, which may name files or hosts, stays in the log.
func logIfInternal(ctx context.Context, log *slog.Logger, err error) {
	if chat.ErrorCode(err) == chat.EINTERNAL {
		log.ErrorContext(ctx, "internal error", "err", err)
	}
}

// writeError answers a failed request: for htmx, the message goes into the
// page's notice area (htmx does not swap error statuses); otherwise an error
// page with the mapped status.
func writeError(w http.ResponseWriter, r *http.Request, svc *chat.Service, log *slog.Logger, err error) {
	logIfInternal(r.Context(), log, err)
	msg := chat.ErrorMessage(err)
	if htmx.IsHTMX(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		htmx.NewResponse().Retarget("#notice").Reswap(htmx.SwapInnerHTML).Write(w)
		w.Write([]byte(msg))
		return
	}
	heading := "Something went wrong"
	status := statusFor(err)
	switch status {
	case http.StatusNotFound:
		heading, msg = "Not found", "There is no conversation at this address. It may have been deleted, or the link may be incomplete."
	case http.StatusTooManyRequests:
		heading = "Please wait a little"
	}
	render(w, r, log, status, views.ErrorPage(page(r, svc, log, ""), heading, msg))
}

// render writes a component with a status. It renders into a buffer first,
// so a template failure becomes a clean 500 rather than half a page.
func render(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		log.ErrorContext(r.Context(), "render", "err", err)
		http.Error(w, "Internal error. Please try again.", http.StatusInternalServerError)
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
		Title:         "Rolefit: ML Engineer or Gen AI Application Developer?",
		Provider:      svc.Provider(),
		Conversations: list,
		CurrentID:     currentID,
		SignedIn:      hasSession(r),
	}
}
