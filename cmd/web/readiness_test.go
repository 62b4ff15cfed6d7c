package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func getReadyz(t *testing.T, base string) (int, string) {
	t.Helper()
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestNotReadyWhileTheDatabaseTakesNoWrites holds the database's write
// lock from outside for longer than Rolefit waits for it, so its writes
// fail as they do on a full disk: /readyz must say not writable, and ready
// again, by itself, once writes work.
func TestNotReadyWhileTheDatabaseTakesNoWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out SQLite's 5 s busy timeout; run without -short")
	}
	dir := t.TempDir()
	base := startRolefit(t, map[string]string{"DATA_DIR": dir, "OFFLINE_PACE": "0s"})
	if status, body := getReadyz(t, base); status != http.StatusOK {
		t.Fatalf("GET /readyz at start = %d %s", status, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("sqlite", filepath.Join(dir, "rolefit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	res, err := http.PostForm(base+"/c", url.Values{"message": {"What does an ML engineer do?"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode < 500 {
		t.Fatalf("a question asked while writes fail got %d, want a server error", res.StatusCode)
	}
	if status, body := getReadyz(t, base); status != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"not writable"`) {
		t.Errorf("GET /readyz while writes fail = %d %s; want 503, database not writable", status, body)
	}

	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if status, body := getReadyz(t, base); status != http.StatusOK {
		t.Errorf("GET /readyz once writes work again = %d %s; want 200", status, body)
	}
}
