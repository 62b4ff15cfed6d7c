package export

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/prompts"
)

var (
	when = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	conv = chat.Conversation{ID: "C", Title: "Tools?", CreatedAt: when, UpdatedAt: when}
	msgs = []chat.Message{
		{ID: "Q1", Role: chat.RoleUser, Content: "Which tools?", State: chat.StateDone, CreatedAt: when},
		{ID: "A0", Role: chat.RoleAssistant, Content: "old version", State: chat.StateError, Error: "Busy.", ReplyTo: "Q1", Hidden: true, CreatedAt: when},
		{ID: "A1", Role: chat.RoleAssistant, Content: "PyTorch [§ml-engineer-tools]. React [§genai-developer-tools]. Again [§ml-engineer-tools]. Pay [§salary].", State: chat.StateDone, ReplyTo: "Q1", CreatedAt: when},
		{ID: "Q2", Role: chat.RoleUser, Content: "More?", State: chat.StateDone, CreatedAt: when},
		{ID: "A2", Role: chat.RoleAssistant, Content: "Half", State: chat.StateStopped, ReplyTo: "Q2", CreatedAt: when, Meta: meta},
	}
	meta = &chat.AnswerMeta{Provider: "openai-compatible", Model: "gpt-4o-mini", FirstTokenMS: 300, TotalMS: 900,
		Ending: chat.EndStopped, PromptTokens: 40, CompletionTokens: 2,
		Sent: []chat.SentMessage{{Role: chat.RoleSystem, Content: "SYSTEM PROMPT TEXT"}, {Role: chat.RoleUser, Content: "More?"}}}
)

func TestMarkdown(t *testing.T) {
	md := string(Markdown(conv, msgs))
	title := func(id string) string { s, _ := prompts.LookupSection(id); return s.Title }
	for _, want := range []string{
		"# Tools?",
		"## You\n\nWhich tools?",
		"PyTorch [^1]. React [^2]. Again [^1]. Pay .",
		"[^1]: " + title("ml-engineer-tools") + " (/source#ml-engineer-tools)",
		"[^2]: " + title("genai-developer-tools") + " (/source#genai-developer-tools)",
		"_(This answer was stopped before it was finished.)_",
		"Sarthak Thakare",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("export lacks %q:\n%s", want, md)
		}
	}
	for _, bad := range []string{"old version", "[§", "salary", "[^3]", "SYSTEM PROMPT TEXT", "gpt-4o-mini"} {
		if strings.Contains(md, bad) {
			t.Errorf("export contains %q (hidden version, raw or unknown marker):\n%s", bad, md)
		}
	}
}

func TestJSON(t *testing.T) {
	b, err := json.Marshal(JSON(conv, msgs))
	if err != nil {
		t.Fatal(err)
	}
	var back Conversation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != "C" || back.Title != "Tools?" || len(back.Messages) != 5 || back.Source.Author != "Sarthak Thakare" {
		t.Fatalf("round trip = %+v", back)
	}
	if m := back.Messages[1]; m.ID != "A0" || !m.Hidden || m.ReplyTo != "Q1" || m.State != "error" || m.Error != "Busy." {
		t.Errorf("hidden version = %+v", m)
	}
	if m := back.Messages[4]; m.AnswerMeta == nil || m.AnswerMeta.Model != "gpt-4o-mini" || m.AnswerMeta.Sent[0].Content != "SYSTEM PROMPT TEXT" {
		t.Errorf("answer meta = %+v, want how A2 was made", m.AnswerMeta)
	}
	if !strings.Contains(string(b), `"answer_meta":{"provider":"openai-compatible"`) || strings.Count(string(b), `"answer_meta"`) != 1 {
		t.Errorf("JSON export does not hold how A2 was made under answer_meta (and only for it):\n%s", b)
	}
}

func TestFileName(t *testing.T) {
	tests := map[string]string{
		"Which role fits me?":   "rolefit-which-role-fits-me",
		"":                      "rolefit-conversation",
		`../../etc "passwd"`:    "rolefit-etc-passwd",
		"Ünïcode only ✨":        "rolefit-n-code-only",
		strings.Repeat("a", 99): "rolefit-" + strings.Repeat("a", 60),
	}
	for in, want := range tests {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReasoningIsMarkedAndKeptOutOfMarkdown: a reasoning model's thinking
// is in the JSON export as reasoning, apart from the content, and not in
// the Markdown export at all.
func TestReasoningIsMarkedAndKeptOutOfMarkdown(t *testing.T) {
	thought := []chat.Message{
		{ID: "Q1", Role: chat.RoleUser, Content: "Which tools?", State: chat.StateDone, CreatedAt: when},
		{ID: "A1", Role: chat.RoleAssistant, Content: "PyTorch.", Reasoning: "Private musing.", ThoughtFor: 2500 * time.Millisecond,
			State: chat.StateDone, ReplyTo: "Q1", CreatedAt: when},
	}
	if md := string(Markdown(conv, thought)); strings.Contains(md, "Private musing") || !strings.Contains(md, "PyTorch.") {
		t.Errorf("Markdown export:\n%s\nwant the answer without the thinking", md)
	}
	b, err := json.Marshal(JSON(conv, thought))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Messages []struct {
			Content   string `json:"content"`
			Reasoning *struct {
				Text      string `json:"text"`
				ThoughtMS int64  `json:"thought_ms"`
			} `json:"reasoning"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	a := got.Messages[1]
	if a.Content != "PyTorch." || a.Reasoning == nil || a.Reasoning.Text != "Private musing." || a.Reasoning.ThoughtMS != 2500 {
		t.Errorf("JSON answer: %s", b)
	}
	if got.Messages[0].Reasoning != nil {
		t.Errorf("a question has reasoning: %s", b)
	}
}

// A rated answer carries its rating in the JSON export, in UTC; the
// Markdown export, the conversation as read, has none of it.
func TestFeedbackInTheJSONExportOnly(t *testing.T) {
	rated := append([]chat.Message(nil), msgs...)
	rated[2].Feedback = &chat.Feedback{Rating: chat.RatingDown, Reason: chat.ReasonWrong, Comment: "PyTorch is not all",
		At: time.Date(2026, 11, 27, 11, 0, 0, 0, time.FixedZone("CET", 3600))}
	b, err := json.Marshal(JSON(conv, rated))
	if err != nil {
		t.Fatal(err)
	}
	if want := `"feedback":{"rating":"down","reason":"wrong","comment":"PyTorch is not all","at":"2026-11-27T10:00:00Z"}`; !strings.Contains(string(b), want) || strings.Count(string(b), `"feedback"`) != 1 {
		t.Errorf("JSON export lacks %s (once, for A1):\n%s", want, b)
	}
	if md := string(Markdown(conv, rated)); md != string(Markdown(conv, msgs)) {
		t.Errorf("the Markdown export changed with a rating:\n%s", md)
	}
}
