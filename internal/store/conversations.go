package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rolefit/rolefit/internal/chat"
)

// CreateConversation inserts c as given; the caller chooses its ID and times.
func (s *Store) CreateConversation(ctx context.Context, c chat.Conversation) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO conversations (id, visitor_id, title, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.VisitorID, c.Title, toMillis(c.CreatedAt), toMillis(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: create conversation: %w", err)
	}
	return nil
}

const conversationColumns = `id, visitor_id, title, created_at, updated_at`

// Conversation returns the conversation with the given id, or an error
// wrapping chat.ErrNotFound.
func (s *Store) Conversation(ctx context.Context, id string) (chat.Conversation, error) {
	row := s.db.QueryRowContext(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id)
	c, err := scanConversation(row)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Conversation{}, fmt.Errorf("store: conversation %q: %w", id, chat.ErrNotFound)
	}
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("store: get conversation: %w", err)
	}
	return c, nil
}

// ConversationsByVisitor returns up to limit of the visitor's conversations,
// the most recently updated first.
func (s *Store) ConversationsByVisitor(ctx context.Context, visitorID string, limit int) ([]chat.Conversation, error) {
	if limit < 1 {
		return nil, fmt.Errorf("store: conversations by visitor: limit %d must be positive", limit)
	}
	// rowid breaks ties in updated_at so the order is stable: later-created first.
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+conversationColumns+` FROM conversations
		WHERE visitor_id = ?
		ORDER BY updated_at DESC, rowid DESC
		LIMIT ?`, visitorID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: conversations by visitor: %w", err)
	}
	defer rows.Close()
	var cs []chat.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: conversations by visitor: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: conversations by visitor: %w", err)
	}
	return cs, nil
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

func scanConversation(r scanner) (chat.Conversation, error) {
	var c chat.Conversation
	var created, updated int64
	if err := r.Scan(&c.ID, &c.VisitorID, &c.Title, &created, &updated); err != nil {
		return chat.Conversation{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
	return c, nil
}
