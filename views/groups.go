package views

import (
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// DateGroup is a run of the conversation list updated in one period.
type DateGroup struct {
	Heading       string
	Conversations []chat.Conversation
}

// GroupByDate splits a list ordered newest first into Today, Yesterday,
// Previous 7 days, Previous 30 days and Older, leaving out empty groups.
// The server does not know the visitor's time zone, so days are UTC days:
// near midnight, a conversation can sit a group away from where the
// visitor's own calendar would put it.
func GroupByDate(cs []chat.Conversation, now time.Time) []DateGroup {
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	bounds := []struct {
		heading string
		from    time.Time // the group holds what was updated at or after this
	}{
		{"Today", today},
		{"Yesterday", today.AddDate(0, 0, -1)},
		{"Previous 7 days", today.AddDate(0, 0, -7)},
		{"Previous 30 days", today.AddDate(0, 0, -30)},
		{"Older", time.Time{}},
	}
	var groups []DateGroup
	for _, c := range cs {
		i := 0
		for i < len(bounds)-1 && c.UpdatedAt.Before(bounds[i].from) {
			i++
		}
		if len(groups) == 0 || groups[len(groups)-1].Heading != bounds[i].heading {
			groups = append(groups, DateGroup{Heading: bounds[i].heading})
		}
		groups[len(groups)-1].Conversations = append(groups[len(groups)-1].Conversations, c)
	}
	return groups
}

// pageNow is when the page is drawn.
func pageNow(p Page) time.Time {
	if p.Now.IsZero() {
		return time.Now()
	}
	return p.Now
}
