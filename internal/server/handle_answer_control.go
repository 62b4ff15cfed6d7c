package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// handleStopAnswer stops an answer. The open event stream then delivers the
// final, stopped message, so with htmx there is nothing to swap here.
func handleStopAnswer(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		id := r.PathValue("id")
		if err := svc.Stop(ctx, visitorID(r), id, r.PathValue("answer")); err != nil {
			writeError(w, r, svc, log, err)
			return
		}
		if htmx.IsHTMX(r) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Redirect(w, r, views.ConversationURL(id), http.StatusSeeOther)
	})
}

// handleRetryAnswer answers the question of a failed or stopped answer
// again, as a new answer below it.
func handleRetryAnswer(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		old, answer, err := svc.Retry(r.Context(), visitorID(r), id, r.PathValue("answer"))
		if err != nil {
			writeError(w, r, svc, log, err)
			return
		}
		if htmx.IsHTMX(r) {
			render(w, r, log, http.StatusOK, views.Retried(old, answer))
			return
		}
		_ = svc.Wait(r.Context(), answer.ID)
		http.Redirect(w, r, views.ConversationURL(id)+"#m-"+answer.ID, http.StatusSeeOther)
	})
}
