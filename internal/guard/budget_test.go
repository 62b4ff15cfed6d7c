package guard

import (
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
