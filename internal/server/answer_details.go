package server

import (
	"net/http"

	"github.com/rolefit/rolefit/views"
)

// withAnswerDetails tells every view drawn for the request how to draw
// answers' "How this answer was made" panels. Messages are drawn by many
// handlers (the page, the end of a stream, a version switch); the panel
// is only ever drawn inside messages, which only their owner is shown.
func withAnswerDetails(next http.Handler, d views.AnswerDetails) http.Handler {
	if !d.Show {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(views.WithAnswerDetails(r.Context(), d)))
	})
}
