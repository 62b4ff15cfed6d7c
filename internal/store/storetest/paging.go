package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// testLatestMessages: a long conversation is shown from its end, a page at
// a time, earlier pages on demand, each page with the hidden versions of
// its answers (the page offers to switch to them) and whether more come
// before it.
func testLatestMessages(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	mustCreate(t, s, conversation("other", "v1", at(0)))
	// Ten turns; the answer to q2 has an earlier, hidden version.
	var shown []string
	for i := range 10 {
		q, a := fmt.Sprintf("q%d", i), fmt.Sprintf("a%d", i)
		when := at(time.Duration(i) * time.Second)
		if i == 2 {
			old := placeholder("a2-old", "c1", q, when)
			old.State, old.Hidden = chat.StateError, true
			mustAdd(t, s, question(q, "c1", "question", when), old, placeholder(a, "c1", q, when))
		} else {
			mustAdd(t, s, question(q, "c1", "question", when), placeholder(a, "c1", q, when))
		}
		shown = append(shown, q, a)
	}
	mustAdd(t, s, question("elsewhere", "other", "not in c1", at(time.Hour)))

	tests := []struct {
		name     string
		before   string
		limit    int
		want     []string // every message returned, in order
		wantMore bool
	}{
		{"the latest", "", 4, shown[16:], true},
		{"the page before", "q8", 4, shown[12:16], true},
		{"a page with a hidden version", "q3", 4, []string{"q1", "a1", "q2", "a2-old", "a2"}, true},
		{"the first page", "q1", 4, shown[:2], false},
		{"all of it", "", 100, slices.Insert(slices.Clone(shown), 5, "a2-old"), false},
		{"before the first", "q0", 4, nil, false},
	}
	for _, tt := range tests {
		got, more, err := s.LatestMessages(ctx, "c1", tt.before, tt.limit)
		if err != nil {
			t.Errorf("%s: LatestMessages(before %q, %d): %v", tt.name, tt.before, tt.limit, err)
			continue
		}
		if !slices.Equal(ids(got), tt.want) || more != tt.wantMore {
			t.Errorf("%s: LatestMessages(before %q, %d) = %q, more %v; want %q, more %v",
				tt.name, tt.before, tt.limit, ids(got), more, tt.want, tt.wantMore)
		}
	}
	all := mustMessages(t, s, "c1")
	got, _, _ := s.LatestMessages(ctx, "c1", "", 100)
	for i := range got {
		checkMessage(t, got[i], all[i])
	}

	for _, tt := range []struct{ name, conversation, before string }{
		{"unknown conversation", "nope", ""},
		{"unknown message", "c1", "nope"},
		{"a message of another conversation", "c1", "elsewhere"},
	} {
		if _, _, err := s.LatestMessages(ctx, tt.conversation, tt.before, 4); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("%s: LatestMessages(%q, before %q) = %v, want an error wrapping ErrNotFound", tt.name, tt.conversation, tt.before, err)
		}
	}
	mustCreate(t, s, conversation("empty", "v1", at(0)))
	if got, more, err := s.LatestMessages(ctx, "empty", "", 4); err != nil || len(got) != 0 || more {
		t.Errorf("LatestMessages of a conversation with none = %v, %v, %v; want none", got, more, err)
	}
}
