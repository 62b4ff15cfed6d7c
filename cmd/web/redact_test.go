package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestBaseURLCredentialsAreNotEchoed: a key or password written into
// OPENAI_BASE_URL never reaches stdout, stderr or the log: not when the URL
// is refused, not in the start-up line naming the provider, and not when
// the model service cannot be reached. A key in the query still reaches
// the model service, on every request.
func TestBaseURLCredentialsAreNotEchoed(t *testing.T) {
	const secret = "hunter2secret"
	t.Run("refused: a password in the URL", func(t *testing.T) {
		var stdout, stderr strings.Builder
		env := map[string]string{"OPENAI_BASE_URL": "http://alice:" + secret + "@127.0.0.1:1/v1", "DATA_DIR": t.TempDir()}
		err := run(context.Background(), []string{"rolefit"}, func(k string) string { return env[k] }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "OPENAI_BASE_URL") {
			t.Fatalf("run = %v, want OPENAI_BASE_URL refused", err)
		}
		for what, s := range map[string]string{"the error (main prints it)": err.Error(), "stdout": stdout.String(), "stderr": stderr.String()} {
			if strings.Contains(s, secret) || strings.Contains(s, "alice") {
				t.Errorf("%s shows the credentials: %s", what, s)
			}
		}
	})

	t.Run("accepted: a key in the query", func(t *testing.T) {
		fake := fakeopenai.New()
		defer fake.Close()
		base, logs := runLogged(t, map[string]string{"OPENAI_BASE_URL": fake.URL + "?api-key=" + secret})
		askWithoutJavaScript(t, base)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		call, err := fake.NextCall(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if call.Path != "/v1/chat/completions" || call.Query.Get("api-key") != secret {
			t.Errorf("the model service got %s?%s, want /v1/chat/completions with the key", call.Path, call.Query.Encode())
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows the key:\n%s", logs.String())
		}
		if !strings.Contains(logs.String(), "api-key=***") {
			t.Errorf("the start-up log does not show the URL redacted:\n%s", logs.String())
		}
	})

	t.Run("unreachable: a key in the query", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := ln.Addr().String()
		ln.Close() // nothing listens there now: connections are refused
		base, logs := runLogged(t, map[string]string{"OPENAI_BASE_URL": "http://" + closed + "/v1?api-key=" + secret, "MODEL_RETRIES": "0"})
		askWithoutJavaScript(t, base)
		if !strings.Contains(logs.String(), "answer failed") {
			t.Errorf("no failed answer in the log:\n%s", logs.String())
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows the key:\n%s", logs.String())
		}
	})
}

// runLogged runs Rolefit with env until the test ends and returns its base
// URL and everything it wrote, stdout and stderr together.
func runLogged(t *testing.T, env map[string]string) (string, *lockedBuffer) {
	t.Helper()
	vars := map[string]string{"ADDR": "127.0.0.1:0", "DATA_DIR": t.TempDir(), "LOG_FORMAT": "text", "SHUTDOWN_GRACE": "2s"}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	stdout, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"rolefit"}, func(k string) string { return vars[k] }, stdoutW, out)
		stdoutW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("rolefit stopped with: %v", err)
		}
	})
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	out.Write([]byte(line))
	_, addr, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("rolefit printed %q (%v)\n%s", line, err, out.String())
	}
	go io.Copy(out, r)
	return addr, out
}

// askWithoutJavaScript asks a question as a browser without JavaScript
// does; the answer has ended when the redirect arrives.
func askWithoutJavaScript(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/c", url.Values{"message": {"What does an ML engineer do?"}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /c = %d, want 303", res.StatusCode)
	}
}
