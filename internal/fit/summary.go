package fit

import (
	"fmt"
	"slices"
	"strings"
)

// SummaryFirstLine opens every Summary; a chat message that starts with it
// is a shared fit check result (see ParseSummary).
const SummaryFirstLine = "My fit check result:"

// Summary is the message "Discuss my result" posts in the chat, shown to
// the person as their own message: the result with both match scores, then each
// question with the chosen label, as Markdown. It starts with the line "My
// fit check result:" and ends by asking for an explanation. Questions left
// unanswered or answered with an unknown option are left out.
func Summary(a Answers, r Result) string {
	var b strings.Builder
	b.WriteString(SummaryFirstLine + "\n\n")
	fmt.Fprintf(&b, "- **Result:** %s\n", r.Title)
	fmt.Fprintf(&b, "- **Match, out of 10 (each role on its own):** %s %d, %s %d\n\n",
		fitOutcomes[MLEngineer].title, MatchOutOf10(r.ML), fitOutcomes[GenAIDeveloper].title, MatchOutOf10(r.GenAI))
	b.WriteString("**My answers**\n\n")
	for _, q := range fitQuestions {
		i := slices.IndexFunc(q.Options, func(o Option) bool { return o.ID == a[q.ID] })
		if i >= 0 {
			fmt.Fprintf(&b, "- %s **%s**\n", q.Text, q.Options[i].Label)
		}
	}
	b.WriteString("\nCan you explain this result and suggest what I should learn first?")
	return b.String()
}

// Shared is what a "My fit check result:" message tells.
type Shared struct {
	Fit     string  // MLEngineer, GenAIDeveloper, Either, or "" if no result could be read
	Answers Answers // the answers recognised, possibly incomplete
}

// ParseSummary recognises a message that starts like Summary's and reads
// the result it names and the answers it lists. It reads loosely (any
// case, emphasis and list markers ignored, the result on the first line or
// on a "Result:" line), since people may paste or retype it.
func ParseSummary(msg string) (Shared, bool) {
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\r\n", "\n")
	first, rest, _ := strings.Cut(msg, "\n")
	tail, ok := cutPrefixFold(plainLine(first), SummaryFirstLine)
	if !ok {
		return Shared{}, false
	}
	s := Shared{Fit: classify(tail), Answers: Answers{}}
	for _, line := range strings.Split(rest, "\n") {
		plain := plainLine(line)
		if s.Fit == "" {
			if v, ok := cutPrefixFold(plain, "result:"); ok {
				s.Fit = classify(v)
			}
		}
		for _, q := range fitQuestions {
			label, ok := cutPrefixFold(plain, q.Text)
			if !ok {
				continue
			}
			for _, o := range q.Options {
				if strings.EqualFold(strings.TrimSpace(label), o.Label) {
					s.Answers[q.ID] = o.ID
				}
			}
		}
	}
	return s, true
}

// plainLine drops list and quote markers and emphasis, which carry nothing
// the reader needs and which people add or remove when they retype.
func plainLine(line string) string {
	line = strings.NewReplacer("*", "", "_", "").Replace(line)
	return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-+>•"))
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(s[len(prefix):]), true
}

// classify tells which outcome a result names, however the roles are
// spelled; it returns "" when it names none or, confusingly, both roles.
func classify(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	})
	has := func(w string) bool { return slices.Contains(words, w) }
	if has("either") || has("both") {
		return Either
	}
	joined := " " + strings.Join(words, " ") + " "
	ml := has("ml") || has("mle") || strings.Contains(joined, " machine learning ")
	genai := has("genai") || strings.Contains(joined, " gen ai ") || strings.Contains(joined, " generative ai ")
	switch {
	case ml && !genai:
		return MLEngineer
	case genai && !ml:
		return GenAIDeveloper
	}
	return ""
}

// Outcome describes one of the three outcomes without scoring anything: its
// Fit, Title, Summary, Tipping (for Either) and FirstSteps, for explaining a
// result whose answers are not known. ok is false for an unknown id.
func Outcome(fit string) (r Result, ok bool) {
	out, ok := fitOutcomes[fit]
	if !ok {
		return Result{}, false
	}
	r = Result{Fit: fit, Title: out.title, Summary: out.summary, FirstSteps: slices.Clone(out.firstSteps)}
	if fit == Either {
		r.Tipping = fitTippingBase
	}
	return r, true
}
