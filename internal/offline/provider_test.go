package offline_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/offline"
)

func TestOfflineStreamsTheAnswer(t *testing.T) {
	tests := []struct {
		name   string
		answer string
	}{
		{name: "empty", answer: ""},
		{name: "one word", answer: "Yes."},
		{name: "sentence", answer: "A role fits when the work matches what you want to learn."},
		{name: "markdown", answer: "## Next steps\n\n1. Read the **job ad** twice.\n2. List `skills`:\n   - Go\n   - SQL\n\n```\ncode  block\n```\n"},
		{name: "odd whitespace", answer: "  leading,\ttabs\r\n\n\ntrailing   "},
		{name: "unicode", answer: "Ça marche — très bien ✓ 日本語 テキスト"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked string
			p := offline.NewProvider(func(q string) string { asked = q; return tt.answer }, 0)
			deltas, usage, err := collect(testContext(t), p, conversation)
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if asked != "Second question" {
				t.Errorf("answered %q, want the last user message", asked)
			}
			if got := strings.Join(deltas, ""); got != tt.answer {
				t.Errorf("pieces concatenate to %q, want %q", got, tt.answer)
			}
			for _, d := range deltas {
				if d == "" || len(strings.Fields(d)) > 2 {
					t.Errorf("piece %q: want one or two words", d)
				}
			}
			if usage != (chat.Usage{}) {
				t.Errorf("usage = %+v, want none", usage)
			}
		})
	}
}

func TestOfflineSendsSeveralPieces(t *testing.T) {
	p := offline.NewProvider(func(string) string { return "one two three four five" }, time.Microsecond)
	deltas, _, err := collect(testContext(t), p, conversation)
	if err != nil || strings.Join(deltas, "|") != "one two |three four |five" {
		t.Errorf("Stream = %q, %v", deltas, err)
	}
}

func TestOfflineCancel(t *testing.T) {
	tests := []struct {
		name       string
		pace       time.Duration
		cancelAt   int // cancel from inside onDelta after this many deltas; 0: before Stream
		wantDeltas int
	}{
		// An hour's pace: only prompt cancellation ends the test in time.
		{name: "waiting between pieces", pace: time.Hour, cancelAt: 1, wantDeltas: 1},
		{name: "no pace", pace: 0, cancelAt: 2, wantDeltas: 2},
		{name: "already cancelled", pace: 0, cancelAt: 0, wantDeltas: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(testContext(t))
			defer cancel()
			if tt.cancelAt == 0 {
				cancel()
			}
			p := offline.NewProvider(func(string) string { return strings.Repeat("word ", 100) }, tt.pace)
			n := 0
			_, err := p.Stream(ctx, conversation, func(string) {
				n++
				if n == tt.cancelAt {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) || n != tt.wantDeltas {
				t.Errorf("Stream = %v after %d deltas, want context.Canceled after %d", err, n, tt.wantDeltas)
			}
		})
	}
}

func TestOfflineDescribe(t *testing.T) {
	got := offline.NewProvider(func(string) string { return "" }, 0).Describe()
	if got != (chat.ProviderInfo{Name: "offline", Offline: true}) {
		t.Errorf("Describe = %+v", got)
	}
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var conversation = chat.Request{
	Messages: []chat.PromptMessage{
		{Role: chat.RoleSystem, Content: "You are Rolefit."},
		{Role: chat.RoleUser, Content: "First question"},
		{Role: chat.RoleAssistant, Content: "First answer"},
		{Role: chat.RoleUser, Content: "Second question"},
	},
}

// collect runs p.Stream and returns the deltas it delivered.
func collect(ctx context.Context, p chat.Provider, req chat.Request) ([]string, chat.Usage, error) {
	var deltas []string
	usage, err := p.Stream(ctx, req, func(text string) { deltas = append(deltas, text) })
	return deltas, usage, err
}
