package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

var _ chat.ShareStore = (*Store)(nil)

// SaveShare stores the link of s.ConversationID; a conversation that has
// one keeps its id and gets the new snapshot. RETURNING gives the id in
// effect, so two owners' tabs sharing at once agree on one address.
func (s *Store) SaveShare(ctx context.Context, sh chat.Share) (_ string, err error) {
	defer s.noteWrite(&err)
	fit, body, err := record.ShareColumns(sh)
	if err != nil {
		return "", fmt.Errorf("store: save share: %w", err)
	}
	var id string
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `
			INSERT INTO shares (id, conversation_id, title, fit_answers, messages, created_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (conversation_id) DO UPDATE SET
				title = excluded.title, fit_answers = excluded.fit_answers,
				messages = excluded.messages, created_at = excluded.created_at
			RETURNING id`,
			sh.ID, sh.ConversationID, sh.Title, fit, body, record.Millis(sh.CreatedAt)).Scan(&id)
	})
	if err != nil {
		return "", fmt.Errorf("store: save share: %w", err)
	}
	return id, nil
}

const shareColumns = `id, conversation_id, title, fit_answers, messages, created_at`

// Share returns the link with the given id, or an error wrapping
// chat.ErrNotFound.
func (s *Store) Share(ctx context.Context, id string) (chat.Share, error) {
	return s.shareWhere(ctx, "id", id)
}

// ShareOf returns the link of a conversation, or an error wrapping
// chat.ErrNotFound.
func (s *Store) ShareOf(ctx context.Context, conversationID string) (chat.Share, error) {
	return s.shareWhere(ctx, "conversation_id", conversationID)
}

// shareWhere looks a link up by one of its two unique columns (ours, never
// the caller's text).
func (s *Store) shareWhere(ctx context.Context, column, value string) (chat.Share, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+shareColumns+` FROM shares WHERE `+column+` = ?`, value)
	sh, err := record.ScanShare(row)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Share{}, fmt.Errorf("store: share: %w", chat.ErrNotFound)
	}
	if err != nil {
		return chat.Share{}, fmt.Errorf("store: share: %w", err)
	}
	return sh, nil
}

// DeleteShare revokes a conversation's link; one without a link is not an
// error.
func (s *Store) DeleteShare(ctx context.Context, conversationID string) (err error) {
	defer s.noteWrite(&err)
	if _, err := s.exec(ctx, `DELETE FROM shares WHERE conversation_id = ?`, conversationID); err != nil {
		return fmt.Errorf("store: delete share: %w", err)
	}
	return nil
}
