package pgstore

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// Search indexes words that this package makes, not PostgreSQL's text
// search parser: chat.Store says a word is a run of letters and digits,
// matched in any case and with or without accents, and the parser's words
// (hosts, paths, numbers with dots) and its case folding (ASCII only in a
// database with the C locale) differ from that. So each title and each
// message that will not change has its words, normalised here, stored as
// a tsvector (array_to_tsvector: no parsing), and a query's words,
// normalised the same way, become a prefix tsquery. The GIN indexes serve
// the match; the marks are placed here, on the original text, by the same
// rule.

// maxQueryWords bounds the words of one search: each is a prefix match
// over the whole index, and nobody looks for a conversation with a
// paragraph.
const maxQueryWords = 12

// maxWordBytes cuts longer words: a tsvector lexeme has a size limit, and
// nobody types two hundred letters to find a word; a prefix still matches.
const maxWordBytes = 200

// passageWords is how many words a hit's passage shows around its matches.
const passageWords = 24

// isWordRune: a word is a run of letters, digits and combining marks.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// fold is a word as search compares it: lower case, accents removed.
func fold(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(w) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	s := b.String()
	if len(s) > maxWordBytes {
		cut := maxWordBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// searchWords is the folded words of text, each once, never nil.
func searchWords(text string) []string {
	words := []string{}
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) }) {
		if f := fold(w); f != "" && !seen[f] {
			seen[f] = true
			words = append(words, f)
		}
	}
	return words
}

// indexWords is what a message is found by: its words once its text will
// not change, nil (not indexed) while it is being written, so the save
// every second costs no indexing.
func indexWords(content string, state chat.State) []string {
	if !state.Final() {
		return nil
	}
	return searchWords(content)
}

// tsQuery is the prefix query every word of which must match, and the
// words; "" when query has no word. A word holds no quote or backslash,
// so quoting it makes it a lexeme whatever it spells (AND, NOT, <->).
func tsQuery(query string) (string, []string) {
	words := searchWords(query)
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + w + "':*"
	}
	return strings.Join(parts, " & "), words
}

// SearchConversations finds the visitor's conversations whose title, or
// one of whose shown messages, holds every word of query; see chat.Store.
// One query finds them, with the best matching message of each, and the
// marks are placed here.
func (s *Store) SearchConversations(ctx context.Context, visitorID, query string, limit int) ([]chat.SearchHit, error) {
	if limit < 1 {
		return nil, fmt.Errorf("pgstore: search: limit %d must be positive", limit)
	}
	tsq, words := tsQuery(query)
	if tsq == "" || visitorID == "" {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		WITH hits AS (
			SELECT DISTINCT ON (m.conversation_id) m.conversation_id, m.id, m.content
			FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id
			WHERE c.visitor_id = $1 AND m.search @@ $2::tsquery AND NOT m.hidden AND NOT m.off_branch
			ORDER BY m.conversation_id, ts_rank(m.search, $2::tsquery) DESC, m.seq
		)
		SELECT c.id, c.visitor_id, c.title, c.created_at, c.updated_at, c.fit_answers,
			c.search @@ $2::tsquery, coalesce(hits.id, ''), coalesce(hits.content, '')
		FROM conversations AS c LEFT JOIN hits ON hits.conversation_id = c.id
		WHERE c.visitor_id = $1 AND (hits.id IS NOT NULL OR c.search @@ $2::tsquery)
		ORDER BY c.updated_at DESC, c.seq DESC
		LIMIT $3`, visitorID, tsq, limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: search: %w", err)
	}
	defer rows.Close()
	var hits []chat.SearchHit
	for rows.Next() {
		var messageID, content string
		var inTitle bool
		c, err := record.ScanConversation(rows, &inTitle, &messageID, &content)
		if err != nil {
			return nil, fmt.Errorf("pgstore: search: %w", err)
		}
		h := chat.SearchHit{Conversation: c, MessageID: messageID}
		if inTitle {
			h.Title = markWords(c.Title, words, -1)
		}
		if messageID != "" {
			h.Passage = markWords(content, words, passageWords)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: search: %w", err)
	}
	return hits, nil
}

// span is one word of a text: its bytes, and whether it matched.
type span struct {
	start, end int
	match      bool
}

// markWords is text in pieces, the words that begin with one of words
// (folded) marked. With window > 0 it is only a passage of that many
// words, where the most matches are, "…" where the text was cut.
func markWords(text string, words []string, window int) chat.Marked {
	var spans []span
	start := -1
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			spans = append(spans, span{start: start, end: i})
			start = -1
		}
	}
	if start >= 0 {
		spans = append(spans, span{start: start, end: len(text)})
	}
	for i := range spans {
		f := fold(text[spans[i].start:spans[i].end])
		for _, w := range words {
			if strings.HasPrefix(f, w) {
				spans[i].match = true
				break
			}
		}
	}
	from, to := 0, len(text)
	if window > 0 && len(spans) > window {
		first, last := bestWindow(spans, window)
		if first > 0 {
			from = spans[first].start
		}
		if last < len(spans)-1 {
			to = spans[last].end
		}
		spans = spans[first : last+1]
	}
	var out chat.Marked
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Match == match {
			out[n-1].Text += s
			return
		}
		out = append(out, chat.MarkedText{Text: s, Match: match})
	}
	if from > 0 {
		add("…", false)
	}
	at := from
	for _, sp := range spans {
		add(text[at:sp.start], false)
		add(text[sp.start:sp.end], sp.match)
		at = sp.end
	}
	add(text[at:to], false)
	if to < len(text) {
		add("…", false)
	}
	return out
}

// bestWindow is the first and last word of the run of n words holding the
// most matches (the earliest of equals), moved back a few words when it
// would start on its first match, so the passage gives it some context.
func bestWindow(spans []span, n int) (first, last int) {
	count := 0
	for i := range n {
		if spans[i].match {
			count++
		}
	}
	best, bestAt := count, 0
	for i := n; i < len(spans); i++ {
		if spans[i].match {
			count++
		}
		if spans[i-n].match {
			count--
		}
		if count > best {
			best, bestAt = count, i-n+1
		}
	}
	// Context before the first match: up to a quarter of the window.
	firstMatch := bestAt
	for firstMatch < bestAt+n && !spans[firstMatch].match {
		firstMatch++
	}
	if lead := firstMatch - bestAt; lead < n/4 {
		bestAt = max(0, bestAt-(n/4-lead))
	}
	return bestAt, bestAt + n - 1
}
