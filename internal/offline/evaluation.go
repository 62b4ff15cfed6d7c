package offline

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// LabelledQuestion is one line of a labelled question set (JSONL): a
// question as a visitor typed it, what kind of question it is, the sections
// that answer it (best first), the facts a right answer must state (each a
// list of alternatives, any one of which counts) and whether the article
// covers it ("in") or not ("out").
type LabelledQuestion struct {
	Q        string     `json:"q"`
	Kind     string     `json:"kind"`
	Sections []string   `json:"sections"`
	Facts    [][]string `json:"facts"`
	Scope    string     `json:"scope"`

	Source string `json:"-"` // file:line, for reports
}

// ReadLabelled reads a JSONL question set; name is used in errors and in
// each question's Source.
func ReadLabelled(r io.Reader, name string) ([]LabelledQuestion, error) {
	var qs []LabelledQuestion
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var q LabelledQuestion
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			return nil, fmt.Errorf("offline: read %s:%d: %w", name, n, err)
		}
		if q.Q == "" || len(q.Facts) == 0 || (q.Scope != "in" && q.Scope != "out") {
			return nil, fmt.Errorf("offline: read %s:%d: want q, facts and scope \"in\" or \"out\"", name, n)
		}
		q.Source = fmt.Sprintf("%s:%d", name, n)
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("offline: read %s: %w", name, err)
	}
	return qs, nil
}

// Verdict is the judgement of one answer.
type Verdict struct {
	Pass         bool
	Missing      [][]string // facts with no alternative in the answer
	CalledOut    bool       // the answer says the article does not cover the question
	FillerOut    bool       // ... and what it names as uncovered is a common word
	NoClosest    bool       // an out-of-scope answer that points at no section
	NamedOutside string     // what the answer says is not covered
}

// notCoveredRE finds where an answer says the article is silent, and what
// about: the words up to the end of the clause.
var notCoveredRE = regexp.MustCompile(`(?i)the article (?:doesn't|does not|don't) (?:cover|say anything about|mention|talk about|discuss)\s*([^.:;,\n]*)`)

// Judge checks an answer against a labelled question. The answer is read
// as the person would: Markdown and citation markers stripped, case
// ignored. An in-scope question passes when every fact is stated and the
// answer does not call the question uncovered; an out-of-scope one when
// the answer says the article does not cover it, states every fact (which
// name the topic) and cites the closest useful section.
func Judge(q LabelledQuestion, answer string) Verdict {
	var v Verdict
	text := strings.ToLower(PlainText(answer))
	for _, alts := range q.Facts {
		if !slices.ContainsFunc(alts, func(a string) bool { return strings.Contains(text, strings.ToLower(a)) }) {
			v.Missing = append(v.Missing, alts)
		}
	}
	if m := notCoveredRE.FindStringSubmatch(PlainText(answer)); m != nil {
		v.CalledOut = true
		v.NamedOutside = strings.TrimSpace(m[1])
		v.FillerOut = namesFiller(v.NamedOutside)
	}
	if q.Scope == "out" {
		v.NoClosest = !citationRE.MatchString(answer)
		v.Pass = v.CalledOut && !v.FillerOut && len(v.Missing) == 0 && !v.NoClosest
		return v
	}
	v.Pass = !v.CalledOut && len(v.Missing) == 0
	return v
}

// namesFiller reports whether a "not covered" clause names, as one of
// its items ("love, jupyter or notebooks"), nothing but filler: stop words
// and words every question may contain.
func namesFiller(named string) bool {
	for _, item := range regexp.MustCompile(`,| or | and `).Split(strings.ToLower(named), -1) {
		words := strings.FieldsFunc(item, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'')
		})
		if len(words) == 0 {
			continue
		}
		filler := true
		for _, w := range words {
			if !stopWords[w] && !fillerWords[w] {
				filler = false
			}
		}
		if filler {
			return true
		}
	}
	return false
}

// fillerWords are common words that are never the topic of a question.
var fillerWords = setOf(
	"day", "days", "year", "years", "love", "like", "hate", "want", "thing", "stuff", "lot",
	"people", "person", "guy", "guys", "question", "questions", "hey", "hi", "hello", "thanks",
	"okay", "ok", "yeah", "yes", "no", "maybe", "time", "today", "work", "job", "good", "bad",
	"best", "better", "really", "pretty", "kinda", "sorta", "honestly", "basically", "literally",
	"six", "two", "three", "one", "four", "five", "ten", "new", "old", "big", "small", "make",
	"made", "use", "used", "thanks", "please", "help", "wonder", "wondering", "confused", "sure",
)

// citationRE matches a citation marker as internal/cite parses it.
var citationRE = regexp.MustCompile(`\[§([a-z0-9-]+)\]`)

var (
	linkRE     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	emphasisRE = regexp.MustCompile("[*_`#>]+")
)

// PlainText strips Markdown from an answer the way a reader sees it:
// citation markers dropped, links reduced to their text, emphasis and
// heading marks removed.
func PlainText(answer string) string {
	s := citationRE.ReplaceAllString(answer, "")
	s = linkRE.ReplaceAllString(s, "$1")
	s = emphasisRE.ReplaceAllString(s, "")
	return s
}

// Report sums up an evaluation.
type Report struct {
	Total, Passed int
	Filler        int // answers that call a common word uncovered; must be 0
	ByKind        map[string][2]int
	Failures      []Failure
}

// Failure is a question the answerer got wrong, with its answer.
type Failure struct {
	Question LabelledQuestion
	Verdict  Verdict
	Answer   string
}

// Accuracy is the share of questions passed.
func (r Report) Accuracy() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Passed) / float64(r.Total)
}

// Evaluate answers every question with answer and judges the answers.
func Evaluate(qs []LabelledQuestion, answer func(string) string) Report {
	r := Report{ByKind: map[string][2]int{}}
	for _, q := range qs {
		a := answer(q.Q)
		v := Judge(q, a)
		r.Total++
		k := r.ByKind[q.Kind]
		k[1]++
		if v.Pass {
			r.Passed++
			k[0]++
		} else {
			r.Failures = append(r.Failures, Failure{q, v, a})
		}
		if v.FillerOut {
			r.Filler++
		}
		r.ByKind[q.Kind] = k
	}
	return r
}

// Write prints per-kind accuracy and the total; verbose adds every failure
// with what was missing and the answer.
func (r Report) Write(w io.Writer, verbose bool) {
	if verbose {
		for _, f := range r.Failures {
			fmt.Fprintf(w, "FAIL %s [%s/%s] %q\n", f.Question.Source, f.Question.Kind, f.Question.Scope, f.Question.Q)
			v := f.Verdict
			if len(v.Missing) > 0 {
				fmt.Fprintf(w, "  missing facts: %v\n", v.Missing)
			}
			if v.CalledOut {
				fmt.Fprintf(w, "  says not covered: %q\n", v.NamedOutside)
			} else if f.Question.Scope == "out" {
				fmt.Fprintln(w, "  does not say the article doesn't cover it")
			}
			if v.NoClosest {
				fmt.Fprintln(w, "  cites no closest section")
			}
			fmt.Fprintf(w, "  answer:\n    %s\n\n", strings.ReplaceAll(strings.TrimSpace(f.Answer), "\n", "\n    "))
		}
	}
	kinds := make([]string, 0, len(r.ByKind))
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		c := r.ByKind[k]
		fmt.Fprintf(w, "%-11s %3d/%3d  %5.1f%%\n", k, c[0], c[1], 100*float64(c[0])/float64(c[1]))
	}
	fmt.Fprintf(w, "%-11s %3d/%3d  %5.1f%%\n", "total", r.Passed, r.Total, 100*r.Accuracy())
	fmt.Fprintf(w, "filler words called out of scope: %d\n", r.Filler)
}
