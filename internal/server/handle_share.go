package server

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// A conversation's owner creates, refreshes and revokes its read-only link
// with plain form posts, answered with the conversation's page, its share
// panel open: the same with and without JavaScript.

func handleShareConversation(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, err := svc.ShareConversation(r.Context(), visitorID(r), id); err != nil {
			writeError(w, r, log, err)
			return
		}
		http.Redirect(w, r, views.SharePanelURL(id), http.StatusSeeOther)
	})
}

func handleRevokeShare(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := svc.RevokeShare(r.Context(), visitorID(r), id); err != nil {
			writeError(w, r, log, err)
			return
		}
		http.Redirect(w, r, views.SharePanelURL(id), http.StatusSeeOther)
	})
}

// shareState is what the owner's share panel shows on a conversation's
// page. A failure to read the link costs the panel its link, not the page.
func shareState(r *http.Request, svc *chat.Service, log *slog.Logger, conversationID string, secure bool) views.ShareState {
	st := views.ShareState{Open: r.URL.Query().Get("share") == "open"}
	sh, ok, err := svc.ShareOf(r.Context(), visitorID(r), conversationID)
	if _, failed := clientFailed(r); err != nil && !failed {
		log.ErrorContext(r.Context(), "read share link", "conversation", conversationID, "err", err)
	}
	if ok {
		st.URL = absoluteURL(r, secure, views.SharedURL(sh.ID))
	}
	return st
}

// absoluteURL is path on this site as the browser reached it, to paste
// elsewhere. The host is the request's (a proxy must pass it on, as for
// the cross-origin check); one that is not a plain host[:port] gives the
// path alone rather than an address someone else chose.
func absoluteURL(r *http.Request, secure bool, path string) string {
	if !plainHost(r.Host) {
		return path
	}
	u := url.URL{Scheme: "http", Host: r.Host, Path: path}
	if secure || r.TLS != nil {
		u.Scheme = "https"
	}
	return u.String()
}

// plainHost accepts a host name, IPv4 or bracketed IPv6 address, with an
// optional port: nothing that could carry a path, user or query.
func plainHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// handleShared serves a read-only link's page to anyone who has it. It
// shows the snapshot only: no sidebar, no control that changes anything,
// nothing of the visitor's or the owner's. An unknown or revoked link is
// the one not-found page, byte for byte, so links cannot be probed.
func handleShared(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Robots-Tag", "noindex")
		// A revoked link must stop working at once, caches included.
		h.Set("Cache-Control", "no-store")
		sh, err := svc.Shared(r.Context(), r.PathValue("id"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		p := views.Page{
			Title:    "“" + titleOrUntitled(sh.Title) + "”, shared · Rolefit",
			Provider: svc.Provider(),
			ReadOnly: true,
		}
		result := fitResult(r, log, chat.Conversation{FitAnswers: sh.FitAnswers})
		render(w, r, log, http.StatusOK, views.SharedPage(p, sh, result))
	})
}

// handleContinueShared copies a shared conversation into the visitor's own
// and opens the copy. A copy is a new conversation, so it has to have room
// under the cap and counts like a question, as the fit check does.
func handleContinueShared(svc *chat.Service, log *slog.Logger, g *guards) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Robots-Tag", "noindex")
		shareID := r.PathValue("id")
		if _, err := svc.Shared(r.Context(), shareID); err != nil {
			writeError(w, r, log, err)
			return
		}
		var c chat.Conversation
		err := g.roomForConversation(r)
		if err == nil {
			err = g.limitQuestion(w, r, func() (err error) {
				c, err = svc.ContinueShared(r.Context(), visitorID(r), shareID)
				return err
			})
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		http.Redirect(w, r, views.ConversationURL(c.ID), http.StatusSeeOther)
	})
}

func titleOrUntitled(title string) string {
	if title == "" {
		return "Untitled conversation"
	}
	return title
}
