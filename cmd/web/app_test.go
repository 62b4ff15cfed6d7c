package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// startRolefit runs the whole program, as main does, on a free port with its
// own data directory, and returns its base URL. The program is stopped (and
// must stop cleanly) when the test ends.
func startRolefit(t *testing.T, env map[string]string) string {
	t.Helper()
	return launch(t, env, "listening on ")[0]
}

// launch runs the program and returns what follows each marker in the first
// lines it prints, one line per marker (the addresses it listens on).
func launch(t *testing.T, env map[string]string, markers ...string) []string {
	t.Helper()
	vars := map[string]string{
		"ADDR":           "127.0.0.1:0",
		"DATA_DIR":       t.TempDir(),
		"LOG_FORMAT":     "text",
		"SHUTDOWN_GRACE": "2s",
	}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stdoutW := io.Pipe()
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"rolefit"}, func(k string) string { return vars[k] }, stdoutW, logs)
		stdoutW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("rolefit stopped with: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("rolefit did not shut down within 10s")
		}
		if key := vars["OPENAI_API_KEY"]; key != "" && strings.Contains(logs.String(), key) {
			t.Error("the API key appears in the log")
		}
	})
	r := bufio.NewReader(stdout)
	var found []string
	for _, marker := range markers {
		line, err := r.ReadString('\n')
		_, after, ok := strings.Cut(strings.TrimSpace(line), marker)
		if err != nil || !ok {
			t.Fatalf("rolefit printed %q (%v), want %q…\nlog:\n%s", line, err, marker, logs.String())
		}
		found = append(found, after)
	}
	go io.Copy(io.Discard, r)
	return found
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
