package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// A database written by the release before question versions must open
// with its conversations shown exactly as before (every question follows
// the one before it, answer versions as they were), and then branch.
func TestOpenUpgradesToBranches(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	ms := mustLoadMigrations(t)
	before := slices.IndexFunc(ms, func(m record.Migration) bool { return m.Name[4:] == "_branches.sql" })
	if before < 0 {
		t.Fatal("no branches migration")
	}
	db := createAtVersion(t, path, before)
	if _, err := db.ExecContext(ctx, `INSERT INTO conversations (id, visitor_id, title, created_at, updated_at)
		VALUES ('c1', 'v1', 'Old', 0, 0), ('c2', 'v1', 'Other', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	// seq interleaves the two conversations; a1 has a hidden version.
	rows := []struct{ id, conv, role, replyTo string }{
		{"q1", "c1", "user", ""},
		{"x1", "c2", "user", ""},
		{"a1-old", "c1", "assistant", "q1"},
		{"a1", "c1", "assistant", "q1"},
		{"q2", "c1", "user", ""},
		{"x2", "c2", "user", ""},
		{"a2", "c1", "assistant", "q2"},
	}
	for i, r := range rows {
		if _, err := db.ExecContext(ctx, `INSERT INTO messages
			(id, conversation_id, role, content, state, reply_to, hidden, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'done', ?, ?, ?, ?)`, r.id, r.conv, r.role, "text of "+r.id, r.replyTo,
			r.id == "a1-old", i, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	assertSchemaVersion(t, s, len(ms))
	shownOf := func(conv string) []string {
		t.Helper()
		msgs, err := s.Messages(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			if m.Hidden {
				out = append(out, "("+m.ID+")")
			} else {
				out = append(out, m.ID)
			}
		}
		return out
	}
	if got, want := shownOf("c1"), []string{"q1", "(a1-old)", "a1", "q2", "a2"}; !slices.Equal(got, want) {
		t.Errorf("c1 after the upgrade = %q, want %q", got, want)
	}
	follows := map[string]string{"q1": "", "q2": "q1", "x1": "", "x2": "x1"}
	for id, want := range follows {
		m, err := s.Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Follows != want {
			t.Errorf("%s follows %q, want %q", id, m.Follows, want)
		}
	}
	page, more, err := s.LatestMessages(ctx, "c1", "", 50)
	if err != nil || more || len(page) != 5 {
		t.Errorf("LatestMessages after the upgrade: %d messages, more %v, err %v; want all 5", len(page), more, err)
	}

	// The old conversation branches like a new one: q1 edited, and back.
	now := time.UnixMilli(100)
	q := chat.Message{ID: "p1", ConversationID: "c1", Role: chat.RoleUser, Content: "edited", State: chat.StateDone, CreatedAt: now, UpdatedAt: now}
	a := chat.Message{ID: "b1", ConversationID: "c1", Role: chat.RoleAssistant, State: chat.StateDone, ReplyTo: "p1", CreatedAt: now, UpdatedAt: now}
	if err := s.AddQuestionVersion(ctx, "q1", q, a); err != nil {
		t.Fatal(err)
	}
	if got, want := shownOf("c1"), []string{"(q1)", "(a1-old)", "(a1)", "(q2)", "(a2)", "p1", "b1"}; !slices.Equal(got, want) {
		t.Errorf("c1 after editing q1 = %q, want %q", got, want)
	}
	if err := s.ShowQuestion(ctx, "q1"); err != nil {
		t.Fatal(err)
	}
	if got, want := shownOf("c1"), []string{"q1", "(a1-old)", "a1", "q2", "a2", "(p1)", "(b1)"}; !slices.Equal(got, want) {
		t.Errorf("c1 back on q1 = %q, want %q", got, want)
	}
	if got, want := shownOf("c2"), []string{"x1", "x2"}; !slices.Equal(got, want) {
		t.Errorf("c2 = %q, want %q: branching c1 touched it", got, want)
	}
}

// The walk down the shown branch and the switch between versions use the
// index the migration adds, and a question asked finds the question it
// follows by walking back from the conversation's end: none scans every
// message.
func TestBranchQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	for _, tt := range []struct{ query, index string }{
		{`UPDATE messages SET hidden = (id <> 'x') WHERE conversation_id = 'c' AND follows = 'q' AND role = 'user'`, "messages_conversation_follows"},
		{`SELECT id FROM messages WHERE conversation_id = 'c' AND follows = 'q' AND role = 'user' AND hidden = 0`, "messages_conversation_follows"},
		{`SELECT id FROM messages WHERE conversation_id = 'c' AND role = 'user' AND hidden = 0 AND off_branch = 0
			ORDER BY seq DESC LIMIT 1`, "messages_conversation_seq"},
	} {
		rows, err := s.db.Query("EXPLAIN QUERY PLAN " + tt.query)
		if err != nil {
			t.Fatal(err)
		}
		var plan string
		for rows.Next() {
			var id, parent, notUsed int
			var detail string
			if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
				t.Fatal(err)
			}
			plan += detail + "\n"
		}
		rows.Close()
		if !strings.Contains(plan, "INDEX "+tt.index+" ") {
			t.Errorf("%s\ndoes not use %s:\n%s", tt.query, tt.index, plan)
		}
	}
}
