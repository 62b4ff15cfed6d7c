package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

func TestLoadMigrationsNumberedFromOne(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.Version != i+1 || strings.TrimSpace(m.SQL) == "" {
			t.Errorf("migration %d = {version %d, name %s, %d bytes of SQL}", i, m.Version, m.Name, len(m.SQL))
		}
	}
}

func TestOpenMigratesEmptyDatabase(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
	}{
		{"no file", func(t *testing.T, path string) {}},
		{"zero-byte file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"sqlite database at user_version 0", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE scratch (x); DROP TABLE scratch; PRAGMA user_version = 0"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rolefit.db")
			tt.prepare(t, path)
			s := openAt(t, path)
			assertSchemaVersion(t, s, len(mustLoadMigrations(t)))
			mustCreateConversation(t, s, "c1", "v1", at(0))
		})
	}
}

func TestOpenRefusesNewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rolefit.db")
	s := openAt(t, path)
	known := len(mustLoadMigrations(t))
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := Open(context.Background(), path)
	if err == nil {
		t.Fatal("Open of a newer database succeeded, want an error")
	}
	for _, want := range []string{"store: migrate", "schema version 99", "newer than this program knows", "(" + strconv.Itoa(known) + ")"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOpenIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rolefit.db")
	first := schemaOf(t, openAt(t, path))
	for i := range 3 {
		s := openAt(t, path)
		assertSchemaVersion(t, s, len(mustLoadMigrations(t)))
		if got := schemaOf(t, s); got != first {
			t.Errorf("reopen %d changed the schema:\n got %s\nwant %s", i, got, first)
		}
		s.Close()
	}
}

func mustLoadMigrations(t *testing.T) []record.Migration {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func assertSchemaVersion(t *testing.T, s *Store, want int) {
	t.Helper()
	var got int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("user_version = %d, want %d", got, want)
	}
}

// schemaOf is every table and index definition, to compare across opens.
func schemaOf(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.db.Query("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, def string
		if err := rows.Scan(&typ, &name, &def); err != nil {
			t.Fatal(err)
		}
		b.WriteString(typ + " " + name + ": " + def + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A database written by the release before answer versions (schema 1) must
// open with every row intact, each answer linked to its question, and only
// the answers a retry replaced hidden.
func TestOpenUpgradesSchema1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")

	db := createAtVersion(t, path, 1)
	convs := []chat.Conversation{
		{ID: "c1", VisitorID: "v1", Title: "Backend or data?", CreatedAt: at(0), UpdatedAt: at(5 * time.Minute)},
		{ID: "c2", VisitorID: "v1", Title: "Rôle idéal", CreatedAt: at(time.Second), UpdatedAt: at(6 * time.Minute)},
		{ID: "c3", VisitorID: "v2", Title: "", CreatedAt: at(2 * time.Second), UpdatedAt: at(2 * time.Second)},
	}
	for _, c := range convs {
		if _, err := db.ExecContext(ctx, `INSERT INTO conversations (id, visitor_id, title, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`, c.ID, c.VisitorID, c.Title, record.Millis(c.CreatedAt), record.Millis(c.UpdatedAt)); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(id, conv string, role chat.Role, content string, state chat.State, errMsg string, created, updated time.Duration) chat.Message {
		return chat.Message{ID: id, ConversationID: conv, Role: role, Content: content, State: state,
			Error: errMsg, CreatedAt: at(created), UpdatedAt: at(updated)}
	}
	// Inserted in this order, so seq interleaves the two conversations: the
	// backfill must not take the other conversation's question.
	old := []chat.Message{
		msg("q1", "c1", chat.RoleUser, "Backend or data?", chat.StateDone, "", time.Minute, time.Minute),
		msg("q3", "c2", chat.RoleUser, "Quel rôle ?", chat.StateDone, "", time.Minute, time.Minute),
		msg("a1", "c1", chat.RoleAssistant, "", chat.StateError, "The model is not reachable.", time.Minute, time.Minute+time.Second),
		msg("a2", "c1", chat.RoleAssistant, "Backend, because…", chat.StateDone, "", 2*time.Minute, 2*time.Minute+5*time.Second),
		msg("b1", "c2", chat.RoleAssistant, "Un rôle", chat.StateStopped, "The answer reached its length limit.", time.Minute, 2*time.Minute),
		msg("q2", "c1", chat.RoleUser, "And after that?", chat.StateDone, "", 4*time.Minute, 4*time.Minute),
		msg("b2", "c2", chat.RoleAssistant, "Un rôle qui", chat.StateInterrupted, "", 3*time.Minute, 3*time.Minute),
		msg("a3", "c1", chat.RoleAssistant, "Then staff.", chat.StateDone, "", 5*time.Minute, 5*time.Minute),
		msg("b3", "c2", chat.RoleAssistant, "", chat.StateError, "The model service is having problems right now.", 6*time.Minute, 6*time.Minute),
	}
	for _, m := range old {
		if _, err := db.ExecContext(ctx, `INSERT INTO messages
			(id, conversation_id, role, content, state, error, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.ConversationID, string(m.Role), m.Content,
			string(m.State), m.Error, record.Millis(m.CreatedAt), record.Millis(m.UpdatedAt)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// What the upgrade must add; everything else stays as written.
	upgraded := map[string]struct {
		replyTo string
		hidden  bool
	}{
		"a1": {"q1", true},  // failed, replaced by a2
		"a2": {"q1", false}, // the retry
		"a3": {"q2", false},
		"b1": {"q3", true},  // stopped, retried
		"b2": {"q3", true},  // interrupted, retried
		"b3": {"q3", false}, // the newest, though it failed: nothing replaced it
	}
	want := map[string][]chat.Message{}
	for _, m := range old {
		if u, ok := upgraded[m.ID]; ok {
			m.ReplyTo, m.Hidden = u.replyTo, u.hidden
		}
		want[m.ConversationID] = append(want[m.ConversationID], m)
	}

	check := func(t *testing.T, s *Store) {
		t.Helper()
		assertSchemaVersion(t, s, len(mustLoadMigrations(t)))
		for _, c := range convs {
			got, err := s.Conversation(ctx, c.ID)
			if err != nil {
				t.Fatalf("Conversation(%s): %v", c.ID, err)
			}
			if got.ID != c.ID || got.VisitorID != c.VisitorID || got.Title != c.Title {
				t.Errorf("conversation = %+v, want %+v", got, c)
			}
			assertTime(t, c.ID+" CreatedAt", got.CreatedAt, c.CreatedAt)
			assertTime(t, c.ID+" UpdatedAt", got.UpdatedAt, c.UpdatedAt)

			msgs, err := s.Messages(ctx, c.ID)
			if err != nil {
				t.Fatalf("Messages(%s): %v", c.ID, err)
			}
			if len(msgs) != len(want[c.ID]) {
				t.Fatalf("%s: got %d messages, want %d", c.ID, len(msgs), len(want[c.ID]))
			}
			for i := range msgs {
				assertMessage(t, msgs[i], want[c.ID][i])
			}
		}
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a schema 1 database: %v", err)
	}
	check(t, s)
	schema := schemaOf(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	check(t, s)
	if got := schemaOf(t, s); got != schema {
		t.Errorf("reopen changed the schema:\n got %s\nwant %s", got, schema)
	}

	// The upgraded database works with the new code: a new version of a3.
	mustAddMessages(t, s, answer("a4", "c1", "q2", "Then principal.", at(7*time.Minute)))
	if err := s.ShowAnswer(ctx, "a4"); err != nil {
		t.Fatalf("ShowAnswer: %v", err)
	}
	if got, err := s.Message(ctx, "a3"); err != nil || !got.Hidden {
		t.Errorf("a3 after showing a4: hidden = %v, err = %v; want hidden", got.Hidden, err)
	}
}

// The indexes the answer-versions migration adds are the ones the new
// queries use; without them ShowAnswer and the retention sweep scan tables.
func TestQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	tests := []struct {
		name  string
		query string
		index string
	}{
		{"answer versions", `UPDATE messages SET hidden = (id <> 'x')
			WHERE conversation_id = 'c' AND reply_to = 'q' AND role = 'assistant'`, "messages_conversation_reply_to"},
		{"retention sweep", `DELETE FROM conversations WHERE updated_at < 0`, "conversations_updated"},
		{"delete by visitor", `DELETE FROM conversations WHERE visitor_id = 'v'`, "conversations_visitor_updated"},
		{"feedback export", `SELECT a.id, q.content FROM messages a JOIN messages q ON q.id = a.reply_to
			WHERE a.feedback <> '' ORDER BY a.feedback_at, a.id`, "messages_feedback_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.db.Query("EXPLAIN QUERY PLAN " + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notUsed int
				var detail string
				if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(plan, "\n") + "\n"; !strings.Contains(got, "INDEX "+tt.index+" ") && !strings.Contains(got, "INDEX "+tt.index+"\n") {
				t.Errorf("plan does not use %s:\n%s", tt.index, strings.Join(plan, "\n"))
			}
		})
	}
}

// createAtVersion creates the database at path with only the first version
// migrations, as the release that shipped them would have, and returns it
// open so the test can write rows in that schema.
func createAtVersion(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?"+dsnParams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &Store{db: db, now: time.Now}
	for _, m := range mustLoadMigrations(t)[:version] {
		if err := s.apply(context.Background(), m); err != nil {
			t.Fatalf("apply %s: %v", m.Name, err)
		}
	}
	assertSchemaVersion(t, s, version)
	return db
}
