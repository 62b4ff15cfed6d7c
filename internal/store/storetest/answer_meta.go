package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// testSaveFinalAnswer: the final save keeps how the answer was made with
// its text, a restart keeps it, and the saves while it streams leave it
// alone.
func testSaveFinalAnswer(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c1", "v1", at(0)))
	q := question("q1", "c1", "What do they do?", at(time.Second))
	a := placeholder("a1", "c1", "q1", at(time.Second))
	mustAdd(t, s, q, a)
	if err := s.SaveAnswer(ctx, "a1", "They ", chat.StateStreaming, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Message(ctx, "a1"); got.Meta != nil {
		t.Errorf("a streaming answer has meta %+v", got.Meta)
	}
	meta := &chat.AnswerMeta{
		Provider: "openai-compatible", Model: "gpt-4o-mini",
		FirstTokenMS: 420, TotalMS: 3100, Retries: 1, Ending: chat.EndLength,
		PromptTokens: 1234, CompletionTokens: 56, TokensEstimated: true,
		Cited:   []string{"ml-engineer-daily-work"},
		History: []chat.HistoryTurn{{MessageID: "q0", Role: chat.RoleUser, Excerpt: "Rôle idéal ?", Sent: false}},
		Sent:    []chat.SentMessage{{Role: chat.RoleSystem, Content: "You are Rolefit.\n<&>"}, {Role: chat.RoleUser, Content: "What do they do?"}},
	}
	final := a
	final.Content, final.State, final.Error, final.Meta = "They train models", chat.StateStopped, "The answer reached its length limit.", meta
	if err := s.SaveFinalAnswer(ctx, final); err != nil {
		t.Fatalf("SaveFinalAnswer: %v", err)
	}
	check := func(s chat.Store, when string) {
		t.Helper()
		got, err := s.Message(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		want := final
		want.UpdatedAt = got.UpdatedAt // the store's clock
		checkMessage(t, got, want)
		if !reflect.DeepEqual(got.Meta, meta) {
			t.Errorf("%s, meta =\n%+v\nwant\n%+v", when, got.Meta, meta)
		}
		msgs, err := s.Messages(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 || msgs[0].Meta != nil || !reflect.DeepEqual(msgs[1].Meta, meta) {
			t.Errorf("%s, Messages lost or moved the meta: %+v", when, msgs)
		}
		page, _, err := s.LatestMessages(ctx, "c1", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || !reflect.DeepEqual(page[1].Meta, meta) {
			t.Errorf("%s, LatestMessages lost the meta: %+v", when, page)
		}
	}
	check(s, "after the save")

	for _, id := range []string{"nope", "q1"} {
		other := final
		other.ID = id
		if err := s.SaveFinalAnswer(ctx, other); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("SaveFinalAnswer of %q = %v, want ErrNotFound (no such answer)", id, err)
		}
	}
	if h.Reopen != nil {
		// A new process has not seen the system prompt, which is stored
		// apart from the meta: it reads it from the database.
		record.ForgetPrompts()
		check(h.Reopen(t, s), "after a restart")
	}
}
