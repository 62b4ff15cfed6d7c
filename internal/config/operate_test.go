package config

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOperatingSettings(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte(" pass phrase \n"), 0o600)
	secretFile := filepath.Join(dir, "secret")
	os.WriteFile(secretFile, []byte(strings.Repeat("k", 40)+"\n"), 0o600)
	tests := []struct {
		name  string
		args  []string
		vars  map[string]string
		check func(Config) bool
	}{
		{"all off by default", nil, nil, func(c Config) bool {
			return c.Metrics && c.MetricsAddr == "" && c.AccessPassword == "" && c.SessionSecret == "" &&
				c.QuestionLimit == 0 && c.TrustedProxies == nil && c.DailyTokenBudget == 0
		}},
		{"metrics off", nil, map[string]string{"METRICS": "off"}, func(c Config) bool { return !c.Metrics }},
		{"metrics on their own address", []string{"-metrics-addr", "127.0.0.1:9090"}, nil,
			func(c Config) bool { return c.Metrics && c.MetricsAddr == "127.0.0.1:9090" }},
		{"password from the environment, kept as typed", nil, map[string]string{"ACCESS_PASSWORD": " s3cret "},
			func(c Config) bool { return c.AccessPassword == " s3cret " }},
		{"password and secret from files", nil, map[string]string{"ACCESS_PASSWORD_FILE": pwFile, "SESSION_SECRET_FILE": secretFile},
			func(c Config) bool {
				return c.AccessPassword == " pass phrase " && c.SessionSecret == strings.Repeat("k", 40)
			}},
		{"questions per minute", nil, map[string]string{"RATE_LIMIT_QUESTIONS": "10/m"},
			func(c Config) bool { return c.QuestionLimit == 10 && c.QuestionWindow == time.Minute }},
		{"questions per hour, flag", []string{"-rate-limit-questions=100/h"}, map[string]string{"RATE_LIMIT_QUESTIONS": "10/m"},
			func(c Config) bool { return c.QuestionLimit == 100 && c.QuestionWindow == time.Hour }},
		{"questions per duration", nil, map[string]string{"RATE_LIMIT_QUESTIONS": "5/30s"},
			func(c Config) bool { return c.QuestionLimit == 5 && c.QuestionWindow == 30*time.Second }},
		{"rate limit off", nil, map[string]string{"RATE_LIMIT_QUESTIONS": "off"},
			func(c Config) bool { return c.QuestionLimit == 0 }},
		{"trusted proxies", nil, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 172.18.0.1 ,::1"},
			func(c Config) bool {
				want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.18.0.1/32"), netip.MustParsePrefix("::1/128")}
				if len(c.TrustedProxies) != len(want) {
					return false
				}
				for i := range want {
					if c.TrustedProxies[i] != want[i] {
						return false
					}
				}
				return true
			}},
		{"daily token budget", nil, map[string]string{"DAILY_TOKEN_BUDGET": "200000"},
			func(c Config) bool { return c.DailyTokenBudget == 200000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.vars), io.Discard)
			if err != nil || !tt.check(c) {
				t.Errorf("Load = %+v, %v", c, err)
			}
		})
	}
}

func TestInvalidOperatingSettingsNameTheVariable(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"METRICS": "maybe"}, "METRICS"},
		{map[string]string{"METRICS": "off", "METRICS_ADDR": ":9090"}, "METRICS_ADDR"},
		{map[string]string{"RATE_LIMIT_QUESTIONS": "10"}, "RATE_LIMIT_QUESTIONS"},
		{map[string]string{"RATE_LIMIT_QUESTIONS": "ten/m"}, "RATE_LIMIT_QUESTIONS"},
		{map[string]string{"RATE_LIMIT_QUESTIONS": "10/fortnight"}, "RATE_LIMIT_QUESTIONS"},
		{map[string]string{"RATE_LIMIT_QUESTIONS": "-1/m"}, "RATE_LIMIT_QUESTIONS"},
		{map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, "TRUSTED_PROXIES"},
		{map[string]string{"DAILY_TOKEN_BUDGET": "lots"}, "DAILY_TOKEN_BUDGET"},
		{map[string]string{"ACCESS_PASSWORD_FILE": "/nonexistent/pw"}, "ACCESS_PASSWORD_FILE"},
		{map[string]string{"SESSION_SECRET_FILE": "/nonexistent/secret"}, "SESSION_SECRET_FILE"},
		{map[string]string{"SESSION_SECRET": "too-short-secret"}, "SESSION_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := Load(nil, env(tt.vars), io.Discard)
			var ce *Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%v) error = %v, want a config error naming %s", tt.vars, err, tt.want)
			}
			if strings.Contains(err.Error(), "too-short-secret") {
				t.Errorf("the error repeats the secret: %v", err)
			}
		})
	}
}

func TestHelpListsOperatingSettingsWithoutSecrets(t *testing.T) {
	var out strings.Builder
	_, err := Load([]string{"--help"}, env(map[string]string{"ACCESS_PASSWORD": "pw-SECRET", "SESSION_SECRET": strings.Repeat("S", 32)}), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, name := range []string{"METRICS", "-metrics", "METRICS_ADDR", "ACCESS_PASSWORD", "ACCESS_PASSWORD_FILE", "SESSION_SECRET",
		"SESSION_SECRET_FILE", "RATE_LIMIT_QUESTIONS", "(default off)", "TRUSTED_PROXIES", "DAILY_TOKEN_BUDGET", "-daily-token-budget"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("--help does not mention %q", name)
		}
	}
	if strings.Contains(out.String(), "pw-SECRET") || strings.Contains(out.String(), strings.Repeat("S", 32)) {
		t.Error("--help prints a secret")
	}
}
