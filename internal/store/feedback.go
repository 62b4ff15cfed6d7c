package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// SetFeedback sets (or, with nil, clears) how the person rated assistant
// message id, in one UPDATE. It leaves updated_at alone: a rating is not
// a change to the answer, and must not reorder the sidebar.
func (s *Store) SetFeedback(ctx context.Context, id string, f *chat.Feedback) (err error) {
	defer s.noteWrite(&err)
	rating, reason, comment, at := record.FeedbackColumns(f)
	res, err := s.exec(ctx, `
		UPDATE messages SET feedback = ?, feedback_reason = ?, feedback_comment = ?, feedback_at = ?
		WHERE id = ? AND role = 'assistant'`,
		rating, reason, comment, at, id)
	if err := found(res, err, "assistant message", id); err != nil {
		return fmt.Errorf("store: set feedback: %w", err)
	}
	return nil
}

// feedbackVersion is the schema version whose migration added feedback.
const feedbackVersion = 8

// RatedAnswers calls fn with every rated answer of the whole instance and
// the question it answers, oldest rating first, reading row by row so an
// export of many answers holds one in memory at a time. A database older
// than feedback has none.
func (s *Store) RatedAnswers(ctx context.Context, fn func(question, answer chat.Message) error) error {
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("store: rated answers: read schema version: %w", err)
	}
	if version < feedbackVersion {
		return nil
	}
	// Rated answers are read as this Rolefit reads messages, which needs
	// its schema: one start of the server upgrades the database.
	ms, err := loadMigrations()
	if err == nil {
		err = record.CheckCurrent(version, len(ms))
	}
	if err != nil {
		return fmt.Errorf("store: rated answers: %w", err)
	}
	a := "a." + strings.ReplaceAll(selectColumns, ", ", ", a.")
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+a+`, q.id, q.content, q.created_at FROM messages a
		JOIN messages q ON q.id = a.reply_to
		WHERE a.feedback <> ''
		ORDER BY a.feedback_at, a.id`)
	if err != nil {
		return fmt.Errorf("store: rated answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		question, answer, err := record.ScanRated(rows)
		if err == nil {
			err = s.resolvePrompts(ctx, []chat.Message{answer})
		}
		if err != nil {
			return fmt.Errorf("store: rated answers: %w", err)
		}
		if err := fn(question, answer); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: rated answers: %w", err)
	}
	return nil
}

// OpenExisting opens the database at path for an operator's command,
// which reads it, perhaps while Rolefit runs: it never creates a file
// (a mistyped DATA_DIR must not leave an empty database behind) and never
// migrates one (that is the server's job, at its start).
func OpenExisting(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("store: no database at %s", path)
		}
		return nil, fmt.Errorf("store: open: %w", err)
	}
	// mode=rw opens the file only if it exists, even if it vanished since
	// the check above.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=rw&"+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s := &Store{db: db, now: time.Now}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if s.w, err = newWriter(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
