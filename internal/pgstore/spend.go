package pgstore

import (
	"context"
	"fmt"
	"time"
)

// dayOf is the UTC day of t, as token_spend keys it.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// TokensSpent returns the tokens recorded for the UTC day of day, by every
// replica.
func (s *Store) TokensSpent(ctx context.Context, day time.Time) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce((SELECT tokens FROM token_spend WHERE day = $1), 0)`, dayOf(day)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pgstore: read tokens spent: %w", err)
	}
	return n, nil
}

// AddTokens adds tokens to the UTC day of day, in one upsert that adds to
// what is there: replicas spending at once never overwrite each other.
func (s *Store) AddTokens(ctx context.Context, day time.Time, tokens int64) (err error) {
	defer s.noteWrite(&err)
	_, err = s.pool.Exec(ctx, `
		INSERT INTO token_spend (day, tokens) VALUES ($1, $2)
		ON CONFLICT (day) DO UPDATE SET tokens = token_spend.tokens + excluded.tokens`, dayOf(day), tokens)
	if err != nil {
		return fmt.Errorf("pgstore: record tokens spent: %w", err)
	}
	return nil
}
