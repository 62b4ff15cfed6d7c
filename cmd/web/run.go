package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/config"
	"github.com/rolefit/rolefit/internal/guard"
	"github.com/rolefit/rolefit/internal/llm"
	"github.com/rolefit/rolefit/internal/metrics"
	"github.com/rolefit/rolefit/internal/offline"
	"github.com/rolefit/rolefit/internal/pgstore"
	"github.com/rolefit/rolefit/internal/prompts"
	"github.com/rolefit/rolefit/internal/server"
	"github.com/rolefit/rolefit/internal/store"
	"github.com/rolefit/rolefit/views"
)

// run starts Rolefit and serves until ctx is cancelled, then shuts down
// gracefully. It prints the address it listens on to stdout (tests start it
// on port 0 and read the line).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "healthcheck" {
		return healthcheck(ctx, getenv, stdout)
	}
	if len(args) > 1 && args[1] == "eval" {
		return evalCommand(ctx, args[2:], getenv, stdout, stderr)
	}
	if len(args) > 1 && args[1] == "feedback" {
		return feedbackCommand(ctx, args[2:], getenv, stdout, stderr)
	}
	cfg, err := config.Load(args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}

	if cfg.DatabaseURL == "" {
		// SQLite allows one process per file; another one started on the
		// same DATA_DIR must say so, not corrupt it.
		unlock, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		defer unlock()
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	shared, err := openShared(ctx, cfg, log)
	if err != nil {
		return err
	}
	// Closed last, after the HTTP server, so the endings of the answers
	// that finished during the shutdown grace reach the other replicas.
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shared.close(closeCtx); err != nil {
			log.Warn("close the connection to Redis", "err", err)
		}
	}()
	if shared.relay == nil {
		// The only replica: an answer saved as streaming was left by a
		// run that died. With several, others may be writing theirs; the
		// answers of one that died are found by its lapsed lease instead
		// (chat.Relay.Orphans).
		if n, err := db.InterruptStreaming(ctx); err != nil {
			return fmt.Errorf("recover interrupted answers: %w", err)
		} else if n > 0 {
			log.Warn("answers left unfinished by the last run are marked interrupted", "count", n)
		}
	}
	log.Info("replicas", "replica", cfg.ReplicaID, "database", databaseKind(cfg),
		"database_url", config.RedactURL(cfg.DatabaseURL), "redis_url", config.RedactURL(cfg.RedisURL),
		"shared_live_answers", shared.relay != nil)

	if limit, err := raiseFileLimit(); err != nil {
		log.Warn("open-file limit", "err", err)
	} else if limit > 0 {
		log.Info("open-file limit", "limit", limit, "live_answers_at_most", liveAnswersFor(limit))
	}

	provider, closeProvider := newProvider(cfg)
	info := provider.Describe()
	// One line says what answers, and never the key.
	log.Info("model provider", "provider", info.Name, "model", info.Model, "offline", info.Offline,
		"base_url", config.RedactURL(cfg.BaseURL), "api_key_set", cfg.APIKey != "")

	m := metrics.New()
	var budget chat.Budget
	budgetTokens := cfg.DailyTokenBudget
	if budgetTokens > 0 && cfg.Offline() {
		log.Info("DAILY_TOKEN_BUDGET is ignored in offline mode: offline answers cost nothing")
		budgetTokens = 0
	}
	if budgetTokens > 0 && shared.limits != nil {
		// One count for every replica, or three would spend three days'.
		budget = m.CountRefusals(guard.NewRedisBudget(shared.limits, int64(budgetTokens), shared.opts))
	} else if budgetTokens > 0 {
		// Spending is kept in the database, so a restart does not refill
		// the day's budget.
		daily, err := guard.NewRecordedDailyBudget(ctx, int64(budgetTokens), db, time.Now(), log)
		if err != nil {
			return err
		}
		budget = m.CountRefusals(daily)
	}
	// Which protections are on; never their secrets.
	log.Info("protections", "access_password", cfg.AccessPassword != "", "session_secret_set", cfg.SessionSecret != "",
		"rate_limit_questions", rateSetting(cfg), "trusted_proxies", len(cfg.TrustedProxies),
		"daily_token_budget", budgetTokens)

	svc := chat.NewService(db, provider, prompts.SystemPrompt(), chat.Config{
		MaxQuestionChars:  cfg.MaxMessageChars,
		HistoryTokens:     cfg.HistoryTokens,
		MaxAnswerTokens:   cfg.MaxAnswerTokens,
		MaxGeneration:     cfg.MaxGeneration,
		FirstTokenTimeout: cfg.FirstTokenTimeout,
		StallTimeout:      cfg.StallTimeout,
		Retries:           cfg.ModelRetries,
		Observer:          m,
		Budget:            budget,
		UnknownCitations:  views.UnknownCitations,
		CitedSections:     views.CitedSections,
		NoAnswerMeta:      !cfg.AnswerDetails,
		Shares:            db,
		Relay:             shared.chatRelay(),
	}, log)

	if cfg.RetentionDays > 0 {
		go deleteOldConversations(ctx, svc, time.Duration(cfg.RetentionDays)*24*time.Hour, log)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	handler := server.New(svc, log, server.Config{
		SecureCookies: cfg.SecureCookies,
		Ping:          db.Ping,
		Writable: func(ctx context.Context) error {
			if cfg.DatabaseURL == "" {
				if err := roomOnDisk(cfg.DataDir, minFreeBytes); err != nil {
					return err
				}
			}
			return db.CheckWrites(ctx)
		},
		Metrics:        m,
		ServeMetrics:   cfg.Metrics && cfg.MetricsAddr == "",
		AccessPassword: cfg.AccessPassword,
		SessionSecret:  []byte(cfg.SessionSecret),
		QuestionLimit:  cfg.QuestionLimit,
		QuestionWindow: cfg.QuestionWindow,
		Questions:      shared.questions(cfg),
		TrustedProxies: cfg.TrustedProxies,

		MaxQuestionChars:   cfg.MaxMessageChars,
		MaxConversations:   cfg.MaxConversations,
		CountConversations: db.CountConversationsByVisitor,
		AnswerDetails: views.AnswerDetails{Show: cfg.AnswerDetails,
			PriceInputPerMTok: cfg.PriceInputPerMTok, PriceOutputPerMTok: cfg.PriceOutputPerMTok},
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // event streams lift it for themselves
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Metrics on their own address, when asked: scrapers reach them there,
	// people (and the internet) do not.
	var metricsSrv *http.Server
	var metricsLn net.Listener
	if cfg.Metrics && cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		metricsSrv = &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      30 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
		// Closed last, so a scrape during shutdown still sees the last answers.
		defer metricsSrv.Close()
	}

	var pprofLn net.Listener
	if cfg.PprofAddr != "" {
		if pprofLn, err = net.Listen("tcp", cfg.PprofAddr); err != nil {
			ln.Close()
			if metricsLn != nil {
				metricsLn.Close()
			}
			return fmt.Errorf("listen on PPROF_ADDR %s: %w", cfg.PprofAddr, err)
		}
	}

	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "Rolefit is listening on http://%s\n", displayAddr(ln.Addr()))
	log.Info("listening", "addr", ln.Addr().String())
	if metricsSrv != nil {
		go func() { serveErr <- metricsSrv.Serve(metricsLn) }()
		fmt.Fprintf(stdout, "Metrics are served on http://%s/metrics\n", displayAddr(metricsLn.Addr()))
		log.Info("metrics listening", "addr", metricsLn.Addr().String())
	}
	if pprofLn != nil {
		pprofSrv := profileServer(log)
		defer pprofSrv.Close()
		go pprofSrv.Serve(pprofLn)
		fmt.Fprintf(stdout, "Profiles are served on http://%s/debug/pprof/\n", displayAddr(pprofLn.Addr()))
		log.Warn("profiles are served: keep PPROF_ADDR private", "addr", pprofLn.Addr().String())
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Shut down in order: refuse new questions and let answers in flight
	// finish (their watchers get the end), then close the HTTP server.
	log.Info("shutting down", "grace", cfg.ShutdownGrace.String())
	grace, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	svc.Shutdown(grace)
	closeProvider()
	// Pages in flight finish; watchers of answers other replicas write are
	// cut off here, and reconnect through the load balancer to a replica
	// that goes on.
	httpCtx, cancelHTTP := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelHTTP()
	err = srv.Shutdown(httpCtx)
	handler.CloseStreams(httpCtx)
	srv.Close()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// database is what run needs of a store: what chat uses, the ledger of the
// daily token budget, and what start-up, readiness and shutdown use. The
// SQLite store is one; another (PostgreSQL) is opened in openDatabase and
// passes the same conformance suite (internal/store/storetest).
type database interface {
	chat.Store
	chat.ShareStore
	guard.Ledger
	// InterruptStreaming marks the answers a crash left streaming as
	// interrupted, at start-up, and reports how many.
	InterruptStreaming(ctx context.Context) (int, error)
	Ping(ctx context.Context) error
	// CheckWrites reports whether the database takes writes: after a
	// failed write (a full disk) readiness must fail until one works.
	CheckWrites(ctx context.Context) error
	Close() error
	// CountConversationsByVisitor is the cap on conversations and "Clear
	// all"'s count (storetest.ConversationCounter).
	CountConversationsByVisitor(ctx context.Context, visitorID string) (int, error)
}

func openDatabase(ctx context.Context, cfg config.Config) (database, error) {
	if cfg.DatabaseURL != "" {
		db, err := pgstore.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open the database of DATABASE_URL %s: %w", config.RedactURL(cfg.DatabaseURL), err)
		}
		return db, nil
	}
	db, err := store.Open(ctx, filepath.Join(cfg.DataDir, "rolefit.db"))
	if err != nil {
		return nil, fmt.Errorf("open database in %s: %w", cfg.DataDir, err)
	}
	// A page damaged mid-file would otherwise surface only when a query
	// reads it, perhaps during a save; refuse to start instead.
	if err := db.QuickCheck(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("check database in %s: %w", cfg.DataDir, err)
	}
	return db, nil
}

// databaseKind names the database in use, for the start-up log.
func databaseKind(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "postgresql"
	}
	return "sqlite"
}

// rateSetting says the question limit as RATE_LIMIT_QUESTIONS does.
func rateSetting(cfg config.Config) string {
	if cfg.QuestionLimit == 0 {
		return "off"
	}
	return fmt.Sprintf("%d/%s", cfg.QuestionLimit, cfg.QuestionWindow)
}

// deleteOldConversations applies the retention setting now and every hour
// until ctx ends.
func deleteOldConversations(ctx context.Context, svc *chat.Service, age time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := svc.DeleteUntouched(ctx, age); err != nil {
			log.Error("retention", "err", err)
		} else if n > 0 {
			log.Info("retention: deleted conversations untouched for too long", "count", n, "older_than", age.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// newProvider returns the provider that answers, and what releases its
// connections once no answer streams any more.
func newProvider(cfg config.Config) (chat.Provider, func()) {
	if cfg.Offline() {
		return offline.NewProvider(offline.Answer, cfg.OfflinePace), func() {}
	}
	p := llm.NewOpenAI(llm.OpenAIConfig{
		APIKey:     cfg.APIKey,
		BaseURL:    cfg.BaseURL,
		Model:      cfg.Model,
		APIType:    cfg.APIType,
		APIVersion: cfg.APIVersion,
	})
	return p, func() { p.Close() }
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// displayAddr turns ":8080" into something a person can click.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		if ok {
			return fmt.Sprintf("localhost:%d", tcp.Port)
		}
		return a.String()
	}
	return a.String()
}
