package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// LatestMessages returns the last limit shown messages before the message
// before (of all, when before is ""), oldest first, with the hidden
// versions of the answers and questions among them, and whether shown messages come
// before them. A page of a 2,000-turn conversation costs what a page of a
// short one does: messages_conversation_seq serves both queries.
func (s *Store) LatestMessages(ctx context.Context, conversationID, before string, limit int) ([]chat.Message, bool, error) {
	limit = max(limit, 1)
	bound := int64(math.MaxInt64)
	if before != "" {
		err := s.db.QueryRowContext(ctx, `SELECT seq FROM messages WHERE id = ? AND conversation_id = ?`,
			before, conversationID).Scan(&bound)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, fmt.Errorf("store: latest messages: message %q of conversation %q: %w", before, conversationID, chat.ErrNotFound)
		}
		if err != nil {
			return nil, false, fmt.Errorf("store: latest messages: %w", err)
		}
	}
	page, err := s.prepared(qLatestPage)
	if err != nil {
		return nil, false, fmt.Errorf("store: latest messages: %w", err)
	}
	rows, err := page.QueryContext(ctx, conversationID, bound, limit)
	if err != nil {
		return nil, false, fmt.Errorf("store: latest messages: %w", err)
	}
	defer rows.Close()
	ms, first, err := record.ScanPage(rows, bound)
	rows.Close()
	if err == nil {
		err = s.resolvePrompts(ctx, ms)
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: latest messages: %w", err)
	}
	if len(ms) == 0 {
		if _, err := s.Conversation(ctx, conversationID); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	}
	var more bool
	earlier, err := s.prepared(qShownBefore)
	if err == nil {
		err = earlier.QueryRowContext(ctx, conversationID, first).Scan(&more)
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: latest messages: %w", err)
	}
	return ms, more, nil
}
