package server

import (
	"log/slog"
	"net/http"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// handleLoginPage asks for the access password. Without one set, or with a
// valid session already, it goes straight on to the page asked for.
func handleLoginPage(g *guards, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := safeNext(r.URL.Query().Get("next"))
		if g.access == nil || g.signedIn(r) {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		render(w, r, log, http.StatusOK, views.LoginPage(views.Login{Next: next}))
	})
}

// handleLogout ends this browser's session and shows the login page. It is
// public, so that a browser whose session has just expired can still log
// out without being asked for the password first.
func handleLogout(g *guards) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if g.access == nil {
			http.Redirect(w, r, views.NewChatURL(), http.StatusSeeOther)
			return
		}
		g.endSession(w, r)
		http.Redirect(w, r, views.LoginURL(""), http.StatusSeeOther)
	})
}

// handleLogin checks the password and starts a session. Attempts are
// throttled per client address, so the password cannot be guessed at
// speed.
func handleLogin(g *guards, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		if err := r.ParseForm(); err != nil {
			writeError(w, r, log, chat.Errorf(chat.EINVALID, "The login form could not be read. Please try again."))
			return
		}
		next := safeNext(r.PostForm.Get("next"))
		if g.access == nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := g.allowLogin(w, r); err != nil {
			log.WarnContext(r.Context(), "login throttled")
			render(w, r, log, http.StatusTooManyRequests, views.LoginPage(views.Login{Next: next, Error: chat.ErrorMessage(err)}))
			return
		}
		if !g.access.CheckPassword(r.PostForm.Get("password")) {
			log.InfoContext(r.Context(), "login refused: wrong password")
			render(w, r, log, http.StatusUnauthorized, views.LoginPage(views.Login{Next: next, Error: "Wrong password."}))
			return
		}
		g.startSession(w, r)
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}
