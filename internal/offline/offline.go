package offline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rolefit/rolefit/internal/fit"
	"github.com/rolefit/rolefit/internal/prompts"
)

// Answer answers from the knowledge base alone, for when no model is
// configured or reachable. It only ever repeats the article's facts, and
// cites each section it repeats with [Cite] right after that section's
// text, as the system prompt asks the model to. A question the article does
// not cover gets an honest "the article doesn't say" rather than a guess.
// A result shared from the fit check (see [FitSummary]) is explained from
// the sections behind it.
func Answer(question string) string {
	if shared, ok := fit.ParseSummary(question); ok {
		return fitResultReply(shared)
	}
	k := loadKnowledge()
	query := k.analyzer.analyze(question)
	if isSmallTalk(query) {
		return helpReply(query)
	}
	matches := k.rank(query)
	if unknown, ok := k.covers(query); !ok {
		return notCoveredReply(unknown, matches)
	}
	if containsTerm(query, "_fitme") || matches[0].Section.ID == choosingID {
		return fitReply(query)
	}
	return sectionsReply(matches)
}

const (
	choosingID    = "choosing-a-career"
	fastestPathID = "fastest-path-for-developers"

	offlineNote = "_Offline mode: answers are taken directly from the article._"

	// fitCheckLink opens the fit check, served by the web app at /fit.
	fitCheckLink = "[Take the fit check](/fit)"

	// An extra section is shown only when it is nearly as relevant as the
	// best one; otherwise the answer drifts off the question.
	extraSectionRatio = 0.8
	maxSections       = 3
)

// sectionGuide is what an offline reply says around a section.
type sectionGuide struct {
	lead    string   // one line that introduces the section
	ask     string   // how someone would ask for it, offered as a follow-up
	related []string // sections worth suggesting next
}

var guides = map[string]sectionGuide{
	"overview": {
		"Here's the big picture the article starts with.",
		"Who builds AI products?",
		[]string{"analogy-pizza-restaurant", "remember-the-difference"}},
	"analogy-pizza-restaurant": {
		"The article explains the two roles with a pizza restaurant.",
		"Can you explain the pizza restaurant analogy?",
		[]string{"ml-engineer-role", "genai-developer-role"}},
	"ml-engineer-role": {
		"Here's what the article says an ML Engineer does.",
		"What does an ML Engineer do?",
		[]string{"ml-engineer-daily-work", "ml-engineer-tools"}},
	"ml-engineer-daily-work": {
		"Here's an ML Engineer's day-to-day work, according to the article.",
		"What does an ML Engineer do day to day?",
		[]string{"ml-engineer-tools", "genai-developer-daily-work"}},
	"ml-engineer-tools": {
		"These are the tools the article lists for ML Engineers.",
		"What tools does an ML Engineer use?",
		[]string{"genai-developer-tools", "ml-engineer-daily-work"}},
	"genai-developer-role": {
		"Here's what the article says a Gen AI Application Developer does.",
		"What does a Gen AI Application Developer do?",
		[]string{"genai-developer-applications", "genai-developer-daily-work"}},
	"genai-developer-applications": {
		"The article gives these examples of what Gen AI Application Developers build.",
		"What apps do Gen AI Application Developers build?",
		[]string{"genai-developer-daily-work", "genai-developer-tools"}},
	"genai-developer-daily-work": {
		"Here's a Gen AI Application Developer's day-to-day work, according to the article.",
		"What does a Gen AI Application Developer do day to day?",
		[]string{"genai-developer-tools", "ml-engineer-daily-work"}},
	"genai-developer-tools": {
		"These are the tools the article lists for Gen AI Application Developers.",
		"What tools does a Gen AI Application Developer use?",
		[]string{"ml-engineer-tools", fastestPathID}},
	choosingID: {
		"The article says it depends on what excites you more.",
		"Which role fits me?",
		[]string{fastestPathID, "industry-demand"}},
	"industry-demand": {
		"Here's what the article says about demand for these careers.",
		"Are these careers in demand?",
		[]string{fastestPathID, choosingID}},
	fastestPathID: {
		"Good news if you already write software:",
		"What's the fastest way into AI for a software developer?",
		[]string{"genai-developer-daily-work", "genai-developer-tools"}},
	"remember-the-difference": {
		"The article sums up the difference in two lines.",
		"What's the difference between the two roles?",
		[]string{"analogy-pizza-restaurant", choosingID}},
}

// Role names and words found in most sections match nearly any question
// about the careers, so they alone do not show that the article answers it.
var genericTerms = setOf("_mleng", "_genaidev", "_role", "_career", "_compare", "ai")

// covers reports whether the article can answer the query: some term must
// be in the knowledge base, and words it has never seen must not outnumber
// the specific ones it has ("salary" vs nothing in "ML engineer salary").
// It returns the unseen words so the reply can name them.
func (k *knowledge) covers(query []token) (unknown []token, ok bool) {
	known, specific := 0, 0
	for i, t := range query {
		if containsTerm(query[:i], t.term) || greetWords[t.term] {
			continue
		}
		pl, found := k.index.terms[t.term]
		switch {
		case !found:
			unknown = append(unknown, t)
		case genericTerms[t.term] || pl.df*5 >= len(k.sections)*2:
			known++
		default:
			known++
			specific++
		}
	}
	return unknown, known > 0 && len(unknown) <= specific
}

func isSmallTalk(query []token) bool {
	for _, t := range query {
		if !greetWords[t.term] {
			return false
		}
	}
	return true
}

func helpReply(query []token) string {
	var b strings.Builder
	if containsAny(query, thankWords) {
		b.WriteString("You're welcome! Ask me anything else about the two careers.")
	} else {
		fmt.Fprintf(&b, "Hi! I'm Rolefit. I answer questions about two AI careers, the ML Engineer and the Gen AI Application Developer, based on the article %s.", prompts.Source().Credit())
	}
	b.WriteString("\n\nYou could ask:\n\n")
	for _, id := range []string{"ml-engineer-daily-work", "genai-developer-tools", "remember-the-difference", choosingID} {
		fmt.Fprintf(&b, "- %s\n", guides[id].ask)
	}
	b.WriteString("\n" + offlineNote)
	return b.String()
}

func notCoveredReply(unknown []token, matches []Match) string {
	var b strings.Builder
	if len(unknown) == 0 {
		b.WriteString("The article doesn't cover that.")
	} else {
		fmt.Fprintf(&b, "The article doesn't say anything about %s.", listWords(unknown))
	}
	b.WriteString(" It covers what ML Engineers and Gen AI Application Developers do, the tools they use, how they differ and how to choose between them.\n\n")
	if len(matches) > 0 {
		closest := matches[0].Section
		// The marker only points at the section named; no claim rests on it.
		fmt.Fprintf(&b, "The closest section is **%s**, so you could ask %q instead. %s\n\n",
			closest.Title, guides[closest.ID].ask, prompts.Cite(closest.ID))
	} else {
		fmt.Fprintf(&b, "You could ask: %q\n\n", guides["remember-the-difference"].ask)
	}
	writeFooter(&b, "")
	return b.String()
}

func fitReply(query []token) string {
	choosing, _ := prompts.LookupSection(choosingID)
	fastest, _ := prompts.LookupSection(fastestPathID)
	var b strings.Builder
	fmt.Fprintf(&b, "%s Only you can answer that, so here is the article's guidance and a few questions to ask yourself.\n\n", guides[choosingID].lead)
	fmt.Fprintf(&b, "**%s**\n\n%s\n\n", choosing.Title, cited(choosing.Body, choosing.ID))
	// Questions back to the person claim nothing, so they cite nothing.
	b.WriteString("**Questions to ask yourself**\n\n" +
		"- Do you enjoy mathematical problems and working with data, or building software, websites and APIs?\n" +
		"- Would you rather create AI models from scratch, or build products people use every day with powerful models such as GPT?\n" +
		"- Do you already write software, for example with JavaScript, React, Node.js, Python or AWS?\n\n")
	if containsAny(query, softwareBackground) {
		fmt.Fprintf(&b, "**%s**\n\n%s\n\n", fastest.Title, cited(fastest.Body, fastest.ID))
	} else {
		fmt.Fprintf(&b, "If you already build software, see **%s**: the article calls the Gen AI Application Developer route one of the quickest and most practical ways into the AI industry for you. %s\n\n",
			fastest.Title, prompts.Cite(fastest.ID))
	}
	fmt.Fprintf(&b, "Want a shortcut? %s: %d multiple-choice questions that suggest a role, with reasons from the article.\n\n",
		fitCheckLink, len(fit.Questions()))
	writeFooter(&b, followUp(choosingID, []string{choosingID, fastestPathID}))
	return b.String()
}

// softwareBackground are terms showing the person already builds software.
var softwareBackground = setOf("_swdev", "javascript", "react", "nodejs")

func sectionsReply(matches []Match) string {
	top := matches[0]
	shown := []string{top.Section.ID}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n**%s**\n\n%s\n\n", guides[top.Section.ID].lead, top.Section.Title, cited(top.Section.Body, top.Section.ID))
	for _, m := range matches[1:] {
		if len(shown) == maxSections || m.Score < top.Score*extraSectionRatio {
			break
		}
		fmt.Fprintf(&b, "**%s**\n\n%s\n\n", m.Section.Title, cited(condense(m.Section.Body), m.Section.ID))
		shown = append(shown, m.Section.ID)
	}
	writeFooter(&b, followUp(top.Section.ID, shown))
	return b.String()
}

// writeFooter ends every answer that draws on the article: the credit, the
// suggested follow-up if any, and the offline-mode note.
func writeFooter(b *strings.Builder, followUp string) {
	fmt.Fprintf(b, "*Source: %s.*\n\n", prompts.Source().Credit())
	if followUp != "" {
		b.WriteString(followUp + "\n\n")
	}
	b.WriteString(offlineNote)
}

// followUp suggests up to two related questions whose sections are not
// already in the answer.
func followUp(id string, shown []string) string {
	var asks []string
	for _, r := range guides[id].related {
		if len(asks) < 2 && !slices.Contains(shown, r) {
			asks = append(asks, fmt.Sprintf("%q", guides[r].ask))
		}
	}
	if len(asks) == 0 {
		return ""
	}
	return "You could also ask: " + strings.Join(asks, " or ")
}

// condense keeps a secondary section short: its first paragraph and its
// bullet lists, which is where the facts are.
func condense(body string) string {
	paragraphs := strings.Split(body, "\n\n")
	kept := []string{paragraphs[0]}
	for _, p := range paragraphs[1:] {
		if strings.HasPrefix(p, "- ") {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "\n\n")
}

// listWords quotes up to three of the person's words back in bold. Safe to
// put in Markdown: the tokenizer keeps only letters and digits.
func listWords(tokens []token) string {
	var words []string
	for _, t := range tokens {
		if len(words) < 3 {
			words = append(words, "**"+t.surface+"**")
		}
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func containsTerm(tokens []token, term string) bool {
	for _, t := range tokens {
		if t.term == term {
			return true
		}
	}
	return false
}

func containsAny(tokens []token, terms map[string]bool) bool {
	for _, t := range tokens {
		if terms[t.term] {
			return true
		}
	}
	return false
}
