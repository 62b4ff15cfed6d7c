package offline

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// token is one normalised unit of text. Terms starting with "_" are concepts
// (such as "_mleng") that stand for every way people name the same thing;
// the tokenizer never produces "_" itself, so they cannot clash with words.
type token struct {
	term    string
	surface string // the words as written, to quote back to the person
	stop    bool
}

// analyzer turns text into terms the same way for sections and questions, so
// that "machine-learning engineers" in a question meets "ML Engineer" in a
// section.
type analyzer struct {
	phrases *phraseNode
	fix     *corrector // nil while the knowledge base itself is analysed
}

// phraseNode is a trie over word terms; out is set where a phrase ends.
type phraseNode struct {
	next map[string]*phraseNode
	out  []string
}

func newAnalyzer() *analyzer {
	a := &analyzer{phrases: &phraseNode{}}
	for _, syn := range synonyms {
		var out []string
		for _, c := range strings.Fields(syn.canon) {
			if strings.HasPrefix(c, "_") {
				out = append(out, c)
				continue
			}
			for _, t := range a.words(c) {
				out = append(out, t.term)
			}
		}
		for _, v := range syn.variants {
			if err := a.addPhrase(a.words(v), out); err != nil {
				panic(fmt.Sprintf("prompts: synonym %q for %s: %v", v, syn.canon, err))
			}
		}
	}
	return a
}

func (a *analyzer) addPhrase(words []token, out []string) error {
	if len(words) == 0 {
		return fmt.Errorf("no words")
	}
	n := a.phrases
	for _, w := range words {
		if n.next == nil {
			n.next = map[string]*phraseNode{}
		}
		child := n.next[w.term]
		if child == nil {
			child = &phraseNode{}
			n.next[w.term] = child
		}
		n = child
	}
	// Stemming makes some variants equal ("ml engineering", "ml engineer");
	// that is fine as long as they mean the same thing.
	if n.out != nil && !slices.Equal(n.out, out) {
		return fmt.Errorf("already means %v", n.out)
	}
	n.out = out
	return nil
}

// analyze returns the text's terms with stop words removed, except those
// inside a phrase ("what do they do" means daily work).
func (a *analyzer) analyze(text string) []token {
	words := a.words(text)
	out := make([]token, 0, len(words))
	for i := 0; i < len(words); {
		end, concepts := a.longestPhrase(words, i)
		if end > i {
			surface := words[i].surface
			for _, w := range words[i+1 : end] {
				surface += " " + w.surface
			}
			for _, c := range concepts {
				out = append(out, token{term: c, surface: surface})
			}
			i = end
			continue
		}
		if !words[i].stop {
			out = append(out, words[i])
		}
		i++
	}
	return out
}

func (a *analyzer) longestPhrase(words []token, start int) (end int, out []string) {
	n := a.phrases
	for j := start; j < len(words); j++ {
		n = n.next[words[j].term]
		if n == nil {
			break
		}
		if n.out != nil {
			end, out = j+1, n.out
		}
	}
	return end, out
}

// words splits text into lowercase words, fixes known misspellings and stems
// everything but stop words. Single letters carry no meaning here ("I", the
// "s" of "engineer's"), so they are dropped, except "a", which tells "what is
// a …" (a definition) from "what is the …".
func (a *analyzer) words(text string) []token {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := make([]token, 0, len(fields))
	for _, f := range fields {
		if len(f) < 2 && f != "a" {
			continue
		}
		w := a.fixWord(f)
		term := stem(w)
		if stopWords[w] || stopWords[term] {
			out = append(out, token{term: w, surface: f, stop: true})
			continue
		}
		out = append(out, token{term: term, surface: f})
	}
	return out
}

// fixWord fixes a known misspelling or chat-speak, or a typo.
func (a *analyzer) fixWord(w string) string {
	if fixed, ok := spellings[w]; ok {
		return fixed
	}
	return a.fix.correct(w)
}

// stem strips the few English suffixes that matter for matching plurals and
// verb forms. It need not produce real words, only the same stem on both
// sides: "managing", "manages" and "manage" all become "manag".
func stem(w string) string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ing") && len(w) >= 6 && hasVowel(w[:len(w)-3]):
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) >= 5 && hasVowel(w[:len(w)-2]):
		w = undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "s") && len(w) > 3 &&
		!strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	if strings.HasSuffix(w, "e") && len(w) > 3 {
		w = w[:len(w)-1]
	}
	return w
}

func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }

// undouble turns "runn" (from "running") back into "run".
func undouble(w string) string {
	n := len(w)
	if n >= 2 && w[n-1] == w[n-2] && !strings.ContainsRune("lsz", rune(w[n-1])) && !hasVowel(w[n-1:]) {
		return w[:n-1]
	}
	return w
}
