package eval

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Kinds of question. An out-of-scope question expects a refusal; the others
// expect a cited answer.
const (
	KindSection    = "section"      // about one or more knowledge sections
	KindFit        = "fit"          // "which role fits me?"
	KindOutOfScope = "out-of-scope" // something the article does not cover
)

// Question is one line of a question set (JSONL).
type Question struct {
	ID       string   `json:"id"`
	Text     string   `json:"question"`
	Kind     string   `json:"kind,omitempty"` // empty means KindSection
	Sections []string `json:"sections,omitempty"`
}

// The built-in set covers every knowledge section, the fit question and
// out-of-scope questions; a test keeps it covering every section.
//
//go:embed questions.jsonl
var builtIn []byte

// BuiltIn returns the built-in question set.
func BuiltIn() []Question {
	qs, err := ReadQuestions(bytes.NewReader(builtIn))
	if err != nil {
		panic(err) // compiled in: every test run catches a bad line
	}
	return qs
}

// ReadQuestions reads a question set: one JSON object a line, blank lines
// and lines starting with # ignored. A missing id is the line number.
func ReadQuestions(r io.Reader) ([]Question, error) {
	var qs []Question
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var q Question
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&q); err != nil {
			return nil, fmt.Errorf("eval: questions line %d: %w", n, err)
		}
		if strings.TrimSpace(q.Text) == "" {
			return nil, fmt.Errorf("eval: questions line %d: no \"question\"", n)
		}
		if q.ID == "" {
			q.ID = fmt.Sprintf("line-%d", n)
		}
		if seen[q.ID] {
			return nil, fmt.Errorf("eval: questions line %d: id %q used twice", n, q.ID)
		}
		seen[q.ID] = true
		switch q.Kind {
		case "":
			q.Kind = KindSection
		case KindSection, KindFit, KindOutOfScope:
		default:
			return nil, fmt.Errorf("eval: questions line %d: kind %q is not %s, %s or %s", n, q.Kind, KindSection, KindFit, KindOutOfScope)
		}
		for _, id := range q.Sections {
			if _, ok := lookupSection(id); !ok {
				return nil, fmt.Errorf("eval: questions line %d: %q is not a knowledge section", n, id)
			}
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: read questions: %w", err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("eval: the question set is empty")
	}
	return qs, nil
}
