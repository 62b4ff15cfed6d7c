package views

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

func TestGroupByDateUsesUTCDays(t *testing.T) {
	// 00:30 UTC: most of "yesterday" in UTC was today in New York.
	now := time.Date(2026, 12, 6, 0, 30, 0, 0, time.UTC)
	conv := func(id string, at time.Time) chat.Conversation { return chat.Conversation{ID: id, UpdatedAt: at} }
	cs := []chat.Conversation{
		conv("now", now),
		conv("midnight", time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)),
		conv("just-before", time.Date(2026, 12, 5, 23, 59, 59, 0, time.UTC)),
		conv("yesterday-start", time.Date(2026, 12, 5, 0, 0, 0, 0, time.FixedZone("CET", 3600)).Add(time.Hour)),
		conv("two-days", time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)),
		conv("seven-days", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)),
		conv("eight-days", time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)),
		conv("thirty-days", time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC)),
		conv("thirty-one", time.Date(2026, 11, 5, 23, 0, 0, 0, time.UTC)),
	}
	var got []string
	for _, g := range GroupByDate(cs, now) {
		var ids []string
		for _, c := range g.Conversations {
			ids = append(ids, c.ID)
		}
		got = append(got, g.Heading+": "+strings.Join(ids, " "))
	}
	want := []string{
		"Today: now midnight",
		"Yesterday: just-before yesterday-start",
		"Previous 7 days: two-days seven-days",
		"Previous 30 days: eight-days thirty-days",
		"Older: thirty-one",
	}
	if !slices.Equal(got, want) {
		t.Errorf("groups:\n got %q\nwant %q", got, want)
	}
	if g := GroupByDate(nil, now); len(g) != 0 {
		t.Errorf("no conversations make groups %v", g)
	}
}

func TestCleanPassageKeepsTheWordsOnly(t *testing.T) {
	got := cleanPassage(chat.Marked{
		{Text: "…use **"},
		{Text: "PyTorch", Match: true},
		{Text: "** and `mlflow`\n\nto ship [§ml-engineer-tools]. <b>x</b>"},
	})
	want := chat.Marked{{Text: "…use "}, {Text: "PyTorch", Match: true}, {Text: " and mlflow to ship. <b>x</b>"}}
	if !slices.Equal(got, want) {
		t.Errorf("cleanPassage = %+v, want %+v", got, want)
	}
}
