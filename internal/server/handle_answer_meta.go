package server

import (
	"html"
	"io"
	"log/slog"
	"net/http"

	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// handleSystemPrompt shows the system prompt sent for one of the visitor's
// answers, which the answer's details load when it is opened: into the
// page, escaped, with htmx; as plain text for the link without it.
func handleSystemPrompt(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !views.AnswerDetailsFrom(r.Context()).Show {
			writeError(w, r, log, chat.Errorf(chat.ENOTFOUND, "Answer details are turned off here."))
			return
		}
		prompt, err := svc.SentSystemPrompt(r.Context(), visitorID(r), r.PathValue("id"), r.PathValue("answer"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if htmx.IsHTMX(r) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			prompt = html.EscapeString(prompt)
		} else {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		io.WriteString(w, prompt)
	})
}
