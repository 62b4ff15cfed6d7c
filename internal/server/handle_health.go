package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// handleHealthz says the process is up, and nothing more: a restart is the
// cure for its failing, so it must not depend on anything outside.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})
}

// readiness is /readyz's answer: each part, and the whole.
type readiness struct {
	Status    string `json:"status"`    // "ready" or "not ready"
	Database  string `json:"database"`  // "ok", "unreachable" or "not writable"
	Provider  string `json:"provider"`  // the provider's name, or "none"
	Questions string `json:"questions"` // "accepted", or "shutting down"
}

// handleReadyz says whether Rolefit can answer: the database responds and
// takes writes, a model provider is configured (offline mode counts, and
// says so), and questions are accepted (not during the shutdown grace). The
// cause of a failure is logged, not shown: this route is public.
func handleReadyz(svc *chat.Service, ping, writable func(context.Context) error, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := readiness{Status: "ready", Database: "ok", Provider: svc.Provider().Name, Questions: "accepted"}
		check := func(what string, f func(context.Context) error) bool {
			if f == nil {
				return true
			}
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := f(ctx); err != nil {
				log.WarnContext(r.Context(), "readiness: database "+what, "err", err)
				res.Database = what
				return false
			}
			return true
		}
		_ = check("unreachable", ping) && check("not writable", writable)
		if res.Provider == "" {
			res.Provider = "none"
		}
		if svc.ShuttingDown() {
			res.Questions = "shutting down"
		}
		status := http.StatusOK
		if res.Database != "ok" || res.Provider == "none" || res.Questions != "accepted" {
			res.Status, status = "not ready", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(res)
	})
}
