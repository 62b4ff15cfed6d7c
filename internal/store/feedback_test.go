package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// A database written by the release before feedback (schema 7) opens with
// its answers intact and unrated, and takes ratings from then on.
func TestOpenUpgradesToFeedback(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	db := createAtVersion(t, path, feedbackVersion-1)
	if _, err := db.ExecContext(ctx, `
		INSERT INTO conversations (id, visitor_id, title, created_at, updated_at) VALUES ('c1', 'v1', 'Roles', 1000, 3000);
		INSERT INTO messages (id, conversation_id, role, content, state, error, reply_to, hidden, created_at, updated_at, meta, reasoning, thought_ms)
		VALUES ('q1', 'c1', 'user', 'What do they do?', 'done', '', '', 0, 2000, 2000, '', '', 0),
		       ('a1', 'c1', 'assistant', 'They train models.', 'done', '', 'q1', 0, 2000, 3000, '{"provider":"offline","ending":"done","first_token_ms":0,"total_ms":5,"retries":0,"prompt_tokens":1,"completion_tokens":2,"tokens_estimated":true,"sent":null}', 'hmm', 1500)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	assertSchemaVersion(t, s, len(mustLoadMigrations(t)))
	msgs, err := s.Messages(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[1].Content != "They train models." || msgs[1].Meta == nil || msgs[1].Reasoning != "hmm" {
		t.Fatalf("after the upgrade, messages = %+v", msgs)
	}
	for _, m := range msgs {
		if m.Feedback != nil {
			t.Errorf("message %s written before the upgrade has feedback %+v", m.ID, m.Feedback)
		}
	}
	down := &chat.Feedback{Rating: chat.RatingDown, Reason: chat.ReasonWrong, At: time.UnixMilli(9000).UTC()}
	if err := s.SetFeedback(ctx, "a1", down); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Message(ctx, "a1"); got.Feedback == nil || *got.Feedback != *down {
		t.Errorf("after the upgrade, the rating kept is %+v, want %+v", got.Feedback, down)
	}
}

// RatedAnswers lists the rated answers of every visitor with their
// questions, oldest rating first, and nothing unrated.
func TestRatedAnswers(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "rolefit.db"))
	for _, c := range []string{"c1", "c2"} {
		if err := s.CreateConversation(ctx, chat.Conversation{ID: c, VisitorID: "visitor-of-" + c, CreatedAt: at(0), UpdatedAt: at(0)}); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(id, conv string, role chat.Role, content, replyTo string) chat.Message {
		return chat.Message{ID: id, ConversationID: conv, Role: role, Content: content, State: chat.StateDone, ReplyTo: replyTo, CreatedAt: at(0), UpdatedAt: at(0)}
	}
	if err := s.AddMessages(ctx,
		msg("q1", "c1", chat.RoleUser, "Tools?", ""), msg("a1", "c1", chat.RoleAssistant, "PyTorch.", "q1"),
		msg("q2", "c1", chat.RoleUser, "Pay?", ""), msg("a2", "c1", chat.RoleAssistant, "Not covered.", "q2"),
		msg("q3", "c2", chat.RoleUser, "Apps?", ""), msg("a3", "c2", chat.RoleAssistant, "Chatbots.", "q3"),
	); err != nil {
		t.Fatal(err)
	}
	rate := func(id string, f chat.Feedback) {
		if err := s.SetFeedback(ctx, id, &f); err != nil {
			t.Fatal(err)
		}
	}
	rate("a3", chat.Feedback{Rating: chat.RatingDown, Reason: chat.ReasonNotHelpful, Comment: "vague", At: at(time.Minute)})
	rate("a1", chat.Feedback{Rating: chat.RatingUp, At: at(2 * time.Minute)})

	var got []string
	err := s.RatedAnswers(ctx, func(q, a chat.Message) error {
		got = append(got, q.ID+":"+q.Content+" → "+a.ID+":"+a.Content+" "+string(a.Feedback.Rating)+"/"+string(a.Feedback.Reason)+"/"+a.Feedback.Comment)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "q3:Apps? → a3:Chatbots. down/not-helpful/vague|q1:Tools? → a1:PyTorch. up//"
	if strings.Join(got, "|") != want {
		t.Errorf("rated answers =\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}

// An operator's command opens only a database that exists: a mistyped
// directory leaves nothing behind.
func TestOpenExistingCreatesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo", "rolefit.db")
	if s, err := OpenExisting(ctx, missing); err == nil {
		s.Close()
		t.Fatal("OpenExisting opened a database that does not exist")
	} else if !strings.Contains(err.Error(), "no database at "+missing) {
		t.Errorf("err = %v, want it to name the missing file", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("OpenExisting created %s (stat: %v)", filepath.Dir(missing), err)
	}

	path := filepath.Join(dir, "odd #1 %20", "rolefit.db") // what a URI would cut short or decode
	openAt(t, path).Close()
	s, err := OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RatedAnswers(ctx, func(q, a chat.Message) error { return nil }); err != nil {
		t.Errorf("reading an existing database: %v", err)
	}
}

// A database from before feedback is read as having none, and is not
// upgraded by reading it: that is the server's job.
func TestRatedAnswersOfAnOlderDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	db := createAtVersion(t, path, feedbackVersion-1)
	db.Close()
	s, err := OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	if err := s.RatedAnswers(ctx, func(q, a chat.Message) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("RatedAnswers = %d answers, %v; want none, no error", n, err)
	}
	assertSchemaVersion(t, s, feedbackVersion-1)
}

// A database with feedback but from before a later migration (the server
// not yet started on it with this Rolefit) is not read with this schema:
// the operator is told to start Rolefit once, which upgrades it.
func TestRatedAnswersOfADatabaseNotYetUpgraded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	db := createAtVersion(t, path, feedbackVersion)
	db.Close()
	s, err := OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.RatedAnswers(ctx, func(q, a chat.Message) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "start this Rolefit on it once") {
		t.Errorf("RatedAnswers of a database at schema %d: %v; want to be told to start Rolefit once to upgrade it", feedbackVersion, err)
	}
	assertSchemaVersion(t, s, feedbackVersion)
}
