package server

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/views"
)

// askAndFinish asks a question in a new conversation, follows the answer
// to its end, and returns the conversation's address and the end event.
func askAndFinish(t *testing.T, b *browser, question string) (conversation, end string) {
	t.Helper()
	res := b.post("/c", url.Values{"message": {question}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /c = %d", res.StatusCode)
	}
	conversation = res.Header.Get("HX-Push-Url")
	events, ok := doc(t, res).Find(`[data-testid="message"][data-role="assistant"]`).Attr("sse-connect")
	if !ok {
		t.Fatal("no answer stream")
	}
	return conversation, endOf(t, b, events)
}

func TestAnswerMetaPanel(t *testing.T) {
	prices := views.AnswerDetails{Show: true, PriceInputPerMTok: 2, PriceOutputPerMTok: 10}
	tests := []struct {
		name     string
		details  views.AnswerDetails
		offline  bool
		shown    bool
		provider string // in the panel
		tokens   string // the tokens line
		cost     string // "" for none shown
	}{
		{name: "shown to the owner, no cost without prices", details: views.AnswerDetails{Show: true}, shown: true,
			provider: "openai-compatible, model test-model", tokens: "1000 in, 500 out, reported by the model"},
		{name: "with prices, an estimated cost", details: prices, shown: true,
			provider: "openai-compatible, model test-model", tokens: "1000 in, 500 out, reported by the model",
			cost: "0.0070"}, // 1000 × 2 / 1e6 + 500 × 10 / 1e6
		{name: "offline: estimated tokens, never a cost", details: prices, offline: true, shown: true,
			provider: "offline", tokens: "estimated by Rolefit"},
		// Recorded before the operator turned it off: still not shown.
		{name: "turned off", details: views.AnswerDetails{}, shown: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []appOption{withChat(chat.Config{CitedSections: views.CitedSections}),
				withServer(Config{AnswerDetails: tt.details})}
			if tt.offline {
				opts = append(opts, offlineProvider())
			}
			app := newOpsApp(t, opts...)
			app.fake.Push(fakeopenai.Reply{Chunks: []string{"They train models ", "[§ml-engineer-daily-work]."},
				Usage: &fakeopenai.Usage{PromptTokens: 1000, CompletionTokens: 500}})
			owner := app.browser(true)
			question := "What does an ML engineer do?"
			conv, end := askAndFinish(t, owner, question)

			endDoc, err := goquery.NewDocumentFromReader(strings.NewReader(end))
			if err != nil {
				t.Fatal(err)
			}
			if got := endDoc.Find(`[data-testid="answer-meta"]`).Length() == 1; got != tt.shown {
				t.Errorf("panel in the end event: %v, want %v", got, tt.shown)
			}

			page := doc(t, app.browser(false).get(conv)) // another visitor
			if page.Find(`[data-testid="answer-meta"]`).Length() != 0 || strings.Contains(page.Text(), "SYSTEM") {
				t.Error("another visitor sees how the answer was made")
			}

			res := owner.get(conv + "/export.json")
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if got := strings.Contains(string(body), `"answer_meta"`); res.StatusCode != http.StatusOK || got != tt.shown {
				t.Errorf("JSON export (%d) holds answer_meta: %v, want %v", res.StatusCode, got, tt.shown)
			}

			page = doc(t, owner.get(conv))
			domID, _ := page.Find(`[data-testid="message"][data-role="assistant"]`).Attr("id")
			systemURL := views.SystemPromptURL(strings.TrimPrefix(conv, "/c/"), strings.TrimPrefix(domID, "m-"))
			if res := app.browser(false).get(systemURL); res.StatusCode != http.StatusNotFound {
				t.Errorf("another visitor asked for the system prompt sent: %d, want 404", res.StatusCode)
			}
			panel := page.Find(`[data-testid="message"][data-role="assistant"] details[data-testid="answer-meta"]`)
			if !tt.shown {
				if page.Find(`[data-testid="answer-meta"]`).Length() != 0 {
					t.Error("the panel is shown with ANSWER_DETAILS off")
				}
				if res := owner.get(systemURL); res.StatusCode != http.StatusNotFound {
					t.Errorf("the system prompt sent is served with ANSWER_DETAILS off: %d, want 404", res.StatusCode)
				}
				return
			}
			if panel.Length() != 1 {
				t.Fatalf("the owner's page has %d answer-meta panels, want 1 (a <details> in the answer)", panel.Length())
			}
			if _, open := panel.Attr("open"); open || !strings.Contains(panel.Find("summary").First().Text(), "How this answer was made") {
				t.Error("the panel is not a closed <details> titled How this answer was made")
			}
			field := func(id string) string {
				return strings.Join(strings.Fields(panel.Find(`[data-testid="`+id+`"]`).Text()), " ")
			}
			if got := field("answer-meta-provider"); got != tt.provider {
				t.Errorf("provider = %q, want %q", got, tt.provider)
			}
			if got := field("answer-meta-ending"); got != "done" {
				t.Errorf("ending = %q, want done", got)
			}
			if got := field("answer-meta-tokens"); !strings.Contains(got, tt.tokens) {
				t.Errorf("tokens = %q, want %q", got, tt.tokens)
			}
			if got := field("answer-meta-cost"); (tt.cost == "") != (got == "") || !strings.HasPrefix(got, tt.cost) {
				t.Errorf("cost = %q, want %q", got, tt.cost)
			}
			sent := panel.Find(`[data-testid="answer-meta-sent"] > li`)
			system := sent.First().Find(`details[data-testid="answer-meta-system"]`)
			if sent.Length() != 2 || system.Length() != 1 {
				t.Fatalf("messages sent: %d, with a collapsed system prompt: %v; want the system prompt collapsed, then the question", sent.Length(), system.Length() == 1)
			}
			// The prompt is loaded when the <details> opens, not sent with
			// every answer: from the link, as text, or with htmx, escaped.
			link, _ := system.Find("pre a").Attr("href")
			if _, open := system.Attr("open"); open || link != systemURL || system.AttrOr("hx-get", "") != systemURL || strings.Contains(panel.Text(), "SYSTEM") {
				t.Errorf("system prompt shown open, in the page, or not linked to %s: link %q, hx-get %q", systemURL, link, system.AttrOr("hx-get", ""))
			}
			withoutJS := *owner // the same visitor, following the link
			withoutJS.htmx = false
			for _, c := range []struct {
				b    *browser
				want string
			}{{&withoutJS, testSystemPrompt}, {owner, html.EscapeString(testSystemPrompt)}} {
				res := c.b.get(systemURL)
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || string(body) != c.want {
					t.Errorf("the system prompt sent (htmx %v): %d %q, want %q", c.b.htmx, res.StatusCode, body, c.want)
				}
			}
			if got := sent.Last().Find("pre").Text(); got != question {
				t.Errorf("the question sent = %q, want %q", got, question)
			}
			if !tt.offline && !strings.Contains(field("answer-meta-cited"), "ML Engineer") {
				t.Errorf("sections cited = %q, want the ML engineer's daily work", field("answer-meta-cited"))
			}
		})
	}
}
