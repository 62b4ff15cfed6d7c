package eval

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteComparison writes how run b differs from run a: every total side by
// side, then each question whose scores differ, or that only one run asked.
func WriteComparison(w io.Writer, a, b *Report) error {
	fmt.Fprintf(w, "A: %s (%s)\nB: %s (%s)\n\n", a.Who(), a.Started.Format("2006-01-02 15:04"), b.Who(), b.Started.Format("2006-01-02 15:04"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tA\tB\tCHANGE")
	sa, sb := a.Summary, b.Summary
	rates := []struct {
		name string
		a, b float64
	}{
		{"cited rate", sa.CitedRate, sb.CitedRate},
		{"grounded rate", sa.GroundedRate, sb.GroundedRate},
		{"refusal rate", sa.RefusalRate, sb.RefusalRate},
	}
	for _, m := range rates {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%+.2f\n", m.name, m.a, m.b, m.b-m.a)
	}
	counts := []struct {
		name string
		a, b int64
	}{
		{"questions", int64(sa.Questions), int64(sb.Questions)},
		{"errors", int64(sa.Errors), int64(sb.Errors)},
		{"unknown citations", int64(sa.UnknownCitations), int64(sb.UnknownCitations)},
		{"false refusals", int64(sa.FalseRefusals), int64(sb.FalseRefusals)},
		{"leaks", int64(sa.Leaks), int64(sb.Leaks)},
		{"on topic", int64(sa.ExpectedCited), int64(sb.ExpectedCited)},
		{"median first token (ms)", sa.TTFTMedianMillis, sb.TTFTMedianMillis},
		{"median answer (ms)", sa.TotalMedianMillis, sb.TotalMedianMillis},
		{"tokens out", int64(sa.CompletionTokens), int64(sb.CompletionTokens)},
	}
	for _, m := range counts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%+d\n", m.name, m.a, m.b, m.b-m.a)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	byID := map[string]Result{}
	for _, r := range b.Results {
		byID[r.ID] = r
	}
	var lines []string
	seen := map[string]bool{}
	for _, ra := range a.Results {
		seen[ra.ID] = true
		rb, ok := byID[ra.ID]
		if !ok {
			lines = append(lines, fmt.Sprintf("%s: only in A", ra.ID))
			continue
		}
		if d := differences(ra, rb); len(d) > 0 {
			lines = append(lines, fmt.Sprintf("%s: %s", ra.ID, strings.Join(d, "; ")))
		}
	}
	for _, rb := range b.Results {
		if !seen[rb.ID] {
			lines = append(lines, fmt.Sprintf("%s: only in B", rb.ID))
		}
	}
	if len(lines) == 0 {
		_, err := fmt.Fprintln(w, "\nNo question scored differently.")
		return err
	}
	_, err := fmt.Fprintf(w, "\nQuestions that differ (A → B):\n  %s\n", strings.Join(lines, "\n  "))
	return err
}

// differences lists the scores of one question that changed from a to b.
func differences(a, b Result) []string {
	var d []string
	frac := func(name string, na, of1, nb, of2 int) {
		if na != nb || of1 != of2 {
			d = append(d, fmt.Sprintf("%s %d/%d → %d/%d", name, na, of1, nb, of2))
		}
	}
	flag := func(name string, x, y bool) {
		if x != y {
			d = append(d, fmt.Sprintf("%s %s → %s", name, yesNo(x), yesNo(y)))
		}
	}
	frac("cited", a.CitedSentences, a.FactSentences, b.CitedSentences, b.FactSentences)
	frac("grounded", a.Grounded, a.CheckedSentences, b.Grounded, b.CheckedSentences)
	if len(a.UnknownCitations) != len(b.UnknownCitations) {
		d = append(d, fmt.Sprintf("unknown citations %d → %d", len(a.UnknownCitations), len(b.UnknownCitations)))
	}
	flag("refused", a.Refused, b.Refused)
	flag("leak", len(a.Leaks) > 0, len(b.Leaks) > 0)
	flag("on topic", a.CitesExpected, b.CitesExpected)
	if a.Error != b.Error {
		d = append(d, fmt.Sprintf("error %s → %s", dash(a.Error), dash(b.Error)))
	}
	return d
}
