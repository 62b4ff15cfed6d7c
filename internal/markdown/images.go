package markdown

import (
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// imagesAsLinks renders a Markdown image as a link to it, labelled with its
// alt text. An answer has no use for a picture a model points at, and
// fetching one would tell its host who reads the answer (and whatever the
// model put in the URL). The page's CSP blocks other hosts' images anyway,
// so an <img> would only show as a broken image and a CSP violation.
type imagesAsLinks struct{}

func (imagesAsLinks) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindImage, renderImageAsLink)
}

func renderImageAsLink(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Image)
	// An image that is itself a link's text becomes just its alt text:
	// links do not nest.
	inLink := false
	for p := n.Parent(); p != nil; p = p.Parent() {
		if k := p.Kind(); k == ast.KindLink || k == ast.KindAutoLink {
			inLink = true
			break
		}
	}
	if !entering {
		if !inLink {
			w.WriteString("</a>")
		}
		return ast.WalkContinue, nil
	}
	if !inLink {
		w.WriteString(`<a href="`)
		if dest := util.URLEscape(n.Destination, true); !gmhtml.IsDangerousURL(dest) {
			w.Write(util.EscapeHTML(dest))
		}
		w.WriteString(`">`)
	}
	if !n.HasChildren() {
		w.Write(util.EscapeHTML(n.Destination))
	}
	return ast.WalkContinue, nil
}

var withImagesAsLinks = goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(imagesAsLinks{}, 100)))
