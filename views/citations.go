package views

import (
	"html"
	"strings"

	"github.com/rolefit/rolefit/internal/cite"
	"github.com/rolefit/rolefit/internal/markdown"
	"github.com/rolefit/rolefit/internal/prompts"
)

// CitedPassage is the one lookup of a cited section: its title from the
// knowledge base (prompts.LookupSection) and its address on the source
// page. Every rendering of a citation (the stream, the final answer, the
// fit check's reasons, the export) goes through it.
func CitedPassage(id string) (cite.Passage, bool) {
	s, ok := prompts.LookupSection(id)
	if !ok {
		return cite.Passage{}, false
	}
	return cite.Passage{Title: s.Title, URL: SourceSectionURL(s.ID)}, true
}

// UnknownCitations returns the sections an answer cites that do not exist;
// the page drops those markers. For the answer's log line.
func UnknownCitations(answer string) []string { return cite.Unknown(answer, CitedPassage) }

// answers renders finished answers, with citations of the knowledge base.
var answers = markdown.New(CitedPassage)

// NewLiveText returns the renderer of one answer's streamed text; feed it
// the answer from the start (see markdown.Live).
func NewLiveText() *markdown.Live { return answers.Live() }

// liveText renders the text so far of a streaming answer as the stream
// would: its finished blocks, the finished items of a list being written,
// its unfinished tail as text, and how many bytes of it are shown (a
// citation cut off at the end waits for the stream).
func liveText(raw string) (blocks, open, tail string, shown int) {
	step := NewLiveText().Append(raw, false)
	return string(step.Blocks), string(step.Open), string(step.Tail), step.Used
}

// renderAnswer renders an answer of conversation conversationID. A link in
// it that asks a question (AskLinkURL of a new chat, as the offline
// answerer writes its suggestions) is pointed at this conversation, so that
// without JavaScript the question waits in this conversation's composer.
func renderAnswer(conversationID, src string) string {
	out := answers.Render(src)
	if conversationID == "" {
		return out
	}
	newChat := `href="` + AskLinkURL("", "")
	if !strings.Contains(out, newChat) {
		return out
	}
	return strings.ReplaceAll(out, newChat, `href="`+AskLinkURL(conversationID, ""))
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
		if p, ok := CitedPassage(section); ok {
			b = append(b, ' ')
			b = cite.AppendLink(b, numbers.For(section), section, p)
		}
		return string(b)
	}
}
