package server

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// handleSearch searches the visitor's own conversations. Without
// JavaScript it is a page of results; for htmx, typed into the sidebar's
// box, it is the results alone, or the whole list again once the box is
// emptied.
func handleSearch(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query := strings.TrimSpace(r.URL.Query().Get("q"))
		w.Header().Add("Vary", "HX-Request")
		hits, err := svc.Search(r.Context(), visitorID(r), query)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if r.Header.Get("HX-Request") == "true" {
			if query == "" {
				// The list again, the conversation on screen marked.
				var current string
				if rest, ok := strings.CutPrefix(currentPage(r), "/c/"); ok {
					current, _, _ = strings.Cut(rest, "?")
				}
				render(w, r, log, http.StatusOK, views.ConversationList(page(r, svc, log, current)))
				return
			}
			render(w, r, log, http.StatusOK, views.SearchResults(query, hits))
			return
		}
		p := views.SearchPage{Page: page(r, svc, log, ""), Hits: hits}
		p.Query = query
		p.Title = "Search · Rolefit"
		if query != "" {
			p.Title = "Search: " + query + " · Rolefit"
		}
		render(w, r, log, http.StatusOK, views.Search(p))
	})
}
