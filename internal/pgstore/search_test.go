package pgstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
	"github.com/rolefit/rolefit/internal/pgstore"
)

func found(t *testing.T, s *pgstore.Store, visitor, query string) []chat.SearchHit {
	t.Helper()
	hits, err := s.SearchConversations(testCtx(t), visitor, query, 20)
	if err != nil {
		t.Fatalf("search %q: %v", query, err)
	}
	return hits
}

func matches(m chat.Marked) []string {
	var out []string
	for _, p := range m {
		if p.Match {
			out = append(out, p.Text)
		}
	}
	return out
}

// An answer cut short by a crash or a lost writer is found once it is
// marked interrupted: its text will not change any more.
func TestSearchFindsInterruptedAnswers(t *testing.T) {
	s := open(t, engines.Postgres(t))
	ctx := testCtx(t)
	now := time.Now()
	for _, c := range []string{"c1", "c2"} {
		if err := s.CreateConversation(ctx, conv(c, "v1", now)); err != nil {
			t.Fatal(err)
		}
		q := chat.Message{ID: "q-" + c, ConversationID: c, Role: chat.RoleUser, Content: "Tell me", State: chat.StateDone, CreatedAt: now, UpdatedAt: now}
		a := chat.Message{ID: "a-" + c, ConversationID: c, Role: chat.RoleAssistant, State: chat.StateStreaming, ReplyTo: q.ID, CreatedAt: now, UpdatedAt: now}
		if err := s.AddMessages(ctx, q, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveAnswersSoFar(ctx, []chat.AnswerSoFar{{ID: "a-c1", Content: "Orchestration first"}, {ID: "a-c2", Content: "Embeddings first"}}); err != nil {
		t.Fatal(err)
	}
	if hits := found(t, s, "v1", "orchestration"); len(hits) != 0 {
		t.Fatalf("an answer being written was found: %+v", hits)
	}
	if n, err := s.InterruptAnswers(ctx, []string{"a-c1"}); err != nil || n != 1 {
		t.Fatalf("InterruptAnswers = %d, %v", n, err)
	}
	if hits := found(t, s, "v1", "orchestration"); len(hits) != 1 || hits[0].MessageID != "a-c1" {
		t.Errorf("the interrupted answer: %+v, want it found", hits)
	}
	if n, err := s.InterruptStreaming(ctx); err != nil || n != 1 {
		t.Fatalf("InterruptStreaming = %d, %v; want the one left", n, err)
	}
	if hits := found(t, s, "v1", "embed"); len(hits) != 1 || hits[0].MessageID != "a-c2" {
		t.Errorf("the answer interrupted at start-up: %+v, want it found", hits)
	}
}

// A long answer's passage is a few words around the match, cut with "…",
// and words are matched by the rule the page describes: letters and
// digits, any case, any accent, whatever the punctuation around them.
func TestSearchPassage(t *testing.T) {
	s := open(t, engines.Postgres(t))
	ctx := testCtx(t)
	now := time.Now()
	if err := s.CreateConversation(ctx, conv("c", "v1", now)); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Filler words about nothing much. ", 30) +
		"Then the CAFÉ’s pipeline (e-mail: ops@example.com) ran v2.1 at https://example.com/deploy-now. " +
		strings.Repeat("More filler after it. ", 30)
	q := chat.Message{ID: "q", ConversationID: "c", Role: chat.RoleUser, Content: "Where?", State: chat.StateDone, CreatedAt: now, UpdatedAt: now}
	a := chat.Message{ID: "a", ConversationID: "c", Role: chat.RoleAssistant, Content: long, State: chat.StateDone, ReplyTo: "q", CreatedAt: now, UpdatedAt: now}
	if err := s.AddMessages(ctx, q, a); err != nil {
		t.Fatal(err)
	}
	hits := found(t, s, "v1", "cafe pipeline")
	if len(hits) != 1 {
		t.Fatalf("found %d, want 1", len(hits))
	}
	p := hits[0].Passage
	text := ""
	for _, piece := range p {
		text += piece.Text
	}
	if !strings.HasPrefix(text, "…") || !strings.HasSuffix(text, "…") || len(strings.Fields(text)) > 30 {
		t.Errorf("passage %q: want a few words, cut at both ends", text)
	}
	if got := matches(p); !slices.Equal(got, []string{"CAFÉ", "pipeline"}) {
		t.Errorf("marked %q, want [CAFÉ pipeline]", got)
	}
	for _, query := range []string{"example", "com", "deploy", "now", "ops", "mail", "v2", "1", "café’s", "s"} {
		if hits := found(t, s, "v1", query); len(hits) != 1 {
			t.Errorf("search %q found %d, want the answer", query, len(hits))
		}
	}
}

// Only the branch shown is searched: a message after an edited question's
// earlier version is not what the person sees.
func TestSearchSkipsBranchesNotShown(t *testing.T) {
	s := open(t, engines.Postgres(t))
	ctx := testCtx(t)
	now := time.Now()
	if err := s.CreateConversation(ctx, conv("c", "v1", now)); err != nil {
		t.Fatal(err)
	}
	msg := func(id, role, content, replyTo string) chat.Message {
		return chat.Message{ID: id, ConversationID: "c", Role: chat.Role(role), Content: content, State: chat.StateDone,
			ReplyTo: replyTo, CreatedAt: now, UpdatedAt: now}
	}
	if err := s.AddMessages(ctx, msg("q1", "user", "first question", ""), msg("a1", "assistant", "first answer", "q1"),
		msg("q2", "user", "zebra question", ""), msg("a2", "assistant", "zebra answer", "q2")); err != nil {
		t.Fatal(err)
	}
	if err := s.AddQuestionVersion(ctx, "q1", msg("q1b", "user", "edited question", ""), msg("a1b", "assistant", "edited answer", "q1b")); err != nil {
		t.Fatal(err)
	}
	if hits := found(t, s, "v1", "zebra"); len(hits) != 0 {
		t.Errorf("a message on a branch not shown was found: %+v", hits)
	}
	if err := s.ShowQuestion(ctx, "q1"); err != nil {
		t.Fatal(err)
	}
	if hits := found(t, s, "v1", "zebra"); len(hits) != 1 {
		t.Errorf("after showing its branch again, found %d, want 1", len(hits))
	}
}
