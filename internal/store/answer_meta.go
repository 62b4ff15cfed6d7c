package store

import (
	"context"
	"fmt"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// SaveFinalAnswer saves an ended answer's content, state, error and how it
// was made, in one UPDATE: the record of how it was made costs no write of
// its own.
func (s *Store) SaveFinalAnswer(ctx context.Context, m chat.Message) (err error) {
	defer s.noteWrite(&err)
	meta, err := record.EncodeMeta(m.Meta)
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	update, err := s.prepared(qSaveFinalAnswer)
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	res, err := update.ExecContext(ctx, m.Content, string(m.State), m.Error, meta, record.Millis(s.now()), m.ID)
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: assistant message %q: %w", m.ID, chat.ErrNotFound)
	}
	return nil
}
