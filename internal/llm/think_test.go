package llm

import (
	"strings"
	"testing"
)

// TestThinkSplitter feeds content in every split of a few deltas and checks
// that only a leading <think> block is thinking, whatever the cuts.
func TestThinkSplitter(t *testing.T) {
	tests := []struct {
		name, content, wantReasoning, wantAnswer string
	}{
		{"no thinking", "Hello <b> there", "", "Hello <b> there"},
		{"leading block", "<think>\nhmm</think>\n\nThe answer.", "\nhmm", "The answer."},
		{"white space before the block", "\n <think>hmm</think>Yes", "hmm", "Yes"},
		{"a later block is the answer's", "Yes. <think>no</think>", "", "Yes. <think>no</think>"},
		{"unfinished thinking", "<think>still thinking </th", "still thinking </th", ""},
		{"an answer that starts like the tag", "<thin air", "", "<thin air"},
		{"a close tag inside the answer", "<think>a</think>b</think>", "a", "b</think>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every cut into two and three deltas.
			for i := 0; i <= len(tt.content); i++ {
				for j := i; j <= len(tt.content); j++ {
					var s thinkSplitter
					var reasoning, answer strings.Builder
					for _, d := range []string{tt.content[:i], tt.content[i:j], tt.content[j:]} {
						r, a := s.split(d)
						reasoning.WriteString(r)
						answer.WriteString(a)
					}
					r, a := s.flush()
					reasoning.WriteString(r)
					answer.WriteString(a)
					if reasoning.String() != tt.wantReasoning || answer.String() != tt.wantAnswer {
						t.Fatalf("cut at %d, %d: reasoning %q, answer %q; want %q, %q",
							i, j, reasoning.String(), answer.String(), tt.wantReasoning, tt.wantAnswer)
					}
				}
			}
		})
	}
}
