package prompts

import (
	"fmt"
	"slices"
	"strings"
)

// sharedFit is what a "My fit check result:" message tells us.
type sharedFit struct {
	fit     string     // fitML, fitGenAI, fitEither, or "" if no result could be read
	answers FitAnswers // the answers recognised, possibly incomplete
}

// readFitSummary recognises a message that starts like FitSummary's and
// reads the result it names and the answers it lists. It reads loosely
// (any case, emphasis and list markers ignored, the result on the first
// line or on a "Result:" line), since people may paste or retype it.
func readFitSummary(msg string) (sharedFit, bool) {
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\r\n", "\n")
	first, rest, _ := strings.Cut(msg, "\n")
	tail, ok := cutPrefixFold(plainLine(first), fitSummaryFirstLine)
	if !ok {
		return sharedFit{}, false
	}
	s := sharedFit{fit: classifyFit(tail), answers: FitAnswers{}}
	for _, line := range strings.Split(rest, "\n") {
		plain := plainLine(line)
		if s.fit == "" {
			if v, ok := cutPrefixFold(plain, "result:"); ok {
				s.fit = classifyFit(v)
			}
		}
		for _, q := range fitQuestions {
			label, ok := cutPrefixFold(plain, q.Text)
			if !ok {
				continue
			}
			for _, o := range q.Options {
				if strings.EqualFold(strings.TrimSpace(label), o.Label) {
					s.answers[q.ID] = o.ID
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

// classifyFit tells which outcome a result names, however the roles are
// spelled; it returns "" when it names none or, confusingly, both roles.
func classifyFit(text string) string {
	lower := strings.ToLower(text)
	if strings.Contains(lower, "either") || strings.Contains(lower, "both") {
		return fitEither
	}
	terms := loadKnowledge().analyzer.analyze(text)
	ml, genai := containsTerm(terms, "_mleng"), containsTerm(terms, "_genaidev")
	switch {
	case ml && !genai:
		return fitML
	case genai && !ml:
		return fitGenAI
	}
	return ""
}

// fitSections are the role sections that explain each outcome.
var fitSections = map[string][]string{
	fitML:     {"ml-engineer-role", "ml-engineer-daily-work"},
	fitGenAI:  {"genai-developer-role", "genai-developer-daily-work"},
	fitEither: {"ml-engineer-role", "ml-engineer-daily-work", "genai-developer-role", "genai-developer-daily-work"},
}

// fitResultReply explains a shared fit check result from the article: why
// the answers point where they do (when they can be read back), what the
// role involves, how the article says to choose, and what to learn first.
// Every fact is a section's own text or a fit text tied to a section, each
// cited; nothing is added.
func fitResultReply(s sharedFit) string {
	fit := s.fit
	var reasons []FitReason
	// The answers can be scored again only if the message lists them all
	// unchanged; their reasons are shown only if they agree with the result.
	if r, err := ScoreFit(s.answers); err == nil && (fit == "" || fit == r.Fit) {
		fit, reasons = r.Fit, r.Reasons
	}
	var b strings.Builder
	switch fit {
	case fitML, fitGenAI:
		fmt.Fprintf(&b, "Your fit check points to the **%s**. Here is what the article says about the role, how it suggests choosing, and where to start.\n\n", fitOutcomes[fit].title)
	case fitEither:
		b.WriteString("Your fit check found that **either role could fit** you. Here is what each role involves according to the article, how it suggests choosing, and where to start.\n\n")
	default:
		fit = fitEither
		b.WriteString("I couldn't tell which role your fit check named, so here is what the article says about both roles, how it suggests choosing, and where to start.\n\n")
	}
	if len(reasons) > 0 {
		b.WriteString("**Why it fits your answers**\n\n")
		for _, r := range reasons {
			fmt.Fprintf(&b, "- %s %s\n", r.Text, Cite(r.Section))
		}
		b.WriteString("\n")
	}
	shown := slices.Concat(fitSections[fit], []string{choosingID})
	for _, id := range shown {
		sec, _ := LookupSection(id)
		fmt.Fprintf(&b, "**%s**\n\n%s\n\n", sec.Title, cited(sec.Body, sec.ID))
	}
	if fit == fitEither {
		fmt.Fprintf(&b, "%s %s\n\n", fitTippingBase, Cite(choosingID))
	}
	b.WriteString("**What to learn first**\n\n")
	for _, step := range fitOutcomes[fit].firstSteps {
		fmt.Fprintf(&b, "- %s %s\n", step.Text, Cite(step.Section))
	}
	b.WriteString("\n")
	next := fitSections[fit][0]
	if fit == fitEither {
		next = choosingID
	}
	writeFooter(&b, followUp(next, shown))
	return b.String()
}
