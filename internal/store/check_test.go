package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fillDatabase writes n conversations of one question each, about 1 KB a
// message, then closes the store, which checkpoints the WAL into the file.
func fillDatabase(t testing.TB, path string, n int) {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("Which role fits me? ", 50)
	for i := range n {
		id := fmt.Sprintf("c%06d", i)
		mustCreateConversation(t, s, id, "visitor", at(0))
		mustAddMessages(t, s, userMessage("m"+id, id, text, at(0)))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestQuickCheckFindsACorruptPage damages one page in the middle of a real
// database file, as a failing disk would: the file still opens (its first
// page is intact), and only the check notices.
func TestQuickCheckFindsACorruptPage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rolefit.db")
	fillDatabase(t, path, 300)

	s := openAt(t, path)
	if err := s.QuickCheck(ctx); err != nil {
		t.Fatalf("QuickCheck on a sound database: %v", err)
	}
	var pageSize, pages int64
	s.db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize)
	s.db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages)
	s.Close()
	if pages < 20 {
		t.Fatalf("the database has only %d pages; the test needs one in the middle", pages)
	}

	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	garbage := []byte(strings.Repeat("\xde\xad\xbe\xef", int(pageSize)/4))
	if _, err := f.WriteAt(garbage, (pages/2)*pageSize); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Logf("Open already refuses the damaged file: %v", err)
		return
	}
	defer s.Close()
	err = s.QuickCheck(ctx)
	if err == nil {
		t.Fatal("QuickCheck passed a database with a page overwritten by garbage")
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "damaged") {
		t.Errorf("QuickCheck said %q; want one line saying the file is damaged", msg)
	}
}

// BenchmarkQuickCheck100MB measures the start-up check on a database of
// about 100 MB (100,000 messages of 1 KB across 1,000 conversations), the
// figure quoted in the README.
func BenchmarkQuickCheck100MB(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "rolefit.db")
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	_, err = s.db.ExecContext(ctx, `
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
		INSERT INTO conversations (id, visitor_id, title, created_at, updated_at)
		SELECT 'c' || i, 'v' || (i % 50), 'title', i, i FROM n`)
	if err != nil {
		b.Fatal(err)
	}
	_, err = s.db.ExecContext(ctx, `
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
		INSERT INTO messages (id, conversation_id, role, content, state, created_at, updated_at)
		SELECT 'm' || i, 'c' || (i % 1000), 'user', printf('%.1000c', 'x') || i, 'done', i, i FROM n`)
	if err != nil {
		b.Fatal(err)
	}
	s.Close()
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	if info.Size() < 100<<20 {
		b.Fatalf("the database is %d bytes, want at least 100 MB", info.Size())
	}
	s, err = Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if err := s.QuickCheck(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// The search index makes the file larger than its messages.
	b.ReportMetric(float64(info.Size())/(1<<20), "MiB")
}
