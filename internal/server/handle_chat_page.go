package server

import (
	"log/slog"
	"net/http"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// handleNewChat serves an empty chat with the starter questions. Like a
// conversation's page, it puts the question of an ?ask= link (a follow-up
// suggestion) in the composer, one click from being sent. Without one, and
// to a visitor with no conversations, it is the same page for everyone:
// made once (startPages).
func handleNewChat(svc *chat.Service, log *slog.Logger) http.Handler {
	var start startPages
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cp := views.ChatPage{
			Page:     page(r, svc, log, ""),
			Composer: views.Composer{Text: views.AskParam(r.URL.Query())},
		}
		if start.serve(w, r, cp) {
			return
		}
		render(w, r, log, http.StatusOK, views.Chat(cp))
	})
}

// handleConversation serves one of the visitor's conversations: its latest
// messages, and a link to earlier ones. ?before=<message id> asks for the
// page before that message: a whole page without JavaScript, only the
// messages (and the next link) for htmx, which puts them in the link's
// place. An answer still being written shows its text so far and keeps
// streaming.
func handleConversation(svc *chat.Service, log *slog.Logger, secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before := r.URL.Query().Get("before")
		c, msgs, more, err := svc.ConversationPage(r.Context(), visitorID(r), r.PathValue("id"), before)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		cp := views.ChatPage{Conversation: c, Messages: msgs, Before: before}
		if more {
			cp.Earlier = chat.Visible(msgs)[0].ID
		}
		w.Header().Add("Vary", "HX-Request")
		if before != "" && r.Header.Get("HX-Request") == "true" {
			cp.Provider = svc.Provider()
			render(w, r, log, http.StatusOK, views.EarlierMessages(cp))
			return
		}
		cp.Page = page(r, svc, log, c.ID)
		cp.Refresh = before == "" && views.Streaming(msgs)
		cp.Composer = views.Composer{ConversationID: c.ID, Text: views.AskParam(r.URL.Query())}
		cp.FitResult = fitResult(r, log, c)
		cp.Share = shareState(r, svc, log, c.ID, secure)
		render(w, r, log, http.StatusOK, views.Chat(cp))
	})
}

// handleNotFound answers the paths no route serves.
func handleNotFound(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, chat.Errorf(chat.ENOTFOUND, "There is no page at this address. The link may be incomplete."))
	})
}
