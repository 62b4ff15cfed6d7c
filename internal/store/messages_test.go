package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

func TestAddMessagesKeepsInsertionOrder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustCreateConversation(t, s, "c1", "v1", at(0))

	same := at(time.Second) // every message shares one millisecond
	batches := [][]chat.Message{
		{userMessage("q1", "c1", "first question", same), answerPlaceholder("a1", "c1", same)},
		{userMessage("q2", "c1", "second question", same), answerPlaceholder("a2", "c1", same)},
		// IDs that sort before the earlier ones: order must come from seq, not id.
		{userMessage("0q3", "c1", "third question", same)},
	}
	var want []chat.Message
	for _, b := range batches {
		mustAddMessages(t, s, b...)
		want = append(want, b...)
	}

	got, err := s.Messages(ctx, "c1")
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		assertMessage(t, got[i], want[i])
	}
}

func TestAddMessagesTouchesConversation(t *testing.T) {
	tests := []struct {
		name string
		msgs []chat.Message
		want time.Time
	}{
		{"newest of the batch", []chat.Message{
			userMessage("q", "c1", "q", at(2*time.Second)),
			answerPlaceholder("a", "c1", at(5*time.Second)),
		}, at(5 * time.Second)},
		{"newest first in the batch", []chat.Message{
			userMessage("q", "c1", "q", at(7*time.Second)),
			answerPlaceholder("a", "c1", at(3*time.Second)),
		}, at(7 * time.Second)},
		{"never moves back", []chat.Message{
			userMessage("q", "c1", "q", at(-time.Hour)),
		}, at(time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			c := chat.Conversation{ID: "c1", VisitorID: "v1", CreatedAt: at(0), UpdatedAt: at(time.Second)}
			if err := s.CreateConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
			mustAddMessages(t, s, tt.msgs...)
			got, err := s.Conversation(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			assertTime(t, "UpdatedAt", got.UpdatedAt, tt.want)
			assertTime(t, "CreatedAt", got.CreatedAt, at(0))
		})
	}
}

func TestAddMessagesIsAtomic(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustCreateConversation(t, s, "c1", "v1", at(0))
	mustAddMessages(t, s, userMessage("dup", "c1", "already here", at(0)))

	err := s.AddMessages(ctx,
		userMessage("fresh", "c1", "q", at(time.Second)),
		answerPlaceholder("dup", "c1", at(time.Second)), // violates UNIQUE(id)
	)
	if err == nil {
		t.Fatal("AddMessages with a duplicate id succeeded")
	}
	if _, err := s.Message(ctx, "fresh"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("message before the failing one was kept: Message err = %v", err)
	}
	c, err := s.Conversation(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	assertTime(t, "UpdatedAt after rollback", c.UpdatedAt, at(0))
}

func TestMessageByID(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustCreateConversation(t, s, "c1", "v1", at(0))
	q := userMessage("q1", "c1", "What does a staff engineer do?", at(time.Second))
	a := chat.Message{ID: "a1", ConversationID: "c1", Role: chat.RoleAssistant, Content: "partial",
		State: chat.StateError, Error: "The model is busy.", ReplyTo: "q1", Hidden: true,
		CreatedAt: at(time.Second), UpdatedAt: at(3 * time.Second)}
	retry := answer("a2", "c1", "q1", "A staff engineer…", at(4*time.Second))
	mustAddMessages(t, s, q, a, retry)

	for _, want := range []chat.Message{q, a, retry} {
		t.Run(want.ID, func(t *testing.T) {
			got, err := s.Message(ctx, want.ID)
			if err != nil {
				t.Fatalf("Message: %v", err)
			}
			assertMessage(t, got, want)
		})
	}
}

func TestNotFound(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustCreateConversation(t, s, "c1", "v1", at(0))
	mustAddMessages(t, s, userMessage("q1", "c1", "q", at(0)))

	tests := []struct {
		name string
		call func() error
	}{
		{"Conversation", func() error { _, err := s.Conversation(ctx, "nope"); return err }},
		{"Messages of unknown conversation", func() error { _, err := s.Messages(ctx, "nope"); return err }},
		{"Message", func() error { _, err := s.Message(ctx, "nope"); return err }},
		{"SaveAnswer unknown id", func() error { return s.SaveAnswer(ctx, "nope", "x", chat.StateDone, "") }},
		{"SaveAnswer on a user message", func() error { return s.SaveAnswer(ctx, "q1", "x", chat.StateDone, "") }},
		{"AddMessages to unknown conversation", func() error {
			return s.AddMessages(ctx, userMessage("m", "nope", "q", at(0)))
		}},
		{"ShowAnswer unknown id", func() error { return s.ShowAnswer(ctx, "nope") }},
		{"ShowAnswer on a user message", func() error { return s.ShowAnswer(ctx, "q1") }},
		{"RenameConversation", func() error { return s.RenameConversation(ctx, "nope", "t") }},
		{"DeleteConversation", func() error { return s.DeleteConversation(ctx, "nope") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, chat.ErrNotFound) {
				t.Fatalf("err = %v, want one wrapping chat.ErrNotFound", err)
			}
			if chat.ErrorCode(err) != chat.ENOTFOUND {
				t.Errorf("ErrorCode = %q, want %q", chat.ErrorCode(err), chat.ENOTFOUND)
			}
		})
	}

	t.Run("Messages of empty conversation", func(t *testing.T) {
		mustCreateConversation(t, s, "empty", "v1", at(0))
		msgs, err := s.Messages(ctx, "empty")
		if err != nil || len(msgs) != 0 {
			t.Errorf("Messages = %v, %v; want none and no error", msgs, err)
		}
	})
	t.Run("user message untouched by SaveAnswer", func(t *testing.T) {
		got, err := s.Message(ctx, "q1")
		if err != nil {
			t.Fatal(err)
		}
		assertMessage(t, got, userMessage("q1", "c1", "q", at(0)))
	})
}

func TestSaveAnswer(t *testing.T) {
	tests := []struct {
		name    string
		content string
		state   chat.State
		errMsg  string
	}{
		{"partial save while streaming", "Partial ans", chat.StateStreaming, ""},
		{"finished", "A full answer.", chat.StateDone, ""},
		{"stopped by a cap", "Cut short", chat.StateStopped, "The answer reached its length limit."},
		{"model failed", "", chat.StateError, "The model is not reachable."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			saved := at(time.Minute)
			s.now = func() time.Time { return saved }
			mustCreateConversation(t, s, "c1", "v1", at(0))
			q := userMessage("q1", "c1", "question", at(time.Second))
			a := answerPlaceholder("a1", "c1", at(time.Second))
			other := answerPlaceholder("a2", "c1", at(2*time.Second))
			mustAddMessages(t, s, q, a, other)

			if err := s.SaveAnswer(ctx, "a1", tt.content, tt.state, tt.errMsg); err != nil {
				t.Fatalf("SaveAnswer: %v", err)
			}

			want := a
			want.Content, want.State, want.Error, want.UpdatedAt = tt.content, tt.state, tt.errMsg, saved
			got, err := s.Messages(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 {
				t.Fatalf("got %d messages, want 3", len(got))
			}
			assertMessage(t, got[0], q)
			assertMessage(t, got[1], want)
			assertMessage(t, got[2], other)
		})
	}
}

func TestInterruptStreaming(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	recovered := at(time.Hour)
	s.now = func() time.Time { return recovered }
	mustCreateConversation(t, s, "c1", "v1", at(0))
	mustCreateConversation(t, s, "c2", "v2", at(0))

	states := []chat.State{chat.StateStreaming, chat.StateDone, chat.StateStopped,
		chat.StateError, chat.StateInterrupted, chat.StateStreaming}
	var before []chat.Message
	for i, st := range states {
		m := answerPlaceholder("a"+string(rune('0'+i)), []string{"c1", "c2"}[i%2], at(time.Second))
		m.State, m.Content = st, "text "+string(st)
		before = append(before, m)
	}
	mustAddMessages(t, s, before...)

	n, err := s.InterruptStreaming(ctx)
	if err != nil {
		t.Fatalf("InterruptStreaming: %v", err)
	}
	if n != 2 {
		t.Errorf("InterruptStreaming changed %d, want 2", n)
	}
	for _, m := range before {
		t.Run(m.ID+" "+string(m.State), func(t *testing.T) {
			want := m
			if m.State == chat.StateStreaming {
				want.State, want.UpdatedAt = chat.StateInterrupted, recovered
			}
			got, err := s.Message(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertMessage(t, got, want)
		})
	}

	if n, err := s.InterruptStreaming(ctx); err != nil || n != 0 {
		t.Errorf("second InterruptStreaming = %d, %v; want 0, nil", n, err)
	}
}

func TestForeignKeys(t *testing.T) {
	ctx := context.Background()

	t.Run("raw insert into a missing conversation fails", func(t *testing.T) {
		s := openTest(t)
		_, err := s.db.ExecContext(ctx, `INSERT INTO messages
			(id, conversation_id, role, content, state, created_at, updated_at)
			VALUES ('m1', 'missing', 'user', 'q', 'done', 0, 0)`)
		if err == nil {
			t.Fatal("insert referencing a missing conversation succeeded: foreign_keys is off")
		}
	})

	t.Run("deleting a conversation deletes its messages", func(t *testing.T) {
		s := openTest(t)
		mustCreateConversation(t, s, "c1", "v1", at(0))
		mustCreateConversation(t, s, "keep", "v1", at(0))
		mustAddMessages(t, s,
			userMessage("q1", "c1", "q", at(0)), answerPlaceholder("a1", "c1", at(0)),
			userMessage("k1", "keep", "q", at(0)))

		if _, err := s.db.ExecContext(ctx, `DELETE FROM conversations WHERE id = 'c1'`); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := s.db.QueryRowContext(ctx,
			`SELECT count(*) FROM messages WHERE conversation_id = 'c1'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d messages left after deleting their conversation", left)
		}
		if _, err := s.Message(ctx, "k1"); err != nil {
			t.Errorf("other conversation's message: %v", err)
		}
	})

	t.Run("role outside user and assistant is refused", func(t *testing.T) {
		s := openTest(t)
		mustCreateConversation(t, s, "c1", "v1", at(0))
		m := userMessage("s1", "c1", "system prompt", at(0))
		m.Role = chat.RoleSystem
		if err := s.AddMessages(ctx, m); err == nil {
			t.Error("system message stored")
		}
	})
}

func TestShowAnswer(t *testing.T) {
	// Two questions, each with two versions of its answer, the newer shown;
	// and two answers from before versions existed, with no question.
	versions := func() []chat.Message {
		ms := []chat.Message{
			userMessage("q1", "c1", "Backend or data?", at(0)),
			answer("a1", "c1", "q1", "Backend.", at(time.Second)),
			answer("a2", "c1", "q1", "Data.", at(2*time.Second)),
			userMessage("q2", "c1", "Why?", at(3*time.Second)),
			answer("b1", "c1", "q2", "Because.", at(4*time.Second)),
			answer("b2", "c1", "q2", "Because of you.", at(5*time.Second)),
			answer("o1", "c1", "", "Orphan one.", at(6*time.Second)),
			answer("o2", "c1", "", "Orphan two.", at(7*time.Second)),
		}
		for i := range ms {
			switch ms[i].ID {
			case "a1", "b1", "o1", "o2":
				ms[i].Hidden = true
			}
		}
		return ms
	}

	tests := []struct {
		name   string
		show   []string
		hidden []string // afterwards; every other message is shown
	}{
		{"older version", []string{"a1"}, []string{"a2", "b1", "o1", "o2"}},
		{"and back", []string{"a1", "a2"}, []string{"a1", "b1", "o1", "o2"}},
		{"already shown", []string{"a2"}, []string{"a1", "b1", "o1", "o2"}},
		{"another question's versions", []string{"b1"}, []string{"a1", "b2", "o1", "o2"}},
		{"each question on its own", []string{"a1", "b1"}, []string{"a2", "b2", "o1", "o2"}},
		{"an answer with no question changes only itself", []string{"o1"}, []string{"a1", "b1", "o2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			mustCreateConversation(t, s, "c1", "v1", at(0))
			mustCreateConversation(t, s, "c2", "v1", at(0))
			before := versions()
			mustAddMessages(t, s, before...)
			other := answer("x1", "c2", "q1", "Not a version of a1: another conversation.", at(time.Second))
			mustAddMessages(t, s, userMessage("x0", "c2", "q", at(0)), other)

			for _, id := range tt.show {
				if err := s.ShowAnswer(ctx, id); err != nil {
					t.Fatalf("ShowAnswer(%s): %v", id, err)
				}
			}

			hidden := map[string]bool{}
			for _, id := range tt.hidden {
				hidden[id] = true
			}
			got, err := s.Messages(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(before) {
				t.Fatalf("got %d messages, want %d", len(got), len(before))
			}
			for i, want := range before {
				want.Hidden = hidden[want.ID]
				assertMessage(t, got[i], want)
			}
			if got, err := s.Message(ctx, "x1"); err != nil {
				t.Fatal(err)
			} else {
				assertMessage(t, got, other)
			}
		})
	}
}
