package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/store"
)

// TestCrashMidAnswer kills the real binary with SIGKILL while it streams an
// answer, starts it again on the same data, and checks the page shows the
// saved part of the answer, marked interrupted, with a retry.
func TestCrashMidAnswer(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "rolefit")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dataDir := t.TempDir()
	fake := fakeopenai.New()
	defer fake.Close()
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: []string{"Saved before ", "the crash.", " Never sent."}, Gate: gate})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	proc, base := startBinary(t, ctx, bin, dataDir, fake.URL)
	client.Get(base + "/")
	req, _ := http.NewRequest("POST", base+"/c", strings.NewReader(url.Values{"message": {"Tell me"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`sse-connect="(/c/[^/]+)/answers/([^/]+)/events`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no streaming answer in %s", body)
	}
	convPath, answerID := string(m[1]), string(m[2])
	gate <- struct{}{}
	gate <- struct{}{}

	// Wait until the periodic save has the text on disk, reading the
	// database from outside the process as a crash would leave it.
	db, err := store.Open(ctx, filepath.Join(dataDir, "rolefit.db"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		saved, err := db.Message(ctx, answerID)
		if err == nil && saved.Content == "Saved before the crash." {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the partial answer was never saved (last: %+v, %v)", saved, err)
		case <-time.After(50 * time.Millisecond): // polling a file another process writes
		}
	}
	db.Close()

	proc.Process.Signal(syscall.SIGKILL)
	proc.Wait()

	_, base = startBinary(t, ctx, bin, dataDir, fake.URL)
	res, err = client.Get(base + convPath)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	answer := d.Find(`[data-testid="message"][data-role="assistant"]`)
	if got := answer.AttrOr("data-state", ""); got != string(chat.StateInterrupted) {
		t.Errorf("after the crash the answer is %q, want interrupted", got)
	}
	if got := strings.TrimSpace(answer.Find(".text").Text()); got != "Saved before the crash." {
		t.Errorf("after the crash the answer reads %q", got)
	}
	if answer.Find(`[data-testid="retry"]`).Length() != 1 {
		t.Error("the interrupted answer offers no retry")
	}
}

// startBinary runs the built program and returns it with its base URL; it
// is stopped when the test ends (if still running).
func startBinary(t *testing.T, ctx context.Context, bin, dataDir, modelURL string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = []string{
		"ADDR=127.0.0.1:0", "DATA_DIR=" + dataDir, "OPENAI_BASE_URL=" + modelURL,
		"LOG_LEVEL=warn", "PATH=" + os.Getenv("PATH"),
	}
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the program did not start: %v", err)
	}
	_, base, _ := strings.Cut(strings.TrimSpace(line), "listening on ")
	go io.Copy(io.Discard, stdout)
	return cmd, base
}
