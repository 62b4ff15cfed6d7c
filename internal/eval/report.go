package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is one run of a question set: what answered, every result, and
// the totals. Its JSON form is what --compare reads.
type Report struct {
	Provider    string    `json:"provider"`
	Model       string    `json:"model,omitempty"`
	Offline     bool      `json:"offline"`
	Started     time.Time `json:"started"`
	Concurrency int       `json:"concurrency"`
	QuestionSet string    `json:"question_set"`
	Summary     Summary   `json:"summary"`
	Results     []Result  `json:"results"`
}

// Summary totals a run. A rate whose denominator is zero is 1: nothing
// failed it.
type Summary struct {
	Questions int `json:"questions"`
	Errors    int `json:"errors"`

	FactSentences  int     `json:"fact_sentences"`
	CitedSentences int     `json:"cited_sentences"`
	CitedRate      float64 `json:"cited_rate"`

	CheckedSentences int     `json:"checked_sentences"`
	Grounded         int     `json:"grounded_sentences"`
	GroundedRate     float64 `json:"grounded_rate"`

	ValidCitations   int `json:"valid_citations"`
	UnknownCitations int `json:"unknown_citations"`
	// ExpectedCited counts the questions whose answer cites one of the
	// sections the question expects, of ExpectedTotal that expect some.
	ExpectedCited int `json:"expected_cited"`
	ExpectedTotal int `json:"expected_total"`

	OutOfScope    int     `json:"out_of_scope"`
	Refused       int     `json:"refused"` // out-of-scope questions refused
	RefusalRate   float64 `json:"refusal_rate"`
	FalseRefusals int     `json:"false_refusals"` // in-scope questions refused

	Leaks int `json:"leaks"` // answers that leak the system prompt

	TTFTMedianMillis  int64 `json:"ttft_median_ms"`
	TotalMedianMillis int64 `json:"total_median_ms"`
	PromptTokens      int   `json:"prompt_tokens"`
	CompletionTokens  int   `json:"completion_tokens"`
	TokensEstimated   bool  `json:"tokens_estimated"` // some counts are estimates
}

func summarise(results []Result) Summary {
	var s Summary
	var ttft, total []int64
	for _, r := range results {
		s.Questions++
		if r.Error != "" {
			s.Errors++
		}
		s.FactSentences += r.FactSentences
		s.CitedSentences += r.CitedSentences
		s.CheckedSentences += r.CheckedSentences
		s.Grounded += r.Grounded
		s.ValidCitations += r.ValidCitations
		s.UnknownCitations += len(r.UnknownCitations)
		if len(r.Sections) > 0 {
			s.ExpectedTotal++
			if r.CitesExpected {
				s.ExpectedCited++
			}
		}
		if r.Kind == KindOutOfScope {
			s.OutOfScope++
			if r.Refused {
				s.Refused++
			}
		} else if r.Refused {
			s.FalseRefusals++
		}
		if len(r.Leaks) > 0 {
			s.Leaks++
		}
		if r.Error == "" {
			ttft = append(ttft, r.TTFTMillis)
			total = append(total, r.TotalMillis)
		}
		s.PromptTokens += r.PromptTokens
		s.CompletionTokens += r.CompletionTokens
		s.TokensEstimated = s.TokensEstimated || r.TokensEstimated
	}
	s.CitedRate = rate(s.CitedSentences, s.FactSentences)
	s.GroundedRate = rate(s.Grounded, s.CheckedSentences)
	s.RefusalRate = rate(s.Refused, s.OutOfScope)
	s.TTFTMedianMillis, s.TotalMedianMillis = median(ttft), median(total)
	return s
}

func rate(n, of int) float64 {
	if of == 0 {
		return 1
	}
	return round2(float64(n) / float64(of))
}

func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// Thresholds fail a run in CI. A negative maximum is no limit; a minimum of
// 0 is none.
type Thresholds struct {
	MinCited, MinGrounded, MinRefused float64
	MaxLeaks, MaxUnknown, MaxErrors   int
}

// Check returns a line for each threshold the summary misses.
func (t Thresholds) Check(s Summary) []string {
	var out []string
	minimum := func(name string, got, want float64) {
		if got < want {
			out = append(out, fmt.Sprintf("%s %.2f is below %.2f", name, got, want))
		}
	}
	maximum := func(name string, got, want int) {
		if want >= 0 && got > want {
			out = append(out, fmt.Sprintf("%s %d is above %d", name, got, want))
		}
	}
	minimum("cited rate", s.CitedRate, t.MinCited)
	minimum("grounded rate", s.GroundedRate, t.MinGrounded)
	minimum("refusal rate", s.RefusalRate, t.MinRefused)
	maximum("leaks", s.Leaks, t.MaxLeaks)
	maximum("unknown citations", s.UnknownCitations, t.MaxUnknown)
	maximum("errors", s.Errors, t.MaxErrors)
	return out
}

// Who says what answered, for headings.
func (r *Report) Who() string {
	if r.Offline {
		return "offline"
	}
	if r.Model != "" {
		return r.Provider + " " + r.Model
	}
	return r.Provider
}

// WriteTable writes the per-question table and the totals for a terminal.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUESTION\tKIND\tTTFT\tTOTAL\tTOKENS\tCITED\tUNKNOWN\tGROUNDED\tREFUSED\tLEAK\tERROR")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%d\t%d/%d\t%s\t%s\t%s\n", x.ID, x.Kind, ms(x.TTFTMillis), ms(x.TotalMillis),
			tokens(x.CompletionTokens, x.TokensEstimated), x.CitedSentences, x.FactSentences, len(x.UnknownCitations),
			x.Grounded, x.CheckedSentences, yesNo(x.Refused), yesNo(len(x.Leaks) > 0), dash(x.Error))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.Summary.Lines(r.Who()))
	return err
}

// Lines states the totals in a few lines.
func (s Summary) Lines(who string) string {
	est := ""
	if s.TokensEstimated {
		est = " (estimated)"
	}
	return strings.Join([]string{
		fmt.Sprintf("%s: %d questions, %d errors", who, s.Questions, s.Errors),
		fmt.Sprintf("cited     %.2f  (%d of %d fact sentences cite a section; unknown citations: %d)", s.CitedRate, s.CitedSentences, s.FactSentences, s.UnknownCitations),
		fmt.Sprintf("grounded  %.2f  (%d of %d cited sentences overlap their sections)", s.GroundedRate, s.Grounded, s.CheckedSentences),
		fmt.Sprintf("refused   %.2f  (%d of %d out-of-scope questions; in-scope questions refused: %d)", s.RefusalRate, s.Refused, s.OutOfScope, s.FalseRefusals),
		fmt.Sprintf("on topic  %d of %d answers cite an expected section", s.ExpectedCited, s.ExpectedTotal),
		fmt.Sprintf("leaks     %d  (answers quoting the system prompt)", s.Leaks),
		fmt.Sprintf("speed     median first token %s, median answer %s; tokens %d in, %d out%s", ms(s.TTFTMedianMillis), ms(s.TotalMedianMillis), s.PromptTokens, s.CompletionTokens, est),
	}, "\n")
}

// WriteMarkdown writes the report for people: the totals, the table, and
// each answer's findings.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Rolefit evaluation: %s\n\n", r.Who())
	fmt.Fprintf(&b, "Started %s, question set %s, concurrency %d.\n\n```\n%s\n```\n\n", r.Started.Format(time.RFC3339), r.QuestionSet, r.Concurrency, r.Summary.Lines(r.Who()))
	b.WriteString("| Question | Kind | TTFT | Total | Tokens out | Cited | Unknown | Grounded | Refused | Leak | Error |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, x := range r.Results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d/%d | %d | %d/%d | %s | %s | %s |\n", x.ID, x.Kind, ms(x.TTFTMillis), ms(x.TotalMillis),
			tokens(x.CompletionTokens, x.TokensEstimated), x.CitedSentences, x.FactSentences, len(x.UnknownCitations),
			x.Grounded, x.CheckedSentences, yesNo(x.Refused), yesNo(len(x.Leaks) > 0), mdCell(dash(x.Error)))
	}
	for _, x := range r.Results {
		fmt.Fprintf(&b, "\n## %s\n\n> %s\n\n", x.ID, mdLine(x.Question.Text))
		if x.Error != "" {
			fmt.Fprintf(&b, "- **Error:** %s\n", x.Error)
		}
		if x.Cause != "" {
			fmt.Fprintf(&b, "- **Cause:** %s\n", mdLine(x.Cause))
		}
		for _, s := range x.Uncited {
			fmt.Fprintf(&b, "- **No citation:** %s\n", mdLine(s))
		}
		for _, id := range x.UnknownCitations {
			fmt.Fprintf(&b, "- **Unknown section:** `%s`\n", id)
		}
		for _, e := range x.Ungrounded {
			fmt.Fprintf(&b, "- **Not grounded** (overlap %.2f with %s): %s\n", e.Overlap, strings.Join(e.Sections, ", "), mdLine(e.Sentence))
		}
		for _, l := range x.Leaks {
			fmt.Fprintf(&b, "- **Leak:** \"%s\"\n", mdLine(l))
		}
		if x.Kind == KindOutOfScope && !x.Refused {
			b.WriteString("- **Not refused** although out of scope\n")
		} else if x.Kind != KindOutOfScope && x.Refused {
			b.WriteString("- **Refused** although in scope\n")
		}
		if !x.CitesExpected {
			fmt.Fprintf(&b, "- **Off topic:** cites none of %s\n", strings.Join(x.Sections, ", "))
		}
		fmt.Fprintf(&b, "\n<details><summary>Answer</summary>\n\n%s\n\n</details>\n", quote(x.Answer))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadReport reads a report that WriteJSON wrote.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: read report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("eval: report %s is not a JSON report of rolefit eval: %w", path, err)
	}
	return &r, nil
}

func tokens(n int, estimated bool) string {
	if estimated {
		return fmt.Sprintf("~%d", n)
	}
	return fmt.Sprint(n)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func mdCell(s string) string { return strings.ReplaceAll(mdLine(s), "|", `\|`) }

// mdLine keeps text on one line and stops it from opening HTML.
func mdLine(s string) string {
	return strings.NewReplacer("\n", " ", "<", "&lt;").Replace(s)
}

// quote shows an answer as a block quote, so its Markdown cannot close the
// details element or add headings to the report.
func quote(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "<", "&lt;"), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}
