package offline

// A typo is corrected only when the word is not already a word Rolefit
// knows (the article's, its synonyms', stop words and everyday English in
// commonWords) and one word of the vocabulary is close to it: one edit for
// words of four or five letters, two for longer ones. Shorter words are
// too ambiguous to correct; spellings lists the usual chat-speak instead.
const (
	minCorrectable  = 4
	twoEditsFromLen = 7
)

// corrector fixes misspelled words against a vocabulary. It is built once
// and only read afterwards.
type corrector struct {
	known map[string]bool
	stems map[string]bool  // the stems of known words: "choosing" is "choose"
	byLen map[int][]string // candidate corrections by length
}

// newCorrector builds a corrector. Words of the article are corrections
// unless they are everyday words ("bread" is not a misspelling of
// "break"); the domain words people ask with ("difference", "example",
// "remember") always are.
func newCorrector(article, domain []string) *corrector {
	c := &corrector{known: map[string]bool{}, stems: map[string]bool{}, byLen: map[int][]string{}}
	for w := range stopWords {
		c.known[w] = true
		if len(w) >= minCorrectable {
			c.add(w)
		}
	}
	for w := range commonWords {
		c.known[w] = true
	}
	for w := range realWords {
		c.known[w] = true
	}
	for _, w := range article {
		if len(w) >= minCorrectable-1 && isWord(w) && !commonWords[w] {
			c.known[w] = true
			c.add(w)
		}
	}
	for _, w := range domain {
		if len(w) >= minCorrectable-1 && isWord(w) {
			c.known[w] = true
			c.add(w)
		}
	}
	for w := range c.known {
		c.stems[stem(w)] = true
	}
	// Known misspellings are fixed by the table, before any correction.
	for w, fixed := range spellings {
		c.known[w], c.known[fixed] = true, true
	}
	return c
}

func (c *corrector) add(w string) {
	for _, have := range c.byLen[len(w)] {
		if have == w {
			return
		}
	}
	c.byLen[len(w)] = append(c.byLen[len(w)], w)
}

// correct returns the vocabulary word w is a misspelling of, or w.
func (c *corrector) correct(w string) string {
	if c == nil || len(w) < minCorrectable || c.known[w] || !isWord(w) || (len(w) >= twoEditsFromLen && c.stems[stem(w)]) {
		return w
	}
	maxEdits := 1
	if len(w) >= twoEditsFromLen {
		maxEdits = 2
	}
	best, bestDist := w, maxEdits+1
	for n := len(w) - maxEdits; n <= len(w)+maxEdits; n++ {
		for _, cand := range c.byLen[n] {
			// People rarely mistype the first letter, and allowing it turns
			// real words into others ("meaning" into "earning").
			if cand[0] != w[0] && !(len(w) > 1 && cand[0] == w[1] && cand[1] == w[0]) {
				continue
			}
			d := editDistance(w, cand, maxEdits+1)
			if d < bestDist {
				best, bestDist = cand, d
			}
		}
	}
	if bestDist > maxEdits {
		return w
	}
	return best
}

func isWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// editDistance is the optimal string alignment distance (Levenshtein plus
// swapping two neighbouring letters), or limit when it is at least limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	var rows [3][24]int
	if len(b)+1 > len(rows[0]) {
		return limit
	}
	prev2, prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin >= limit {
			return limit
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit)
}

// near reports whether w is within two edits of a word Rolefit knows,
// everyday words included.
func (c *corrector) near(w string) bool {
	for cand := range c.known {
		if d := len(cand) - len(w); d <= 2 && d >= -2 && len(cand) >= minCorrectable && editDistance(w, cand, 3) <= 2 {
			return true
		}
	}
	return false
}
