// Package markdown turns model output into HTML that is safe to put in a page.
//
// Model output is untrusted: a model can be talked into emitting <script>,
// event handlers or javascript: links. Rendering is therefore two steps,
// and the second is the one that matters: goldmark renders GitHub-flavoured
// Markdown (with HTML shown as text, see rawhtml.go), then bluemonday's UGC
// policy removes everything that could run. Citation links are produced by
// the renderer itself and allowed through by exact patterns.
package markdown

import (
	"bytes"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/rolefit/rolefit/internal/cite"
)

// Renderer renders answers. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	live   goldmark.Markdown // md, with block positions for Live
	lookup cite.Lookup
}

// New returns a Renderer that turns citation markers of the sections
// lookup knows into numbered links (and drops the others); with a nil
// lookup, markers are left as text.
func New(lookup cite.Lookup) *Renderer {
	return &Renderer{
		md:     newGoldmark(lookup, blockParsersWithoutHTML()),
		live:   newGoldmark(lookup, recordBlockStarts(blockParsersWithoutHTML())),
		lookup: lookup,
	}
}

// newGoldmark is the one configuration of goldmark, shared by the final
// and the live rendering so that a block looks the same in both.
func newGoldmark(lookup cite.Lookup, blockParsers []util.PrioritizedValue) goldmark.Markdown {
	opts := []goldmark.Option{parserWithoutHTMLBlocks(blockParsers), goldmark.WithExtensions(extension.GFM), withLiteralHTML, withImagesAsLinks}
	if lookup != nil {
		opts = append(opts, withCitations(lookup))
	}
	return goldmark.New(opts...)
}

// Render returns src as sanitised HTML. Citations of sections that do not
// exist are dropped; cite.Unknown lists them.
func (r *Renderer) Render(src string) string {
	var buf bytes.Buffer
	buf.Grow(len(src) + len(src)/4)
	source := []byte(src)
	doc := r.md.Parser().Parse(text.NewReader(source))
	if err := r.md.Renderer().Render(&buf, source, doc); err != nil {
		// goldmark only fails when the writer does; a bytes.Buffer does not.
		// Falling back to escaped text keeps the words on screen regardless.
		return "<p>" + bluemonday.StrictPolicy().Sanitize(src) + "</p>"
	}
	return policy.SanitizeReader(&buf).String()
}

var (
	plain  = New(nil)
	policy = newPolicy()
)

// Render renders Markdown without citation support.
func Render(src string) string { return plain.Render(src) }

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// Links in answers leave the app: open them in a new tab and keep the
	// page's address out of the referrer.
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.RequireNoReferrerOnFullyQualifiedLinks(true)
	// Citation links (cite.AppendLink), matched exactly. Raw HTML from the
	// model never reaches here as markup (see rawhtml.go), so only the
	// renderer can produce these attributes.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^cite$`)).OnElements("sup")
	p.AllowAttrs("data-testid").Matching(regexp.MustCompile(`^citation$`)).OnElements("a")
	p.AllowAttrs("data-section").Matching(regexp.MustCompile(`^[a-z0-9-]{1,64}$`)).OnElements("a")
	p.AllowAttrs("aria-label").Matching(regexp.MustCompile(`^Source [0-9]+: [^<>"]*$`)).OnElements("a")
	return p
}
