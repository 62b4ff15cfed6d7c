package chat

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// providerFunc is a Provider whose Stream is the function itself.
type providerFunc func(ctx context.Context, req Request, onDelta func(string)) (Usage, error)

func (f providerFunc) Stream(ctx context.Context, req Request, onDelta func(string)) (Usage, error) {
	return f(ctx, req, onDelta)
}

func (providerFunc) Describe() ProviderInfo { return ProviderInfo{Name: "func"} }

// streams returns a provider that sends text (if any) as one delta, then
// reports usage and err.
func streams(text string, usage Usage, err error) providerFunc {
	return func(_ context.Context, _ Request, onDelta func(string)) (Usage, error) {
		if text != "" {
			onDelta(text)
		}
		return usage, err
	}
}

// TestBudgetChargesOnlyWhatTheModelSpent: an answer that never ran (the
// model service refused, was down, unreachable, or silent) costs nothing,
// so a broken model server cannot lock the instance out for the day; one
// that ran costs what the model reported, or what it streamed.
func TestBudgetChargesOnlyWhatTheModelSpent(t *testing.T) {
	silent := providerFunc(func(ctx context.Context, _ Request, _ func(string)) (Usage, error) {
		<-ctx.Done()
		return Usage{}, ctx.Err()
	})
	text := strings.Repeat("word ", 40) // 200 bytes: 54 tokens by the estimate
	tests := []struct {
		name      string
		provider  Provider
		cfg       Config
		wantSpent func(spent int) bool
		want      string
	}{
		{"unauthorized", streams("", Usage{}, &ProviderError{Kind: FailUnauthorized, Status: 401}), Config{}, zero, "0"},
		{"model not found", streams("", Usage{}, &ProviderError{Kind: FailModelNotFound, Status: 404}), Config{}, zero, "0"},
		{"rate limited", streams("", Usage{}, &ProviderError{Kind: FailRateLimited, Status: 429}), Config{}, zero, "0"},
		{"server error, retried", streams("", Usage{}, &ProviderError{Kind: FailUnavailable, Status: 500}), Config{Retries: 1}, zero, "0"},
		{"unreachable", streams("", Usage{}, &ProviderError{Kind: FailUnreachable}), Config{}, zero, "0"},
		{"cut before any text", streams("", Usage{}, &ProviderError{Kind: FailCut}), Config{}, zero, "0"},
		{"unreadable reply", streams("", Usage{}, &ProviderError{Kind: FailBadResponse}), Config{}, zero, "0"},
		{"no first token", silent, Config{FirstTokenTimeout: 10 * time.Millisecond}, zero, "0"},
		{"failed, but reported usage", streams("", Usage{PromptTokens: 7}, &ProviderError{Kind: FailModelError}), Config{}, is(7), "7"},
		{"answered, with usage", streams(text, Usage{PromptTokens: 10, CompletionTokens: 2}, nil), Config{}, is(12), "12"},
		{"answered, no usage: estimated", streams(text, Usage{}, nil), Config{},
			func(n int) bool { return n >= estimateTokens(text)+estimateTokens("q") }, "the estimate of prompt and answer"},
		{"cut after some text, no usage: estimated", streams(text, Usage{}, &ProviderError{Kind: FailCut}), Config{},
			func(n int) bool { return n >= estimateTokens(text) }, "at least the estimate of the text streamed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			budget := &countingBudget{limit: 1 << 30}
			tt.cfg.Budget = budget
			svc, _ := newTestService(t, tt.provider, tt.cfg)
			_, turn, err := svc.Start(ctx, visitor, "q")
			if err != nil {
				t.Fatal(err)
			}
			svc.Wait(ctx, turn.Answer.ID)
			budget.mu.Lock()
			spent := budget.spent
			budget.mu.Unlock()
			if !tt.wantSpent(spent) {
				t.Errorf("the budget was charged %d tokens, want %s", spent, tt.want)
			}
		})
	}
}

func zero(n int) bool { return n == 0 }

func is(want int) func(int) bool { return func(n int) bool { return n == want } }

// TestOneHugeDeltaIsCutAtTheCap: a model server that sends the whole of a
// huge answer in one delta gets no more stored than one that sends it token
// by token. The answer is cut at the cap, on a character boundary, and ends
// as the length cap ends it; what the provider sends after that is dropped.
func TestOneHugeDeltaIsCutAtTheCap(t *testing.T) {
	huge := "x" + strings.Repeat("é", 5<<20) // 10 MB; é is two bytes
	after := make(chan struct{})
	prov := providerFunc(func(ctx context.Context, _ Request, onDelta func(string)) (Usage, error) {
		onDelta(huge)
		onDelta("more, sent before the provider noticed the cancellation")
		close(after)
		<-ctx.Done()
		return Usage{}, ctx.Err()
	})
	ctx := testCtx(t)
	svc, st := newTestService(t, prov, Config{}) // the default cap: 1500 tokens
	_, turn, err := svc.Start(ctx, visitor, "q")
	if err != nil {
		t.Fatal(err)
	}
	svc.Wait(ctx, turn.Answer.ID)
	<-after
	saved, _ := st.Message(ctx, turn.Answer.ID)
	limit := maxAnswerBytes(DefaultConfig().MaxAnswerTokens)
	if len(saved.Content) > limit || len(saved.Content) < limit-utf8.UTFMax || !strings.HasPrefix(huge, saved.Content) {
		t.Errorf("saved %d bytes, want the delta's first %d at most (and at least %d)", len(saved.Content), limit, limit-utf8.UTFMax)
	}
	if !utf8.ValidString(saved.Content) {
		t.Error("the cut split a character")
	}
	if saved.State != StateStopped || saved.Error != "The answer reached its length limit." {
		t.Errorf("saved as %s with %q, want stopped at the length limit", saved.State, saved.Error)
	}
}
