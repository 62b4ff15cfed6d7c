package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
	"github.com/rolefit/rolefit/internal/pgstore"
)

// The operator's export reads every rated answer of the instance with its
// question, oldest rating first; an unrated answer is not in it.
func TestRatedAnswers(t *testing.T) {
	url := engines.Postgres(t)
	s := open(t, url)
	ctx := testCtx(t)
	base := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	for i, c := range []string{"c1", "c2"} {
		when := base.Add(time.Duration(i) * time.Minute)
		if err := s.CreateConversation(ctx, conv(c, "v-"+c, when)); err != nil {
			t.Fatal(err)
		}
		if err := s.AddMessages(ctx,
			chat.Message{ID: "q-" + c, ConversationID: c, Role: chat.RoleUser, Content: "Question " + c, State: chat.StateDone, CreatedAt: when, UpdatedAt: when},
			chat.Message{ID: "a-" + c, ConversationID: c, Role: chat.RoleAssistant, Content: "Answer " + c, State: chat.StateDone, ReplyTo: "q-" + c,
				CreatedAt: when, UpdatedAt: when, Meta: &chat.AnswerMeta{Provider: "offline", Cited: []string{"choosing"}}},
			chat.Message{ID: "u-" + c, ConversationID: c, Role: chat.RoleUser, Content: "unrated follow-up", State: chat.StateDone, CreatedAt: when, UpdatedAt: when},
		); err != nil {
			t.Fatal(err)
		}
	}
	// Rated in the other order than asked: the export follows the ratings.
	if err := s.SetFeedback(ctx, "a-c2", &chat.Feedback{Rating: chat.RatingUp, At: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFeedback(ctx, "a-c1", &chat.Feedback{Rating: chat.RatingDown, Comment: "too vague", At: base.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	reader, err := pgstore.OpenExisting(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var got []string
	err = reader.RatedAnswers(ctx, func(q, a chat.Message) error {
		got = append(got, q.Content+" → "+a.Content+" "+string(a.Feedback.Rating)+" "+a.Feedback.Comment+" "+strings.Join(a.Meta.Cited, ","))
		if q.ID != a.ReplyTo || !q.CreatedAt.Equal(a.CreatedAt) {
			t.Errorf("question %+v does not go with answer %+v", q, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Question c2 → Answer c2 up  choosing", "Question c1 → Answer c1 down too vague choosing"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rated answers:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The export on a database no Rolefit has started on finds nothing, and
// leaves it as it was: OpenExisting never migrates.
func TestRatedAnswersOfAnEmptyDatabase(t *testing.T) {
	url := engines.Postgres(t)
	ctx := testCtx(t)
	s, err := pgstore.OpenExisting(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RatedAnswers(ctx, func(q, a chat.Message) error {
		t.Errorf("found %+v", a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := sql(t, url).QueryRow(context.Background(), `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("OpenExisting made %d tables", tables)
	}
}
