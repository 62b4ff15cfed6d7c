package server

import (
	"log/slog"
	"net/http"

	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/metrics"
	"github.com/rolefit/rolefit/views"
)

// handleFeedback records how the visitor rated one of their answers:
// thumbs up, thumbs down with an optional reason, or neither (taking the
// rating back). With htmx only the answer's feedback controls are
// replaced; without, the form comes back to the answer.
func handleFeedback(svc *chat.Service, log *slog.Logger, m *metrics.Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, answerID := r.PathValue("id"), r.PathValue("answer")
		rating := chat.Rating(r.PostFormValue("rating"))
		answer, err := svc.SetFeedback(r.Context(), visitorID(r), id, answerID,
			rating, chat.Reason(r.PostFormValue("reason")), r.PostFormValue("comment"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		m.Feedback(rating)
		if !htmx.IsHTMX(r) {
			http.Redirect(w, r, views.MessageURL(id, answerID), http.StatusSeeOther)
			return
		}
		render(w, r, log, http.StatusOK, views.FeedbackControls(answer))
	})
}
