package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/rolefit/rolefit/internal/chat"
)

// SaveFinalAnswer saves an ended answer's content, state, error and how it
// was made, in one UPDATE: the record of how it was made costs no write of
// its own.
func (s *Store) SaveFinalAnswer(ctx context.Context, m chat.Message) (err error) {
	defer s.noteWrite(&err)
	meta, err := encodeMeta(m.Meta)
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	update, err := s.prepared(qSaveFinalAnswer)
	if err != nil {
		return fmt.Errorf("store: save final answer: %w", err)
	}
	res, err := update.ExecContext(ctx, m.Content, string(m.State), m.Error, meta, toMillis(s.now()), m.ID)
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

// encodeMeta is the meta column's text: JSON, or empty for none.
func encodeMeta(m *chat.AnswerMeta) (string, error) {
	if m == nil {
		return "", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode answer meta: %w", err)
	}
	return string(b), nil
}

func decodeMeta(s string) (*chat.AnswerMeta, error) {
	if s == "" {
		return nil, nil
	}
	var m chat.AnswerMeta
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode answer meta: %w", err)
	}
	return &m, nil
}
