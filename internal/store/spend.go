package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// dayKey names the UTC day of t, as token_spend stores it.
func dayKey(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// TokensSpent returns the tokens recorded for the UTC day of day.
func (s *Store) TokensSpent(ctx context.Context, day time.Time) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT tokens FROM token_spend WHERE day = ?`, dayKey(day)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: read tokens spent: %w", err)
	}
	return n, nil
}

// AddTokens adds tokens to the UTC day of day.
func (s *Store) AddTokens(ctx context.Context, day time.Time, tokens int64) (err error) {
	defer s.noteWrite(&err)
	_, err = s.exec(ctx, `
		INSERT INTO token_spend (day, tokens) VALUES (?, ?)
		ON CONFLICT (day) DO UPDATE SET tokens = tokens + excluded.tokens`, dayKey(day), tokens)
	if err != nil {
		return fmt.Errorf("store: record tokens spent: %w", err)
	}
	return nil
}
