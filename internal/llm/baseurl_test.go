package llm_test

import (
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/llm"
)

// TestBaseURLQueryReachesTheModelAndNoError: a gateway's key in the base
// URL's query (…/v1?api-key=…) is sent with the request, after the path
// (go-openai alone would put the path inside the query), and an error that
// echoes it, or the URL's user and password, shows neither.
func TestBaseURLQueryReachesTheModelAndNoError(t *testing.T) {
	const secret = "gateway-SECRET-key"
	tests := []struct {
		name     string
		cfg      func(s *fakeopenai.Server) llm.OpenAIConfig
		wantPath string
	}{
		{"openai", func(s *fakeopenai.Server) llm.OpenAIConfig {
			return llm.OpenAIConfig{BaseURL: s.URL + "?api-key=" + secret, Model: "m"}
		}, "/v1/chat/completions"},
		{"azure", func(s *fakeopenai.Server) llm.OpenAIConfig {
			return llm.OpenAIConfig{APIType: llm.APITypeAzure, APIKey: "k", BaseURL: s.AzureURL + "/?api-key=" + secret, Model: "dep"}
		}, "/openai/deployments/dep/chat/completions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			s := newFake(t)
			p := newOpenAI(t, tt.cfg(s))
			if _, _, err := collect(ctx, p, conversation); err != nil {
				t.Fatal(err)
			}
			call, err := s.NextCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if call.Path != tt.wantPath || call.Query.Get("api-key") != secret {
				t.Errorf("the request went to %s?%s, want %s with the key", call.Path, call.Query.Encode(), tt.wantPath)
			}
			s.Push(fakeopenai.Reply{Status: 401, Message: "Invalid api-key " + secret})
			_, _, err = collect(ctx, p, conversation)
			if err == nil || strings.Contains(err.Error(), secret) {
				t.Errorf("err = %v, want a failure that does not show the key", err)
			}
		})
	}
	t.Run("user and password, unreachable", func(t *testing.T) {
		p := newOpenAI(t, llm.OpenAIConfig{BaseURL: "http://alice-user:" + secret + "@127.0.0.1:1/v1?k=" + secret, Model: "m"})
		_, _, err := collect(testContext(t), p, conversation)
		if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "alice-user") {
			t.Errorf("err = %v, want a failure that shows no credentials", err)
		}
	})
}
