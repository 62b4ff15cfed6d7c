package store

import (
	"context"
	"fmt"
)

// CountConversationsByVisitor is how many conversations the visitor has:
// the sidebar lists only the latest of them, and the cap on conversations
// and "Clear all" need the real number. The visitor index answers it.
func (s *Store) CountConversationsByVisitor(ctx context.Context, visitorID string) (int, error) {
	st, err := s.prepared(qCountConversations)
	if err != nil {
		return 0, fmt.Errorf("store: count conversations: %w", err)
	}
	var n int
	if err := st.QueryRowContext(ctx, visitorID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count conversations: %w", err)
	}
	return n, nil
}
