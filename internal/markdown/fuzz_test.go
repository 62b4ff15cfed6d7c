package markdown

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/rolefit/rolefit/internal/cite"
)

// fuzzSections are the sections the fuzzed renderer knows. One title holds
// markup and quotes, so a title that escapes badly breaks the invariants.
var fuzzSections = map[string]string{
	"ml-engineer-tools":     "ML engineer tools",
	"genai-developer-tools": `Gen AI <tools> & "quotes" 'too'`,
	"a":                     "A",
}

// fuzzRenderer renders with fuzzLookup.
var fuzzRenderer = New(fuzzLookup)

func fuzzLookup(id string) (cite.Passage, bool) {
	title, ok := fuzzSections[id]
	return cite.Passage{Title: title, URL: "/source#" + id}, ok
}

// FuzzRender feeds any text through the renderer answers use and checks
// that the sanitiser's promises hold on the HTML it returns, parsed the way
// a browser parses it. The seeds in testdata/fuzz/FuzzRender are hostile
// answers; `go test` runs them every time.
func FuzzRender(f *testing.F) {
	r := New(fuzzLookup)
	f.Fuzz(func(t *testing.T, src string) {
		out, unknown := r.Render(src), cite.Unknown(src, fuzzLookup)
		if problems := unsafeHTML(out); len(problems) > 0 {
			t.Fatalf("Render(%q) =\n%s\nbreaks the sanitiser's invariants:\n- %s", src, out, strings.Join(problems, "\n- "))
		}
		for _, id := range unknown {
			if !sectionID.MatchString(id) {
				t.Errorf("Render(%q) reports unknown section %q, which is no section id", src, id)
			}
		}
	})
}

var sectionID = regexp.MustCompile(`^[a-z0-9-]+$`)

// unsafeHTML reads s as a browser's HTML tokenizer does and lists what a
// sanitised answer must never contain. The tree builder is run too, but
// only to check the markup parses: it refuses documents nested deeper than
// 512 elements, which a quote of 513 ">" makes and browsers accept.
func unsafeHTML(s string) []string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	if _, err := html.ParseFragment(strings.NewReader(s), body); err != nil && !strings.Contains(err.Error(), "exceeds 512 nodes") {
		return []string{fmt.Sprintf("does not parse: %v", err)}
	}
	var problems []string
	var parent *html.Token // the last start tag, to check what a citation sits in
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return problems
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			problems = append(problems, unsafeElement(&tok, parent)...)
			parent = &tok
		}
	}
}

// forbiddenElements run code, load documents or media, restyle the page,
// or post forms; none belongs in an answer (images become links).
var forbiddenElements = map[string]bool{
	"img": true, "picture": true, "video": true, "audio": true, "source": true, "track": true,
	"area": true, "map": true, "image": true,
	"script": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "style": true, "link": true, "meta": true, "base": true,
	"form": true, "button": true, "textarea": true, "select": true, "svg": true, "math": true,
	"template": true, "noscript": true, "xmp": true, "plaintext": true,
}

// urlAttrs are the attributes a browser follows or loads.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "srcset": true, "action": true, "formaction": true,
	"poster": true, "background": true, "cite": true, "longdesc": true, "data": true,
	"xlink:href": true, "ping": true, "manifest": true, "lowsrc": true, "dynsrc": true,
}

func unsafeElement(n *html.Token, parent *html.Token) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf("<%s> ", n.Data)+fmt.Sprintf(format, args...))
	}
	if forbiddenElements[n.Data] {
		bad("is not allowed")
	}
	for _, a := range n.Attr {
		name := strings.ToLower(a.Key)
		if a.Namespace != "" {
			name = a.Namespace + ":" + name
		}
		switch {
		case strings.HasPrefix(name, "on"):
			bad("has the event handler %s=%q", name, a.Val)
		case name == "style":
			bad("has a style attribute %q", a.Val)
		case name == "srcdoc":
			bad("has srcdoc %q", a.Val)
		case urlAttrs[name]:
			if scheme := urlScheme(a.Val); scheme != "" && scheme != "http" && scheme != "https" && scheme != "mailto" {
				bad("has %s=%q, a %q URL", name, a.Val, scheme)
			}
		}
	}
	if n.Data == "input" && attr(n, "type") != "checkbox" {
		bad("is an input of type %q; only task-list checkboxes belong in an answer", attr(n, "type"))
	}
	if attr(n, "target") != "" && !strings.Contains(attr(n, "rel"), "noopener") && !strings.Contains(attr(n, "rel"), "noreferrer") {
		bad("opens a new tab (target=%q) without rel noopener or noreferrer", attr(n, "target"))
	}
	// Citation hooks are ours: only the renderer's own link may carry them.
	if v, ok := lookupAttr(n, "data-testid"); ok && (n.Data != "a" || v != "citation") {
		bad("has data-testid=%q", v)
	}
	if n.Data == "a" && attr(n, "data-testid") == "citation" {
		section := attr(n, "data-section")
		if !sectionID.MatchString(section) {
			bad("is a citation of section %q, which is no section id", section)
		} else if _, known := fuzzSections[section]; !known {
			bad("is a citation of section %q, which does not exist", section)
		}
		if href := attr(n, "href"); href != "/source#"+section {
			bad("is a citation of section %q linking to %q", section, href)
		}
		if p := parent; p == nil || p.Data != "sup" || attr(p, "class") != "cite" {
			bad("is a citation outside its <sup class=\"cite\">")
		}
	}
	if v, ok := lookupAttr(n, "class"); ok && (n.Data != "sup" || v != "cite") {
		bad("has class=%q", v)
	}
	return problems
}

// urlScheme returns the lower-case scheme of a URL as a browser reads it
// (WHATWG URL): leading and trailing controls and spaces trimmed, tabs and
// newlines removed anywhere. It returns "" for a relative URL.
func urlScheme(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= 0x20 })
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(v[:i])
		default:
			return ""
		}
	}
	return ""
}

func lookupAttr(n *html.Token, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Token, key string) string {
	v, _ := lookupAttr(n, key)
	return v
}

// TestUnsafeHTMLCatches checks the checker: each of these must be flagged,
// or a green fuzz run would prove nothing.
func TestUnsafeHTMLCatches(t *testing.T) {
	for _, s := range []string{
		`<script>alert(1)</script>`,
		`<p><iframe src="https://example.com"></iframe></p>`,
		`<img src="x" onerror="alert(1)">`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="  JaVa&#x09;Script&colon;alert(1)">x</a>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<img src="data:text/html,hi">`,
		`<p style="color:red">x</p>`,
		`<svg><a href="/">x</a></svg>`,
		`<a href="https://example.com" target="_blank">x</a>`,
		`<sup class="cite"><a data-testid="citation" data-section="nope" href="/source#nope">1</a></sup>`,
		`<sup class="cite"><a data-testid="citation" data-section="a" href="javascript:x">1</a></sup>`,
		`<a data-testid="citation" data-section="a" href="/source#a">1</a>`,
		`<p data-testid="message">x</p>`,
		`<input type="text">`,
		`<p><img src="https://example.com/pixel.png" alt="x"></p>`,
	} {
		if len(unsafeHTML(s)) == 0 {
			t.Errorf("unsafeHTML(%q) found nothing", s)
		}
	}
	for _, s := range []string{
		`<p>a &lt;script&gt; <a href="https://example.com" rel="nofollow noreferrer" target="_blank">x</a> <a href="/source#a">y</a> <a href="mailto:a@b.c">m</a></p>`,
		`<p><sup class="cite"><a data-testid="citation" data-section="a" href="/source#a" aria-label="Source 1: A">1</a></sup></p>`,
		`<ul><li><input type="checkbox" checked="" disabled=""> done</li></ul>`,
		`<p><a href="relative/path:with-colon">x</a> <a href="/static/x.png">x</a></p>`,
	} {
		if p := unsafeHTML(s); len(p) > 0 {
			t.Errorf("unsafeHTML(%q) = %q, want nothing", s, p)
		}
	}
}

// FuzzLive streams any text into the live renderer in three pieces, split
// anywhere, as the event stream does, and checks that every block it
// renders and every tail it shows keeps the sanitiser's promises, and that
// the pieces take the text exactly once. (Streamed and at once, ordinary
// answers split into the same blocks; odd inputs, such as a table that
// swallows the lines after it, may be split at a different line. The
// stream never relies on it: a reconnect replaces what the page shows.)
func FuzzLive(f *testing.F) {
	for _, seed := range []string{
		"Some **bold** [§a] text.\n\n- one\n- two [§genai-developer-tools]\n\n```go\nx\n```\n\n| a |\n|---|\n| 1 |\n\nEnd",
		"<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n<scr",
		"Title\n===\n\n> quote\nlazy\n\n    code\n\n1. a\n2. b\n\n* * *\n\n[ref]: /x\n\nsee [ref]",
		`[§a"><img src=x onerror=alert(1)>]` + "\n\n" + `<a data-testid="citation" data-section="a" href="javascript:alert(1)">1</a>`,
	} {
		f.Add(seed, uint(len(seed)/3), uint(2*len(seed)/3))
	}
	f.Fuzz(func(t *testing.T, src string, a, b uint) {
		i, j := int(a%uint(len(src)+1)), int(b%uint(len(src)+1))
		if i > j {
			i, j = j, i
		}
		check := func(what string, html []byte) {
			if problems := unsafeHTML(string(html)); len(problems) > 0 {
				t.Fatalf("streaming %q: the %s\n%s\nbreaks the sanitiser's invariants:\n- %s", src, what, html, strings.Join(problems, "\n- "))
			}
		}
		l := fuzzRenderer.Live()
		var blocks, open, tail []byte
		held := ""
		for _, piece := range []string{src[:i], src[i:j], src[j:]} {
			raw := held + piece
			step := l.Append(raw, false)
			if step.Used > len(raw) {
				t.Fatalf("Append used %d of %d bytes", step.Used, len(raw))
			}
			held = raw[step.Used:]
			check("blocks", step.Blocks)
			check("tail", step.Tail)
			check("open list", step.Open)
			blocks = append(blocks, step.Blocks...)
			if step.Replace {
				open, tail = append(open[:0], step.Open...), tail[:0]
			}
			tail = append(tail, step.Tail...)
		}
		once := fuzzRenderer.Live().Append(src, false)
		if once.Used != len(src)-len(held) {
			t.Fatalf("streaming %q split at %d and %d took %d bytes, at once %d", src, i, j, len(src)-len(held), once.Used)
		}
		check("page", append(append(blocks, open...), tail...))
	})
}
