package chat

import (
	"strings"
	"testing"
)

// TestFailureMessagesPeopleCanActOn: a content filter and a model that is
// not downloaded each get their own words, not a generic model error.
func TestFailureMessagesPeopleCanActOn(t *testing.T) {
	tests := []struct {
		name    string
		err     *ProviderError
		partial bool
		want    []string
	}{
		{"content filter before any text", &ProviderError{Kind: FailContentFilter}, false,
			[]string{"content filter", "rephras"}},
		{"content filter partway", &ProviderError{Kind: FailContentFilter}, true,
			[]string{"content filter", "What arrived is kept"}},
		{"model not pulled", &ProviderError{Kind: FailModelNotPulled, Model: "qwen3:8b"}, false,
			[]string{"not downloaded", "ollama pull qwen3:8b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failureMessage(tt.err, tt.partial)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("message %q does not say %q", got, w)
				}
			}
		})
	}
	for _, k := range []FailureKind{FailContentFilter, FailModelNotPulled} {
		found := false
		for _, l := range FailureKinds() {
			found = found || l == k
		}
		if !found {
			t.Errorf("FailureKinds() lacks %s", k)
		}
	}
}
