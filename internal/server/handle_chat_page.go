package server

import (
	"log/slog"
	"net/http"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// handleNewChat serves an empty chat with the starter questions. Like a
// conversation's page, it puts the question of an ?ask= link (a follow-up
// suggestion) in the composer, one click from being sent.
func handleNewChat(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, log, http.StatusOK, views.Chat(views.ChatPage{
			Page:     page(r, svc, log, ""),
			Composer: views.Composer{Text: views.AskParam(r.URL.Query())},
		}))
	})
}

// handleConversation serves one of the visitor's conversations. An answer
// still being written shows its text so far and keeps streaming.
func handleConversation(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, msgs, err := svc.Conversation(r.Context(), visitorID(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		p := page(r, svc, log, c.ID)
		p.Refresh = views.Streaming(msgs)
		render(w, r, log, http.StatusOK, views.Chat(views.ChatPage{
			Page:         p,
			Conversation: c,
			Messages:     msgs,
			Composer:     views.Composer{ConversationID: c.ID, Text: views.AskParam(r.URL.Query())},
			FitResult:    fitResult(r, log, c),
		}))
	})
}

// handleNotFound answers the paths no route serves.
func handleNotFound(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, chat.Errorf(chat.ENOTFOUND, "There is no page at this address. The link may be incomplete."))
	})
}
