package offline

import (
	"github.com/rolefit/rolefit/internal/fit"
)

// Answer answers from the knowledge base alone, for when no model is
// configured or reachable. It works out what the question asks (which
// role, what about it, the person's situation), answers that first, then
// supports the answer with the article's own text, each claim cited with
// [prompts.Cite] beside it, as the system prompt asks the model to. A
// question the article does not cover gets an honest "the article doesn't
// cover" naming the topic, and the closest useful part of the article. A
// result shared from the fit check (see [fit.ParseSummary]) is explained
// from the sections behind it.
func Answer(question string) string {
	if shared, ok := fit.ParseSummary(question); ok {
		return fitResultReply(shared)
	}
	k := loadKnowledge()
	q := k.understand(question)
	if isSmallTalk(q.query) && q.meta == "" {
		return helpReply(q.query)
	}
	matches := k.rank(q.focus)
	switch {
	case q.meta != "":
		return metaReply(q)
	case q.topic != nil:
		return k.notCoveredReply(q, q.topicName, q.topic.closest, matches)
	case len(q.names) > 0:
		return k.notCoveredReply(q, listNames(q.names), nil, matches)
	}
	if rare := k.rareWords(q); len(rare) > 0 && !q.personal && len(q.raw) <= maxWordsForRareTopic && !k.hasSpecific(q) {
		return k.notCoveredReply(q, quoteUnknown(rare), nil, matches)
	}
	if unknown, ok := k.covers(q); !ok {
		return k.notCoveredReply(q, quoteUnknown(unknown), nil, matches)
	}
	switch {
	case q.personal:
		return k.personalReply(q, matches)
	case len(matches) == 0:
		return k.notCoveredReply(q, "", nil, nil)
	case containsTerm(q.query, "_fitme") || (matches[0].Section.ID == choosingID && !q.yesNo && !q.compare && !k.hasEntities(q)):
		return k.personalReply(q, matches)
	case q.yesNo:
		return k.yesNoReply(q, matches)
	case q.compare && matches[0].Section.ID == analogyID:
		return k.sectionsReply(q, matches)
	case q.compare:
		return k.compareReply(q, matches)
	}
	return k.sectionsReply(q, matches)
}

const (
	choosingID    = "choosing-a-career"
	analogyID     = "analogy-pizza-restaurant"
	fastestPathID = "fastest-path-for-developers"

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
