package chat

// bytesPerToken is the usual rough size of a token in English text. Exact
// counts depend on the model's tokenizer, which a provider-neutral service
// cannot know; the estimate only has to keep requests safely in budget.
const bytesPerToken = 4

// estimateTokens approximates a message's cost, counting a few tokens of
// per-message overhead as the chat formats do.
func estimateTokens(s string) int { return len(s)/bytesPerToken + 4 }

// request builds what is sent to the model: the system prompt, then as much
// of the history as fits the budget, newest kept first, ending with the
// question (the last message of history). Older turns are dropped rather
// than the request refused, so a long conversation never fails for length.
// It also says which earlier turns were sent and which trimmed, for the
// record of how the answer was made.
func (s *Service) request(history []Message) (Request, []HistoryTurn) {
	turns := make([]Message, 0, len(history))
	for _, m := range history {
		// Versions of an answer that are not shown were not part of the
		// conversation the person sees; an empty answer (failed before any
		// text) says nothing.
		if m.Hidden || (m.Role == RoleAssistant && m.Content == "") {
			continue
		}
		turns = append(turns, m)
	}
	budget := s.cfg.HistoryTokens
	first := len(turns)
	for first > 0 {
		cost := estimateTokens(turns[first-1].Content)
		if cost > budget && first < len(turns) {
			break // always keep the question itself
		}
		budget -= cost
		first--
	}
	// Trimming can leave an answer whose question was dropped at the front;
	// some chat templates (Mistral's, Gemma's) refuse a history that does
	// not start with the user, so start with a question.
	for first < len(turns)-1 && turns[first].Role != RoleUser {
		first++
	}
	msgs := make([]PromptMessage, 0, len(turns)-first+1)
	msgs = append(msgs, PromptMessage{Role: RoleSystem, Content: s.system})
	for _, m := range turns[first:] {
		msgs = append(msgs, PromptMessage{Role: m.Role, Content: m.Content})
	}
	var record []HistoryTurn
	for i, m := range turns {
		if i == len(turns)-1 {
			break // the question is no earlier turn
		}
		record = append(record, HistoryTurn{MessageID: m.ID, Role: m.Role, Excerpt: excerpt(m.Content), Sent: i >= first})
	}
	return Request{Messages: msgs, MaxTokens: s.cfg.MaxAnswerTokens}, record
}
