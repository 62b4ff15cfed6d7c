package guard

import (
	"sync"
	"time"
)

// DailyBudget caps the tokens the whole instance may spend per UTC day. It
// implements chat.Budget. An answer that starts under the budget is allowed
// to finish, so a day can end slightly over it; the next answer is refused
// until midnight UTC.
type DailyBudget struct {
	limit int64

	mu    sync.Mutex
	day   time.Time // midnight UTC starting the day spent belongs to
	spent int64
}

// NewDailyBudget allows tokens per UTC day.
func NewDailyBudget(tokens int64) *DailyBudget { return &DailyBudget{limit: tokens} }

// Allow reports whether an answer may start at now; if not, it returns the
// next midnight UTC, when the budget is renewed.
func (b *DailyBudget) Allow(now time.Time) (bool, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(now)
	if b.spent < b.limit {
		return true, time.Time{}
	}
	return false, b.day.AddDate(0, 0, 1)
}

// Spend adds what an answer cost to the day of now.
func (b *DailyBudget) Spend(tokens int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(now)
	b.spent += int64(tokens)
}

// Spent returns what has been spent on the day of now.
func (b *DailyBudget) Spent(now time.Time) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(now)
	return b.spent
}

// roll starts a new day when now is past the current one. A clock that
// steps back keeps the later day: the budget never refills twice.
func (b *DailyBudget) roll(now time.Time) {
	u := now.UTC()
	day := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	if day.After(b.day) {
		b.day, b.spent = day, 0
	}
}
