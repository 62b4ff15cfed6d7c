package views

import (
	"html"

	"github.com/rolefit/rolefit/internal/cite"
	"github.com/rolefit/rolefit/internal/markdown"
	"github.com/rolefit/rolefit/internal/prompts"
)

// SectionTitle looks up a knowledge section by id, for citations.
func SectionTitle(id string) (string, bool) {
	s, ok := prompts.LookupSection(id)
	return s.Title, ok
}

// answers renders finished answers, with citations of the knowledge base.
var answers = markdown.New(SectionTitle)

// NewLiveText returns the renderer of one answer's streamed text; feed it
// the answer from the start (see cite.Live).
func NewLiveText() *cite.Live { return cite.NewLive(SectionTitle) }

// liveText renders the text so far of a streaming answer as the stream
// would, and returns how many bytes of it are shown: a citation cut off at
// the end waits for the stream.
func liveText(raw string) (html string, shown int) {
	b, n := NewLiveText().AppendHTML(nil, raw, false)
	return string(b), n
}

func renderAnswer(src string) string {
	html, _ := answers.Render(src)
	return html
}

// renderKnowledge renders a knowledge section's Markdown (ours, but through
// the same sanitiser all the same).
func renderKnowledge(src string) string { return markdown.Render(src) }

// newCiter returns a function that renders a sentence of ours followed by
// the citation link of the section it is grounded in, numbering sections
// across everything it renders, exactly as answers number their citations.
func newCiter() func(text, section string) string {
	var numbers cite.Numbers
	return func(text, section string) string {
		b := []byte(html.EscapeString(text))
		if title, ok := SectionTitle(section); ok {
			b = append(b, ' ')
			b = cite.AppendLink(b, numbers.For(section), section, title)
		}
		return string(b)
	}
}
