package record

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// TestLoadMigrations: the history is read in version order, and a
// misnamed file or a gap fails the load instead of being skipped, so a
// store never runs a history with a step missing.
func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ms, err := LoadMigrations(fstest.MapFS{
		"migrations/0002_more.sql": file("B"),
		"migrations/0001_init.sql": file("A"),
		"migrations/README":        file("not SQL"),
	}, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0] != (Migration{1, "0001_init.sql", "A"}) || ms[1] != (Migration{2, "0002_more.sql", "B"}) {
		t.Errorf("LoadMigrations = %+v", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"misnamed": {"migrations/0001_init.sql": file("A"), "migrations/2_more.sql": file("B")},
		"gap":      {"migrations/0001_init.sql": file("A"), "migrations/0003_more.sql": file("B")},
	} {
		if _, err := LoadMigrations(fsys, "migrations"); err == nil {
			t.Errorf("%s: LoadMigrations accepted it", name)
		}
	}
}

// TestRowsReadBack: what a store writes into columns reads back as it was,
// and "none" is empty text in every column, never JSON null.
func TestRowsReadBack(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	if got := Time(Millis(at.In(time.FixedZone("x", 3600)))); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("time read back as %v", got)
	}
	f := &chat.Feedback{Rating: "down", Reason: "wrong", Comment: "no", At: at}
	if got := Feedback(FeedbackColumns(f)); *got != *f {
		t.Errorf("feedback read back as %+v", got)
	}
	if r, _, _, _ := FeedbackColumns(nil); r != "" || Feedback(FeedbackColumns(nil)) != nil {
		t.Error("no feedback is not empty columns")
	}
	if s, _, err := EncodeMeta(nil); s != "" || err != nil {
		t.Errorf("EncodeMeta(nil) = %q, %v", s, err)
	}
	if s, err := EncodeFit(map[string]string{}); s != "" || err != nil {
		t.Errorf("EncodeFit(empty) = %q, %v", s, err)
	}
	_, msgs, err := ShareColumns(chat.Share{})
	if err != nil || strings.TrimSpace(msgs) != "[]" {
		t.Errorf("a share of no messages stores %q, %v", msgs, err)
	}
}

// The system prompt leaves the stored meta for a reference, and comes back
// in its place; the caller's meta, which the page still shows, is not
// touched.
func TestMetaRefersToItsSystemPrompt(t *testing.T) {
	sent := []chat.SentMessage{{Role: chat.RoleSystem, Content: "You are Rolefit."}, {Role: chat.RoleUser, Content: "Which role fits me?"}}
	m := &chat.AnswerMeta{Provider: "offline", Sent: slices.Clone(sent)}
	stored, prompts, err := EncodeMeta(m)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Sent, sent) {
		t.Errorf("EncodeMeta changed the caller's meta: %+v", m.Sent)
	}
	if strings.Contains(stored, "You are Rolefit.") || len(prompts) != 1 || prompts[0].Text != "You are Rolefit." {
		t.Errorf("stored %s with prompts %+v; want the prompt apart", stored, prompts)
	}
	back, err := DecodeMeta(stored)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []chat.Message{{Meta: back}}
	ForgetPrompts()
	if ResolvePrompts(msgs) || !slices.Equal(MissingPrompts(msgs), []string{prompts[0].Hash}) {
		t.Errorf("an unknown prompt resolved, or is not reported missing: %+v", back.Sent)
	}
	Learn(prompts)
	if !ResolvePrompts(msgs) || !slices.Equal(back.Sent, sent) {
		t.Errorf("read back as %+v, want %+v", back.Sent, sent)
	}
}

// Prompts that change (another provider's, a new knowledge base) each get
// their own reference, however they alternate: the hash kept from the last
// one must never stand for another.
func TestEachPromptGetsItsOwnReference(t *testing.T) {
	want := map[string]string{}
	for _, text := range []string{"You are Rolefit.", "You are Rolefit, offline.", "You are Rolefit.", "", "You are Rolefit, offline."} {
		m := &chat.AnswerMeta{Sent: []chat.SentMessage{{Role: chat.RoleSystem, Content: text + "!"}}}
		_, prompts, err := EncodeMeta(m)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(text + "!"))
		if len(prompts) != 1 || prompts[0].Hash != hex.EncodeToString(sum[:]) || prompts[0].Text != text+"!" {
			t.Fatalf("prompt %q stored as %+v", text+"!", prompts)
		}
		want[prompts[0].Hash] = text
	}
	if len(want) != 3 {
		t.Errorf("%d distinct references for 3 prompts", len(want))
	}
}
