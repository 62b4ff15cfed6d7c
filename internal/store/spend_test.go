package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestTokensSpentLastAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	s := openAt(t, path)
	// 23:30 in Tokyo on 2 March is 14:30 UTC the same day; 08:00 in
	// Tokyo on 2 March is 23:00 UTC on 1 March.
	tokyo := time.FixedZone("JST", 9*3600)
	day := time.Date(2026, 3, 2, 23, 30, 0, 0, tokyo)
	yesterday := time.Date(2026, 3, 2, 8, 0, 0, 0, tokyo)

	if n, err := s.TokensSpent(ctx, day); err != nil || n != 0 {
		t.Fatalf("a fresh day has %d spent (%v), want 0", n, err)
	}
	for _, tokens := range []int64{120, 30} {
		if err := s.AddTokens(ctx, day, tokens); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddTokens(ctx, yesterday, 7); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openAt(t, path)
	if n, _ := s.TokensSpent(ctx, day.UTC().Truncate(24*time.Hour)); n != 150 {
		t.Errorf("after a restart the day has %d spent, want 150", n)
	}
	if n, _ := s.TokensSpent(ctx, yesterday); n != 7 {
		t.Errorf("the UTC day before has %d spent, want 7", n)
	}
}
