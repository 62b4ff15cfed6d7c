package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// maxQueryWords bounds the words of one search: each is a prefix query over
// the whole index, and nobody looks for a conversation with a paragraph.
const maxQueryWords = 12

// Marks around the words FTS5 matched, in the text it hands back. They are
// control characters people do not type (questions have them stripped);
// should an answer hold one, only the marking of its passage goes wrong,
// never what the page shows as markup, which the views escape.
const (
	markStart = "\x02"
	markEnd   = "\x03"
)

// ftsQuery turns what a person typed into an FTS5 query that cannot fail
// to parse: the words alone, each quoted (so AND, OR, NOT and NEAR are
// words like any other) and each a prefix, so the list filters as they
// type. Everything that is not a letter, digit or combining mark only
// separates words, as it does for FTS5's unicode61 tokenizer, so quotes,
// stars, minus signs and parentheses never reach the parser.
func ftsQuery(query string) string {
	words := strings.FieldsFunc(query, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		// A word has no quote in it; quoting it keeps it a string.
		b.WriteString(`"` + w + `"*`)
	}
	return b.String()
}

// SearchConversations finds the visitor's conversations whose title or
// shown messages hold every word of query; see chat.Store. It reads in
// three steps: which conversations match (without computing a passage for
// every matching message, which FTS5 cannot do per group), then the
// highlighted titles and passages of the page of them kept.
func (s *Store) SearchConversations(ctx context.Context, visitorID, query string, limit int) ([]chat.SearchHit, error) {
	if limit < 1 {
		return nil, fmt.Errorf("store: search: limit %d must be positive", limit)
	}
	match := ftsQuery(query)
	if match == "" || visitorID == "" {
		return nil, nil
	}
	s.indexBeforeSearch(ctx)
	// Every hit is joined back to its conversation and filtered by its
	// visitor. A title hit must also name the conversation it was indexed
	// for: the title index is keyed by the conversation's rowid, which a
	// VACUUM may renumber, and then it must miss, never show another's.
	rows, err := s.db.QueryContext(ctx, `
		WITH title_hits AS (
			SELECT c.rowid AS crow
			FROM conversation_search
			JOIN conversations AS c ON c.rowid = conversation_search.rowid AND c.id = conversation_search.conversation_id
			WHERE conversation_search MATCH ?1 AND c.visitor_id = ?2
		),
		message_hits AS (
			SELECT m.conversation_id AS cid, m.seq AS seq, message_search.rank AS rank
			FROM message_search
			JOIN messages AS m ON m.seq = message_search.rowid
			JOIN conversations AS c ON c.id = m.conversation_id
			WHERE message_search MATCH ?1 AND c.visitor_id = ?2 AND m.hidden = 0
		),
		best AS (
			-- SQLite takes the bare column seq from the row with the lowest rank.
			SELECT cid, seq, min(rank) FROM message_hits GROUP BY cid
		)
		SELECT `+prefixed("c", conversationColumns)+`, c.rowid,
			c.rowid IN (SELECT crow FROM title_hits), coalesce(best.seq, 0)
		FROM conversations AS c
		LEFT JOIN best ON best.cid = c.id
		WHERE c.visitor_id = ?2 AND (best.cid IS NOT NULL OR c.rowid IN (SELECT crow FROM title_hits))
		ORDER BY c.updated_at DESC, c.rowid DESC
		LIMIT ?3`, match, visitorID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer rows.Close()
	var (
		hits       []chat.SearchHit
		titleRows  = map[int64]int{} // conversation rowid -> index in hits
		messageSeq = map[int64]int{} // message seq -> index in hits
	)
	for rows.Next() {
		var crow, seq int64
		var inTitle bool
		c, err := record.ScanConversation(rows, &crow, &inTitle, &seq)
		if err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		if inTitle {
			titleRows[crow] = len(hits)
		}
		if seq != 0 {
			messageSeq[seq] = len(hits)
		}
		hits = append(hits, chat.SearchHit{Conversation: c})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	rows.Close()

	err = s.marked(ctx, `SELECT rowid, highlight(conversation_search, 0, ?2, ?3) FROM conversation_search
		WHERE conversation_search MATCH ?1 AND rowid IN `, match, titleRows, func(i int, m chat.Marked) { hits[i].Title = m })
	if err != nil {
		return nil, fmt.Errorf("store: search: titles: %w", err)
	}
	// The passage: up to 24 words around the matches, "…" where cut.
	err = s.marked(ctx, `SELECT rowid, snippet(message_search, 0, ?2, ?3, '…', 24) FROM message_search
		WHERE message_search MATCH ?1 AND rowid IN `, match, messageSeq, func(i int, m chat.Marked) { hits[i].Passage = m })
	if err != nil {
		return nil, fmt.Errorf("store: search: passages: %w", err)
	}
	if len(messageSeq) > 0 {
		if err := s.passageMessages(ctx, messageSeq, hits); err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
	}
	return hits, nil
}

// marked runs query (which ends in "rowid IN ") for the rowids given, and
// hands each row's text, split at the marks, to set with the rowid's index.
func (s *Store) marked(ctx context.Context, query, match string, rowids map[int64]int, set func(int, chat.Marked)) error {
	if len(rowids) == 0 {
		return nil
	}
	args := []any{match, markStart, markEnd}
	in := make([]string, 0, len(rowids))
	for id := range rowids {
		in = append(in, "?")
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, query+"("+strings.Join(in, ", ")+")", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return err
		}
		set(rowids[id], splitMarked(text))
	}
	return rows.Err()
}

// passageMessages fills in the id of each hit's passage message.
func (s *Store) passageMessages(ctx context.Context, seqs map[int64]int, hits []chat.SearchHit) error {
	args := make([]any, 0, len(seqs))
	in := make([]string, 0, len(seqs))
	for seq := range seqs {
		in = append(in, "?")
		args = append(args, seq)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, id FROM messages WHERE seq IN (`+strings.Join(in, ", ")+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var id string
		if err := rows.Scan(&seq, &id); err != nil {
			return err
		}
		hits[seqs[seq]].MessageID = id
	}
	return rows.Err()
}

// splitMarked cuts FTS5's highlighted text at its marks.
func splitMarked(text string) chat.Marked {
	var out chat.Marked
	match := false
	for text != "" {
		sep := markStart
		if match {
			sep = markEnd
		}
		before, after, found := strings.Cut(text, sep)
		// A stray mark of the other kind (in the text itself) is dropped.
		before = strings.NewReplacer(markStart, "", markEnd, "").Replace(before)
		if before != "" {
			out = append(out, chat.MarkedText{Text: before, Match: match})
		}
		if !found {
			break
		}
		text, match = after, !match
	}
	return out
}

// prefixed qualifies each of a comma-separated list of columns with table.
func prefixed(table, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = table + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
