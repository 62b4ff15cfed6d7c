package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

func readyz(t *testing.T, b *browser) (int, readiness, string) {
	t.Helper()
	res := b.get("/readyz")
	body := readBody(t, res)
	var got readiness
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("GET /readyz: %v: %s", err, body)
	}
	return res.StatusCode, got, body
}

// TestNotReadyWhenWritesFail: with the disk full, every question would
// fail, so a load balancer must be told to send none; the cause is logged,
// not shown.
func TestNotReadyWhenWritesFail(t *testing.T) {
	failing := errors.New("store: writes failing: database or disk is full in /secret/path")
	app := newOpsApp(t, offlineProvider(), withServer(Config{Writable: func(context.Context) error { return failing }}))
	status, got, body := readyz(t, app.browser(false))
	if status != http.StatusServiceUnavailable || got.Status != "not ready" || got.Database != "not writable" {
		t.Errorf("GET /readyz with writes failing = %d %s; want 503, database not writable", status, body)
	}
	if strings.Contains(body, "secret") || strings.Contains(body, "full") {
		t.Errorf("/readyz shows the cause: %s", body)
	}
	if !strings.Contains(app.logs.String(), "readiness: database not writable") {
		t.Error("the cause is not logged")
	}
}

// TestNotReadyWhileShuttingDown: during SIGTERM's grace new questions are
// refused (503, which a load balancer passes on to another replica), so readiness fails while answers in flight finish.
func TestNotReadyWhileShuttingDown(t *testing.T) {
	app := newOpsApp(t)
	b := app.browser(true)
	if status, got, body := readyz(t, b); status != http.StatusOK || got.Questions != "accepted" {
		t.Fatalf("GET /readyz before shutdown = %d %s; want 200, questions accepted", status, body)
	}
	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"in flight"}, Gate: gate})
	ask(t, b, "What does an ML engineer do?")

	shutdown := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		app.svc.Shutdown(ctx)
		close(shutdown)
	}()
	// Shutdown flips the service to refusing at once; poll for it, as a
	// load balancer would.
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, got, body := readyz(t, b)
		if status == http.StatusServiceUnavailable && got.Questions == "shutting down" && got.Status == "not ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz during the shutdown grace = %d %s; want 503, questions shutting down", status, body)
		}
	}
	close(gate)
	<-shutdown
}

// TestQuestionsDuringShutdownAre503: a question sent to a replica that is
// shutting down is refused with 503 and Retry-After, which a load balancer
// in front of several replicas sends on to another, and which the page
// shows in words, the question kept in the box.
func TestQuestionsDuringShutdownAre503(t *testing.T) {
	app := newOpsApp(t)
	b := app.browser(true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	app.svc.Shutdown(ctx)
	res := b.post("/c", url.Values{"message": {"What does an ML engineer do?"}})
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("a question during shutdown = %d, Retry-After %q; want 503 with Retry-After\n%.600s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if !strings.Contains(string(body), "Rolefit is restarting") {
		t.Errorf("the refusal does not say why: %s", body)
	}
}
