package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// CreateConversation inserts c as given (the caller chooses its ID and
// times) and then msgs as AddMessages does, in one transaction.
func (s *Store) CreateConversation(ctx context.Context, c chat.Conversation, msgs ...chat.Message) (err error) {
	defer s.noteWrite(&err)
	fit, err := record.EncodeFit(c.FitAnswers)
	if err != nil {
		return fmt.Errorf("store: create conversation: %w", err)
	}
	insert, err := s.prepared(qCreateConversation)
	if err != nil {
		return fmt.Errorf("store: create conversation: %w", err)
	}
	// What AddMessages finds in the database (the conversation's latest
	// time, the question each new one follows) is, for a conversation
	// that does not exist yet, all in msgs: the write reads nothing, and
	// sets updated_at once.
	updated, thread, ok := newThread(c, msgs)
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, insert).ExecContext(ctx, c.ID, c.VisitorID, c.Title, record.Millis(c.CreatedAt), record.Millis(updated), fit)
		switch {
		case err != nil || len(msgs) == 0:
			return err
		case ok:
			return s.insertMessages(ctx, tx, false, thread...)
		default:
			return s.addMessages(ctx, tx, msgs)
		}
	})
	if err != nil {
		return fmt.Errorf("store: create conversation: %w", err)
	}
	return nil
}

// newThread returns the updated_at of new conversation c holding msgs (its
// own, or its newest message's time if later, as AddMessages would make
// it), and a copy of msgs in which each question follows the question
// before it that is shown, as AddMessages would find it; ok is false if a
// message belongs to another conversation, which only AddMessages knows.
func newThread(c chat.Conversation, msgs []chat.Message) (updated time.Time, thread []chat.Message, ok bool) {
	updated = c.UpdatedAt
	thread = make([]chat.Message, len(msgs))
	shown := ""
	for i, m := range msgs {
		if m.ConversationID != c.ID {
			return c.UpdatedAt, nil, false
		}
		if m.CreatedAt.After(updated) {
			updated = m.CreatedAt
		}
		if m.Role == chat.RoleUser {
			m.Follows = shown
			if !m.Hidden {
				shown = m.ID
			}
		}
		thread[i] = m
	}
	return updated, thread, true
}

const conversationColumns = `id, visitor_id, title, created_at, updated_at, fit_answers`

// Conversation returns the conversation with the given id, or an error
// wrapping chat.ErrNotFound.
func (s *Store) Conversation(ctx context.Context, id string) (chat.Conversation, error) {
	st, err := s.prepared(qConversation)
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("store: get conversation: %w", err)
	}
	c, err := record.ScanConversation(st.QueryRowContext(ctx, id))
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
	st, err := s.prepared(qConversationsByVisitor)
	if err != nil {
		return nil, fmt.Errorf("store: conversations by visitor: %w", err)
	}
	rows, err := st.QueryContext(ctx, visitorID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: conversations by visitor: %w", err)
	}
	defer rows.Close()
	var cs []chat.Conversation
	for rows.Next() {
		c, err := record.ScanConversation(rows)
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

// RenameConversation sets the conversation's title and touches its
// UpdatedAt, so a renamed conversation rises to the top of its visitor's list.
func (s *Store) RenameConversation(ctx context.Context, id, title string) (err error) {
	defer s.noteWrite(&err)
	// MAX, as in AddMessages: a clock that steps back must not reorder the list.
	res, err := s.exec(ctx, `
		UPDATE conversations SET title = ?, updated_at = MAX(updated_at, ?)
		WHERE id = ?`, title, record.Millis(s.now()), id)
	if err != nil {
		return fmt.Errorf("store: rename conversation: %w", err)
	}
	return conversationFound(res, "rename conversation", id)
}

// DeleteConversation deletes the conversation and, through the foreign key's
// ON DELETE CASCADE, its messages.
func (s *Store) DeleteConversation(ctx context.Context, id string) (err error) {
	defer s.noteWrite(&err)
	res, err := s.exec(ctx, `DELETE FROM conversations WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: delete conversation: %w", err)
	}
	return conversationFound(res, "delete conversation", id)
}

// DeleteConversationsByVisitor deletes every conversation of the visitor, and
// their messages, in one statement, and reports how many conversations went.
// A visitor with none is not an error.
func (s *Store) DeleteConversationsByVisitor(ctx context.Context, visitorID string) (_ int, err error) {
	defer s.noteWrite(&err)
	res, err := s.exec(ctx, `DELETE FROM conversations WHERE visitor_id = ?`, visitorID)
	if err != nil {
		return 0, fmt.Errorf("store: delete conversations by visitor: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete conversations by visitor: %w", err)
	}
	return int(n), nil
}

// DeleteConversationsUntouchedSince deletes every conversation whose UpdatedAt
// is before the given time, and their messages, in one statement, and reports
// how many conversations went. It is the retention sweep.
func (s *Store) DeleteConversationsUntouchedSince(ctx context.Context, before time.Time) (_ int, err error) {
	defer s.noteWrite(&err)
	res, err := s.exec(ctx, `DELETE FROM conversations WHERE updated_at < ?`, record.Millis(before))
	if err != nil {
		return 0, fmt.Errorf("store: delete conversations untouched since: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete conversations untouched since: %w", err)
	}
	return int(n), nil
}

// conversationFound turns an UPDATE or DELETE of one conversation that matched
// no row into an error wrapping chat.ErrNotFound.
func conversationFound(res sql.Result, action, id string) error {
	if err := found(res, nil, "conversation", id); err != nil {
		return fmt.Errorf("store: %s: %w", action, err)
	}
	return nil
}

// found turns the result of an UPDATE or DELETE of one row into an error
// wrapping chat.ErrNotFound when it matched none; err, the statement's
// own, is returned as it is.
func found(res sql.Result, err error, what, id string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", what, id, chat.ErrNotFound)
	}
	return nil
}
