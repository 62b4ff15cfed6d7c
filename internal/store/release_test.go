package store

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
)

// testdata/release-7.db is a database as Rolefit wrote it at schema
// version 7, the release before conversations could be searched, shared,
// rated and edited: two visitors, answer versions, thinking, the record of
// how answers were made, a length-cut answer, a fit result, the day's
// token spend. testdata/release-7.json is what that release read back from
// it. Both were made once, by that release's store, and are never
// regenerated: they are what people's DATA_DIRs hold.
const releaseFixture = "testdata/release-7"

// openRelease opens a copy of the release fixture, upgrading it.
func openRelease(t *testing.T) *Store {
	t.Helper()
	b, err := os.ReadFile(releaseFixture + ".db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rolefit.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open a database written by the release at schema 7: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestOpenUpgradesARelease: every migration since runs on a database
// people have, and everything in it reads back as it was.
func TestOpenUpgradesARelease(t *testing.T) {
	ctx := context.Background()
	s := openRelease(t)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != len(ms) {
		t.Errorf("schema version %d after the upgrade, want %d", version, len(ms))
	}

	raw, err := os.ReadFile(releaseFixture + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		Conversation chat.Conversation
		Messages     []chat.Message
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 {
		t.Fatalf("the fixture's golden file holds %d conversations, want 3", len(want))
	}
	for id, w := range want {
		c, err := s.Conversation(ctx, id)
		if err != nil {
			t.Fatalf("conversation %s after the upgrade: %v", id, err)
		}
		if !reflect.DeepEqual(c, w.Conversation) {
			t.Errorf("conversation %s after the upgrade:\n got %+v\nwant %+v", id, c, w.Conversation)
		}
		msgs, err := s.Messages(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// What the upgrades add to what the release read back: the
		// release's conversations are straight lines, so each question
		// follows the question before it (0011_branches).
		last := ""
		for i, m := range w.Messages {
			if m.Role == chat.RoleUser {
				w.Messages[i].Follows, last = last, m.ID
			}
		}
		if !reflect.DeepEqual(msgs, w.Messages) {
			t.Errorf("messages of %s after the upgrade:\n got %+v\nwant %+v", id, msgs, w.Messages)
		}
	}
	spent, err := s.TokensSpent(ctx, want["conv-alice-1"].Conversation.CreatedAt)
	if err != nil || spent != 1234 {
		t.Errorf("tokens spent on the fixture's day: %d, %v; want 1234", spent, err)
	}
}
