// Package config reads Rolefit's settings once, at start-up, from flags and
// environment variables (a flag wins over its variable, which wins over the
// default), validates them, and hands one Config down to the rest.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// Config is every setting of Rolefit.
type Config struct {
	Addr    string
	DataDir string

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

// Load builds the Config from args (without the program name) and getenv.
// Usage and flag errors go to output.
func Load(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	limits := chat.DefaultConfig() // the answer's limits have one home
	c := Config{
		Addr: ":8080", DataDir: "./data", Model: "gpt-4o-mini", APIType: "openai",
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
	if !c.Metrics && c.MetricsAddr != "" {
		return Config{}, &Error{"METRICS_ADDR is set but METRICS=off: unset one of them"}
	}
	if c.APIType == "azure" && c.BaseURL == "" {
		return Config{}, &Error{"OPENAI_BASE_URL is required with OPENAI_API_TYPE=azure (your resource's endpoint)"}
	}
	return c, nil
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
