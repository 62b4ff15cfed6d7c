package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
)

// A database written before answers kept how they were made (schema 5)
// opens with its answers intact and no meta, and takes meta from then on.
func TestOpenUpgradesToAnswerMeta(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	db := createAtVersion(t, path, 5)
	if _, err := db.ExecContext(ctx, `
		INSERT INTO conversations (id, visitor_id, title, created_at, updated_at) VALUES ('c1', 'v1', 'Roles', 1000, 3000);
		INSERT INTO messages (id, conversation_id, role, content, state, error, reply_to, hidden, created_at, updated_at)
		VALUES ('q1', 'c1', 'user', 'What do they do?', 'done', '', '', 0, 2000, 2000),
		       ('a1', 'c1', 'assistant', 'They train models.', 'done', '', 'q1', 0, 2000, 3000),
		       ('q2', 'c1', 'user', 'And then?', 'done', '', '', 0, 4000, 4000),
		       ('a2', 'c1', 'assistant', 'They ship', 'streaming', '', 'q2', 0, 4000, 4000)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	assertSchemaVersion(t, s, latestVersion(mustLoadMigrations(t)))
	msgs, err := s.Messages(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 || msgs[1].Content != "They train models." || msgs[1].State != chat.StateDone || msgs[1].ReplyTo != "q1" {
		t.Fatalf("after the upgrade, messages = %+v", msgs)
	}
	for _, m := range msgs {
		if m.Meta != nil {
			t.Errorf("message %s written before the upgrade has meta %+v", m.ID, m.Meta)
		}
	}

	final := msgs[3]
	final.Content, final.State = "They ship it.", chat.StateDone
	final.Meta = &chat.AnswerMeta{Provider: "offline", Ending: chat.EndDone, PromptTokens: 9, CompletionTokens: 7, TokensEstimated: true,
		Sent: []chat.SentMessage{{Role: chat.RoleUser, Content: "And then?"}}}
	if err := s.SaveFinalAnswer(ctx, final); err != nil {
		t.Fatal(err)
	}
	got, err := s.Message(ctx, "a2")
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != "They ship it." || !reflect.DeepEqual(got.Meta, final.Meta) {
		t.Errorf("after the upgrade, the final save kept %q with meta %+v; want %q with %+v", got.Content, got.Meta, final.Content, final.Meta)
	}
}
