package pgstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// SetFeedback sets (or, with nil, clears) how the person rated assistant
// message id, in one UPDATE. It leaves updated_at alone: a rating is not
// a change to the answer, and must not reorder the sidebar.
func (s *Store) SetFeedback(ctx context.Context, id string, f *chat.Feedback) (err error) {
	defer s.noteWrite(&err)
	rating, reason, comment, at := record.FeedbackColumns(f)
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
	ms, err := loadMigrations()
	if err == nil {
		err = record.CheckCurrent(version, len(ms))
	}
	if err != nil {
		return fmt.Errorf("pgstore: rated answers: %w", err)
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
		question, answer, err := record.ScanRated(rows)
		if err == nil {
			err = s.resolvePrompts(ctx, []chat.Message{answer})
		}
		if err != nil {
			return fmt.Errorf("pgstore: rated answers: %w", err)
		}
		if err := fn(question, answer); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgstore: rated answers: %w", err)
	}
	return nil
}
