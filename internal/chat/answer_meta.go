package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AnswerMeta is how one answer was made: who wrote it, how long it took,
// what it cost and exactly what was sent. It is recorded once, when the
// answer ends, and saved in the same write as the answer's final text
// (Store.SaveFinalAnswer): nothing of it touches the per-token path.
type AnswerMeta struct {
	Provider string `json:"provider"` // "offline" or "openai-compatible"
	Model    string `json:"model,omitempty"`
	// FirstTokenMS is the time from the first request to the first text,
	// retries included; 0 when no text came (a first token sooner than a
	// millisecond, as from a model in the same process, is 1).
	FirstTokenMS int64 `json:"first_token_ms"`
	// FirstReasoningMS is the time to the first thinking of a reasoning
	// model; 0 when it did not think.
	FirstReasoningMS int64  `json:"first_reasoning_ms,omitempty"`
	TotalMS          int64  `json:"total_ms"`
	Retries          int    `json:"retries"`
	Ending           Ending `json:"ending"`
	// Continued is how many times the person had the model continue
	// this answer after a length cut; the times, tokens and retries are
	// those of all its parts, the messages sent those of the last.
	Continued int `json:"continued,omitempty"`

	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	// TokensEstimated is set when the model reported no usage and the
	// counts are Rolefit's estimate (about 4 bytes a token).
	TokensEstimated bool `json:"tokens_estimated"`

	// Cited are the knowledge sections the answer cites, in first-cited
	// order, unknown ones left out.
	Cited []string `json:"cited,omitempty"`
	// History is every earlier turn that could have gone with the
	// question, oldest first, and whether it was sent or trimmed to keep
	// within the history budget.
	History []HistoryTurn `json:"history,omitempty"`
	// Sent are the exact messages of the request: the system prompt, the
	// history sent, and the question.
	Sent []SentMessage `json:"sent"`
}

// Ending is why an answer ended, as the panel and the export name it.
type Ending string

const (
	EndDone        Ending = "done"
	EndStopped     Ending = "stopped"     // the person, the time cap, or a deleted conversation
	EndLength      Ending = "length"      // cut at the length limit
	EndError       Ending = "error"       // the model failed (or its first token never came)
	EndInterrupted Ending = "interrupted" // the server shut down first
)

// HistoryTurn is one earlier message of the conversation, as the request
// for an answer treated it.
type HistoryTurn struct {
	MessageID string `json:"message_id"`
	Role      Role   `json:"role"`
	// Excerpt is the start of the message, enough to recognise it.
	Excerpt string `json:"excerpt"`
	// Sent is false when the turn was trimmed for the history budget.
	Sent bool `json:"sent"`
}

// SentMessage is one message of the request, as sent.
type SentMessage struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
}

// excerptRunes is how much of an earlier turn the panel names it by.
const excerptRunes = 80

func excerpt(s string) string {
	n := 0
	for i := range s {
		if n == excerptRunes {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// endingOf names how an answer ended; a cap on length is told apart from
// other stops, since the person may want to ask for the rest.
func endingOf(end ending) Ending {
	switch end.state {
	case StateDone:
		return EndDone
	case StateError:
		return EndError
	case StateInterrupted:
		return EndInterrupted
	}
	if errors.Is(end.cause, errTooManyTokens) || errors.Is(end.cause, errModelLength) {
		return EndLength
	}
	return EndStopped
}

// recordedMS is d in milliseconds for a record in which 0 says it never
// came: when it came, it is at least 1.
func recordedMS(d time.Duration, came bool) int64 {
	if !came {
		return 0
	}
	return max(d.Milliseconds(), 1)
}

// answerMeta records how the answer in content was made. It runs once per
// answer, after the stream.
func (s *Service) answerMeta(req Request, history []HistoryTurn, run streamRun, end ending, content string) *AnswerMeta {
	info := s.provider.Describe()
	in, out, estimated := spentTokens(req, content[min(run.base, len(content)):], run.usage)
	m := &AnswerMeta{
		Provider: info.Name, Model: info.Model,
		FirstTokenMS: recordedMS(run.firstToken, len(content) > run.base), FirstReasoningMS: run.firstThought.Milliseconds(),
		TotalMS: s.now().Sub(run.begin).Milliseconds(),
		Retries: run.retries, Ending: endingOf(end),
		PromptTokens: in, CompletionTokens: out, TokensEstimated: estimated,
		History: history,
		Sent:    make([]SentMessage, len(req.Messages)),
	}
	if s.cfg.CitedSections != nil {
		m.Cited = s.cfg.CitedSections(content)
	}
	for i, pm := range req.Messages {
		//lint:ignore S1016 a field PromptMessage gains is not for the record unless named here
		m.Sent[i] = SentMessage{Role: pm.Role, Content: pm.Content}
	}
	return m
}

// spentTokens is what an answer cost: the model's own count when it gave
// one, else an estimate. An answer that failed before any text cost
// nothing, and is not charged its prompt: a broken model server would
// otherwise spend the day's budget.
func spentTokens(req Request, content string, usage Usage) (prompt, completion int, estimated bool) {
	if usage.PromptTokens != 0 || usage.CompletionTokens != 0 || content == "" {
		return usage.PromptTokens, usage.CompletionTokens, false
	}
	for _, pm := range req.Messages {
		prompt += estimateTokens(pm.Content)
	}
	return prompt, estimateTokens(content), true
}

// continuedMeta is the record of an answer continued after a length cut:
// its first part's first tokens, the times, tokens and retries of all its
// parts added up, and the last part's request. now is the last part's.
func continuedMeta(before, now *AnswerMeta, continued bool) *AnswerMeta {
	if !continued || before == nil || now == nil {
		return now
	}
	m := *now
	if before.FirstTokenMS > 0 {
		m.FirstTokenMS = before.FirstTokenMS
	}
	if before.FirstReasoningMS > 0 {
		m.FirstReasoningMS = before.FirstReasoningMS
	}
	m.TotalMS += before.TotalMS
	m.Retries += before.Retries
	m.PromptTokens += before.PromptTokens
	m.CompletionTokens += before.CompletionTokens
	m.TokensEstimated = m.TokensEstimated || before.TokensEstimated
	m.Continued = before.Continued + 1
	return &m
}

// SentSystemPrompt returns the system prompt sent for answer answerID of
// the visitor's conversation. An answer's details load it only when asked:
// it is about 9 KB, as much again as the rest of an answer's end event.
func (s *Service) SentSystemPrompt(ctx context.Context, visitorID, conversationID, answerID string) (string, error) {
	if _, err := s.owned(ctx, visitorID, conversationID); err != nil {
		return "", err
	}
	m, err := s.store.Message(ctx, answerID)
	if err != nil {
		return "", fmt.Errorf("chat: load answer: %w", err)
	}
	if m.ConversationID == conversationID && m.Meta != nil {
		for _, sent := range m.Meta.Sent {
			if sent.Role == RoleSystem {
				return sent.Content, nil
			}
		}
	}
	return "", fmt.Errorf("chat: answer %s: no system prompt sent: %w", answerID, ErrNotFound)
}
