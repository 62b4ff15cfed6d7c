package markdown

import (
	"html"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// literalHTML renders HTML written in the Markdown as the text it is.
// goldmark's default drops it silently, which would eat words like
// "<div>" from an answer that talks about HTML; passing it through would
// leave the decision to the sanitiser, which also drops what it does not
// know. Shown as text, nothing is lost and nothing runs.
type literalHTML struct{}

func (literalHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, renderRawHTML)
}

func renderRawHTML(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	segs := n.(*ast.RawHTML).Segments
	for i := 0; i < segs.Len(); i++ {
		s := segs.At(i)
		w.WriteString(html.EscapeString(string(s.Value(source))))
	}
	return ast.WalkSkipChildren, nil
}

// withLiteralHTML takes precedence over goldmark's HTML renderer (priority
// 1000) for inline raw HTML.
var withLiteralHTML = goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(literalHTML{}, 100)))

// parserWithoutHTMLBlocks parses Markdown without HTML blocks. A line that
// starts with a tag would otherwise open one and swallow everything up to
// the next blank line (after <script>, <pre> or <style>, up to the closing
// tag) as raw HTML: shown as text here, so the Markdown and the citation
// markers in it stayed raw in the final rendering, though the stream had
// shown the citations as links. Without the block, its tags are inline raw
// HTML, shown as text in place, and the rest is Markdown. Each Renderer
// needs a parser of its own: extensions add their parsers to it.
func parserWithoutHTMLBlocks(blockParsers []util.PrioritizedValue) goldmark.Option {
	return goldmark.WithParser(parser.NewParser(
		parser.WithBlockParsers(blockParsers...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	))
}

func blockParsersWithoutHTML() []util.PrioritizedValue {
	var out []util.PrioritizedValue
	for _, p := range parser.DefaultBlockParsers() {
		if bp, ok := p.Value.(parser.BlockParser); ok && isHTMLBlockParser(bp) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// isHTMLBlockParser recognises goldmark's HTML block parser, whose type is
// not exported, by what it starts on: '<'.
func isHTMLBlockParser(p parser.BlockParser) bool {
	for _, c := range p.Trigger() {
		if c == '<' {
			return true
		}
	}
	return false
}
