// Package config reads Rolefit's settings once, at start-up, from flags and
// environment variables (a flag wins over its variable, which wins over the
// default), validates them, and hands one Config down to the rest.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// Config is every setting of Rolefit.
type Config struct {
	Addr    string
	DataDir string

	// DatabaseURL, when set, is the PostgreSQL database every replica
	// shares (postgres:// or postgresql://); empty keeps SQLite in DataDir.
	// It may hold a password: log it only through RedactURL.
	DatabaseURL string
	// RedisURL, when set, is the Redis (or Valkey) server the replicas
	// share live answers and limits through (redis://, or rediss:// for
	// TLS). It may hold a password: log it only through RedactURL.
	RedisURL string
	// ReplicaID names this process among the replicas, in logs and in
	// what it leaves in the shared stores. When REPLICA_ID is unset it is
	// the host name and six random hex digits, so two containers that
	// report the same host name still differ, and a restarted replica is
	// a new one (what the old one left unfinished is not taken for its).
	ReplicaID string

	APIKey     string // never logged or shown
	BaseURL    string
	Model      string
	APIType    string // "openai" or "azure"
	APIVersion string // Azure only

	MaxMessageChars   int
	HistoryTokens     int
	MaxAnswerTokens   int
	MaxGeneration     time.Duration
	FirstTokenTimeout time.Duration
	StallTimeout      time.Duration
	ShutdownGrace     time.Duration
	OfflinePace       time.Duration
	SecureCookies     bool
	RetentionDays     int // 0: keep conversations forever
	ModelRetries      int

	LogLevel  slog.Level
	LogFormat string // "json" or "text"

	Metrics     bool   // serve Prometheus metrics
	MetricsAddr string // serve them there instead of on Addr
	// PprofAddr, when set, serves Go's profiles (net/http/pprof) on that
	// address only: how the performance figures of the README were found.
	PprofAddr string

	// AccessPassword, when set, is asked for before anything else is
	// shown; SessionSecret keeps sessions valid across restarts. Neither
	// is ever logged or shown.
	AccessPassword string
	SessionSecret  string
	// QuestionLimit questions per QuestionWindow, per visitor and per
	// client address; 0 for no limit.
	QuestionLimit  int
	QuestionWindow time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// DailyTokenBudget caps the tokens spent per UTC day; 0 for none.
	DailyTokenBudget int
	// MaxConversations caps how many conversations one visitor keeps.
	MaxConversations int
	// AnswerDetails records how each answer was made and shows it to the
	// conversation's owner under the answer.
	AnswerDetails bool
	// PriceInputPerMTok and PriceOutputPerMTok are what the model costs per
	// million tokens in and out; when either is set, the details show an
	// estimated cost. Zero: none shown.
	PriceInputPerMTok  float64
	PriceOutputPerMTok float64
}

// Offline reports whether no model is configured, so the built-in offline
// mode answers.
func (c Config) Offline() bool { return c.APIKey == "" && c.BaseURL == "" }

// ErrHelp is returned when the person asked for --help (already printed).
var ErrHelp = flag.ErrHelp

// Error is an invalid setting; its message names the variable.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// setting binds one environment variable and its flag to a field.
type setting struct {
	env   string
	help  string
	value flag.Value
}

// DefaultDataDir is DATA_DIR when nothing sets it; the operator's commands
// that read the database default to it too.
const DefaultDataDir = "./data"

// Load builds the Config from args (without the program name) and getenv.
// Usage and flag errors go to output.
func Load(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	limits := chat.DefaultConfig() // the answer's limits have one home
	c := Config{
		Addr: ":8080", DataDir: DefaultDataDir, Model: "gpt-4o-mini", APIType: "openai",
		MaxMessageChars: limits.MaxQuestionChars, HistoryTokens: limits.HistoryTokens, MaxAnswerTokens: limits.MaxAnswerTokens,
		MaxGeneration: limits.MaxGeneration, FirstTokenTimeout: limits.FirstTokenTimeout, StallTimeout: limits.StallTimeout,
		ModelRetries:  limits.Retries,
		ShutdownGrace: 20 * time.Second, OfflinePace: 15 * time.Millisecond,
		LogLevel: slog.LevelInfo, LogFormat: "json", Metrics: true,
		MaxConversations: 1000, AnswerDetails: true,
	}
	var keyFile, passwordFile, secretFile string
	settings := []setting{
		{"ADDR", "address to listen on", (*str)(&c.Addr)},
		{"DATA_DIR", "directory for the SQLite database", (*str)(&c.DataDir)},
		{"DATABASE_URL", "PostgreSQL database shared by every replica, such as postgres://rolefit:password@db:5432/rolefit (empty: SQLite in DATA_DIR, for one replica)", &secretURL{&c.DatabaseURL}},
		{"REDIS_URL", "Redis or Valkey server the replicas share live answers and limits through, such as redis://:password@cache:6379/0 or rediss:// for TLS (empty: in this process's memory, for one replica)", &secretURL{&c.RedisURL}},
		{"REPLICA_ID", "name of this replica in logs and shared stores: letters, digits, . _ - (empty: the host name and a short random suffix)", (*str)(&c.ReplicaID)},
		{"OPENAI_API_KEY_FILE", "file holding the API key (Docker secrets); OPENAI_API_KEY itself is read from the environment only, so it never shows in a process list", (*str)(&keyFile)},
		{"OPENAI_BASE_URL", "OpenAI-compatible endpoint, including /v1 (e.g. http://localhost:11434/v1 for Ollama); empty means OpenAI", &baseURL{&c.BaseURL}},
		{"OPENAI_MODEL", "model name (the deployment name on Azure)", (*str)(&c.Model)},
		{"OPENAI_API_TYPE", "openai, or azure for Azure OpenAI", &oneOf{&c.APIType, []string{"openai", "azure"}}},
		{"OPENAI_API_VERSION", "Azure OpenAI api-version (empty: the provider default)", (*str)(&c.APIVersion)},
		{"MAX_MESSAGE_CHARS", "longest question accepted, in characters", &positive{&c.MaxMessageChars}},
		{"HISTORY_TOKENS", "budget of earlier turns sent with a question (older ones are dropped)", &positive{&c.HistoryTokens}},
		{"MAX_ANSWER_TOKENS", "longest answer, in tokens", &positive{&c.MaxAnswerTokens}},
		{"MAX_GENERATION", "longest time one answer may take, watched or not", &duration{p: &c.MaxGeneration}},
		{"FIRST_TOKEN_TIMEOUT", "give up if the model has not started answering by then", &duration{p: &c.FirstTokenTimeout}},
		{"MODEL_RETRIES", "times an answer that failed before its first token is tried again (0 for never)", &nonNegative{&c.ModelRetries}},
		{"STALL_TIMEOUT", "give up if the model sends nothing for this long mid-answer", &duration{p: &c.StallTimeout}},
		{"SHUTDOWN_GRACE", "on SIGTERM, how long answers in flight may take to finish", &duration{p: &c.ShutdownGrace}},
		{"OFFLINE_PACE", "pause between pieces of an offline answer, so it reads like a stream (0 for none)", &duration{p: &c.OfflinePace, allowZero: true}},
		{"SECURE_COOKIES", "mark cookies Secure (set when a proxy terminates TLS)", &boolean{&c.SecureCookies}},
		{"RETENTION_DAYS", "delete conversations untouched for this many days (0 keeps them forever)", &nonNegative{&c.RetentionDays}},
		{"LOG_LEVEL", "debug, info, warn or error", &level{&c.LogLevel}},
		{"LOG_FORMAT", "json or text", &oneOf{&c.LogFormat, []string{"json", "text"}}},
		{"METRICS", "on serves Prometheus metrics at /metrics; off serves none", &onOff{&c.Metrics}},
		{"METRICS_ADDR", "serve /metrics on this address only, not on ADDR (e.g. 127.0.0.1:9090)", (*str)(&c.MetricsAddr)},
		{"PPROF_ADDR", "serve Go's profiles (/debug/pprof/) on this address only, for profiling (e.g. 127.0.0.1:6060); never on ADDR", (*str)(&c.PprofAddr)},
		{"ACCESS_PASSWORD_FILE", "file holding the access password (Docker secrets); ACCESS_PASSWORD itself is read from the environment only", (*str)(&passwordFile)},
		{"SESSION_SECRET_FILE", "file holding SESSION_SECRET (Docker secrets)", (*str)(&secretFile)},
		{"RATE_LIMIT_QUESTIONS", "questions each visitor (and each client address) may ask, such as 10/m, 100/h or 5/30s; off for no limit", &rate{&c.QuestionLimit, &c.QuestionWindow}},
		{"TRUSTED_PROXIES", "comma-separated addresses or CIDRs of proxies whose X-Forwarded-For is believed", &prefixes{&c.TrustedProxies}},
		{"DAILY_TOKEN_BUDGET", "tokens the model may spend per UTC day, for the whole instance (0 for no budget; ignored offline)", &nonNegative{&c.DailyTokenBudget}},
		{"MAX_CONVERSATIONS", "conversations one visitor may keep; past it, they are asked to delete some", &positive{&c.MaxConversations}},
		{"ANSWER_DETAILS", "on records how each answer was made and shows it to the conversation's owner; off does neither", &onOff{&c.AnswerDetails}},
		{"PRICE_INPUT_PER_MTOK", "price of a million input tokens, for the estimated cost of an answer (0: no cost shown)", &price{&c.PriceInputPerMTok}},
		{"PRICE_OUTPUT_PER_MTOK", "price of a million output tokens, for the estimated cost of an answer (0: no cost shown)", &price{&c.PriceOutputPerMTok}},
	}
	fs := flag.NewFlagSet("rolefit", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() { usage(output, settings) }
	for _, s := range settings {
		if v := getenv(s.env); v != "" {
			if err := s.value.Set(v); err != nil {
				return Config{}, &Error{fmt.Sprintf("invalid %s=%q: %v", s.env, v, err)}
			}
		}
		fs.Var(s.value, flagName(s.env), s.help)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, ErrHelp
		}
		return Config{}, &Error{err.Error()}
	}
	var err error
	if c.BaseURL, err = checkBaseURL(c.BaseURL); err != nil {
		return Config{}, err
	}
	if err := checkStoreURL("DATABASE_URL", c.DatabaseURL, "postgres://rolefit:password@db:5432/rolefit", "postgres", "postgresql"); err != nil {
		return Config{}, err
	}
	if err := checkStoreURL("REDIS_URL", c.RedisURL, "redis://:password@cache:6379/0", "redis", "rediss"); err != nil {
		return Config{}, err
	}
	if _, err := url.Parse(c.RedisURL); err != nil {
		// go-redis reads it with net/url, whose error would quote it whole,
		// password included.
		return Config{}, &Error{"invalid REDIS_URL: not a URL (a password with / # ? or @ must be percent-encoded)"}
	}
	if c.ReplicaID, err = replicaID(c.ReplicaID); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, &Error{fmt.Sprintf("unexpected argument %q (see --help)", fs.Arg(0))}
	}
	c.APIKey = strings.TrimSpace(getenv("OPENAI_API_KEY"))
	if keyFile != "" {
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return Config{}, &Error{fmt.Sprintf("invalid OPENAI_API_KEY_FILE: %v", err)}
		}
		c.APIKey = strings.TrimSpace(string(b))
	}
	c.AccessPassword = getenv("ACCESS_PASSWORD")
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return Config{}, &Error{fmt.Sprintf("invalid ACCESS_PASSWORD_FILE: %v", err)}
		}
		c.AccessPassword = strings.TrimRight(string(b), "\r\n")
		if c.AccessPassword == "" {
			return Config{}, &Error{"invalid ACCESS_PASSWORD_FILE: the file is empty"}
		}
	}
	c.SessionSecret = getenv("SESSION_SECRET")
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			return Config{}, &Error{fmt.Sprintf("invalid SESSION_SECRET_FILE: %v", err)}
		}
		c.SessionSecret = strings.TrimSpace(string(b))
	}
	if c.SessionSecret != "" && len(c.SessionSecret) < 32 {
		// The value itself is never repeated: it is a secret.
		return Config{}, &Error{"invalid SESSION_SECRET: must be at least 32 characters (for example the output of `openssl rand -hex 32`)"}
	}
	if c.DatabaseURL != "" && c.AccessPassword != "" && c.SessionSecret == "" {
		return Config{}, &Error{"SESSION_SECRET is required with DATABASE_URL and an access password: every replica must sign login sessions with the same secret, or a login made on one is refused by the others (for example the output of `openssl rand -hex 32`)"}
	}
	if !c.Metrics && c.MetricsAddr != "" {
		return Config{}, &Error{"METRICS_ADDR is set but METRICS=off: unset one of them"}
	}
	if c.APIType == "azure" && c.BaseURL == "" {
		return Config{}, &Error{"OPENAI_BASE_URL is required with OPENAI_API_TYPE=azure (your resource's endpoint)"}
	}
	return c, nil
}

// Warnings are what Load accepts but the operator should hear about at
// start-up, one sentence each; the caller logs them.
func (c Config) Warnings() []string {
	var w []string
	if c.DatabaseURL != "" && c.RedisURL == "" {
		// Conversations are shared, but an answer being written is only in
		// the memory of the replica writing it: a watcher sent to another
		// replica would see it stand still until it is saved.
		w = append(w, "DATABASE_URL is set without REDIS_URL: live answers stay in this process's memory: run one replica, or set REDIS_URL")
	}
	return w
}

func flagName(env string) string { return strings.ReplaceAll(strings.ToLower(env), "_", "-") }

func usage(w io.Writer, settings []setting) {
	fmt.Fprintf(w, "Usage: rolefit [flags]\n\nEvery setting is an environment variable or the matching flag (the flag wins).\n\n")
	for _, e := range [][2]string{
		{"OPENAI_API_KEY", "API key; leave empty with OPENAI_BASE_URL for servers that need none, or both empty for offline mode"},
		{"ACCESS_PASSWORD", "password asked for before anything else is shown (empty: no password)"},
		{"SESSION_SECRET", "32 or more random characters signing login sessions, so a restart does not log everyone out (empty: random per process)"},
	} {
		fmt.Fprintf(w, "  %-22s %-26s %s\n", e[0], "(environment only)", e[1])
	}
	for _, s := range settings {
		def := s.value.String()
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  %-22s -%-25s %s (default %s)\n", s.env, flagName(s.env), s.help, def)
	}
}

type str string

func (s *str) String() string     { return string(*s) }
func (s *str) Set(v string) error { *s = str(v); return nil }

type positive struct{ p *int }

func (v *positive) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.Itoa(*v.p)
}
func (v *positive) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return errors.New("must be a whole number above 0")
	}
	*v.p = n
	return nil
}

type nonNegative struct{ p *int }

func (v *nonNegative) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.Itoa(*v.p)
}
func (v *nonNegative) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return errors.New("must be a whole number, 0 or more")
	}
	*v.p = n
	return nil
}

type duration struct {
	p         *time.Duration
	allowZero bool
}

func (v *duration) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}
func (v *duration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || (d == 0 && !v.allowZero) {
		return errors.New(`must be a positive duration such as "30s" or "5m"`)
	}
	*v.p = d
	return nil
}

type boolean struct{ p *bool }

func (v *boolean) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatBool(*v.p)
}
func (v *boolean) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("must be true or false")
	}
	*v.p = b
	return nil
}
func (v *boolean) IsBoolFlag() bool { return true }

type oneOf struct {
	p       *string
	choices []string
}

func (v *oneOf) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}
func (v *oneOf) Set(s string) error {
	for _, c := range v.choices {
		if strings.EqualFold(s, c) {
			*v.p = c
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(v.choices, ", "))
}

type level struct{ p *slog.Level }

func (v *level) String() string {
	if v.p == nil {
		return ""
	}
	return strings.ToLower(v.p.String())
}
func (v *level) Set(s string) error {
	if err := v.p.UnmarshalText([]byte(s)); err != nil {
		return errors.New("must be debug, info, warn or error")
	}
	return nil
}

// price is an amount of money per million tokens, in whatever currency the
// operator thinks in.
type price struct{ p *float64 }

func (v *price) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'f', -1, 64)
}
func (v *price) Set(s string) error {
	f, err := strconv.ParseFloat(strings.TrimPrefix(strings.TrimSpace(s), "$"), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return errors.New("must be a number, 0 or more, such as 0.15")
	}
	*v.p = f
	return nil
}

type onOff struct{ p *bool }

func (v *onOff) String() string {
	if v.p == nil || *v.p {
		return "on"
	}
	return "off"
}
func (v *onOff) Set(s string) error {
	switch strings.ToLower(s) {
	case "on", "true", "1":
		*v.p = true
	case "off", "false", "0":
		*v.p = false
	default:
		return errors.New("must be on or off")
	}
	return nil
}

// rate is "N/period": N events per period, the period a unit (s, m, h, d)
// or a duration such as 30s.
type rate struct {
	n   *int
	per *time.Duration
}

func (v *rate) String() string {
	if v.n == nil || *v.n == 0 {
		return "off"
	}
	switch *v.per {
	case time.Second:
		return fmt.Sprintf("%d/s", *v.n)
	case time.Minute:
		return fmt.Sprintf("%d/m", *v.n)
	case time.Hour:
		return fmt.Sprintf("%d/h", *v.n)
	case 24 * time.Hour:
		return fmt.Sprintf("%d/d", *v.n)
	}
	return fmt.Sprintf("%d/%s", *v.n, *v.per)
}
func (v *rate) Set(s string) error {
	if s == "off" || s == "0" {
		*v.n, *v.per = 0, 0
		return nil
	}
	bad := errors.New("must be questions per period, such as 10/m (ten a minute), 100/h or 5/30s; or off")
	count, period, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "/")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n <= 0 {
		return bad
	}
	per, known := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[period]
	if !known {
		if per, err = time.ParseDuration(period); err != nil || per < time.Second {
			return bad
		}
	}
	*v.n, *v.per = n, per
	return nil
}

type prefixes struct{ p *[]netip.Prefix }

func (v *prefixes) String() string {
	if v.p == nil {
		return ""
	}
	var s []string
	for _, p := range *v.p {
		s = append(s, p.String())
	}
	return strings.Join(s, ",")
}
func (v *prefixes) Set(s string) error {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return fmt.Errorf("%q is not an address or CIDR such as 10.0.0.0/8 or 127.0.0.1", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	*v.p = out
	return nil
}

// baseURL is OPENAI_BASE_URL. Set takes any value and Load checks it
// afterwards (checkBaseURL), because the flag package would repeat a
// refused value in its message, and this one may hold a key.
type baseURL struct{ p *string }

func (v *baseURL) String() string {
	if v.p == nil {
		return ""
	}
	return RedactURL(*v.p)
}
func (v *baseURL) Set(s string) error {
	*v.p = s
	return nil
}

// secretURL is a URL that may hold a password (DATABASE_URL, REDIS_URL).
// Like baseURL, Set takes anything and Load checks it afterwards
// (checkStoreURL), so no message repeats the value unredacted; --help
// shows it redacted.
type secretURL struct{ p *string }

func (v *secretURL) String() string {
	if v.p == nil {
		return ""
	}
	return RedactURL(*v.p)
}
func (v *secretURL) Set(s string) error {
	*v.p = strings.TrimSpace(s)
	return nil
}

// checkStoreURL validates the URL of a shared store: one of schemes and a
// host. A URL url.Parse cannot read is still accepted when its scheme is
// right, since the driver reads more than net/url does (PostgreSQL's
// several hosts, "db1:5432,db2:5432"); the driver then says what is wrong.
func checkStoreURL(env, s, example string, schemes ...string) error {
	if s == "" {
		return nil
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !slices.Contains(schemes, strings.ToLower(scheme)) {
		return &Error{fmt.Sprintf("invalid %s=%q: must be a %s:// URL, such as %s", env, RedactURL(s), strings.Join(schemes, ":// or "), example)}
	}
	if u, err := url.Parse(s); err == nil && u.Host == "" || strings.HasPrefix(rest, "/") {
		return &Error{fmt.Sprintf("invalid %s=%q: names no host, such as %s", env, RedactURL(s), example)}
	}
	return nil
}

// replicaID checks REPLICA_ID, or makes one: the host name and a random
// suffix, since containers of one service may share a host name.
func replicaID(id string) (string, error) {
	if id != "" {
		if len(id) > 64 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
			// Not repeated: it was not what anyone meant, and it could be anything.
			return "", &Error{"invalid REPLICA_ID: must be up to 64 letters, digits, dots, underscores or hyphens, such as web-1"}
		}
		return id, nil
	}
	host, err := os.Hostname()
	if err != nil || host == "" || len(host) > 57 || strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		host = "rolefit"
	}
	var b [3]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return host + "-" + hex.EncodeToString(b[:]), nil
}

// checkBaseURL validates OPENAI_BASE_URL and returns it without a trailing
// slash. Its error shows the value only redacted.
func checkBaseURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	invalid := func(why string) error {
		return &Error{fmt.Sprintf("invalid OPENAI_BASE_URL=%q: %s", RedactURL(s), why)}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", invalid("must be an http:// or https:// URL, such as http://localhost:11434/v1")
	}
	if u.User != nil {
		return "", invalid("must not contain credentials; use OPENAI_API_KEY")
	}
	// Only the path's slash: one at the end of a query is part of a value.
	path, rest := s, ""
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		path, rest = s[:i], s[i:]
	}
	return strings.TrimRight(path, "/") + rest, nil
}

// RedactURL returns the URL s as it may be shown in an error, a log line
// or --help. People put keys in URLs, so the user and password, every query
// value (a parameter without "=" whole) and the fragment become ***; the
// scheme, host and path, which say where Rolefit connects, stay. What is
// not a URL at all is not shown, since nothing says where its secret is.
func RedactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(not shown: not a URL)"
	}
	r := *u
	r.User = nil // written below: url.User would escape the stars
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			if name, _, ok := strings.Cut(p, "="); ok {
				params[i] = name + "=***"
			} else if p != "" {
				params[i] = "***"
			}
		}
		r.RawQuery = strings.Join(params, "&")
	}
	r.Fragment, r.RawFragment = "", ""
	out := r.String()
	if prefix := u.Scheme + "://"; u.User != nil && strings.HasPrefix(out, prefix) {
		userinfo := "***@"
		if _, ok := u.User.Password(); ok {
			userinfo = "***:***@"
		}
		out = prefix + userinfo + out[len(prefix):]
	}
	if u.Fragment != "" {
		out += "#***"
	}
	return out
}
