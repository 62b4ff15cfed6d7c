package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondProcessRefusesTheDataDir starts Rolefit twice on one DATA_DIR:
// the second must refuse to start, with one line naming the directory,
// and leave the first one's answers alone.
func TestSecondProcessRefusesTheDataDir(t *testing.T) {
	dir := t.TempDir()
	startRolefit(t, map[string]string{"DATA_DIR": dir})

	var stderr lockedBuffer
	vars := map[string]string{"ADDR": "127.0.0.1:0", "DATA_DIR": dir, "LOG_FORMAT": "text"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, []string{"rolefit"}, func(k string) string { return vars[k] }, io.Discard, &stderr)
	if err == nil {
		t.Fatal("a second Rolefit started on a DATA_DIR another one is using")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, dir) || !strings.Contains(msg, "another Rolefit") {
		t.Errorf("the refusal reads %q; want one line naming %s and saying another Rolefit uses it", msg, dir)
	}
	if strings.Contains(stderr.String(), "marked interrupted") {
		t.Errorf("the refused process still touched the database:\n%s", stderr.String())
	}
}

// TestLockIsReleasedByACrash kills the real binary with SIGKILL: the kernel
// drops its lock, so a new process starts on the same DATA_DIR at once.
func TestLockIsReleasedByACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; run without -short")
	}
	bin := filepath.Join(t.TempDir(), "rolefit")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	first, _ := startBinary(t, ctx, bin, dir, "")
	// While the first runs, a second is refused, with one line on stderr.
	second := exec.CommandContext(ctx, bin)
	second.Env = []string{"ADDR=127.0.0.1:0", "DATA_DIR=" + dir, "PATH=" + os.Getenv("PATH")}
	out, err := second.CombinedOutput()
	if err == nil {
		t.Fatalf("a second process started on the same DATA_DIR:\n%s", out)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], dir) {
		t.Errorf("the second process said %q; want one line naming %s", out, dir)
	}

	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	_, base := startBinary(t, ctx, bin, dir, "")
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("after the crash, a new process on the same DATA_DIR does not answer: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz after restart = %d", res.StatusCode)
	}
}
