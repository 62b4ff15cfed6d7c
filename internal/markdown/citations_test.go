package markdown

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/cite"
)

func TestRenderCitations(t *testing.T) {
	sections := map[string]string{"ml-engineer-tools": "ML Engineer tools", "genai-developer-tools": "Gen AI tools"}
	lookup := func(id string) (cite.Passage, bool) {
		title, ok := sections[id]
		return cite.Passage{Title: title, URL: "/source#" + id}, ok
	}
	r := New(lookup)
	tests := []struct {
		name    string
		src     string
		links   []string // data-section of each citation link, in order
		numbers []string
		unknown []string
		text    string // must appear in the text
	}{
		{name: "numbered in reading order, reused",
			src:   "Python [§ml-engineer-tools]. React [§genai-developer-tools].\n\n- again [§ml-engineer-tools]",
			links: []string{"ml-engineer-tools", "genai-developer-tools", "ml-engineer-tools"}, numbers: []string{"1", "2", "1"}},
		{name: "unknown section dropped and reported",
			src: "Pay is good [§salaries].", unknown: []string{"salaries"}, text: "Pay is good ."},
		{name: "marker in code stays code",
			src: "Write `[§ml-engineer-tools]` to cite.", text: "[§ml-engineer-tools]"},
		{name: "ordinary links still work",
			src: "[docs](https://example.com) [§genai-developer-tools]", links: []string{"genai-developer-tools"}, numbers: []string{"1"}},
		{name: "forged citation markup is text",
			src:  `<a data-testid="citation" data-section="x" href="javascript:alert(1)">1</a>`,
			text: `<a data-testid="citation"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html, unknown := r.Render(tt.src), cite.Unknown(tt.src, lookup)
			d, err := goquery.NewDocumentFromReader(strings.NewReader(html))
			if err != nil {
				t.Fatal(err)
			}
			var links, numbers []string
			d.Find(`a[data-testid="citation"]`).Each(func(_ int, s *goquery.Selection) {
				links = append(links, s.AttrOr("data-section", ""))
				numbers = append(numbers, s.Text())
				if href := s.AttrOr("href", ""); href != "/source#"+s.AttrOr("data-section", "") {
					t.Errorf("citation href = %q", href)
				}
				if !strings.HasPrefix(s.AttrOr("aria-label", ""), "Source "+s.Text()+": ") {
					t.Errorf("citation aria-label = %q", s.AttrOr("aria-label", ""))
				}
			})
			if strings.Join(links, ",") != strings.Join(tt.links, ",") || strings.Join(numbers, ",") != strings.Join(tt.numbers, ",") {
				t.Errorf("citations %q numbered %q, want %q numbered %q\n%s", links, numbers, tt.links, tt.numbers, html)
			}
			if strings.Join(unknown, ",") != strings.Join(tt.unknown, ",") {
				t.Errorf("unknown = %q, want %q", unknown, tt.unknown)
			}
			if !strings.Contains(d.Text(), tt.text) {
				t.Errorf("text %q does not contain %q", d.Text(), tt.text)
			}
			if d.Find(`[href^="javascript"], [onerror], script`).Length() > 0 {
				t.Errorf("something executable survived: %s", html)
			}
		})
	}
}
