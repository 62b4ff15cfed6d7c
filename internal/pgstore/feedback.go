package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rolefit/rolefit/internal/chat"
)

// SetFeedback sets (or, with nil, clears) how the person rated assistant
// message id, in one UPDATE. It leaves updated_at alone: a rating is not
// a change to the answer, and must not reorder the sidebar.
func (s *Store) SetFeedback(ctx context.Context, id string, f *chat.Feedback) (err error) {
	defer s.noteWrite(&err)
	rating, reason, comment, at := feedbackColumns(f)
	tag, err := s.pool.Exec(ctx, `
		UPDATE messages SET feedback = $1, feedback_reason = $2, feedback_comment = $3, feedback_at = $4
		WHERE id = $5 AND role = 'assistant'`,
		rating, reason, comment, at, id)
	if err != nil {
		return fmt.Errorf("pgstore: set feedback: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: assistant message %q: %w", id, chat.ErrNotFound)
	}
	return nil
}

func feedbackColumns(f *chat.Feedback) (rating, reason, comment string, at int64) {
	if f == nil {
		return "", "", "", 0
	}
	return string(f.Rating), string(f.Reason), f.Comment, toMillis(f.At)
}

func feedbackFrom(rating, reason, comment string, at int64) *chat.Feedback {
	if rating == "" {
		return nil
	}
	return &chat.Feedback{Rating: chat.Rating(rating), Reason: chat.Reason(reason), Comment: comment, At: fromMillis(at)}
}

// RatedAnswers calls fn with every rated answer of the whole instance and
// the question it answers, oldest rating first, reading row by row so an
// export of many answers holds one in memory at a time. A database no
// Rolefit has started on has none; one an older Rolefit migrated is
// refused until this one has started on it once.
func (s *Store) RatedAnswers(ctx context.Context, fn func(question, answer chat.Message) error) error {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("pgstore: rated answers: read schema version: %w", err)
	}
	if !exists {
		return nil
	}
	version, err := schemaVersion(ctx, s.pool)
	if err != nil {
		return fmt.Errorf("pgstore: rated answers: read schema version: %w", err)
	}
	if ms, err := loadMigrations(); err != nil {
		return fmt.Errorf("pgstore: rated answers: %w", err)
	} else if version < len(ms) {
		return fmt.Errorf("pgstore: rated answers: the database is at schema version %d, older than this Rolefit's %d: "+
			"start this Rolefit on it once to upgrade it, then export", version, len(ms))
	}
	a := "a." + strings.ReplaceAll(messageColumns, ", ", ", a.")
	rows, err := s.pool.Query(ctx, `
		SELECT `+a+`, q.id, q.content, q.created_at FROM messages AS a
		JOIN messages AS q ON q.id = a.reply_to
		WHERE a.feedback <> ''
		ORDER BY a.feedback_at, a.id`)
	if err != nil {
		return fmt.Errorf("pgstore: rated answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		question := chat.Message{Role: chat.RoleUser, State: chat.StateDone}
		var asked int64
		answer, err := scanMessage(rows, &question.ID, &question.Content, &asked)
		if err != nil {
			return fmt.Errorf("pgstore: rated answers: %w", err)
		}
		question.ConversationID, question.CreatedAt, question.UpdatedAt = answer.ConversationID, fromMillis(asked), fromMillis(asked)
		if err := fn(question, answer); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgstore: rated answers: %w", err)
	}
	return nil
}

// encodeMeta is the meta column's text: JSON, or empty for none.
func encodeMeta(m *chat.AnswerMeta) (string, error) {
	if m == nil {
		return "", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode answer meta: %w", err)
	}
	return string(b), nil
}

func decodeMeta(s string) (*chat.AnswerMeta, error) {
	if s == "" {
		return nil, nil
	}
	var m chat.AnswerMeta
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode answer meta: %w", err)
	}
	return &m, nil
}
