package server

import (
	"log/slog"
	"net/http"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/static"
)

// addRoutes lists every route Rolefit serves: this is the whole HTTP surface.
// Every route that changes something is a POST, so the cross-origin
// protection in New covers all of them.
func addRoutes(mux *http.ServeMux, svc *chat.Service, log *slog.Logger, cfg Config) {
	mux.Handle("GET /{$}", handleNewChat(svc, log))
	mux.Handle("GET /c/{id}", handleConversation(svc, log))
	mux.Handle("POST /c", handleStartConversation(svc, log))
	mux.Handle("POST /c/{id}/messages", handleAsk(svc, log))
	mux.Handle("GET /c/{id}/answers/{answer}/events", handleAnswerEvents(svc, log, cfg.KeepAlive))
	mux.Handle("POST /c/{id}/answers/{answer}/stop", handleStopAnswer(svc, log))
	mux.Handle("POST /c/{id}/answers/{answer}/regenerate", handleRegenerateAnswer(svc, log))
	mux.Handle("POST /c/{id}/answers/{answer}/show", handleShowVersion(svc, log))
	mux.Handle("POST /c/{id}/rename", handleRenameConversation(svc, log))
	mux.Handle("POST /c/{id}/delete", handleDeleteConversation(svc, log))
	mux.Handle("POST /c/delete-all", handleDeleteAllConversations(svc, log))
	mux.Handle("GET /c/{id}/export.md", handleExportConversation(svc, log, "md"))
	mux.Handle("GET /c/{id}/export.json", handleExportConversation(svc, log, "json"))
	mux.Handle("GET /fit", handleFitCheck(svc, log))
	mux.Handle("POST /fit", handleFitSubmit(svc, log))
	mux.Handle("POST /c/{id}/fit/discuss", handleFitDiscuss(svc, log))
	mux.Handle("GET /source", handleSource(svc, log))
	mux.Handle("GET /source/{section}", handleSourcePassage(svc, log))
	mux.Handle("GET /static/", static.Handler())
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("/", handleNotFound(svc, log))
}
