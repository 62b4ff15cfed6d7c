package config

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestDefaultsAreOffline(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.Model != "gpt-4o-mini" || c.MaxMessageChars != 4000 || !c.Offline() {
		t.Errorf("defaults = %+v", c)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("sk-from-file\n"), 0o600)
	tests := []struct {
		name  string
		args  []string
		vars  map[string]string
		check func(Config) bool
	}{
		{"ollama: base URL without key", nil, map[string]string{"OPENAI_BASE_URL": "http://localhost:11434/v1/", "OPENAI_MODEL": "llama3.2"},
			func(c Config) bool {
				return c.BaseURL == "http://localhost:11434/v1" && c.Model == "llama3.2" && !c.Offline() && c.APIKey == ""
			}},
		{"key from environment", nil, map[string]string{"OPENAI_API_KEY": " sk-x "},
			func(c Config) bool { return c.APIKey == "sk-x" && !c.Offline() }},
		{"key from file (Docker secrets)", nil, map[string]string{"OPENAI_API_KEY_FILE": keyFile},
			func(c Config) bool { return c.APIKey == "sk-from-file" }},
		{"flag wins over environment", []string{"-addr", ":9000", "-max-message-chars=100"}, map[string]string{"ADDR": ":7000"},
			func(c Config) bool { return c.Addr == ":9000" && c.MaxMessageChars == 100 }},
		{"durations and levels", nil, map[string]string{"MAX_GENERATION": "90s", "LOG_LEVEL": "debug", "OFFLINE_PACE": "0s"},
			func(c Config) bool {
				return c.MaxGeneration == 90*time.Second && c.LogLevel == slog.LevelDebug && c.OfflinePace == 0
			}},
		{"retention", nil, map[string]string{"RETENTION_DAYS": "30"}, func(c Config) bool { return c.RetentionDays == 30 }},
		{"answer details on by default, no prices", nil, nil,
			func(c Config) bool { return c.AnswerDetails && c.PriceInputPerMTok == 0 && c.PriceOutputPerMTok == 0 }},
		{"answer details off, prices set", nil, map[string]string{"ANSWER_DETAILS": "off", "PRICE_INPUT_PER_MTOK": "0.15", "PRICE_OUTPUT_PER_MTOK": "$0.6"},
			func(c Config) bool {
				return !c.AnswerDetails && c.PriceInputPerMTok == 0.15 && c.PriceOutputPerMTok == 0.6
			}},
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

func TestInvalidValuesNameTheVariable(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"OPENAI_BASE_URL": "localhost:11434"}, "OPENAI_BASE_URL"},
		{map[string]string{"OPENAI_BASE_URL": "http://user:pw@host/v1"}, "OPENAI_BASE_URL"},
		{map[string]string{"MAX_MESSAGE_CHARS": "-1"}, "MAX_MESSAGE_CHARS"},
		{map[string]string{"HISTORY_TOKENS": "lots"}, "HISTORY_TOKENS"},
		{map[string]string{"MAX_GENERATION": "0s"}, "MAX_GENERATION"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"RETENTION_DAYS": "-3"}, "RETENTION_DAYS"},
		{map[string]string{"PRICE_INPUT_PER_MTOK": "-1"}, "PRICE_INPUT_PER_MTOK"},
		{map[string]string{"PRICE_OUTPUT_PER_MTOK": "cheap"}, "PRICE_OUTPUT_PER_MTOK"},
		{map[string]string{"ANSWER_DETAILS": "maybe"}, "ANSWER_DETAILS"},
		{map[string]string{"OPENAI_API_TYPE": "azure"}, "OPENAI_BASE_URL is required"},
		{map[string]string{"OPENAI_API_KEY_FILE": "/nonexistent/key"}, "OPENAI_API_KEY_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := Load(nil, env(tt.vars), io.Discard)
			var ce *Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%v) error = %v, want a config error naming %s", tt.vars, err, tt.want)
			}
		})
	}
}

func TestHelpListsEverySettingWithoutSecrets(t *testing.T) {
	var out strings.Builder
	_, err := Load([]string{"--help"}, env(map[string]string{"OPENAI_API_KEY": "sk-secret"}), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, name := range []string{"ADDR", "-addr", "DATA_DIR", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "MAX_MESSAGE_CHARS", "default gpt-4o-mini"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("--help does not mention %q", name)
		}
	}
	if strings.Contains(out.String(), "sk-secret") {
		t.Error("--help prints the API key")
	}
}
