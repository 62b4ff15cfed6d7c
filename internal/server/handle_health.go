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
	Status   string `json:"status"`   // "ready" or "not ready"
	Database string `json:"database"` // "ok" or "unreachable"
	Provider string `json:"provider"` // the provider's name, or "none"
}

// handleReadyz says whether Rolefit can answer: the database responds and
// a model provider is configured (offline mode counts, and says so). The
// cause of a failure is logged, not shown: this route is public.
func handleReadyz(svc *chat.Service, ping func(context.Context) error, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := readiness{Status: "ready", Database: "ok", Provider: svc.Provider().Name}
		if ping != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			err := ping(ctx)
			cancel()
			if err != nil {
				log.WarnContext(r.Context(), "readiness: database unreachable", "err", err)
				res.Database = "unreachable"
			}
		}
		if res.Provider == "" {
			res.Provider = "none"
		}
		status := http.StatusOK
		if res.Database != "ok" || res.Provider == "none" {
			res.Status, status = "not ready", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(res)
	})
}
