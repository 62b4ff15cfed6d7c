package markdown

import (
	"bytes"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/rolefit/rolefit/internal/cite"
)

// Live renders one answer while it streams. Each block (paragraph, list,
// code block, table, …) is rendered by the same goldmark configuration and
// sanitiser as the final rendering once it is finished, that is once the
// next block has begun; so is each item of a list still being written,
// once the next item has begun. The rest, the tail, is shown as escaped
// text with its citations as links (cite.Live). Citations are numbered
// across all of it in reading order, as the final rendering numbers them.
//
// Work per piece of text is small: only the unfinished block is ever
// parsed, and only when a new line has begun (a block can only end there);
// in the middle of a line a piece is escaped and appended, nothing more.
// An unfinished block longer than maxLiveBlock is no longer parsed: it
// stays text until the answer's final rendering, so a model that writes
// one endless block costs a scan per delta, not a parse of all of it at
// every line.
type Live struct {
	md      goldmark.Markdown
	buffers *sync.Pool // of *bytes.Buffer, the renderer's
	lookup  cite.Lookup
	numbers cite.Numbers // of the citations in the finished blocks
	tail    *cite.Live
	pending []byte // the text after the finished blocks
	line    int    // where pending's last line starts
	decided int    // the prefix of pending last parsed (see decisionPoint)
	// inParagraph: that parse ended inside a line of a paragraph, which
	// the next line goes on when it begins with a letter (see advance).
	inParagraph bool
	items       int // the finished items of the list being written
	tailAt      int // where in pending the tail starts: after those items
	// Each Step's output. Only the small buffer for a delta's text is
	// kept between steps: with hundreds of answers streaming, buffers each
	// answer kept the size of its largest block would add up.
	blocks, open, tailOut []byte
	parses                int // how often pending was parsed: the work maxLiveBlock bounds
}

// LiveStep is what one piece of streamed text changes on the page. The
// slices are valid until the next call to Append.
type LiveStep struct {
	// Blocks are the blocks this piece finished, as sanitised HTML, to be
	// shown after the ones already shown.
	Blocks []byte
	// Open is, when Replace, the finished items of the list being written,
	// as a sanitised list, to show in place of the items shown: empty when
	// the last block is no list.
	Open []byte
	// Tail is escaped text: what to append to the tail shown, or, when
	// Replace, the whole new tail, replacing the one shown.
	Tail []byte
	// Replace is set when blocks or list items finished (some blocks, such
	// as a link reference definition, render as nothing): Open and Tail
	// replace what is shown.
	Replace bool
	// Used is how many bytes of the piece were taken: a citation marker cut
	// off at its end waits for the rest (see cite.Live).
	Used int
}

// maxLiveBlock bounds the text parsed again at each new line: far more than
// any real paragraph, list or table of an answer (the default answer cap is
// about 6 KB), small enough that the parse stays cheap.
const maxLiveBlock = 32 << 10

// Live returns the live rendering of one answer, by r.
func (r *Renderer) Live() *Live {
	return &Live{md: r.live, buffers: &r.buffers, lookup: r.lookup, tail: cite.NewLive(r.lookup)}
}

// Append takes the next piece of the answer, in order from its start.
// Unless final, a citation cut off at the end is held back.
func (l *Live) Append(raw string, final bool) LiveStep {
	out, n := l.tail.AppendHTML(l.tailOut[:0], raw, final)
	l.tailOut = out
	l.blocks, l.open = nil, nil
	if i := strings.LastIndexByte(raw[:n], '\n'); i >= 0 {
		l.line = len(l.pending) + i + 1
	}
	l.pending = append(l.pending, raw[:n]...)
	numbers, changed := l.advance()
	if !changed {
		return LiveStep{Tail: out, Used: n}
	}
	l.tail = cite.NewLiveAfter(l.lookup, numbers)
	tail, _ := l.tail.AppendHTML(nil, string(l.pending[l.tailAt:]), final)
	return LiveStep{Blocks: l.blocks, Open: l.open, Tail: tail, Replace: true, Used: n}
}

// advance renders the blocks of the pending text that are finished into
// l.blocks, dropping their text, and the finished items of a list being
// written into l.open. It reports whether either changed, and then the
// numbering the tail's citations continue.
func (l *Live) advance() (cite.Numbers, bool) {
	m := decisionPoint(l.pending, l.line)
	if m == l.decided {
		return cite.Numbers{}, false
	}
	// A line that begins with a letter right after a paragraph's line goes
	// on with that paragraph: nothing can have finished, so skip the parse.
	// (Most multi-line paragraphs; it keeps the garbage down under load.)
	continues := l.inParagraph && m > l.line && l.decided < l.line &&
		bytes.Count(l.pending[l.decided:m], []byte{'\n'}) == 1
	l.decided = m
	if continues || len(l.pending) > maxLiveBlock {
		return cite.Numbers{}, false
	}
	var numbers cite.Numbers
	var changed bool
	parses.run(func() { numbers, changed = l.parse(m) })
	return numbers, changed
}

// parse parses pending up to m, the decision point, and takes out the
// blocks and list items it finds finished (see advance). It goes deep into
// goldmark: it runs on a deep stack (see deepStacks).
func (l *Live) parse(m int) (cite.Numbers, bool) {
	l.parses++
	// goldmark may append to its source (a newline after an indented code
	// block's last line): cap it, so the rest of the tail is not written on.
	src := l.pending[:m:m]
	numbers := l.numbers.Clone()
	starts := map[ast.Node]int{}
	pc := parser.NewContext()
	pc.Set(numbersKey, &numbers)
	pc.Set(blockStartsKey, starts)
	doc := l.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	last := doc.LastChild()
	l.inParagraph = last != nil && last.Kind() == ast.KindParagraph && m > l.line
	if last == nil {
		return cite.Numbers{}, false
	}
	changed, cut := false, 0
	if last != doc.FirstChild() {
		if cut = blockStart(src, last, starts); cut > 0 {
			done := ast.NewDocument()
			for n := doc.FirstChild(); n != last; {
				next := n.NextSibling()
				doc.RemoveChild(doc, n)
				done.AppendChild(done, n)
				n = next
			}
			l.blocks = l.render(l.blocks, src, done)
			countCitations(&l.numbers, done)
			l.pending = l.pending[:copy(l.pending, l.pending[cut:])]
			l.decided -= cut
			l.line -= cut
			l.items, l.tailAt, changed = 0, 0, true
		} else {
			cut = 0
		}
	}
	list, _ := last.(*ast.List)
	items := 0
	if list != nil {
		items = list.ChildCount() - 1
	}
	if items == l.items && !changed {
		return cite.Numbers{}, false
	}
	l.items, l.open, l.tailAt = items, nil, 0
	numbers = l.numbers.Clone()
	if items > 0 {
		if at := blockStart(src, list.LastChild(), starts) - cut; at > 0 {
			shown := ast.NewList(list.Marker)
			shown.IsTight, shown.Start = list.IsTight, list.Start
			for range items {
				item := list.FirstChild()
				list.RemoveChild(list, item)
				shown.AppendChild(shown, item)
			}
			doc := ast.NewDocument()
			doc.AppendChild(doc, shown)
			l.open = l.render(l.open, src, doc)
			countCitations(&numbers, doc)
			l.tailAt = at
		} else {
			l.items = 0
		}
	}
	return numbers, true
}

// render appends the sanitised HTML of doc, whose text is in src.
func (l *Live) render(b, src []byte, doc ast.Node) []byte {
	buf := l.buffers.Get().(*bytes.Buffer)
	defer l.buffers.Put(buf)
	buf.Reset()
	if err := l.md.Renderer().Render(bufferWriter{buf}, src, doc); err != nil {
		return b // a bytes.Buffer does not fail
	}
	out := policy.SanitizeBytes(buf.Bytes())
	if len(b) == 0 {
		return out
	}
	return append(b, out...)
}

// bufferWriter lets goldmark write straight into a bytes.Buffer: given a
// plain io.Writer it wraps it in a new 4 KB bufio.Writer on every call.
type bufferWriter struct{ *bytes.Buffer }

func (bufferWriter) Flush() error     { return nil }
func (bufferWriter) Buffered() int    { return 0 }
func (w bufferWriter) Available() int { return w.Cap() - w.Len() }

// countCitations numbers, in n, the citations rendered in doc, as its
// rendering did (in reading order, continuing n).
func countCitations(n *cite.Numbers, doc ast.Node) {
	ast.Walk(doc, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if c, ok := c.(*citationNode); ok && entering && c.N > 0 {
			n.For(c.ID)
		}
		return ast.WalkContinue, nil
	})
}

// decisionPoint is how much of the tail is parsed to find finished blocks:
// the complete lines, and the last line's indentation and first character
// when that character is one no Markdown block begins with (a letter, a
// quote…): a line that begins so is a paragraph's, whatever follows, so it
// already decides whether the block before it has ended. Any other line
// ("#", "-", "1." or "`" may each begin several things) is decided once it
// is complete. Text in the middle of a line therefore needs no parse, and
// the decision is a function of the text alone: streamed in any pieces, or
// at once, the text splits into the same blocks. ls is where p's last line
// starts (kept as text arrives: an endless line must not be searched for
// its start again and again).
func decisionPoint(p []byte, ls int) int {
	for i := ls; i < len(p); i++ {
		switch c := p[i]; {
		case c == ' ' || c == '\t':
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= 0x80, c == '"', c == '\'', c == '(':
			return i + 1
		}
		break
	}
	return ls
}

// blockStart is the offset in src of the start of the line where the
// top-level block n begins: where its parser opened it, or its first text,
// whichever is earlier (a setext heading opens on its underline; a table
// replaces the paragraph that opened).
func blockStart(src []byte, n ast.Node, starts map[ast.Node]int) int {
	start, found := starts[n]
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		s := -1
		if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
			s = c.Lines().At(0).Start
		} else if t, ok := c.(*ast.Text); ok {
			s = t.Segment.Start
		}
		if s < 0 {
			return ast.WalkContinue, nil
		}
		if !found || s < start {
			start, found = s, true
		}
		return ast.WalkStop, nil
	})
	if !found {
		// A block with no text of its own, such as a table of empty cells,
		// which replaced the paragraph that opened it: the last block opened.
		for _, s := range starts {
			start, found = max(start, s), true
		}
	}
	if !found {
		return -1
	}
	return bytes.LastIndexByte(src[:start], '\n') + 1
}

// blockStartsKey holds, in a parse's context, where each top-level block,
// and each item of a top-level list, was opened.
var blockStartsKey = parser.NewContextKey()

// recordBlockStarts wraps block parsers so that each records where it opens
// a top-level block or list item: goldmark keeps no position for a fenced code block's
// fence line or a thematic break.
func recordBlockStarts(ps []util.PrioritizedValue) []util.PrioritizedValue {
	out := make([]util.PrioritizedValue, len(ps))
	for i, p := range ps {
		out[i] = util.Prioritized(startRecorder{p.Value.(parser.BlockParser)}, p.Priority)
	}
	return out
}

type startRecorder struct{ parser.BlockParser }

func (r startRecorder) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	_, seg := reader.PeekLine()
	n, state := r.BlockParser.Open(parent, reader, pc)
	top := parent.Kind() == ast.KindDocument ||
		parent.Kind() == ast.KindList && parent.Parent() != nil && parent.Parent().Kind() == ast.KindDocument
	if n != nil && top {
		if starts, ok := pc.Get(blockStartsKey).(map[ast.Node]int); ok {
			starts[n] = seg.Start
		}
	}
	return n, state
}
