package server

import (
	"log/slog"
	"net/http"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/static"
)

// addRoutes lists every route Rolefit serves: this is the whole HTTP surface.
// Every route that changes something is a POST, so the cross-origin
// protection in New covers all of them. Private routes need the access
// password, when one is set; public ones never do. The routes that start an
// answer take the guards, which hold the question limit.
func addRoutes(mux *http.ServeMux, svc *chat.Service, log *slog.Logger, cfg Config, g *guards, streams *streams) {
	private := func(pattern string, h http.Handler) { mux.Handle(pattern, named(pattern, g.private(h))) }
	public := func(pattern string, h http.Handler) { mux.Handle(pattern, named(pattern, h)) }

	private("GET /{$}", handleNewChat(svc, log))
	private("GET /c/{id}", handleConversation(svc, log, cfg.SecureCookies))
	private("POST /c", handleStartConversation(svc, log, g, cfg.AnswerWait))
	private("POST /c/{id}/messages", handleAsk(svc, log, g, cfg.AnswerWait))
	private("GET /c/{id}/answers/{answer}/events", handleAnswerEvents(svc, log, cfg.KeepAlive, cfg.StreamWriteTimeout, cfg.Metrics, streams))
	private("POST /c/{id}/answers/{answer}/stop", handleStopAnswer(svc, log))
	private("POST /c/{id}/answers/{answer}/regenerate", handleRegenerateAnswer(svc, log, g, cfg.AnswerWait))
	private("POST /c/{id}/answers/{answer}/continue", handleContinueAnswer(svc, log, g, cfg.AnswerWait))
	private("POST /c/{id}/answers/{answer}/show", handleShowVersion(svc, log))
	private("POST /c/{id}/answers/{answer}/feedback", handleFeedback(svc, log, cfg.Metrics))
	private("GET /c/{id}/answers/{answer}/system-prompt", handleSystemPrompt(svc, log))
	private("POST /c/{id}/questions/{question}/edit", handleEditQuestion(svc, log, g, cfg.AnswerWait))
	private("POST /c/{id}/questions/{question}/show", handleShowQuestion(svc, log))
	private("POST /c/{id}/rename", handleRenameConversation(svc, log))
	private("POST /c/{id}/delete", handleDeleteConversation(svc, log))
	private("POST /c/delete-all", handleDeleteAllConversations(svc, log))
	private("GET /c/{id}/export.md", handleExportConversation(svc, log, "md"))
	private("GET /c/{id}/export.json", handleExportConversation(svc, log, "json"))
	private("GET /search", handleSearch(svc, log))
	private("POST /c/{id}/share", handleShareConversation(svc, log))
	private("POST /c/{id}/share/revoke", handleRevokeShare(svc, log))
	// Behind the access password like every page: a link shares a
	// conversation, not the instance.
	private("GET /s/{id}", handleShared(svc, log))
	private("POST /s/{id}/continue", handleContinueShared(svc, log, g))
	private("GET /fit", handleFitCheck(svc, log))
	private("POST /fit", handleFitSubmit(svc, log, g))
	private("POST /c/{id}/fit/discuss", handleFitDiscuss(svc, log, g, cfg.AnswerWait))
	private("GET /source", handleSource(svc, log))
	private("GET /source/{section}", handleSourcePassage(log))
	public("GET /login", handleLoginPage(g, log))
	public("POST /login", handleLogin(g, log))
	public("POST /logout", handleLogout(g))
	public("GET /static/", static.Handler())
	public("GET /healthz", handleHealthz())
	public("GET /readyz", handleReadyz(svc, cfg.Ping, cfg.Writable, log))
	if cfg.ServeMetrics {
		// Public on the main address: protect it at the proxy, or move it
		// to METRICS_ADDR.
		public("GET /metrics", cfg.Metrics.Handler())
	}
	private("/", handleNotFound(log))
}
