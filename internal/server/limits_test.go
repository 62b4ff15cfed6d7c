package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestInputLimits sends what a person, a broken client or an attacker may
// send as a question. Each is refused with a message that says what to
// change, with and without JavaScript, and never reaches the model or
// answers 500.
func TestInputLimits(t *testing.T) {
	app := newTestAppAt(t, chat.Config{MaxQuestionChars: 4000}, "")
	tests := []struct {
		name string
		body string // the form body, encoded
		want string // the composer's error
	}{
		{"over the character limit", form(strings.Repeat("é", 4001)), "Your message is 4,001 characters long; the limit is 4,000. Please shorten it."},
		{"body over the size cap", form(strings.Repeat("a", maxFormBytes)), "Your message is far too long to send. Please shorten it."},
		{"invalid UTF-8", "message=What%20does%20%FF%FE%20mean%3F", "Your message contains characters that are not valid text. Please retype it."},
		{"only whitespace", form(" \n\t\r\n  "), "Type a question first."},
		{"only control characters", form("\x00\x01\x1b\x7f"), "Type a question first."},
		{"no message field", "other=1", "Type a question first."},
		{"malformed form encoding", "message=%zz", "Your message could not be read. Please try again."},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, htmx %v", tt.name, htmx), func(t *testing.T) {
				b := app.browser(htmx)
				req, err := http.NewRequest("POST", app.url+"/c", strings.NewReader(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if htmx {
					req.Header.Set("HX-Request", "true")
				}
				res, err := b.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				wantStatus := http.StatusUnprocessableEntity
				if htmx {
					wantStatus = http.StatusOK // htmx swaps only 2xx: the composer comes back with the message
				}
				if res.StatusCode != wantStatus {
					t.Errorf("status = %d, want %d", res.StatusCode, wantStatus)
				}
				d := doc(t, res)
				if got := strings.TrimSpace(d.Find(`[data-testid="composer-error"]`).Text()); got != tt.want {
					t.Errorf("composer error = %q, want %q", got, tt.want)
				}
				if n := d.Find(`[data-testid="message"]`).Length(); n != 0 {
					t.Errorf("a refused question shows %d messages", n)
				}
			})
		}
	}
	if n := len(app.fake.Calls()); n != 0 {
		t.Errorf("refused questions reached the model %d times", n)
	}
	if logs := app.logs.String(); strings.Contains(logs, "status=500") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("a refused question was logged as a server error:\n%s", logs)
	}
}

func form(message string) string { return url.Values{"message": {message}}.Encode() }

// TestControlCharactersStripped checks that invisible characters pasted
// into a question are dropped, not refused, and that the model and the
// page get the clean text.
func TestControlCharactersStripped(t *testing.T) {
	app := newTestAppAt(t, chat.Config{}, "")
	b := app.browser(false)
	res := b.post("/c", url.Values{"message": {"\x00What\x07 does an ML\x1b engineer do?\x7f\r\nToday?\x00"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /c = %d, want 303", res.StatusCode)
	}
	const clean = "What does an ML engineer do?\nToday?"
	if calls := app.fake.Calls(); len(calls) != 1 || calls[0].Request.Messages[len(calls[0].Request.Messages)-1].Content != clean {
		t.Errorf("the model was asked %+v, want %q", calls, clean)
	}
	d := doc(t, b.get(strings.Split(res.Header.Get("Location"), "#")[0]))
	if got := d.Find(`[data-testid="message"][data-role="user"] .text`).Text(); got != clean {
		t.Errorf("the page shows the question as %q, want %q", got, clean)
	}
}

// TestLongConversationTrimsHistory asks 300 questions in one conversation.
// Every one is answered, and every request sent to the model fits the
// history budget and ends with the newest question: a long chat never
// fails for length.
func TestLongConversationTrimsHistory(t *testing.T) {
	const budget = 1000 // tokens, as HISTORY_TOKENS
	app := newTestAppAt(t, chat.Config{HistoryTokens: budget}, "")
	answer := strings.Repeat("An answer long enough to matter. ", 6) // about 200 bytes
	app.fake.SetDefault(fakeopenai.Reply{Chunks: []string{answer}})
	b := app.browser(false)

	path := "/c"
	for i := range 300 {
		question := fmt.Sprintf("Question number %d: what else should I know about the two roles?", i+1)
		res := b.post(path, url.Values{"message": {question}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("question %d: POST %s = %d, want 303", i+1, path, res.StatusCode)
		}
		if i == 0 {
			path = strings.Split(res.Header.Get("Location"), "#")[0] + "/messages"
		}
	}

	calls := app.fake.Calls()
	if len(calls) != 300 {
		t.Fatalf("the model was asked %d times, want 300", len(calls))
	}
	longest := 0
	for i, call := range calls {
		msgs := call.Request.Messages
		want := fmt.Sprintf("Question number %d:", i+1)
		if last := msgs[len(msgs)-1]; last.Role != "user" || !strings.HasPrefix(last.Content, want) {
			t.Fatalf("request %d ends with %s %q, want the newest question", i+1, last.Role, last.Content)
		}
		if msgs[0].Role != "system" {
			t.Fatalf("request %d starts with %s, want the system prompt", i+1, msgs[0].Role)
		}
		// The budget is counted as the service documents it: a token per
		// 4 bytes, plus 4 per message.
		tokens := 0
		for _, m := range msgs[1:] {
			tokens += len(m.Content)/4 + 4
		}
		if tokens > budget {
			t.Errorf("request %d sends %d tokens of history, over the budget of %d", i+1, tokens, budget)
		}
		if i > 0 && (len(msgs) < 4 || msgs[len(msgs)-2].Role != "assistant" || msgs[len(msgs)-2].Content != answer) {
			t.Errorf("request %d lacks the previous answer just before the question", i+1)
		}
		longest = max(longest, len(msgs))
	}
	if len(calls[299].Request.Messages) >= 600 {
		t.Errorf("the last request sends all %d messages: nothing was trimmed", len(calls[299].Request.Messages))
	}
	t.Logf("longest request: %d messages", longest)

	// Every turn is kept; the page shows the latest, and links to the rest.
	d := doc(t, b.get(strings.TrimSuffix(path, "/messages")))
	msgs := d.Find(`[data-testid="message"]`)
	done := d.Find(`[data-testid="message"][data-role="assistant"][data-state="done"]`)
	if msgs.Length() != chat.MessagesPerPage || done.Length() != chat.MessagesPerPage/2 || d.Find(`[data-testid="earlier"]`).Length() != 1 {
		t.Errorf("the conversation shows %d messages, %d answers done; want the latest %d, half of them answers, and a link to earlier ones",
			msgs.Length(), done.Length(), chat.MessagesPerPage)
	}
	stored, err := app.db.Messages(context.Background(), strings.Split(path, "/")[2])
	if err != nil || len(stored) != 600 {
		t.Errorf("the conversation keeps %d messages (%v), want 600", len(stored), err)
	}
	if r := b.get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("healthz = %d", r.StatusCode)
	}
}
