package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store"
)

// TestDamagedDatabaseRefusesToStart overwrites a page in the middle of a
// real database file: Rolefit must refuse to start, with one line, rather
// than serve until a query happens to read the damaged page.
func TestDamagedDatabaseRefusesToStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	path := filepath.Join(dir, "rolefit.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("Which role fits me? ", 50)
	for i := range 300 {
		id := fmt.Sprintf("c%04d", i)
		now := time.Now()
		db.CreateConversation(ctx, chat.Conversation{ID: id, VisitorID: "v", Title: "t", CreatedAt: now, UpdatedAt: now})
		db.AddMessages(ctx, chat.Message{ID: "m" + id, ConversationID: id, Role: chat.RoleUser, Content: text,
			State: chat.StateDone, CreatedAt: now, UpdatedAt: now})
	}
	db.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", page/4)), (info.Size()/page/2)*page)
	f.Close()

	vars := map[string]string{"ADDR": "127.0.0.1:0", "DATA_DIR": dir}
	err = run(ctx, []string{"rolefit"}, func(k string) string { return vars[k] }, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("Rolefit started on a damaged database")
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "damaged") || !strings.Contains(msg, dir) {
		t.Errorf("the refusal reads %q; want one line saying the database in %s is damaged", msg, dir)
	}
}
