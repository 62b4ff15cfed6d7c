package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/prompts"
)

func TestSourcePage(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	b := app.browser(false)
	res := b.get("/source")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /source = %d", res.StatusCode)
	}
	d := doc(t, res)
	for _, s := range prompts.Sections() {
		sec := d.Find(`section#` + s.ID + `[data-testid="source-section"]`)
		if sec.Length() != 1 || !strings.Contains(sec.Find("h2").Text(), s.Title) {
			t.Errorf("no anchored section %q titled %q", s.ID, s.Title)
		}
	}
	credit := d.Find(`[data-testid="source-article"]`)
	for _, want := range []string{prompts.Source().Title, prompts.Source().Author, "DEV Community"} {
		if !strings.Contains(credit.Text(), want) {
			t.Errorf("credit %q lacks %q", credit.Text(), want)
		}
	}
	if credit.Find("a").AttrOr("href", "") != prompts.Source().URL {
		t.Errorf("credit does not link to the article")
	}
}

func TestSourcePassage(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	res := app.browser(true).get("/source/ml-engineer-tools")
	d := doc(t, res)
	passage := d.Find(`[data-testid="source-passage"][data-section="ml-engineer-tools"]`)
	if res.StatusCode != http.StatusOK || passage.Length() != 1 || !strings.Contains(passage.Text(), "PyTorch") {
		t.Errorf("passage fragment = %d %q", res.StatusCode, passage.Text())
	}
	res = app.browser(false).get("/source/ml-engineer-tools")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/source#ml-engineer-tools" {
		t.Errorf("without htmx: %d to %q, want a redirect to the anchor", res.StatusCode, res.Header.Get("Location"))
	}
	for _, htmx := range []bool{true, false} {
		res = app.browser(htmx).get("/source/salaries")
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("unknown passage (htmx %v) = %d, want 404", htmx, res.StatusCode)
		}
	}
}

// TestStreamedCitations: a marker split across deltas becomes one link as
// soon as it is complete; a marker of a section that does not exist never
// becomes a link, neither while streaming nor in the final rendering.
func TestStreamedCitations(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"They use Python [§ml-engi", "neer-tools] and ", "earn a lot [§salaries]. ", "Data too [§ml-engineer-daily-work]."}})
	b := app.browser(true)
	d := doc(t, b.post("/c", url.Values{"message": {"tools?"}}))
	events := d.Find(`[data-role="assistant"]`).AttrOr("sse-connect", "")
	res := b.get(events)
	evs := readEvents(t, res.Body)
	res.Body.Close()

	var live strings.Builder
	var end string
	for _, e := range evs {
		switch e.name {
		case "delta":
			live.WriteString(e.data)
		case "end":
			end = e.data
		}
	}
	for name, html := range map[string]string{"streamed": live.String(), "final": end} {
		d, _ := goquery.NewDocumentFromReader(strings.NewReader(html))
		var got []string
		d.Find(`a[data-testid="citation"]`).Each(func(_ int, s *goquery.Selection) {
			got = append(got, s.AttrOr("data-section", "")+"="+s.Text())
		})
		if strings.Join(got, ",") != "ml-engineer-tools=1,ml-engineer-daily-work=2" {
			t.Errorf("%s citations = %q, want the two known sections numbered 1 and 2", name, got)
		}
		if strings.Contains(d.Text(), "§") || strings.Contains(html, "salaries") {
			t.Errorf("%s text shows a raw or unknown marker: %q", name, d.Text())
		}
	}

	// A reload renders the stored answer the same way.
	d = doc(t, b.get(strings.Split(events, "/answers/")[0]))
	if n := d.Find(`[data-role="assistant"] a[data-testid="citation"]`).Length(); n != 2 {
		t.Errorf("after a reload the answer has %d citation links, want 2", n)
	}
}
