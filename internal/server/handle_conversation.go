package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/export"
	"github.com/rolefit/rolefit/views"
)

// These are plain form posts answered with a redirect: they change what the
// whole page shows, so a full page load is the honest response, and they
// work the same with and without JavaScript.

func handleRenameConversation(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := svc.Rename(r.Context(), visitorID(r), id, r.PostFormValue("title")); err != nil {
			writeError(w, r, log, err)
			return
		}
		to := views.ConversationURL(id)
		if back := r.PostFormValue("back"); back != "" {
			to = safeNext(back)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	})
}

func handleDeleteConversation(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := svc.Delete(r.Context(), visitorID(r), id); err != nil {
			writeError(w, r, log, err)
			return
		}
		http.Redirect(w, r, afterDelete(r.PostFormValue("back"), id), http.StatusSeeOther)
	})
}

// afterDelete is where a delete returns to: back, the page the person was
// on (only a path of this site, never another site's address), unless
// that is the conversation just deleted; else the new chat.
func afterDelete(back, id string) string {
	to := safeNext(back)
	deleted := views.ConversationURL(id)
	if u, err := url.Parse(to); back == "" || err != nil || u.Path == deleted || strings.HasPrefix(u.Path, deleted+"/") {
		return views.NewChatURL()
	}
	return to
}

func handleDeleteAllConversations(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := svc.DeleteAll(r.Context(), visitorID(r)); err != nil {
			writeError(w, r, log, err)
			return
		}
		http.Redirect(w, r, views.NewChatURL(), http.StatusSeeOther)
	})
}

// handleExportConversation downloads a conversation as Markdown (citations
// as footnotes) or JSON (every message, answer versions included).
func handleExportConversation(svc *chat.Service, log *slog.Logger, format string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, msgs, err := svc.Conversation(r.Context(), visitorID(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if !views.AnswerDetailsFrom(r.Context()).Show {
			// ANSWER_DETAILS=off: answers recorded before are not shown
			// anywhere, the export included.
			for i := range msgs {
				msgs[i].Meta = nil
			}
		}
		name := export.FileName(c.Title)
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		switch format {
		case "md":
			h.Set("Content-Type", "text/markdown; charset=utf-8")
			h.Set("Content-Disposition", `attachment; filename="`+name+`.md"`)
			w.Write(export.Markdown(c, msgs))
		case "json":
			h.Set("Content-Type", "application/json")
			h.Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.Encode(export.JSON(c, msgs))
		}
	})
}
