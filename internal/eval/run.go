package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/prompts"
)

// Options are how Run asks the questions.
type Options struct {
	// Concurrency is how many questions are in flight at once (at least 1).
	Concurrency int
	// MaxTokens caps each answer, as the server's MAX_ANSWER_TOKENS does.
	MaxTokens int
	// FirstTokenTimeout and MaxGeneration bound each answer as the server
	// does; 0 means no bound.
	FirstTokenTimeout, MaxGeneration time.Duration
	// Progress, if set, receives one line per finished question.
	Progress io.Writer
	// QuestionSet names the set in the report ("built-in" or a file).
	QuestionSet string
}

// Result is one question's answer and its scores.
type Result struct {
	Question
	Answer string `json:"answer"`
	// Error is why the model failed, if it did, in a few words; the answer
	// may be partial. Cause is the provider's own account, for the
	// operator (secrets already removed).
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
	// TTFTMillis is the time to the first non-empty delta; TotalMillis to
	// the end of the answer.
	TTFTMillis       int64 `json:"ttft_ms"`
	TotalMillis      int64 `json:"total_ms"`
	PromptTokens     int   `json:"prompt_tokens"`
	CompletionTokens int   `json:"completion_tokens"`
	// TokensEstimated says the model reported no usage, so the counts are
	// estimated from the text (4 bytes a token).
	TokensEstimated bool `json:"tokens_estimated"`
	// CitesExpected says whether the answer cites one of the question's
	// expected sections (always true when none are expected).
	CitesExpected bool `json:"cites_expected"`
	Analysis
}

// Run asks every question through p, with the server's system prompt, at
// most opt.Concurrency at a time, and scores the answers. It returns early
// only when ctx ends; a failed question is recorded in its Result.
func Run(ctx context.Context, p chat.Provider, qs []Question, opt Options) (*Report, error) {
	if opt.Concurrency < 1 {
		opt.Concurrency = 1
	}
	info := p.Describe()
	rep := &Report{
		Provider: info.Name, Model: info.Model, Offline: info.Offline,
		Started: time.Now().UTC().Truncate(time.Second), Concurrency: opt.Concurrency,
		QuestionSet: opt.QuestionSet, Results: make([]Result, len(qs)),
	}
	system := prompts.SystemPrompt()
	sem := make(chan struct{}, opt.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, q := range qs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil { // sem may have freed up in the same instant
			wg.Wait()
			return nil, fmt.Errorf("eval: %w", ctx.Err())
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := ask(ctx, p, system, q, opt)
			mu.Lock()
			defer mu.Unlock()
			rep.Results[i] = r
			done++
			if opt.Progress != nil {
				status := "ok"
				if r.Error != "" {
					status = "error: " + r.Error
				}
				if r.Cause != "" {
					status += ": " + r.Cause
				}
				fmt.Fprintf(opt.Progress, "eval: [%d/%d] %-16s ttft %6s  total %7s  %s\n", done, len(qs), q.ID,
					ms(r.TTFTMillis), ms(r.TotalMillis), status)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("eval: %w", ctx.Err())
	}
	rep.Summary = summarise(rep.Results)
	return rep, nil
}

// errNoFirstToken ends an answer whose first token took too long.
var errNoFirstToken = errors.New("no first token within the first-token timeout")

func ask(ctx context.Context, p chat.Provider, system string, q Question, opt Options) Result {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if opt.MaxGeneration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, opt.MaxGeneration, errors.New("the answer took longer than the generation limit"))
		defer stop()
	}
	var firstTimer *time.Timer
	if opt.FirstTokenTimeout > 0 {
		firstTimer = time.AfterFunc(opt.FirstTokenTimeout, func() { cancel(errNoFirstToken) })
		defer firstTimer.Stop()
	}
	req := chat.Request{
		Messages:  []chat.PromptMessage{{Role: chat.RoleSystem, Content: system}, {Role: chat.RoleUser, Content: q.Text}},
		MaxTokens: opt.MaxTokens,
	}
	start := time.Now()
	var first time.Duration
	var answer []byte
	usage, err := p.Stream(ctx, req, func(text string) {
		if text != "" && first == 0 {
			first = time.Since(start)
			if firstTimer != nil {
				firstTimer.Stop()
			}
		}
		answer = append(answer, text...)
	})
	r := Result{Question: q, Answer: string(answer), TotalMillis: time.Since(start).Milliseconds(), TTFTMillis: first.Milliseconds()}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			err = cause
		}
		r.Error, r.Cause = describeError(err)
	}
	r.PromptTokens, r.CompletionTokens = usage.PromptTokens, usage.CompletionTokens
	if r.PromptTokens == 0 && r.CompletionTokens == 0 {
		r.TokensEstimated = true
		r.PromptTokens = estimateTokens(system) + estimateTokens(q.Text)
		r.CompletionTokens = estimateTokens(r.Answer)
	}
	r.Analysis = Analyse(r.Answer)
	r.CitesExpected = len(q.Sections) == 0
	for _, id := range q.Sections {
		for _, c := range r.CitedSections {
			r.CitesExpected = r.CitesExpected || c == id
		}
	}
	return r
}

// estimateTokens counts 4 bytes a token, the usual figure for English, as
// the server's own estimate does.
func estimateTokens(s string) int { return (len(s) + 3) / 4 }

// describeError says why an answer failed in a few words (the failure
// kind for a provider's error) and the provider's cause, which names the
// fix when it knows it (such as `ollama pull`).
func describeError(err error) (short, cause string) {
	var pe *chat.ProviderError
	if errors.As(err, &pe) {
		short = string(pe.Kind)
		if pe.Status != 0 {
			short = fmt.Sprintf("%s (HTTP %d)", pe.Kind, pe.Status)
		}
		if pe.Err != nil {
			cause = pe.Err.Error()
		}
		return short, cause
	}
	return err.Error(), ""
}

func ms(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%dms", n)
	}
	return fmt.Sprintf("%.1fs", float64(n)/1000)
}
