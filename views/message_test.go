package views

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
)

func TestMessage(t *testing.T) {
	base := chat.Message{ID: "A1", ConversationID: "C1", Role: chat.RoleAssistant}
	with := func(f func(*chat.Message)) chat.Message { m := base; f(&m); return m }
	tests := []struct {
		name       string
		msg        chat.Message
		retry      bool
		state      string // data-state; "" for user messages
		stream     string // sse-connect URL, "" when none
		stop       bool
		retryBtn   bool
		regenerate bool
		errorText  string
		text       string
	}{
		{name: "user message is plain text",
			msg:  chat.Message{ID: "U1", ConversationID: "C1", Role: chat.RoleUser, Content: "<b>hi</b>", State: chat.StateDone},
			text: "<b>hi</b>"},
		{name: "streaming answer resumes after the text it shows",
			msg:   with(func(m *chat.Message) { m.State, m.Content = chat.StateStreaming, "so far" }),
			state: "streaming", stream: "/c/C1/answers/A1/events?offset=6", stop: true, text: "so far"},
		{name: "empty streaming answer streams from the start",
			msg:   with(func(m *chat.Message) { m.State = chat.StateStreaming }),
			state: "streaming", stream: "/c/C1/answers/A1/events", stop: true},
		{name: "done answer is rendered Markdown",
			msg:   with(func(m *chat.Message) { m.State, m.Content = chat.StateDone, "**bold** text" }),
			state: "done", text: "bold text"},
		{name: "latest done answer can be regenerated",
			msg:   with(func(m *chat.Message) { m.State, m.Content = chat.StateDone, "text" }),
			retry: true, state: "done", regenerate: true, text: "text"},
		{name: "failed last answer explains and offers a retry",
			msg:   with(func(m *chat.Message) { m.State, m.Content, m.Error = chat.StateError, "half", "The model is busy." }),
			retry: true, state: "error", retryBtn: true, errorText: "The model is busy.", text: "half"},
		{name: "older stopped answer has no retry",
			msg:   with(func(m *chat.Message) { m.State, m.Content = chat.StateStopped, "partial" }),
			state: "stopped", text: "partial"},
		{name: "interrupted answer offers a retry",
			msg:   with(func(m *chat.Message) { m.State = chat.StateInterrupted; m.Error = "Rolefit restarted." }),
			retry: true, state: "interrupted", retryBtn: true, errorText: "Rolefit restarted."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Message(Item{Message: tt.msg, CanRegenerate: tt.retry}).Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			d, err := goquery.NewDocumentFromReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			el := d.Find(`[data-testid="message"]`)
			if el.Length() != 1 || el.AttrOr("data-role", "") != string(tt.msg.Role) || el.AttrOr("id", "") != "m-"+tt.msg.ID {
				t.Fatalf("want one message element with data-role %q and id m-%s:\n%s", tt.msg.Role, tt.msg.ID, buf.String())
			}
			if got := el.AttrOr("data-state", ""); got != tt.state {
				t.Errorf("data-state = %q, want %q", got, tt.state)
			}
			if got := el.AttrOr("sse-connect", ""); got != tt.stream {
				t.Errorf("sse-connect = %q, want %q", got, tt.stream)
			}
			if got := el.Find(`[data-testid="stop"]`).Length() == 1; got != tt.stop {
				t.Errorf("stop button shown = %v, want %v", got, tt.stop)
			}
			if got := el.Find(`[data-testid="retry"]`).Length() == 1; got != tt.retryBtn {
				t.Errorf("retry button shown = %v, want %v", got, tt.retryBtn)
			}
			if got := el.Find(`[data-testid="regenerate"]`).Length() == 1; got != tt.regenerate {
				t.Errorf("regenerate button shown = %v, want %v", got, tt.regenerate)
			}
			if got := el.Find(`[data-testid="answer-error"]`).Text(); got != tt.errorText {
				t.Errorf("error text = %q, want %q", got, tt.errorText)
			}
			if got := strings.TrimSpace(el.Find(".text").Text()); got != tt.text {
				t.Errorf("text = %q, want %q", got, tt.text)
			}
		})
	}
}

func TestComposerKeepsTextAndError(t *testing.T) {
	var buf bytes.Buffer
	ComposerForm(Composer{ConversationID: "C1", Text: "my <long> question", Error: "Too long."}).Render(context.Background(), &buf)
	d, _ := goquery.NewDocumentFromReader(&buf)
	form := d.Find(`form[data-testid="composer"]`)
	if form.AttrOr("action", "") != "/c/C1/messages" || form.AttrOr("hx-post", "") != "/c/C1/messages" {
		t.Errorf("composer posts to %q / %q", form.AttrOr("action", ""), form.AttrOr("hx-post", ""))
	}
	if got := form.Find(`textarea[name="message"]`).Text(); got != "my <long> question" {
		t.Errorf("textarea = %q", got)
	}
	if got := form.Find(`[data-testid="composer-error"]`).Text(); got != "Too long." {
		t.Errorf("error = %q", got)
	}
}

func TestThreadVersions(t *testing.T) {
	q := chat.Message{ID: "Q", Role: chat.RoleUser, State: chat.StateDone}
	v1 := chat.Message{ID: "V1", Role: chat.RoleAssistant, State: chat.StateError, ReplyTo: "Q", Hidden: true}
	v2 := chat.Message{ID: "V2", Role: chat.RoleAssistant, State: chat.StateDone, ReplyTo: "Q"}
	v3 := chat.Message{ID: "V3", Role: chat.RoleAssistant, State: chat.StateDone, ReplyTo: "Q", Hidden: true}
	items := Thread([]chat.Message{q, v1, v2, v3}, chat.ProviderInfo{Name: "openai-compatible"})
	if len(items) != 2 || items[1].ID != "V2" {
		t.Fatalf("thread = %+v, want the question and the shown version", items)
	}
	a := items[1]
	if a.Version != 2 || a.Versions != 3 || a.Prev != "V1" || a.Next != "V3" || !a.CanRegenerate {
		t.Errorf("answer item = %+v", a)
	}
	var buf bytes.Buffer
	Message(a).Render(context.Background(), &buf)
	d, _ := goquery.NewDocumentFromReader(&buf)
	if got := d.Find(`[data-testid="version-label"]`).Text(); got != "2 / 3" {
		t.Errorf("version label = %q", got)
	}
	if d.Find(`[data-testid="version-prev"]`).Length() != 1 || d.Find(`[data-testid="version-next"]`).Length() != 1 {
		t.Error("missing version buttons")
	}
}

// TestMessageShowsThinkingApart: a finished answer's thinking is a
// collapsed part of its own, escaped, with how long it took, outside the
// answer's text (which Copy copies).
func TestMessageShowsThinkingApart(t *testing.T) {
	m := chat.Message{ID: "A1", ConversationID: "C1", Role: chat.RoleAssistant, State: chat.StateDone,
		Content: "The answer.", Reasoning: "Think <b>hard</b>.", ThoughtFor: 4400 * time.Millisecond}
	var b bytes.Buffer
	if err := Message(Item{Message: m}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	r := doc.Find(`details[data-testid="reasoning"]`)
	if r.Length() != 1 || r.AttrOr("open", "closed") != "closed" {
		t.Fatalf("want one collapsed reasoning part, got %d (open=%v)", r.Length(), r.AttrOr("open", "closed"))
	}
	if got := r.Find("summary").Text(); got != "Thought for 4 s" {
		t.Errorf("summary %q", got)
	}
	if got := r.Find(".reasoning-text").Text(); got != "Think <b>hard</b>." || r.Find("b").Length() != 0 {
		t.Errorf("thinking shown as %q, markup %d", got, r.Find("b").Length())
	}
	if got := doc.Find(".text").Text(); strings.Contains(got, "Think") || !strings.Contains(got, "The answer.") {
		t.Errorf("answer text %q", got)
	}
	m.Reasoning = ""
	b.Reset()
	if err := Message(Item{Message: m}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "reasoning") {
		t.Errorf("an answer without thinking shows a reasoning part: %s", b.String())
	}
}
