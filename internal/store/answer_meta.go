package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// SaveFinalAnswer saves an ended answer's content, state, error and how it
// was made, in one UPDATE: the record of how it was made costs no write of
// its own.
func (s *Store) SaveFinalAnswer(ctx context.Context, m chat.Message) (err error) {
	defer s.noteWrite(&err)
	meta, prompts, err := record.EncodeMeta(m.Meta)
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	update, err := s.prepared(qSaveFinalAnswer)
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.storePrompts(ctx, tx, prompts); err != nil {
			return err
		}
		res, err := tx.StmtContext(ctx, update).ExecContext(ctx, m.Content, string(m.State), m.Error, meta, record.Millis(s.now()), m.ID)
		return found(res, err, "assistant message", m.ID)
	})
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	s.prompts.Add(prompts)
	return nil
}
