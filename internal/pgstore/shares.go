package pgstore

import (
	"context"
	"fmt"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// SaveShare stores the link of s.ConversationID; a conversation that has
// one keeps its id and gets the new snapshot. RETURNING gives the id in
// effect, so two owners' tabs sharing at once agree on one address.
func (s *Store) SaveShare(ctx context.Context, sh chat.Share) (_ string, err error) {
	defer s.noteWrite(&err)
	fit, body, err := record.ShareColumns(sh)
	if err != nil {
		return "", fmt.Errorf("pgstore: save share: %w", err)
	}
	var id string
	err = s.pool.QueryRow(ctx, `
		INSERT INTO shares (id, conversation_id, title, fit_answers, messages, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (conversation_id) DO UPDATE SET
			title = excluded.title, fit_answers = excluded.fit_answers,
			messages = excluded.messages, created_at = excluded.created_at
		RETURNING id`,
		sh.ID, sh.ConversationID, sh.Title, fit, body, record.Millis(sh.CreatedAt)).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("pgstore: save share: %w", err)
	}
	return id, nil
}

// Share returns the link with the given id, or an error wrapping
// chat.ErrNotFound.
func (s *Store) Share(ctx context.Context, id string) (chat.Share, error) {
	return s.shareWhere(ctx, `id`, id)
}

// ShareOf returns the link of a conversation, or an error wrapping
// chat.ErrNotFound.
func (s *Store) ShareOf(ctx context.Context, conversationID string) (chat.Share, error) {
	return s.shareWhere(ctx, `conversation_id`, conversationID)
}

// shareWhere looks a link up by one of its two unique columns (ours, never
// the caller's text).
func (s *Store) shareWhere(ctx context.Context, column, value string) (chat.Share, error) {
	row := s.pool.QueryRow(ctx, `SELECT id, conversation_id, title, fit_answers, messages, created_at FROM shares WHERE `+column+` = $1`, value)
	sh, err := record.ScanShare(row)
	if notFound(err) {
		return chat.Share{}, fmt.Errorf("pgstore: share: %w", chat.ErrNotFound)
	}
	if err != nil {
		return chat.Share{}, fmt.Errorf("pgstore: share: %w", err)
	}
	return sh, nil
}

// DeleteShare revokes a conversation's link; one without a link is not an
// error.
func (s *Store) DeleteShare(ctx context.Context, conversationID string) (err error) {
	defer s.noteWrite(&err)
	if _, err := s.pool.Exec(ctx, `DELETE FROM shares WHERE conversation_id = $1`, conversationID); err != nil {
		return fmt.Errorf("pgstore: delete share: %w", err)
	}
	return nil
}
