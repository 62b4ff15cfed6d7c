// Package server is Rolefit's HTTP layer: routes, handlers, middleware and
// the Server-Sent Events stream. Handlers are thin: they read the request,
// call the chat service, and render a view. They take their dependencies as
// arguments, so each can be read (and tested) on its own.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// Config holds the HTTP layer's own settings.
type Config struct {
	// KeepAlive is how often an idle event stream gets a comment line, so
	// proxies and browsers do not drop it. Zero means 15 seconds.
	KeepAlive time.Duration
	// SecureCookies marks cookies Secure even on plain HTTP, for a server
	// behind a proxy that terminates TLS.
	SecureCookies bool
}

// New returns the whole HTTP surface of Rolefit.
func New(svc *chat.Service, log *slog.Logger, cfg Config) http.Handler {
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 15 * time.Second
	}
	mux := http.NewServeMux()
	addRoutes(mux, svc, log, cfg)
	var h http.Handler = mux
	h = withVisitor(h, cfg.SecureCookies)
	h = http.NewCrossOriginProtection().Handler(h)
	h = withSecurityHeaders(h)
	h = withRecover(h, log)
	h = withRequestLog(h, log)
	return h
}
