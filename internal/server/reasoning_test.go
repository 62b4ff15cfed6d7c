package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/views"
)

// TestThinkingIsShownApartFromTheAnswer: a model that thinks inline in
// <think> (tags split across chunks, through the real provider) streams
// only its answer as the answer; the end event and a reload show the
// thinking collapsed and apart, and the JSON export marks it.
func TestThinkingIsShownApartFromTheAnswer(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Recorded("ollama-inline-think"))
	b := app.browser(true)
	d := doc(t, b.post("/c", url.Values{"message": {"what do they do?"}}))
	res := b.get(d.Find(`[data-role="assistant"]`).AttrOr("sse-connect", ""))
	evs := readEvents(t, res.Body)
	res.Body.Close()
	var live strings.Builder
	var end string
	for _, e := range evs {
		switch e.name {
		case "delta", "blocks":
			live.WriteString(e.data)
		case "end":
			end = e.data
		}
	}
	if strings.Contains(live.String(), "person asks") || strings.Contains(live.String(), "think") {
		t.Errorf("the thinking streamed as the answer: %q", live.String())
	}
	final, _ := goquery.NewDocumentFromReader(strings.NewReader(end))
	checkThinkingApart(t, "end event", final)
	parts := strings.Split(res.Request.URL.Path, "/") // /c/{id}/answers/{answer}/events
	page := doc(t, b.get("/c/"+parts[2]))
	checkThinkingApart(t, "reloaded page", page)
	export := b.get("/c/" + parts[2] + "/export.json")
	defer export.Body.Close()
	var exported struct {
		Messages []struct {
			Content   string `json:"content"`
			Reasoning *struct {
				Text string `json:"text"`
			} `json:"reasoning"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(export.Body).Decode(&exported); err != nil {
		t.Fatal(err)
	}
	if m := exported.Messages[1]; m.Content != "ML Engineers train the models." || m.Reasoning == nil ||
		m.Reasoning.Text != "\nThe person asks about ML roles.\n" {
		t.Errorf("the JSON export does not mark the thinking apart: %+v", exported.Messages)
	}
}

func checkThinkingApart(t *testing.T, name string, d *goquery.Document) {
	t.Helper()
	a := d.Find(`[data-role="assistant"]`)
	r := a.Find(`details[data-testid="reasoning"]`)
	if r.Length() != 1 || !strings.Contains(r.Text(), "The person asks about ML roles.") || !strings.HasPrefix(r.Find("summary").Text(), "Thought for ") {
		t.Errorf("%s: want the thinking collapsed, got %q", name, r.Text())
	}
	if text := a.Find(".text").Text(); strings.Contains(text, "person asks") || !strings.Contains(text, "ML Engineers train the models.") {
		t.Errorf("%s: answer text %q", name, text)
	}
}

// TestThinkingStreamsLiveApart: while a reasoning model thinks, its
// thinking streams as "reasoning" events (no id: ids are the answer's
// offsets) into a collapsed part titled "Thinking…", never as the
// answer's text; once the answer starts, a "thought" event names how long
// it thought. The panel gives the time to the first thinking and to the
// first answer token apart.
func TestThinkingStreamsLiveApart(t *testing.T) {
	app := newOpsApp(t, withChat(chat.Config{}), withServer(Config{AnswerDetails: views.AnswerDetails{Show: true}}))
	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Reasoning: []string{"Let me think", " about <roles>."}, Chunks: []string{"The answer", "."}, Gate: gate})
	b := app.browser(true)
	d := doc(t, b.post("/c", url.Values{"message": {"what do they do?"}}))
	a := d.Find(`[data-role="assistant"]`)
	r := a.Find(`details[data-testid="reasoning"]`)
	if r.Length() != 1 || r.AttrOr("open", "none") != "none" || strings.TrimSpace(r.Find("summary").Text()) != "Thinking…" {
		t.Fatalf("a streaming answer has no collapsed part for its thinking: %s", outer(a))
	}
	res := b.get(a.AttrOr("sse-connect", ""))
	defer res.Body.Close()
	evs := streamEvents(res.Body)
	next := func(want string) event {
		t.Helper()
		for e := range evs {
			if e.name == want {
				return e
			}
			if e.name == "delta" || e.name == "blocks" {
				t.Errorf("before %s, a %s event: %q", want, e.name, e.data)
			}
		}
		t.Fatalf("the stream ended before a %s event", want)
		return event{}
	}
	gate <- struct{}{}
	if e := next("reasoning"); e.id != "" || !strings.Contains(e.data, "Let me think") {
		t.Errorf("first thinking event: %+v", e)
	}
	gate <- struct{}{}
	if e := next("reasoning"); e.id != "" || e.data != " about &lt;roles&gt;." {
		t.Errorf("second thinking event: %+v; want the new thinking, escaped", e)
	}
	gate <- struct{}{} // the answer's first words; the rest is held back
	if e := next("thought"); !strings.HasPrefix(e.data, "Thought for ") {
		t.Errorf("thought event: %+v", e)
	}
	close(gate)
	var text strings.Builder
	var end string
	for e := range evs {
		switch e.name {
		case "delta", "blocks":
			text.WriteString(e.data)
		case "end":
			end = e.data
		}
	}
	if got := text.String(); strings.Contains(got, "think") || !strings.Contains(got, "The answer.") {
		t.Errorf("the answer streamed as %q", got)
	}
	final, _ := goquery.NewDocumentFromReader(strings.NewReader(end))
	if s := final.Find(`details[data-testid="reasoning"] summary`).Text(); !strings.HasPrefix(s, "Thought for ") {
		t.Errorf("the ended answer's thinking is titled %q", s)
	}
	for _, hook := range []string{"answer-meta-first-reasoning", "answer-meta-first-token"} {
		if got := final.Find(`[data-testid="` + hook + `"]`).Text(); !strings.HasSuffix(got, " s") {
			t.Errorf("%s reads %q; want a time", hook, got)
		}
	}
}
