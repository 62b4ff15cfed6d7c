package markdown

import (
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/rolefit/rolefit/internal/cite"
)

// citationNode is a "[§section-id]" marker in an answer.
type citationNode struct {
	ast.BaseInline
	ID      string
	Passage cite.Passage
	N       int
}

var kindCitation = ast.NewNodeKind("Citation")

// numbersKey holds, in a parse's context, the numbering the citations of the
// text parsed continue (see Live).
var numbersKey = parser.NewContextKey()

func (n *citationNode) Kind() ast.NodeKind { return kindCitation }

func (n *citationNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"ID": n.ID}, nil)
}

// citationParser claims "[§id]" before the link parser sees the bracket.
type citationParser struct{}

func (citationParser) Trigger() []byte { return []byte{'['} }

func (citationParser) Parse(_ ast.Node, block text.Reader, _ parser.Context) ast.Node {
	line, _ := block.PeekLine()
	id, size := cite.Parse(string(line))
	if size == 0 {
		return nil // not a marker: let the link parser have it
	}
	block.Advance(size)
	return &citationNode{ID: id}
}

// citationNumbering numbers the citations of known sections in reading
// order and removes the others (cite.Unknown lists them, for the log).
type citationNumbering struct{ lookup cite.Lookup }

func (c citationNumbering) Transform(doc *ast.Document, _ text.Reader, pc parser.Context) {
	var numbers cite.Numbers
	if n, ok := pc.Get(numbersKey).(*cite.Numbers); ok {
		numbers = *n // the live renderer numbers on from the blocks shown
	}
	var drop []ast.Node
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		cn, ok := n.(*citationNode)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		if p, ok := c.lookup(cn.ID); ok {
			cn.Passage, cn.N = p, numbers.For(cn.ID)
		} else {
			drop = append(drop, cn)
		}
		return ast.WalkContinue, nil
	})
	for _, n := range drop {
		n.Parent().RemoveChild(n.Parent(), n)
	}
}

type citationRenderer struct{}

func (citationRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindCitation, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			c := n.(*citationNode)
			w.Write(cite.AppendLink(nil, c.N, c.ID, c.Passage))
		}
		return ast.WalkSkipChildren, nil
	})
}

// withCitations teaches goldmark the citation marker.
func withCitations(lookup cite.Lookup) goldmark.Option {
	return goldmark.WithExtensions(extender(func(m goldmark.Markdown) {
		m.Parser().AddOptions(
			parser.WithInlineParsers(util.Prioritized(citationParser{}, 50)),
			parser.WithASTTransformers(util.Prioritized(citationNumbering{lookup}, 100)),
		)
		m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(citationRenderer{}, 100)))
	}))
}

type extender func(goldmark.Markdown)

func (e extender) Extend(m goldmark.Markdown) { e(m) }
