package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
)

// TestFailedWritesAreRemembered: a write that fails because the database
// takes none (here made read-only, as a failover to a standby makes it)
// makes CheckWrites fail, without any other write; once writes work again,
// CheckWrites notices by itself, with one small write.
func TestFailedWritesAreRemembered(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url := engines.Postgres(t)
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var name string
	if err := admin.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	readOnly := func(on bool) {
		t.Helper()
		stmt := `ALTER DATABASE ` + pgx.Identifier{name}.Sanitize() + ` RESET default_transaction_read_only`
		if on {
			stmt = `ALTER DATABASE ` + pgx.Identifier{name}.Sanitize() + ` SET default_transaction_read_only = on`
		}
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
		s.pool.Reset() // the setting reaches new sessions only
	}

	now := time.Now()
	if err := s.CreateConversation(ctx, chat.Conversation{ID: "c1", VisitorID: "v", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMessages(ctx,
		chat.Message{ID: "q1", ConversationID: "c1", Role: chat.RoleUser, Content: "q", State: chat.StateDone, CreatedAt: now, UpdatedAt: now},
		chat.Message{ID: "a1", ConversationID: "c1", Role: chat.RoleAssistant, State: chat.StateStreaming, ReplyTo: "q1", CreatedAt: now, UpdatedAt: now},
	); err != nil {
		t.Fatal(err)
	}
	// A write refused for what it asked is not the database failing.
	if err := s.CreateConversation(ctx, chat.Conversation{ID: "c1", VisitorID: "v", CreatedAt: now, UpdatedAt: now}); err == nil {
		t.Fatal("a duplicate conversation was accepted")
	}
	if err := s.SaveAnswer(ctx, "no-such-answer", "text", chat.StateDone, ""); err == nil {
		t.Fatal("SaveAnswer of a missing answer succeeded")
	}
	if err := s.CheckWrites(ctx); err != nil {
		t.Fatalf("CheckWrites on a healthy database, after refused writes: %v", err)
	}

	readOnly(true)
	if err := s.SaveAnswer(ctx, "a1", "text", chat.StateDone, ""); err == nil {
		t.Fatal("SaveAnswer succeeded on a read-only database")
	}
	if err := s.CheckWrites(ctx); err == nil {
		t.Error("CheckWrites passes after a write failed, while writes still fail")
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping of a read-only database: %v (it answers; only writes fail)", err)
	}

	readOnly(false)
	if err := s.CheckWrites(ctx); err != nil {
		t.Errorf("CheckWrites once writes work again: %v", err)
	}
	if err := s.SaveAnswer(ctx, "a1", "text", chat.StateDone, ""); err != nil {
		t.Errorf("SaveAnswer once writes work again: %v", err)
	}
}
