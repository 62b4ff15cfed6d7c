package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// search runs SearchConversations and returns the ids found, in order.
func search(t *testing.T, s chat.Store, visitor, query string) []chat.SearchHit {
	t.Helper()
	hits, err := s.SearchConversations(testContext(t), visitor, query, 50)
	if err != nil {
		t.Fatalf("SearchConversations(%q, %q): %v", visitor, query, err)
	}
	return hits
}

func hitIDs(hits []chat.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Conversation.ID
	}
	return out
}

// marked is the words of m that matched, in order.
func marked(m chat.Marked) []string {
	var out []string
	for _, p := range m {
		if p.Match {
			out = append(out, strings.ToLower(p.Text))
		}
	}
	return out
}

func plain(m chat.Marked) string {
	var b strings.Builder
	for _, p := range m {
		b.WriteString(p.Text)
	}
	return b.String()
}

func finished(id, conv, q, content string, created time.Time) chat.Message {
	return chat.Message{ID: id, ConversationID: conv, Role: chat.RoleAssistant, Content: content,
		State: chat.StateDone, ReplyTo: q, CreatedAt: created, UpdatedAt: created}
}

func testSearch(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	tidy := mustCreate(t, s, chat.Conversation{ID: "tidy", VisitorID: "v1", Title: "Kubernetes plans", CreatedAt: at(0), UpdatedAt: at(0)})
	mustAdd(t, s, question("q1", "tidy", "How do ML engineers deploy models?", at(time.Minute)),
		finished("a1", "tidy", "q1", "They package the model and serve it behind an API, then monitor drift.", at(2*time.Minute)))
	mustCreate(t, s, chat.Conversation{ID: "other", VisitorID: "v1", Title: "Résumé help", CreatedAt: at(time.Second), UpdatedAt: at(time.Second)})
	mustAdd(t, s, question("q2", "other", "Which tools does a Gen AI developer use?", at(3*time.Minute)),
		finished("a2", "other", "q2", "LangChain, vector databases and a model API such as GPT.", at(4*time.Minute)))
	// Another visitor's conversation holds every word searched below.
	mustCreate(t, s, chat.Conversation{ID: "theirs", VisitorID: "v2", Title: "Kubernetes résumé", CreatedAt: at(0), UpdatedAt: at(0)})
	mustAdd(t, s, question("q3", "theirs", "deploy models API drift tools LangChain", at(time.Minute)))

	t.Run("message text, the match marked", func(t *testing.T) {
		hits := search(t, s, "v1", "drift")
		if !slices.Equal(hitIDs(hits), []string{"tidy"}) {
			t.Fatalf("found %q, want [tidy]", hitIDs(hits))
		}
		h := hits[0]
		if h.MessageID != "a1" || !slices.Equal(marked(h.Passage), []string{"drift"}) || !strings.Contains(plain(h.Passage), "monitor drift") {
			t.Errorf("hit = %+v, want the passage of a1 with drift marked", h)
		}
		if len(marked(h.Title)) != 0 {
			t.Errorf("title marked %q though it did not match", marked(h.Title))
		}
		checkConversation(t, h.Conversation, mustConversation(t, s, tidy.ID))
	})
	t.Run("titles, prefixes, every word, any case and accent", func(t *testing.T) {
		for query, want := range map[string][]string{
			"kubernetes":     {"tidy"},
			"KUBER":          {"tidy"},
			"resume":         {"other"},
			"deploy":         {"tidy"}, // "deploy" in the question
			"deploy monitor": nil,      // words from two messages: one message must hold them all
			"monitor drift":  {"tidy"},
			"model":          {"other", "tidy"},
			"langchain gpt":  {"other"},
			"kubernetes gpt": nil, // no conversation holds both
		} {
			if got := hitIDs(search(t, s, "v1", query)); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("search %q = %q, want %q", query, got, want)
			}
		}
		if got := marked(search(t, s, "v1", "kuber")[0].Title); !slices.Equal(got, []string{"kubernetes"}) {
			t.Errorf("title marked %q, want [kubernetes]", got)
		}
	})
	t.Run("never another visitor's", func(t *testing.T) {
		for _, q := range []string{"kubernetes", "résumé", "deploy", "langchain", "drift"} {
			if got := hitIDs(search(t, s, "v2", q)); slices.ContainsFunc(got, func(id string) bool { return id != "theirs" }) {
				t.Errorf("v2 searching %q found %q", q, got)
			}
			if got := hitIDs(search(t, s, "v3", q)); len(got) != 0 {
				t.Errorf("a visitor with nothing searching %q found %q", q, got)
			}
		}
	})
	t.Run("query syntax is only words", func(t *testing.T) {
		// Each finds a1, whose words these are, the rest being separators.
		for _, q := range []string{`"drift`, `drift"`, `"drift"`, `drift*`, `-drift`, `(drift`, `drift)`, `drift AND`,
			`AND drift`, `^drift`, `drift:`, `{drift}`, `drift + `, `drift's`} {
			hits, err := s.SearchConversations(ctx, "v1", q, 50)
			if err != nil || !slices.Equal(hitIDs(hits), []string{"tidy"}) {
				t.Errorf("search %q = %q, %v; want [tidy]", q, hitIDs(hits), err)
			}
		}
		// Operators are words like any other: none of these is in a message.
		for _, q := range []string{`OR drift`, `NOT drift`, `drift NEAR`, `content:drift`, `d"r"i"f"t`, `drift NEAR/2 api`} {
			hits, err := s.SearchConversations(ctx, "v1", q, 50)
			if err != nil || len(hits) != 0 {
				t.Errorf("search %q = %q, %v; want nothing", q, hitIDs(hits), err)
			}
		}
		for _, q := range []string{"", "   ", `"`, `*`, `()`, `- "" *`, `AND`} {
			hits, err := s.SearchConversations(ctx, "v1", q, 50)
			if err != nil {
				t.Errorf("search %q: %v", q, err)
			}
			if q == "AND" {
				continue // a word like any other: it finds "and" in a2
			}
			if len(hits) != 0 {
				t.Errorf("search %q found %q, want nothing", q, hitIDs(hits))
			}
		}
	})
	t.Run("limit", func(t *testing.T) {
		hits, err := s.SearchConversations(ctx, "v1", "model", 1)
		if err != nil || !slices.Equal(hitIDs(hits), []string{"other"}) {
			t.Errorf("limit 1: %q, %v", hitIDs(hits), err)
		}
		if _, err := s.SearchConversations(ctx, "v1", "model", 0); err == nil {
			t.Error("limit 0 accepted")
		}
	})
}

// testSearchFollowsWrites: the index is never behind what a visitor sees.
func testSearchFollowsWrites(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := testContext(t)
	mustCreate(t, s, conversation("c", "v1", at(0)))
	mustAdd(t, s, question("q", "c", "What is MLOps?", at(time.Second)), placeholder("a", "c", "q", at(time.Second)))
	found := func(query string) bool {
		t.Helper()
		return slices.Equal(hitIDs(search(t, s, "v1", query)), []string{"c"})
	}
	if err := s.SaveAnswer(ctx, "a", "Pipelines that retrain", chat.StateStreaming, ""); err != nil {
		t.Fatal(err)
	}
	if found("retrain") {
		t.Error("an answer still being written was found")
	}
	if err := s.SaveFinalAnswer(ctx, finished("a", "c", "q", "Pipelines that retrain and redeploy models.", at(2*time.Second))); err != nil {
		t.Fatal(err)
	}
	if !found("redeploy") || !found("retrain") {
		t.Error("the finished answer was not found")
	}

	// A new version hides the old one: only the shown version is found.
	v2 := finished("a2", "c", "q", "Continuous training and feature stores.", at(3*time.Second))
	if err := s.AddAnswerVersion(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if found("redeploy") || !found("feature") {
		t.Error("after a new version, the hidden one is found or the shown one is not")
	}
	if err := s.ShowAnswer(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if !found("redeploy") || found("feature") {
		t.Error("after showing the first version again, search does not follow")
	}

	if err := s.RenameConversation(ctx, "c", "Platform notes"); err != nil {
		t.Fatal(err)
	}
	if !found("platform") || found("title") {
		t.Error("search does not follow a rename")
	}
	if got := marked(search(t, s, "v1", "platform")[0].Title); !slices.Equal(got, []string{"platform"}) {
		t.Errorf("renamed title marked %q", got)
	}

	if err := s.DeleteConversation(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"platform", "mlops", "redeploy", "feature"} {
		if found(q) {
			t.Errorf("%q still found after the conversation was deleted", q)
		}
	}
	mustCreate(t, s, conversation("d", "v1", at(0)))
	mustAdd(t, s, question("qd", "d", "Vector databases?", at(time.Second)))
	if _, err := s.DeleteConversationsByVisitor(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	if hits := search(t, s, "v1", "vector"); len(hits) != 0 {
		t.Errorf("found %q after deleting all", hitIDs(hits))
	}
}
