package server

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/guard"
)

const limitedMessage = "You are asking questions faster than this Rolefit allows. Please try again in 30 seconds."

// askRefused posts a question that must be refused, and returns the status
// and the composer that came back.
func askRefused(t *testing.T, b *browser, path, question string) (status int, errText, text string) {
	t.Helper()
	res := b.post(path, url.Values{"message": {question}})
	d := doc(t, res)
	composer := d.Find(`form[data-testid="composer"]`)
	errText = strings.TrimSpace(composer.Find(`[data-testid="composer-error"]`).Text())
	if b.htmx && errText != "" && (res.Header.Get("HX-Retarget") != "#composer" || res.Header.Get("HX-Reswap") != "outerHTML") {
		t.Errorf("htmx refusal retargets %q/%q, want the composer", res.Header.Get("HX-Retarget"), res.Header.Get("HX-Reswap"))
	}
	return res.StatusCode, errText, composer.Find(`textarea[name="message"]`).Text()
}

func TestQuestionRateLimit(t *testing.T) {
	app := newOpsApp(t, withServer(Config{QuestionLimit: 2, QuestionWindow: time.Minute, ServeMetrics: true}))
	b := app.browser(true)
	first := ask(t, b, "First question")
	app.waitFinished()
	ask(t, b, "Second question")
	app.waitFinished()

	// The third question in the minute: the message, in the composer, with
	// the question kept (htmx swaps only a 2xx, so the status is 200).
	status, msg, text := askRefused(t, b, "/c", "Third question")
	if status != http.StatusOK || msg != limitedMessage || text != "Third question" {
		t.Errorf("htmx: third question = %d, %q, text %q; want 200, %q, the text kept", status, msg, text, limitedMessage)
	}
	// In an existing conversation, and without JavaScript: a 429 page.
	nojs := app.browser(false)
	nojs.client.Jar = b.client.Jar
	status, msg, text = askRefused(t, nojs, first.conversation+"/messages", "Fourth question")
	if status != http.StatusTooManyRequests || msg != limitedMessage || text != "Fourth question" {
		t.Errorf("no JS: fourth question = %d, %q, text %q; want 429, %q, the text kept", status, msg, text, limitedMessage)
	}
	// Regenerating starts an answer too: refused, the message in the
	// composer's notice area.
	res := b.post(first.conversation+"/answers/"+first.id+"/regenerate", nil)
	if body := readBody(t, res); res.Header.Get("HX-Retarget") != "#notice" || body != limitedMessage {
		t.Errorf("regenerate = %q into %q, want the message in #notice", body, res.Header.Get("HX-Retarget"))
	}
	if n := len(app.fake.Calls()); n != 2 {
		t.Errorf("the model was asked %d times, want 2", n)
	}

	// A visitor with a new cookie, from the same address, is the same client.
	status, msg, _ = askRefused(t, app.browser(true), "/c", "New cookie")
	if msg != limitedMessage {
		t.Errorf("a new cookie from the same address: %d %q, want refused", status, msg)
	}

	app.clock.advance(30 * time.Second)
	ask(t, b, "After waiting")
	app.waitFinished()
	if m := scrape(t, b); m[`rolefit_rate_limited_total{limit="visitor"}`] != 4 {
		t.Errorf("refusals counted %v, want 4", m[`rolefit_rate_limited_total{limit="visitor"}`])
	}
}

func TestQuestionRateLimitTellsClientsApart(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		// Whether a second client (new cookie, claiming another address)
		// may ask once the first is limited.
		secondAllowed bool
	}{
		{"X-Forwarded-For from a trusted proxy", trusted, true},
		{"X-Forwarded-For from anyone else is ignored", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := newOpsApp(t, withServer(Config{QuestionLimit: 1, QuestionWindow: 30 * time.Second, TrustedProxies: tt.trusted}))
			a := app.browser(true).from("203.0.113.1")
			ask(t, a, "First")
			app.waitFinished()
			if _, msg, _ := askRefused(t, a, "/c", "Again"); msg != limitedMessage {
				t.Fatalf("second question from the same client: %q, want refused", msg)
			}
			_, msg, _ := askRefused(t, app.browser(true).from("198.51.100.2"), "/c", "Someone else")
			if got := msg == ""; got != tt.secondAllowed {
				t.Errorf("another client allowed = %v (message %q), want %v", got, msg, tt.secondAllowed)
			}
			if tt.secondAllowed {
				app.waitFinished()
				// The same visitor from a new address is still limited.
				if _, msg, _ := askRefused(t, a.from("192.0.2.77"), "/c", "New address"); msg == "" {
					t.Error("a visitor escaped the limit by changing address")
				}
			}
		})
	}
}

func TestDailyTokenBudget(t *testing.T) {
	budget := guard.NewDailyBudget(50)
	app := newOpsApp(t, withChat(chat.Config{Budget: budget}), withServer(Config{ServeMetrics: true}))
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Engineers train models."}, Usage: &fakeopenai.Usage{PromptTokens: 40, CompletionTokens: 15}})
	b := app.browser(true)
	a := ask(t, b, "What does an ML engineer do?")
	if r := app.waitFinished(); r.PromptTokens+r.CompletionTokens != 55 {
		t.Fatalf("the answer cost %d tokens, want 55 (over the budget of 50)", r.PromptTokens+r.CompletionTokens)
	}

	status, msg, text := askRefused(t, b, a.conversation+"/messages", "And a Gen AI developer?")
	if status != http.StatusOK || !strings.HasPrefix(msg, "Rolefit has used today's budget for the AI model. Please try again after 00:00 UTC (in ") ||
		text != "And a Gen AI developer?" {
		t.Errorf("over budget: %d %q, text %q; want the budget message in the composer, the text kept", status, msg, text)
	}
	nojs := app.browser(false)
	status, msg, _ = askRefused(t, nojs, "/c", "A new chat")
	if status != http.StatusTooManyRequests || !strings.Contains(msg, "today's budget") {
		t.Errorf("over budget without JS: %d %q, want 429 with the message", status, msg)
	}
	if n := len(app.fake.Calls()); n != 1 {
		t.Errorf("the model was asked %d times, want 1", n)
	}
	if m := scrape(t, b); m[`rolefit_rate_limited_total{limit="budget"}`] != 2 {
		t.Errorf("budget refusals counted %v, want 2", m[`rolefit_rate_limited_total{limit="budget"}`])
	}
}
