package server

import (
	"log/slog"
	"net/http"

	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/prompts"
	"github.com/rolefit/rolefit/views"
)

// handleSource serves the whole knowledge base with the article's credit.
func handleSource(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := page(r, svc, log, "")
		p.Title = "What Rolefit knows · Rolefit"
		render(w, r, log, http.StatusOK, views.SourcePage(p))
	})
}

// handleSourcePassage serves one section for the citation panel; without
// htmx it sends the reader to the section on the source page.
func handleSourcePassage(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := prompts.LookupSection(r.PathValue("section"))
		if !ok {
			writeError(w, r, log, chat.Errorf(chat.ENOTFOUND, "There is no such passage in the article."))
			return
		}
		if !htmx.IsHTMX(r) {
			http.Redirect(w, r, views.SourceSectionURL(s.ID), http.StatusSeeOther)
			return
		}
		// The knowledge base only changes with a new binary.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		render(w, r, log, http.StatusOK, views.SourcePassage(s))
	})
}
