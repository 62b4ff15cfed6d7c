package main

import (
	"bufio"
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

	"github.com/rolefit/rolefit/internal/fakeopenai"
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

// TestNotReadyDuringTheShutdownGrace: after SIGTERM, while an answer in
// flight finishes, new questions get 503, so /readyz must fail.
func TestNotReadyDuringTheShutdownGrace(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: []string{"still ", "writing"}, Gate: gate})
	vars := map[string]string{"ADDR": "127.0.0.1:0", "DATA_DIR": t.TempDir(), "OPENAI_BASE_URL": fake.URL,
		"SHUTDOWN_GRACE": "20s", "LOG_LEVEL": "error"}
	ctx, sigterm := context.WithCancel(context.Background())
	defer sigterm()
	stdout, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"rolefit"}, func(k string) string { return vars[k] }, stdoutW, io.Discard)
		stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("rolefit did not start: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	_, base, _ := strings.Cut(strings.TrimSpace(line), "listening on ")

	req, _ := http.NewRequest("POST", base+"/c", strings.NewReader(url.Values{"message": {"What does an ML engineer do?"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true") // answered at once, as the browser is
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	gate <- struct{}{} // the answer has begun, and waits for the rest

	sigterm()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := getReadyz(t, base)
		if status == http.StatusServiceUnavailable && strings.Contains(body, `"questions":"shutting down"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz during the shutdown grace = %d %s; want 503, questions shutting down", status, body)
		}
	}
	close(gate)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("rolefit stopped with: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("rolefit did not stop once the answer finished")
	}
}
