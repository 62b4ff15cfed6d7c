package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/config"
	"github.com/rolefit/rolefit/internal/engines"
	"github.com/rolefit/rolefit/internal/export"
	"github.com/rolefit/rolefit/internal/pgstore"
	"github.com/rolefit/rolefit/internal/store"
)

// runFeedback runs `rolefit feedback args...` in-process.
func runFeedback(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, append([]string{"rolefit", "feedback"}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// ratedDatabase writes, in dir, a database with answers of two visitors,
// two of them rated, as the server would have.
func ratedDatabase(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "rolefit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rateAnswers(t, db)
}

// rateAnswers adds to db answers of two visitors, two of them rated.
func rateAnswers(t *testing.T, db chat.Store) {
	t.Helper()
	ctx := context.Background()
	when := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []string{"c1", "c2"} {
		if err := db.CreateConversation(ctx, chat.Conversation{ID: c, VisitorID: "visitor-" + c, CreatedAt: when, UpdatedAt: when}); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(id, conv string, role chat.Role, content, replyTo string) chat.Message {
		return chat.Message{ID: id, ConversationID: conv, Role: role, Content: content, State: chat.StateDone, ReplyTo: replyTo, CreatedAt: when, UpdatedAt: when}
	}
	a1 := msg("a1", "c1", chat.RoleAssistant, "They use PyTorch [§ml-engineer-tools] and React [§genai-developer-tools].", "q1")
	a1.Meta = &chat.AnswerMeta{Provider: "openai-compatible", Model: "gpt-4o-mini", Ending: chat.EndDone}
	if err := db.AddMessages(ctx,
		msg("q1", "c1", chat.RoleUser, "Which tools?", ""), a1,
		msg("q2", "c1", chat.RoleUser, "Pay?", ""), msg("a2", "c1", chat.RoleAssistant, "Not covered.", "q2"),
		msg("q3", "c2", chat.RoleUser, "What do they build?", ""), msg("a3", "c2", chat.RoleAssistant, "Chatbots.", "q3"),
	); err != nil {
		t.Fatal(err)
	}
	for id, f := range map[string]chat.Feedback{
		"a1": {Rating: chat.RatingDown, Reason: chat.ReasonNotFromSource, Comment: `React is "theirs" <b>`, At: when.Add(time.Hour)},
		"a3": {Rating: chat.RatingUp, At: when.Add(2 * time.Hour)},
	} {
		if err := db.SetFeedback(ctx, id, &f); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFeedbackExportCommand(t *testing.T) {
	dir := t.TempDir()
	ratedDatabase(t, dir)
	out := filepath.Join(t.TempDir(), "feedback.jsonl")

	stdout, stderr, err := runFeedback(t, nil, "export", "-data-dir", dir, "-o", out)
	if err != nil {
		t.Fatalf("feedback export: %v\n%s", err, stderr)
	}
	if stdout != "" || !strings.Contains(stderr, "exported 2 rated answers (1 up, 1 down) to "+out) {
		t.Errorf("stdout %q, stderr %q; want the file written and a count", stdout, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []export.Rated
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r export.Rated
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, r)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines, want the 2 rated answers, oldest rating first: %+v", len(lines), lines)
	}
	first, second := lines[0], lines[1]
	if first.Question != "Which tools?" || !strings.HasPrefix(first.Answer, "They use PyTorch") || first.Model != "gpt-4o-mini" ||
		strings.Join(first.CitedSections, ",") != "ml-engineer-tools,genai-developer-tools" ||
		first.Rating != chat.RatingDown || first.Reason != chat.ReasonNotFromSource || first.Comment != `React is "theirs" <b>` ||
		!first.At.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("first line = %+v", first)
	}
	if second.Question != "What do they build?" || second.Answer != "Chatbots." || second.Rating != chat.RatingUp || second.Model != "" || second.CitedSections == nil {
		t.Errorf("second line = %+v", second)
	}
	raw, _ := os.ReadFile(out)
	if bytes.Contains(raw, []byte("visitor-")) {
		t.Errorf("the export names a visitor:\n%s", raw)
	}

	// DATA_DIR is read like the server's; without -o the lines go to stdout.
	stdout, _, err = runFeedback(t, map[string]string{"DATA_DIR": dir}, "export")
	if err != nil || string(raw) != stdout {
		t.Errorf("to stdout: %v\n%s\nwant\n%s", err, stdout, raw)
	}
}

// A wrong directory is said so, and no database appears there.
func TestFeedbackExportNeedsAnExistingDatabase(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	out := filepath.Join(t.TempDir(), "feedback.jsonl")
	_, _, err := runFeedback(t, nil, "export", "-data-dir", missing, "-o", out)
	if err == nil || !strings.Contains(err.Error(), "no database at "+filepath.Join(missing, "rolefit.db")) {
		t.Errorf("err = %v, want it to name the missing database", err)
	}
	for _, p := range []string{missing, out} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after a failed export (stat: %v)", p, err)
		}
	}

	var invalid *config.Error
	for _, args := range [][]string{nil, {"import"}, {"export", "extra"}, {"export", "-x"}} {
		if _, _, err := runFeedback(t, nil, args...); !errors.As(err, &invalid) {
			t.Errorf("rolefit feedback %v: err = %v, want a usage error (exit 2)", args, err)
		}
	}
}

// TestFeedbackExportFromPostgreSQL: with DATABASE_URL set, the export reads
// the PostgreSQL database the replicas share, not DATA_DIR's.
func TestFeedbackExportFromPostgreSQL(t *testing.T) {
	url := engines.Postgres(t)
	db, err := pgstore.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	rateAnswers(t, db)
	db.Close()

	stdout, stderr, err := runFeedback(t, map[string]string{"DATABASE_URL": url, "DATA_DIR": t.TempDir()}, "export")
	if err != nil {
		t.Fatalf("feedback export: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.Contains(stderr, "exported 2 rated answers (1 up, 1 down)") {
		t.Errorf("exported %d lines, stderr %q; want the 2 rated answers", len(lines), stderr)
	}
	if !strings.Contains(stdout, `React is \"theirs\" <b>`) {
		t.Errorf("the thumbs-down comment is not in the export: %s", stdout)
	}
}
