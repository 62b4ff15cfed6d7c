package offline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rolefit/rolefit/internal/fit"
	"github.com/rolefit/rolefit/internal/prompts"
)

// fitSections are the role sections that explain each outcome.
var fitSections = map[string][]string{
	fit.MLEngineer:     {"ml-engineer-role", "ml-engineer-daily-work"},
	fit.GenAIDeveloper: {"genai-developer-role", "genai-developer-daily-work"},
	fit.Either:         {"ml-engineer-role", "ml-engineer-daily-work", "genai-developer-role", "genai-developer-daily-work"},
}

// fitResultReply explains a shared fit check result from the article: why
// the answers point where they do (when they can be read back), what the
// role involves, how the article says to choose, and what to learn first.
// Every fact is a section's own text or a fit text tied to a section, each
// cited; nothing is added.
func fitResultReply(s fit.Shared) string {
	outcome := s.Fit
	var reasons []fit.Reason
	// The answers can be scored again only if the message lists them all
	// unchanged; their reasons are shown only if they agree with the result.
	if r, err := fit.Score(s.Answers); err == nil && (outcome == "" || outcome == r.Fit) {
		outcome, reasons = r.Fit, r.Reasons
	}
	if _, ok := fit.Outcome(outcome); !ok {
		outcome = ""
	}
	var b strings.Builder
	switch outcome {
	case fit.MLEngineer, fit.GenAIDeveloper:
		o, _ := fit.Outcome(outcome)
		fmt.Fprintf(&b, "Your fit check points to the **%s**. Here is what the article says about the role, how it suggests choosing, and where to start.\n\n", o.Title)
	case fit.Either:
		b.WriteString("Your fit check found that **either role could fit** you. Here is what each role involves according to the article, how it suggests choosing, and where to start.\n\n")
	default:
		outcome = fit.Either
		b.WriteString("I couldn't tell which role your fit check named, so here is what the article says about both roles, how it suggests choosing, and where to start.\n\n")
	}
	o, _ := fit.Outcome(outcome)
	if len(reasons) > 0 {
		b.WriteString("**Why it fits your answers**\n\n")
		for _, r := range reasons {
			fmt.Fprintf(&b, "- %s %s\n", r.Text, prompts.Cite(r.Section))
		}
		b.WriteString("\n")
	}
	shown := slices.Concat(fitSections[outcome], []string{choosingID})
	for _, id := range shown {
		sec, _ := prompts.LookupSection(id)
		fmt.Fprintf(&b, "**%s**\n\n%s\n\n", sec.Title, cited(sec.Body, sec.ID))
	}
	if outcome == fit.Either {
		fmt.Fprintf(&b, "%s %s\n\n", o.Tipping, prompts.Cite(choosingID))
	}
	b.WriteString("**What to learn first**\n\n")
	for _, step := range o.FirstSteps {
		fmt.Fprintf(&b, "- %s %s\n", step.Text, prompts.Cite(step.Section))
	}
	b.WriteString("\n")
	next := fitSections[outcome][0]
	if outcome == fit.Either {
		next = choosingID
	}
	writeFollowUps(&b, next, shown)
	return strings.TrimRight(b.String(), "\n")
}
