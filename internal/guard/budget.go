package guard

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// DailyBudget caps the tokens the whole instance may spend per UTC day. It
// implements chat.Budget. An answer that starts under the budget is allowed
// to finish, so a day can end slightly over it; the next answer is refused
// until midnight UTC.
type DailyBudget struct {
	limit  int64
	ledger Ledger       // nil: spending is kept in memory only
	log    *slog.Logger // for a ledger that fails

	mu    sync.Mutex
	day   time.Time // midnight UTC starting the day spent belongs to
	spent int64
}

// Ledger records what is spent per UTC day, so that a restart does not
// hand out a day's budget twice. The store implements it.
type Ledger interface {
	TokensSpent(ctx context.Context, day time.Time) (int64, error)
	AddTokens(ctx context.Context, day time.Time, tokens int64) error
}

// NewDailyBudget allows tokens per UTC day, counting in memory.
func NewDailyBudget(tokens int64) *DailyBudget { return &DailyBudget{limit: tokens} }

// NewRecordedDailyBudget allows tokens per UTC day and records what is
// spent in ledger as it is spent. What the ledger holds for the day of now
// counts from the start. log hears of writes that fail; nil discards them.
func NewRecordedDailyBudget(ctx context.Context, tokens int64, ledger Ledger, now time.Time, log *slog.Logger) (*DailyBudget, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &DailyBudget{limit: tokens, ledger: ledger, log: log}
	b.roll(now)
	spent, err := ledger.TokensSpent(ctx, b.day)
	if err != nil {
		return nil, fmt.Errorf("budget: read what today has spent: %w", err)
	}
	b.spent = spent
	return b, nil
}

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

// Spend adds what an answer cost to the day of now, and records it. It is
// called once per answer, at its end, so the ledger is written that often,
// never per token. A failed write is logged: the day's count in memory
// still holds until the next restart.
func (b *DailyBudget) Spend(tokens int, now time.Time) {
	b.mu.Lock()
	b.roll(now)
	b.spent += int64(tokens)
	day := b.day
	b.mu.Unlock()
	if b.ledger == nil || tokens <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.ledger.AddTokens(ctx, day, int64(tokens)); err != nil {
		b.log.Warn("token budget: could not record spending; a restart would forget it", "tokens", tokens, "err", err)
	}
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
