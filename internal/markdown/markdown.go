// Package markdown turns model output into HTML that is safe to put in a page.
//
// Model output is untrusted: a model can be talked into emitting <script>,
// event handlers or javascript: links. Rendering is therefore two steps,
// and the second is the one that matters: goldmark renders GitHub-flavoured
// Markdown, then bluemonday's UGC policy removes everything that could run.
package markdown

import (
	"bytes"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Both are safe for concurrent use once built, so one of each serves every
// request; building them per call would cost more than rendering.
var (
	md     = goldmark.New(goldmark.WithExtensions(extension.GFM), withLiteralHTML)
	policy = newPolicy()
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// Links in answers leave the app: open them in a new tab and keep the
	// page's address out of the referrer.
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.RequireNoReferrerOnFullyQualifiedLinks(true)
	return p
}

// Render returns src, Markdown, as sanitised HTML.
func Render(src string) string {
	var buf bytes.Buffer
	buf.Grow(len(src) + len(src)/4)
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails when the writer does; a bytes.Buffer does not.
		// Falling back to escaped text keeps the words on screen regardless.
		return policy.Sanitize("<p>" + bluemonday.StrictPolicy().Sanitize(src) + "</p>")
	}
	return policy.SanitizeReader(&buf).String()
}
