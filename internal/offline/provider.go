package offline

import (
	"context"
	"time"
	"unicode"

	"github.com/rolefit/rolefit/internal/chat"
)

// Provider answers without a model, so Rolefit works with no endpoint
// configured. It streams its answer in small pieces like a model would.
type Provider struct {
	answer func(question string) string
	pace   time.Duration
}

var _ chat.Provider = (*Provider)(nil)

// NewProvider returns a provider that answers the last user message with
// answer (which must not be nil), waiting pace between pieces; pace 0 sends
// them as fast as onDelta takes them.
func NewProvider(answer func(question string) string, pace time.Duration) *Provider {
	return &Provider{answer: answer, pace: pace}
}

// Describe implements chat.Provider.
func (o *Provider) Describe() chat.ProviderInfo {
	return chat.ProviderInfo{Name: "offline", Offline: true}
}

// Stream implements chat.Provider. It reports no usage.
func (o *Provider) Stream(ctx context.Context, req chat.Request, onDelta func(text string)) (chat.Usage, error) {
	text := o.answer(lastQuestion(req.Messages))
	var timer *time.Timer
	for i, piece := range pieces(text) {
		if i > 0 && o.pace > 0 {
			if timer == nil {
				timer = time.NewTimer(o.pace)
				defer timer.Stop()
			} else {
				timer.Reset(o.pace)
			}
			select {
			case <-timer.C:
			case <-ctx.Done():
				return chat.Usage{}, chat.ContextError(ctx)
			}
		}
		// Without a pace there is no wait to notice cancellation in.
		if ctx.Err() != nil {
			return chat.Usage{}, chat.ContextError(ctx)
		}
		onDelta(piece)
	}
	return chat.Usage{}, nil
}

func lastQuestion(msgs []chat.PromptMessage) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == chat.RoleUser {
			return msgs[i].Content
		}
	}
	return ""
}

// wordsPerPiece is small enough for the answer to visibly grow, and large
// enough not to send one event per letter-sized word.
const wordsPerPiece = 2

// pieces splits text into runs of wordsPerPiece words, each with the
// whitespace that follows it; leading whitespace rides with the first. The
// pieces concatenate to text exactly.
func pieces(text string) []string {
	var out []string
	start, words := 0, 0
	inWord := false
	for i, r := range text {
		space := unicode.IsSpace(r)
		if !space && !inWord {
			// A word begins: close the piece if it is full.
			if words == wordsPerPiece {
				out = append(out, text[start:i])
				start, words = i, 0
			}
			words++
		}
		inWord = !space
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}
