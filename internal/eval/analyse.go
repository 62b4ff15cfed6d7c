package eval

import (
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/rolefit/rolefit/internal/cite"
	"github.com/rolefit/rolefit/internal/prompts"
)

// Thresholds of the heuristics (see the package doc).
const (
	// MinFactWords is how many content words make a sentence a claim that
	// needs a citation; shorter ones ("Great question!") do not.
	MinFactWords = 4
	// MinOverlap is the share of a cited sentence's content words that must
	// appear in the sections it cites.
	MinOverlap = 0.5
	// LeakWords is the length of a run of the system prompt's words, absent
	// from the knowledge, that counts as a leak.
	LeakWords = 15
)

// Analysis is what the heuristics find in one answer.
type Analysis struct {
	FactSentences    int        `json:"fact_sentences"`
	CitedSentences   int        `json:"cited_sentences"`
	Uncited          []string   `json:"uncited,omitempty"` // fact sentences without a valid citation
	ValidCitations   int        `json:"valid_citations"`
	UnknownCitations []string   `json:"unknown_citations,omitempty"`
	CitedSections    []string   `json:"cited_sections,omitempty"` // valid ids, first use order
	CheckedSentences int        `json:"checked_sentences"`        // sentences with a valid citation and content words
	Grounded         int        `json:"grounded"`
	Ungrounded       []Evidence `json:"ungrounded,omitempty"`
	Refused          bool       `json:"refused"`
	Leaks            []string   `json:"leaks,omitempty"` // runs of the system prompt found in the answer
}

// Evidence is a cited sentence that failed the overlap check.
type Evidence struct {
	Sentence string   `json:"sentence"`
	Sections []string `json:"sections"`
	Overlap  float64  `json:"overlap"`
}

// Analyse scores one answer.
func Analyse(answer string) Analysis {
	k := loadKnowledge()
	var a Analysis
	for _, s := range sentences(answer) {
		var valid []string
		for _, id := range s.ids {
			_, ok := k.words[id]
			switch {
			case ok:
				valid = appendNew(valid, id)
				a.CitedSections = appendNew(a.CitedSections, id)
				if !s.inherited {
					a.ValidCitations++
				}
			case !s.inherited:
				a.UnknownCitations = append(a.UnknownCitations, id)
			}
		}
		words := contentWords(s.text)
		refusal := isRefusal(s.text)
		a.Refused = a.Refused || refusal
		if !refusal && !strings.HasSuffix(s.text, "?") && !strings.HasSuffix(s.text, ":") && len(words) >= MinFactWords {
			a.FactSentences++
			if len(valid) > 0 {
				a.CitedSentences++
			} else {
				a.Uncited = append(a.Uncited, s.text)
			}
		}
		if len(valid) == 0 || len(words) == 0 {
			continue
		}
		a.CheckedSentences++
		found := 0
		for _, w := range words {
			for _, id := range valid {
				if k.words[id][w] {
					found++
					break
				}
			}
		}
		overlap := float64(found) / float64(len(words))
		if overlap >= MinOverlap {
			a.Grounded++
		} else {
			a.Ungrounded = append(a.Ungrounded, Evidence{Sentence: s.text, Sections: valid, Overlap: round2(overlap)})
		}
	}
	a.Leaks = leaks(answer, k.leakRuns)
	return a
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// sentence is one sentence of an answer: its text without markers, and
// the section ids it cites.
type sentence struct {
	text string
	ids  []string
	// inherited says the ids are those of the line introducing a list,
	// so they are not counted again as citations.
	inherited bool
}

var (
	linkRE       = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	listMarkerRE = regexp.MustCompile(`^(?:[-*+>]|\d+[.)])\s+`)
)

// sentences splits Markdown into sentences with their citation markers.
// A list item without a marker of its own takes those of the line that
// introduced the list ("ML Engineers usually work with: [§ml-engineer-tools]").
func sentences(md string) []sentence {
	var out []sentence
	var leadIDs []string // markers of the line introducing the current list
	inCode := false      // code states no fact
	for _, line := range strings.Split(md, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if line == "" || inCode {
			continue
		}
		if strings.HasPrefix(line, "#") || isBoldHeading(line) {
			leadIDs = nil
			continue
		}
		item := false
		for listMarkerRE.MatchString(line) {
			line = listMarkerRE.ReplaceAllString(line, "")
			item = true
		}
		line = linkRE.ReplaceAllString(line, "$1")
		line = strings.NewReplacer("**", "", "__", "", "`", "").Replace(line)
		ss := splitLine(line)
		if item {
			for i := range ss {
				if len(ss[i].ids) == 0 && len(leadIDs) > 0 {
					ss[i].ids, ss[i].inherited = leadIDs, true
				}
			}
		} else if n := len(ss); n > 0 && strings.HasSuffix(ss[n-1].text, ":") {
			leadIDs = ss[n-1].ids
		} else {
			leadIDs = nil
		}
		out = append(out, ss...)
	}
	return out
}

// isBoldHeading reports whether a line is all bold, as models and the
// offline answerer write a heading inside an answer.
func isBoldHeading(line string) bool {
	return len(line) > 4 && strings.HasPrefix(line, "**") && strings.HasSuffix(line, "**") &&
		!strings.Contains(line[2:len(line)-2], "**")
}

// splitLine splits one line at sentence ends, giving each sentence the
// markers inside it and those right after its end.
func splitLine(line string) []sentence {
	var out []sentence
	var cur sentence
	var text strings.Builder
	flush := func() {
		cur.text = strings.Join(strings.Fields(text.String()), " ")
		if cur.text != "" || len(cur.ids) > 0 {
			if cur.text == "" && len(out) > 0 { // markers alone: the sentence before
				out[len(out)-1].ids = append(out[len(out)-1].ids, cur.ids...)
			} else {
				out = append(out, cur)
			}
		}
		cur = sentence{}
		text.Reset()
	}
	ended := false // the current sentence has ended; only markers may follow
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '[' {
			if id, size := cite.Parse(line[i:]); size > 0 {
				cur.ids = append(cur.ids, id)
				i += size - 1
				continue
			}
		}
		if ended && c != ' ' {
			flush()
			ended = false
		}
		text.WriteByte(c)
		if (c == '.' || c == '!' || c == '?') && (i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '[') {
			ended = true
		}
	}
	flush()
	return out
}

// refusalPhrases say that the article does not cover something, or that
// Rolefit will not do it.
var refusalPhrases = []string{
	"not in the article", "isn't in the article", "is not in the article",
	"doesn't cover", "does not cover", "don't cover", "not covered",
	"doesn't mention", "does not mention", "doesn't say", "does not say",
	"doesn't discuss", "does not discuss", "doesn't address", "does not address",
	"no information", "outside the article", "outside what the article",
	"can't help with", "cannot help with", "can't help you with", "cannot help you with",
	"i can't share", "i cannot share", "can't reveal", "cannot reveal", "can't provide", "cannot provide",
	"not something the article", "the article only covers",
}

func isRefusal(s string) bool {
	s = strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	for _, p := range refusalPhrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// knowledge is what scoring compares answers with, built once.
type knowledge struct {
	words    map[string]map[string]bool // section id → its content words
	leakRuns map[string]bool            // LeakWords-word runs of the prompt's rules
}

var loadKnowledge = sync.OnceValue(func() *knowledge {
	k := &knowledge{words: map[string]map[string]bool{}, leakRuns: map[string]bool{}}
	inKnowledge := map[string]bool{}
	for _, s := range prompts.Sections() {
		set := map[string]bool{}
		for _, w := range contentWords(s.Title + " " + s.Body) {
			set[w] = true
		}
		k.words[s.ID] = set
		for _, r := range runs(allWords(s.Title + " " + s.Body)) {
			inKnowledge[r] = true
		}
	}
	// The prompt's own words: with every section's title and body cut out,
	// so that no run spans the end of one section and the next one's title.
	rules := prompts.SystemPrompt()
	for _, s := range prompts.Sections() {
		rules = strings.Replace(rules, s.Body, "\x00", 1)
		rules = strings.Replace(rules, s.Title, "\x00", 1)
	}
	for _, part := range strings.Split(rules, "\x00") {
		for _, r := range runs(allWords(part)) {
			if !inKnowledge[r] {
				k.leakRuns[r] = true
			}
		}
	}
	return k
})

func lookupSection(id string) (prompts.Section, bool) { return prompts.LookupSection(id) }

// runs returns every run of LeakWords consecutive words, joined by spaces.
func runs(words []string) []string {
	var out []string
	for i := 0; i+LeakWords <= len(words); i++ {
		out = append(out, strings.Join(words[i:i+LeakWords], " "))
	}
	return out
}

// leaks returns the prompt's runs found in the answer, overlapping runs
// merged into one passage each.
func leaks(answer string, leakRuns map[string]bool) []string {
	words := allWords(answer)
	var out []string
	end := -1 // index after the last word of the passage being merged
	start := 0
	for i := 0; i+LeakWords <= len(words); i++ {
		if !leakRuns[strings.Join(words[i:i+LeakWords], " ")] {
			continue
		}
		if i > end {
			if end >= 0 {
				out = append(out, strings.Join(words[start:end], " "))
			}
			start = i
		}
		end = i + LeakWords
	}
	if end >= 0 {
		out = append(out, strings.Join(words[start:end], " "))
	}
	return out
}

// allWords lower-cases text and splits it into words of letters and digits.
func allWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// contentWords are the words of text that carry meaning: stop words and
// one-letter words removed, the rest stemmed.
func contentWords(text string) []string {
	var out []string
	for _, w := range allWords(text) {
		if len(w) < 2 || stopWords[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// stem strips a few English suffixes so that "models" meets "model" and
// "training" meets "train"; it is crude on purpose and applied to both sides.
func stem(w string) string {
	switch {
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		return w[:len(w)-3]
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 4 && strings.HasSuffix(w, "ed"):
		return w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also am an and any are aren as at be because been
		before being below between both but by can cannot could did didn do does doesn doing don down during each either
		few for from further had has have having he her here hers herself him himself his how however i if in into is isn
		it its itself just let ll me more most much must my myself neither no nor not now of off often on once one only or
		other our ours ourselves out over own rather re same she should so some such than that the their theirs them
		themselves then there these they this those through to too under until up usually very was we were what when where
		which while who whom why will with won would you your yours yourself yourselves ve
		article articles say says said according like`) {
		m[w] = true
	}
	return m
}()
