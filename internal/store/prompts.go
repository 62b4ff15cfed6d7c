package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// storePrompts stores, in tx, those of prompts this database is not known
// to hold yet (record/prompts.go): once per prompt, in practice.
func (s *Store) storePrompts(ctx context.Context, tx *sql.Tx, prompts []record.SentPrompt) error {
	for _, p := range s.prompts.New(prompts) {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO sent_prompts (hash, text) VALUES (?, ?)
			ON CONFLICT (hash) DO NOTHING`, p.Hash, p.Text); err != nil {
			return fmt.Errorf("store the system prompt sent: %w", err)
		}
	}
	return nil
}

// resolvePrompts puts back the system prompts msgs' metas refer to,
// reading those this process has not seen from the database.
func (s *Store) resolvePrompts(ctx context.Context, msgs []chat.Message) error {
	if record.ResolvePrompts(msgs) {
		return nil
	}
	missing := record.MissingPrompts(msgs)
	args := make([]any, len(missing))
	for i, h := range missing {
		args[i] = h
	}
	rows, err := s.db.QueryContext(ctx, `SELECT hash, text FROM sent_prompts WHERE hash IN (?`+
		strings.Repeat(", ?", len(missing)-1)+`)`, args...)
	if err != nil {
		return fmt.Errorf("read the system prompts sent: %w", err)
	}
	defer rows.Close()
	var found []record.SentPrompt
	for rows.Next() {
		var p record.SentPrompt
		if err := rows.Scan(&p.Hash, &p.Text); err != nil {
			return fmt.Errorf("read the system prompts sent: %w", err)
		}
		found = append(found, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the system prompts sent: %w", err)
	}
	s.prompts.Add(found)
	if !record.ResolvePrompts(msgs) {
		return fmt.Errorf("the system prompt an answer was sent with is missing from the database")
	}
	return nil
}
