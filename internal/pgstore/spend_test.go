package pgstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
)

func conv(id, visitor string, created time.Time) chat.Conversation {
	return chat.Conversation{ID: id, VisitorID: visitor, Title: "title " + id, CreatedAt: created, UpdatedAt: created}
}

// Two replicas spending at once: the day's total is every token both
// spent, and each reads it, so the budget is one budget.
func TestTokensSharedByReplicas(t *testing.T) {
	url := engines.Postgres(t)
	a, b := open(t, url), open(t, url)
	ctx := testCtx(t)
	tokyo := time.FixedZone("JST", 9*3600)
	day := time.Date(2026, 3, 2, 23, 30, 0, 0, tokyo)     // 14:30 UTC, 2 March
	yesterday := time.Date(2026, 3, 2, 8, 0, 0, 0, tokyo) // 23:00 UTC, 1 March

	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for range each {
		wg.Go(func() { errs <- a.AddTokens(ctx, day, 3) })
		wg.Go(func() { errs <- b.AddTokens(ctx, day, 5) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := a.AddTokens(ctx, yesterday, 7); err != nil {
		t.Fatal(err)
	}
	want := int64(each * (3 + 5))
	if n, err := a.TokensSpent(ctx, day.UTC().Truncate(24*time.Hour)); err != nil || n != want {
		t.Errorf("replica a reads %d (%v), want %d", n, err, want)
	}
	if n, err := b.TokensSpent(ctx, day); err != nil || n != want {
		t.Errorf("replica b reads %d (%v), want %d", n, err, want)
	}
	if n, _ := b.TokensSpent(ctx, yesterday); n != 7 {
		t.Errorf("the UTC day before has %d, want 7", n)
	}
	if n, err := b.TokensSpent(ctx, day.AddDate(0, 0, 1)); err != nil || n != 0 {
		t.Errorf("a day with nothing spent reads %d (%v), want 0", n, err)
	}
}
