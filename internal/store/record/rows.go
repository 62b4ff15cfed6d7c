package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// ScanConversation reads a row of the columns id, visitor_id, title,
// created_at, updated_at, fit_answers, then into more. A failed Scan's
// error is returned as it is, so the caller can tell its engine's "no row".
func ScanConversation(r Scanner, more ...any) (chat.Conversation, error) {
	var c chat.Conversation
	var created, updated int64
	var fit string
	dest := append([]any{&c.ID, &c.VisitorID, &c.Title, &created, &updated, &fit}, more...)
	if err := r.Scan(dest...); err != nil {
		return chat.Conversation{}, err
	}
	c.CreatedAt, c.UpdatedAt = Time(created), Time(updated)
	var err error
	if c.FitAnswers, err = DecodeFit(fit); err != nil {
		return chat.Conversation{}, fmt.Errorf("fit answers of %s: %w", c.ID, err)
	}
	return c, nil
}

// ScanMessage reads a row of the columns id, conversation_id, role,
// content, state, error, reply_to, hidden, created_at, updated_at, meta,
// reasoning, thought_ms, feedback, feedback_reason, feedback_comment,
// feedback_at, follows, off_branch, then into more. A failed Scan's error
// is returned as it is, so the caller can tell its engine's "no row".
func ScanMessage(r Scanner, more ...any) (chat.Message, error) {
	var m chat.Message
	var role, state string
	var created, updated, thought, ratedAt int64
	var meta, rating, reason, comment string
	var offBranch bool
	dest := append([]any{&m.ID, &m.ConversationID, &role, &m.Content, &state, &m.Error,
		&m.ReplyTo, &m.Hidden, &created, &updated, &meta, &m.Reasoning, &thought,
		&rating, &reason, &comment, &ratedAt, &m.Follows, &offBranch}, more...)
	if err := r.Scan(dest...); err != nil {
		return chat.Message{}, err
	}
	// A message on a branch not shown is hidden, whichever of its versions
	// was shown there: that choice is kept in the hidden column for when
	// the branch is shown again.
	m.Hidden = m.Hidden || offBranch
	var err error
	if m.Meta, err = DecodeMeta(meta); err != nil {
		return chat.Message{}, fmt.Errorf("message %q: %w", m.ID, err)
	}
	m.Role, m.State = chat.Role(role), chat.State(state)
	m.CreatedAt, m.UpdatedAt = Time(created), Time(updated)
	m.ThoughtFor = time.Duration(thought) * time.Millisecond
	m.Feedback = Feedback(rating, reason, comment, ratedAt)
	return m, nil
}

// ScanRated reads a row of RatedAnswers: an answer's message columns (as
// ScanMessage), then the id, content and created_at of the question it
// answers. The question is rebuilt from those: a question is always the
// user's, done, and never edited, so they are all it needs.
func ScanRated(r Scanner) (question, answer chat.Message, err error) {
	question = chat.Message{Role: chat.RoleUser, State: chat.StateDone}
	var asked int64
	answer, err = ScanMessage(r, &question.ID, &question.Content, &asked)
	if err != nil {
		return chat.Message{}, chat.Message{}, err
	}
	question.ConversationID, question.CreatedAt, question.UpdatedAt = answer.ConversationID, Time(asked), Time(asked)
	return question, answer, nil
}

// ScanPage reads the rows of a page of LatestMessages, each a message's
// columns (as ScanMessage) followed by its seq, and reports the seq of
// the earliest shown message among them (bound when none is shown): the
// caller asks whether shown messages come before it.
func ScanPage(rows Rows, bound int64) (ms []chat.Message, first int64, err error) {
	first = bound
	for rows.Next() {
		var seq int64
		m, err := ScanMessage(rows, &seq)
		if err != nil {
			return nil, 0, err
		}
		if !m.Hidden {
			first = min(first, seq)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return ms, first, nil
}

// NewestByConversation is, for a batch of messages, each conversation's
// newest CreatedAt, which its UpdatedAt moves to, and the conversations in
// the order first seen, so the stores touch them in a deterministic order.
func NewestByConversation(msgs []chat.Message) (newest map[string]time.Time, order []string) {
	newest = map[string]time.Time{}
	for _, m := range msgs {
		t, seen := newest[m.ConversationID]
		if !seen {
			order = append(order, m.ConversationID)
		}
		if !seen || m.CreatedAt.After(t) {
			newest[m.ConversationID] = m.CreatedAt
		}
	}
	return newest, order
}

// ShareColumns are the fit_answers and messages columns of a share's
// snapshot. A share of no messages stores an empty list, never null, so
// reading it back gives a list.
func ShareColumns(sh chat.Share) (fit, messages string, err error) {
	if fit, err = EncodeFit(sh.FitAnswers); err != nil {
		return "", "", err
	}
	msgs := sh.Messages
	if msgs == nil {
		msgs = []chat.SharedMessage{}
	}
	body, err := json.Marshal(msgs)
	if err != nil {
		return "", "", err
	}
	return fit, string(body), nil
}

// ScanShare reads a row of the columns id, conversation_id, title,
// fit_answers, messages, created_at. A failed Scan's error is returned as
// it is, so the caller can tell its engine's "no row".
func ScanShare(r Scanner) (chat.Share, error) {
	var sh chat.Share
	var fit, msgs string
	var created int64
	if err := r.Scan(&sh.ID, &sh.ConversationID, &sh.Title, &fit, &msgs, &created); err != nil {
		return chat.Share{}, err
	}
	sh.CreatedAt = Time(created)
	var err error
	if sh.FitAnswers, err = DecodeFit(fit); err != nil {
		return chat.Share{}, fmt.Errorf("%s: fit answers: %w", sh.ID, err)
	}
	if err := json.Unmarshal([]byte(msgs), &sh.Messages); err != nil {
		return chat.Share{}, fmt.Errorf("%s: messages: %w", sh.ID, err)
	}
	return sh, nil
}
