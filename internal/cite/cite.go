// Package cite is how answers point at the article: the marker a model
// writes to cite a knowledge section, "[§section-id]", and the numbered link
// it becomes on the page. Both the live stream and the final rendering use
// this package, so a citation looks the same while it streams, once the
// answer is done, and after a reload.
package cite

import (
	"html"
	"strconv"
)

// Passage is what a citation of a section names and links to.
type Passage struct {
	Title string
	URL   string // where the passage is shown, e.g. on the source page
}

// Lookup returns the passage of a knowledge section, and false for an id
// that does not exist. Only existing sections ever become links. This
// package knows neither the sections nor the site's addresses: views
// provides the one lookup, from the knowledge base and its own URLs.
type Lookup func(id string) (Passage, bool)

const (
	open     = "[§"
	maxIDLen = 64
)

// Marker returns the marker that cites section id.
func Marker(id string) string { return open + id + "]" }

// Numbers gives each cited section a number, 1, 2, …, in the order an
// answer first cites it; citing a section again reuses its number.
type Numbers struct{ ids []string }

// For returns the number of section id, assigning the next one if new.
func (n *Numbers) For(id string) int {
	for i, seen := range n.ids {
		if seen == id {
			return i + 1
		}
	}
	n.ids = append(n.ids, id)
	return len(n.ids)
}

// Clone returns a copy that numbers on independently of n.
func (n Numbers) Clone() Numbers { return Numbers{ids: append([]string(nil), n.ids...)} }

// AppendLink appends the link for citation number n of section id: a small
// superscript number that names its source for screen readers and, without
// JavaScript, opens the passage p.URL.
func AppendLink(b []byte, n int, id string, p Passage) []byte {
	num := strconv.Itoa(n)
	b = append(b, `<sup class="cite"><a data-testid="citation" data-section="`...)
	b = append(b, id...) // ids are [a-z0-9-] only: see scan
	b = append(b, `" href="`...)
	b = append(b, html.EscapeString(p.URL)...)
	b = append(b, `" aria-label="Source `...)
	b = append(b, num...)
	b = append(b, ": "...)
	b = append(b, html.EscapeString(p.Title)...)
	b = append(b, `">`...)
	b = append(b, num...)
	b = append(b, "</a></sup>"...)
	return b
}

// Parse reports whether s starts with a complete marker, and its id and
// length.
func Parse(s string) (id string, size int) {
	id, size, _ = scan(s, 0)
	return id, size
}

// scan looks for a marker starting at s[i], which must be '['. It returns
// the section id and the marker's length; partial reports that s ends
// before the marker could be complete (the next delta may finish it); both
// empty means s[i] does not start a marker.
func scan(s string, i int) (id string, size int, partial bool) {
	rest := s[i:]
	if len(rest) < len(open) {
		return "", 0, rest == open[:len(rest)]
	}
	if rest[:len(open)] != open {
		return "", 0, false
	}
	j := len(open)
	for j < len(rest) && j-len(open) <= maxIDLen {
		c := rest[j]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			j++
			continue
		case c == ']' && j > len(open):
			return rest[len(open):j], j + 1, false
		}
		return "", 0, false
	}
	return "", 0, j == len(rest) && j-len(open) <= maxIDLen
}

// Live renders an answer's raw text as HTML while it streams: text escaped,
// markers of known sections as numbered links, markers of unknown sections
// dropped (Unknown lists them, for the log). It keeps the numbering across
// calls, so feed it the answer in order, from the start.
type Live struct {
	lookup  Lookup
	numbers Numbers
}

// NewLive returns a Live for one answer.
func NewLive(lookup Lookup) *Live { return &Live{lookup: lookup} }

// NewLiveAfter returns a Live for the rest of an answer whose earlier part
// numbered its citations as n did: the next new section gets the next
// number.
func NewLiveAfter(lookup Lookup, n Numbers) *Live {
	return &Live{lookup: lookup, numbers: n.Clone()}
}

// AppendHTML appends raw as HTML and returns how many bytes of raw it used.
// Unless final, a marker cut off at the end of raw is held back, so a
// citation split across two deltas still becomes one link.
func (l *Live) AppendHTML(b []byte, raw string, final bool) ([]byte, int) {
	start := 0
	for i := 0; i < len(raw); i++ {
		if raw[i] != '[' {
			continue
		}
		id, size, partial := scan(raw, i)
		if partial && !final {
			return appendEscaped(b, raw[start:i]), i
		}
		if size == 0 {
			continue
		}
		b = appendEscaped(b, raw[start:i])
		if p, ok := l.lookup(id); ok {
			b = AppendLink(b, l.numbers.For(id), id, p)
		}
		i += size - 1
		start = i + 1
	}
	return appendEscaped(b, raw[start:]), len(raw)
}

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '"':
			b = append(b, "&#34;"...)
		case '\'':
			b = append(b, "&#39;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// Unknown returns the ids of markers in text that name no section, for
// logging: a model that invents sections should be noticed. Every renderer
// drops exactly these markers.
func Unknown(text string, lookup Lookup) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		if id, size, _ := scan(text, i); size > 0 {
			if _, ok := lookup(id); !ok {
				out = append(out, id)
			}
			i += size - 1
		}
	}
	return out
}

// Replace returns text with every complete marker replaced by what repl
// returns for its section id.
func Replace(text string, repl func(id string) string) string {
	var b []byte
	start, replaced := 0, false
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		id, size, _ := scan(text, i)
		if size == 0 {
			continue
		}
		b = append(b, text[start:i]...)
		b = append(b, repl(id)...)
		i += size - 1
		start, replaced = i+1, true
	}
	if !replaced {
		return text
	}
	return string(append(b, text[start:]...))
}
