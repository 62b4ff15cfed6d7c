package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
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
