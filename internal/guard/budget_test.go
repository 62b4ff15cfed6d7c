package guard

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDailyBudget(t *testing.T) {
	b := NewDailyBudget(1000)
	morning := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	midnight := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if ok, _ := b.Allow(morning); !ok {
		t.Fatal("a fresh budget refuses")
	}
	b.Spend(999, morning)
	if ok, _ := b.Allow(morning); !ok {
		t.Error("refused with 1 token left")
	}
	b.Spend(50, morning) // an answer allowed at 999 may end over the budget
	ok, at := b.Allow(morning.Add(time.Hour))
	if ok || !at.Equal(midnight) {
		t.Errorf("spent 1049 of 1000: Allow = %v, %v; want refused until %v", ok, at, midnight)
	}
	if ok, _ := b.Allow(midnight.Add(-time.Nanosecond)); ok {
		t.Error("allowed just before midnight UTC")
	}
	if ok, _ := b.Allow(midnight); !ok || b.Spent(midnight) != 0 {
		t.Errorf("at midnight UTC: allowed %v, spent %d; want a new day", ok, b.Spent(midnight))
	}
	// A clock stepping back to yesterday does not bring yesterday back.
	b.Spend(10, midnight)
	if b.Spent(morning) != 10 {
		t.Errorf("after a clock step back, spent = %d, want today's 10", b.Spent(morning))
	}
	// Midnight is UTC's, whatever the zone of now.
	tokyo := time.FixedZone("JST", 9*3600)
	b2 := NewDailyBudget(1)
	late := time.Date(2026, 3, 2, 8, 0, 0, 0, tokyo) // 23:00 UTC on 1 March
	b2.Spend(1, late)
	if _, at := b2.Allow(late); !at.Equal(midnight) {
		t.Errorf("retry at %v, want %v", at, midnight)
	}
}

func TestDailyBudgetIsSafeForConcurrentUse(t *testing.T) {
	b := NewDailyBudget(1 << 40)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 100 {
				b.Allow(now)
				b.Spend(3, now)
			}
		})
	}
	wg.Wait()
	if got := b.Spent(now); got != 50*100*3 {
		t.Errorf("spent = %d, want %d", got, 50*100*3)
	}
}

// memLedger is a Ledger in memory; failAdd makes its writes fail.
type memLedger struct {
	mu      sync.Mutex
	days    map[string]int64
	failAdd error
}

func (l *memLedger) TokensSpent(_ context.Context, day time.Time) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.days[day.UTC().Format(time.DateOnly)], nil
}

func (l *memLedger) AddTokens(_ context.Context, day time.Time, tokens int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failAdd != nil {
		return l.failAdd
	}
	if l.days == nil {
		l.days = map[string]int64{}
	}
	l.days[day.UTC().Format(time.DateOnly)] += tokens
	return nil
}

func TestRecordedBudgetSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	ledger := &memLedger{}
	log := slog.New(slog.DiscardHandler)
	morning := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	b, err := NewRecordedDailyBudget(ctx, 1000, ledger, morning, log)
	if err != nil {
		t.Fatal(err)
	}
	b.Spend(600, morning)
	b.Spend(450, morning.Add(time.Hour))

	// The process restarts the same day: the budget is still spent.
	again, err := NewRecordedDailyBudget(ctx, 1000, ledger, morning.Add(2*time.Hour), log)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := again.Allow(morning.Add(2 * time.Hour)); ok || again.Spent(morning.Add(2*time.Hour)) != 1050 {
		t.Errorf("after a restart: allowed %v with %d spent, want refused with 1050", ok, again.Spent(morning.Add(2*time.Hour)))
	}
	// It restarts the next day: a fresh budget.
	tomorrow := morning.AddDate(0, 0, 1)
	next, _ := NewRecordedDailyBudget(ctx, 1000, ledger, tomorrow, log)
	if ok, _ := next.Allow(tomorrow); !ok {
		t.Error("the next day's budget is refused")
	}
}

func TestRecordedBudgetWhenTheLedgerFails(t *testing.T) {
	ctx := context.Background()
	var logs strings.Builder
	ledger := &memLedger{failAdd: errors.New("disk full")}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	b, _ := NewRecordedDailyBudget(ctx, 100, ledger, now, slog.New(slog.NewTextHandler(&logs, nil)))
	b.Spend(150, now)
	if ok, _ := b.Allow(now); ok {
		t.Error("a failed write lets the budget be spent twice in the same run")
	}
	if !strings.Contains(logs.String(), "could not record spending") || !strings.Contains(logs.String(), "disk full") {
		t.Errorf("the failed write is not logged:\n%s", logs.String())
	}
}
