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
			writeError(w, r, log, err)
			return
		}
		if htmx.IsHTMX(r) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Redirect(w, r, views.ConversationURL(id), http.StatusSeeOther)
	})
}

// handleRegenerateAnswer answers the latest question again; the previous
// answer stays available as an earlier version. With htmx the new,
// streaming answer takes the old one's place.
func handleRegenerateAnswer(svc *chat.Service, log *slog.Logger, g *guards, wait time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		var answer chat.Message
		err := g.limitQuestion(w, r, func() (err error) {
			_, answer, err = svc.Regenerate(r.Context(), visitorID(r), id, r.PathValue("answer"))
			return err
		})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if htmx.IsHTMX(r) {
			render(w, r, log, http.StatusOK, views.Message(views.Item{Message: answer}))
			return
		}
		waitForAnswer(r, svc, answer.ID, wait)
		http.Redirect(w, r, views.MessageURL(id, answer.ID), http.StatusSeeOther)
	})
}

// handleContinueAnswer has the model go on with the latest answer, which
// it cut at its length limit; the new text is appended to the same answer.
// With htmx the answer, streaming again, takes its own place; without, the
// form's post waits a moment and redirects to it, as asking does.
func handleContinueAnswer(svc *chat.Service, log *slog.Logger, g *guards, wait time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		var answer chat.Message
		err := g.limitQuestion(w, r, func() (err error) {
			answer, err = svc.Continue(r.Context(), visitorID(r), id, r.PathValue("answer"))
			return err
		})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if htmx.IsHTMX(r) {
			render(w, r, log, http.StatusOK, views.Message(views.Item{Message: answer}))
			return
		}
		waitForAnswer(r, svc, answer.ID, wait)
		http.Redirect(w, r, views.MessageURL(id, answer.ID), http.StatusSeeOther)
	})
}

// handleShowVersion switches an answer to another of its versions.
func handleShowVersion(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, answerID := r.PathValue("id"), r.PathValue("answer")
		if err := svc.SelectVersion(r.Context(), visitorID(r), id, answerID); err != nil {
			writeError(w, r, log, err)
			return
		}
		if !htmx.IsHTMX(r) {
			http.Redirect(w, r, views.MessageURL(id, answerID), http.StatusSeeOther)
			return
		}
		_, msgs, err := svc.Conversation(r.Context(), visitorID(r), id)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		it, _ := views.ItemFor(msgs, answerID, svc.Provider())
		render(w, r, log, http.StatusOK, views.Message(it))
	})
}
