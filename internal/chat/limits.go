package chat

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
	"unicode/utf8"
)

// ELIMIT is the code of a request refused by a limit: a rate limit or the
// instance's budget. The person is told when to try again.
const ELIMIT = "limit"

// Limited returns an ELIMIT error whose message says what limit was hit and
// when it lifts, in words.
func Limited(what string, retryAt, now time.Time) error {
	return &Error{Code: ELIMIT, Message: fmt.Sprintf("%s Please try again %s.", what, when(retryAt, now))}
}

// when says a time in a person's words: "in 40 seconds", "in 3 minutes",
// "after 00:00 UTC (in 5 hours)".
func when(at, now time.Time) string {
	d := at.Sub(now)
	switch {
	case d <= time.Second:
		return "in a second"
	case d < time.Minute:
		return "in " + plural(int((d+time.Second-1)/time.Second), "second")
	case d < time.Hour:
		return "in " + plural(int((d+time.Minute-1)/time.Minute), "minute")
	default:
		return atClock(at, now)
	}
}

// atClock names the time of day as well as the wait, for a limit that lifts
// at a fixed hour (the daily budget): "after 00:00 UTC (in 33 minutes)".
func atClock(at, now time.Time) string {
	wait := "about " + plural(int((at.Sub(now)+30*time.Minute)/time.Hour), "hour")
	if at.Sub(now) < time.Hour {
		wait = when(at, now)[len("in "):]
	}
	return fmt.Sprintf("after %s UTC (in %s)", at.UTC().Format("15:04"), wait)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Budget caps what the model may spend across the whole instance.
type Budget interface {
	// Allow reports whether a new answer may start at now; if not, it
	// returns when one may.
	Allow(now time.Time) (ok bool, retryAt time.Time)
	// Spend records what an answer cost, in tokens.
	Spend(tokens int, now time.Time)
}

func (s *Service) allowed() error {
	if s.cfg.Budget == nil {
		return nil
	}
	now := s.now()
	if ok, at := s.cfg.Budget.Allow(now); !ok {
		return &Error{Code: ELIMIT, Message: fmt.Sprintf("Rolefit has used today's budget for the AI model. Please try again %s.", atClock(at, now))}
	}
	return nil
}

// Observer hears about every answer, for metrics. Its methods are called
// from the generating goroutine and must not block.
type Observer interface {
	AnswerStarted()
	FirstToken(d time.Duration)
	AnswerFinished(r AnswerReport)
}

// AnswerReport is what one answer cost and how it ended.
type AnswerReport struct {
	State                          State
	Duration                       time.Duration
	PromptTokens, CompletionTokens int
	Estimated                      bool        // the provider reported no usage
	Failure                        FailureKind // for StateError
	Retries                        int
}

type nopObserver struct{}

func (nopObserver) AnswerStarted()              {}
func (nopObserver) FirstToken(time.Duration)    {}
func (nopObserver) AnswerFinished(AnswerReport) {}

// maxRetryWait bounds one wait before a retry: a longer Retry-After means
// the person is better told to come back later.
const maxRetryWait = 10 * time.Second

// retryDelay says whether a failure before the first token is worth trying
// again, and after how long: the server's Retry-After if it gave one,
// otherwise exponential backoff with jitter (0.5 s, 1 s, 2 s…).
func retryDelay(err error, attempt int) (time.Duration, bool) {
	var pe *ProviderError
	if !errors.As(err, &pe) {
		return 0, false
	}
	switch pe.Kind {
	case FailRateLimited, FailUnavailable, FailUnreachable, FailCut, FailModelError:
	default:
		return 0, false // a wrong key or model will not fix itself
	}
	if pe.RetryAfter > 0 {
		return pe.RetryAfter, pe.RetryAfter <= maxRetryWait
	}
	base := 500 * time.Millisecond << attempt
	return base/2 + rand.N(base/2+1), true
}

// maxAnswerBytes is the length cap on an answer's text in bytes, derived
// from its cap in tokens at bytesPerToken (4) bytes a token: 1500 tokens
// allow 6,000 bytes. The model is asked for at most that many tokens, but
// a server may ignore it, and a token count says nothing about how large
// one delta is; bytes are what cost memory, disk and page weight, so the
// cap is enforced on them, inside a delta too.
func maxAnswerBytes(tokens int) int { return tokens * bytesPerToken }

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a character.
func cutUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
