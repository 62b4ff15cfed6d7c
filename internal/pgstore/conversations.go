package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// CreateConversation inserts c as given (the caller chooses its ID and
// times) and then msgs as AddMessages does, in one transaction.
func (s *Store) CreateConversation(ctx context.Context, c chat.Conversation, msgs ...chat.Message) (err error) {
	defer s.noteWrite(&err)
	fit, err := record.EncodeFit(c.FitAnswers)
	if err != nil {
		return fmt.Errorf("pgstore: create conversation: %w", err)
	}
	const insert = `
		INSERT INTO conversations (id, visitor_id, title, created_at, updated_at, fit_answers, search)
		VALUES ($1, $2, $3, $4, $5, $6, array_to_tsvector($7::text[]))`
	args := []any{c.ID, c.VisitorID, c.Title, record.Millis(c.CreatedAt), record.Millis(c.UpdatedAt), fit, searchWords(c.Title)}
	if len(msgs) == 0 {
		_, err = s.pool.Exec(ctx, insert, args...)
	} else {
		b, touched, berr := messagesBatch(msgs)
		if berr != nil {
			return fmt.Errorf("pgstore: create conversation: %w", berr)
		}
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, insert, args...); err != nil {
				return err
			}
			return runBatch(ctx, tx, b, touched)
		})
	}
	if err != nil {
		return fmt.Errorf("pgstore: create conversation: %w", err)
	}
	return nil
}

const conversationColumns = `id, visitor_id, title, created_at, updated_at, fit_answers`

// Conversation returns the conversation with the given id, or an error
// wrapping chat.ErrNotFound.
func (s *Store) Conversation(ctx context.Context, id string) (chat.Conversation, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1`, id)
	c, err := record.ScanConversation(row)
	if notFound(err) {
		return chat.Conversation{}, fmt.Errorf("pgstore: conversation %q: %w", id, chat.ErrNotFound)
	}
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("pgstore: get conversation: %w", err)
	}
	return c, nil
}

// ConversationsByVisitor returns up to limit of the visitor's conversations,
// the most recently updated first, the later created first on a tie.
func (s *Store) ConversationsByVisitor(ctx context.Context, visitorID string, limit int) ([]chat.Conversation, error) {
	if limit < 1 {
		return nil, fmt.Errorf("pgstore: conversations by visitor: limit %d must be positive", limit)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+conversationColumns+` FROM conversations
		WHERE visitor_id = $1
		ORDER BY updated_at DESC, seq DESC
		LIMIT $2`, visitorID, limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: conversations by visitor: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Conversation, error) { return record.ScanConversation(r) })
	if err != nil {
		return nil, fmt.Errorf("pgstore: conversations by visitor: %w", err)
	}
	return cs, nil
}

// CountConversationsByVisitor is how many conversations the visitor has
// (storetest.ConversationCounter); the visitor index answers it.
func (s *Store) CountConversationsByVisitor(ctx context.Context, visitorID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM conversations WHERE visitor_id = $1`, visitorID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pgstore: count conversations: %w", err)
	}
	return n, nil
}

// RenameConversation sets the conversation's title and touches its
// UpdatedAt, so a renamed conversation rises to the top of its visitor's list.
func (s *Store) RenameConversation(ctx context.Context, id, title string) (err error) {
	defer s.noteWrite(&err)
	// GREATEST: a clock that steps back must not reorder the list.
	tag, err := s.pool.Exec(ctx, `
		UPDATE conversations SET title = $1, search = array_to_tsvector($2::text[]), updated_at = GREATEST(updated_at, $3)
		WHERE id = $4`, title, searchWords(title), record.Millis(s.now()), id)
	if err != nil {
		return fmt.Errorf("pgstore: rename conversation: %w", err)
	}
	return conversationFound(tag, "rename conversation", id)
}

// DeleteConversation deletes the conversation and, through the foreign key's
// ON DELETE CASCADE, its messages and its link.
func (s *Store) DeleteConversation(ctx context.Context, id string) (err error) {
	defer s.noteWrite(&err)
	tag, err := s.pool.Exec(ctx, `DELETE FROM conversations WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("pgstore: delete conversation: %w", err)
	}
	return conversationFound(tag, "delete conversation", id)
}

// DeleteConversationsByVisitor deletes every conversation of the visitor, and
// their messages, in one statement, and reports how many conversations went.
func (s *Store) DeleteConversationsByVisitor(ctx context.Context, visitorID string) (_ int, err error) {
	defer s.noteWrite(&err)
	tag, err := s.pool.Exec(ctx, `DELETE FROM conversations WHERE visitor_id = $1`, visitorID)
	if err != nil {
		return 0, fmt.Errorf("pgstore: delete conversations by visitor: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteConversationsUntouchedSince deletes every conversation whose UpdatedAt
// is before the given time, and their messages, and reports how many went.
func (s *Store) DeleteConversationsUntouchedSince(ctx context.Context, before time.Time) (_ int, err error) {
	defer s.noteWrite(&err)
	tag, err := s.pool.Exec(ctx, `DELETE FROM conversations WHERE updated_at < $1`, record.Millis(before))
	if err != nil {
		return 0, fmt.Errorf("pgstore: delete conversations untouched since: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// conversationFound turns an UPDATE or DELETE of one conversation that
// matched no row into an error wrapping chat.ErrNotFound.
func conversationFound(tag pgconn.CommandTag, action, id string) error {
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: %s: conversation %q: %w", action, id, chat.ErrNotFound)
	}
	return nil
}
