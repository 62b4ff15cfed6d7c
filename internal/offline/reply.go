package offline

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/rolefit/rolefit/internal/fit"
	"github.com/rolefit/rolefit/internal/prompts"
)

// Role names and words found in most sections match nearly any question
// about the careers, so they alone do not show what a question is about.
var genericTerms = setOf("_mleng", "_genaidev", "_role", "_career", "_compare", "ai", "_tools",
	"_daily", "_example", "_fitme", "_nutshell", "_overview", "model", "build", "work",
	"develop", "developer", "engineer", "application", "data", "use", "learn", "make", "job")

// covers reports whether the article can answer the question. Unknown
// words alone never make a question uncovered: only a question with no
// word the article knows, and a rare word it does not know, is declared
// outside it ("how do I bake bread"). It returns those rare words.
func (k *knowledge) covers(q *question) (unknown []string, ok bool) {
	known := false
	for _, t := range q.query {
		if _, found := k.index.terms[t.term]; found || greetWords[t.term] {
			known = true
		}
	}
	if known || q.personal {
		return nil, true
	}
	for _, t := range q.query {
		w := strings.ToLower(t.surface)
		if !commonWords[w] && !stopWords[w] && len(w) > 2 && !slices.Contains(unknown, t.surface) {
			unknown = append(unknown, t.surface)
		}
	}
	return unknown, len(unknown) == 0
}

// A short question whose only specific word is one the article never
// uses is about that word ("Is there a lot of competition for ML engineer
// jobs?"); in a longer one such a word is more likely context.
const maxWordsForRareTopic = 16

// rareWords are the question's words that are neither the article's, nor
// everyday English, nor a typo of either.
func (k *knowledge) rareWords(q *question) []string {
	var out []string
	for _, t := range q.focus {
		w := strings.ToLower(t.surface)
		if strings.HasPrefix(t.term, "_") || strings.Contains(w, " ") || len(w) < minCorrectable {
			continue
		}
		if _, ok := k.index.terms[t.term]; ok {
			continue
		}
		fixed := k.analyzer.fixWord(w)
		_, lean := leanWords[fixed]
		if lean || commonWords[fixed] || stopWords[fixed] || greetWords[t.term] || !isWord(fixed) {
			continue
		}
		// A word close to one Rolefit knows is more likely a typo than a topic.
		if realWords[fixed] || (!k.analyzer.fix.known[fixed] && !k.analyzer.fix.near(fixed)) {
			if !slices.Contains(out, t.surface) {
				out = append(out, t.surface)
			}
		}
	}
	return out
}

// hasSpecific reports whether the question names anything specific that
// the article holds: a term beyond the roles and generic words.
func (k *knowledge) hasSpecific(q *question) bool {
	for _, t := range q.focus {
		if _, ok := k.index.terms[t.term]; ok && !genericTerms[t.term] && !commonWords[strings.ToLower(t.surface)] {
			return true
		}
	}
	return false
}

// quoteUnknown names the person's own words as the topic: “bake bread”.
func quoteUnknown(words []string) string {
	if len(words) > 4 {
		words = words[:4]
	}
	return "“" + strings.Join(words, " ") + "”"
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
		fmt.Fprintf(&b, "- %s\n", askLink(guides[id].ask))
	}
	return strings.TrimRight(b.String(), "\n")
}

// askLink is a follow-up question as a link that asks it (the web app
// reads ?ask= on its chat pages).
func askLink(question string) string {
	return fmt.Sprintf("[%s](/?ask=%s)", question, strings.ReplaceAll(url.QueryEscape(question), "+", "%20"))
}

// listNames joins names for a sentence: "A", "A or B", "A, B or C".
func listNames(names []string) string {
	if len(names) > 3 {
		names = names[:3]
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func (k *knowledge) notCoveredReply(q *question, name string, closest []string, matches []Match) string {
	var b strings.Builder
	// The closest part: the topic's own pointer, preferring the one the
	// question ranks highest; or simply the best-ranked section.
	var best string
	for _, m := range matches {
		if len(closest) == 0 || slices.Contains(closest, m.Section.ID) {
			best = m.Section.ID
			break
		}
	}
	if best == "" && len(closest) > 0 {
		best = closest[0]
	}
	if name == "" {
		name = "that"
	}
	if best == "" {
		fmt.Fprintf(&b, "The article doesn't cover %s. It is about two AI careers, the ML Engineer and the Gen AI Application Developer: what they do, the tools they use, how they differ and how to choose between them.\n\n", name)
		b.WriteString("You could ask:\n\n")
		for _, id := range []string{"remember-the-difference", choosingID} {
			fmt.Fprintf(&b, "- %s\n", askLink(guides[id].ask))
		}
		return strings.TrimRight(b.String(), "\n")
	}
	fmt.Fprintf(&b, "The article doesn't cover %s, but here is what it says about %s: %s %s\n\n",
		name, sectionText[best].about, sectionText[best].short, prompts.Cite(best))
	shown := []string{best}
	// A second section when the question itself points elsewhere too
	// ("Azure or GCP instead of AWS" → the tool lists).
	if len(matches) > 0 {
		top := matches[0].Section.ID
		if top != best && top != "overview" {
			shown = append(shown, top)
			fmt.Fprintf(&b, "It also covers %s: %s %s\n\n", sectionText[top].about, sectionText[top].short, prompts.Cite(top))
		}
	}
	writeFollowUps(&b, best, shown)
	return strings.TrimRight(b.String(), "\n")
}

func metaReply(q *question) string {
	src := prompts.Source()
	var b strings.Builder
	switch q.meta {
	case "comments":
		b.WriteString("Rolefit keeps only the article's text, so it has no comments to show: none are included in the copy it answers from. ")
		fmt.Fprintf(&b, "The article is %s.\n\n", src.Credit())
	case "title":
		fmt.Fprintf(&b, "The article's title is “%s”; it is by %s, published on %s.\n\n", src.Title, src.Author, src.Publication)
	case "outline":
		fmt.Fprintf(&b, "The article (%s) covers, in order:\n\n", src.Credit())
		for _, s := range prompts.Sections() {
			fmt.Fprintf(&b, "- %s %s\n", s.Title, prompts.Cite(s.ID))
		}
		b.WriteString("\n")
		writeFollowUps(&b, "overview", nil)
		return strings.TrimRight(b.String(), "\n")
	case "end":
		fmt.Fprintf(&b, "The article ends with its view that the future is not only about building smarter AI, but about building smarter applications with AI. %s\n\n", prompts.Cite("industry-demand"))
		fmt.Fprintf(&b, "Its one-line summary of the difference: %s %s\n\n", sectionText["remember-the-difference"].short, prompts.Cite("remember-the-difference"))
		writeFollowUps(&b, "industry-demand", []string{"industry-demand", "remember-the-difference"})
		return strings.TrimRight(b.String(), "\n")
	default:
		fmt.Fprintf(&b, "The article was written by %s and published on %s (a blog platform for developers): “%s”.\n\n", src.Author, src.Publication, src.Title)
	}
	fmt.Fprintf(&b, "It is about who builds AI products. %s %s\n\n", sectionText["overview"].short, prompts.Cite("overview"))
	writeFollowUps(&b, "overview", []string{"overview"})
	return strings.TrimRight(b.String(), "\n")
}

// personalReply gives a reasoned lean from the article's criteria for
// choosing, when the person says enough about themselves, and always the
// article's guidance and the fit check.
func (k *knowledge) personalReply(q *question, matches []Match) string {
	var b strings.Builder
	l := q.lean
	var leanTo role
	switch {
	case !q.firstP:
		// "Which role suits people who like maths?" asks for the criteria.
	case l.ml > l.gen:
		leanTo = mlRole
	case l.gen > l.ml:
		leanTo = genRole
	}
	shown := []string{choosingID}
	switch leanTo {
	case mlRole:
		fmt.Fprintf(&b, "%sFrom what you describe, the article's criteria point to the **ML Engineer** (Machine Learning Engineer). You mention %s, and the article says Machine Learning Engineering is an excellent career for people who like building AI models from scratch, working with data and solving mathematical problems. %s\n\n",
			yesNoLean(q, mlRole), quoteWords(l.mlWhy), prompts.Cite(choosingID))
		if len(l.genWhy) > 0 {
			fmt.Fprintf(&b, "You also mention %s, which the article ties to the Gen AI Application Developer, who builds applications, websites and APIs on existing models. %s\n\n", quoteWords(l.genWhy), prompts.Cite(choosingID))
		}
		for _, id := range k.supporting(q, mlRole, []string{"ml-engineer-role", "ml-engineer-daily-work", "ml-engineer-tools"}) {
			writeSection(&b, id)
			shown = append(shown, id)
		}
	case genRole:
		fmt.Fprintf(&b, "%sFrom what you describe, the article's criteria point to the **Gen AI Application Developer** (Generative AI Application Developer). You mention %s, and the article says Gen AI Application Development is the better option for people who like creating APIs, building websites, developing software and putting AI into everyday products. %s\n\n",
			yesNoLean(q, genRole), quoteWords(l.genWhy), prompts.Cite(choosingID))
		if l.dislikeMath {
			fmt.Fprintf(&b, "The role the article ties to mathematical problems is the ML Engineer's; the Gen AI Application Developer builds on existing models such as GPT instead of training them. %s\n\n", prompts.Cite("genai-developer-role"))
			shown = append(shown, "genai-developer-role")
		}
		if l.softwareWorking || containsTerm(q.query, "_fast") || containsTerm(q.query, "_enter") {
			fmt.Fprintf(&b, "%s %s\n\n", youBuildSoftware, prompts.Cite(fastestPathID))
			shown = append(shown, fastestPathID)
		}
		for _, id := range k.supporting(q, genRole, []string{"genai-developer-daily-work", "genai-developer-tools"}) {
			if !slices.Contains(shown, id) {
				writeSection(&b, id)
				shown = append(shown, id)
			}
		}
	default:
		if len(l.mlWhy) > 0 && len(l.genWhy) > 0 {
			fmt.Fprintf(&b, "Either could fit you: %s point to the ML Engineer, %s to the Gen AI Application Developer. The article says it comes down to what you find more exciting: building applications powered by AI, or creating intelligent AI models. %s\n\n",
				quoteWords(l.mlWhy), quoteWords(l.genWhy), prompts.Cite(choosingID))
		} else {
			fmt.Fprintf(&b, "The article says it depends on what excites you more: building applications powered by AI (Gen AI Application Developer), or creating intelligent AI models (ML Engineer). %s\n\n", prompts.Cite(choosingID))
		}
		b.WriteString("Its criteria:\n\n")
		choosing, _ := prompts.LookupSection(choosingID)
		for _, line := range strings.Split(choosing.Body, "\n") {
			if strings.HasPrefix(line, "- ") {
				b.WriteString(cited(line, choosingID) + "\n")
			}
		}
		b.WriteString("\n")
		b.WriteString("Questions to ask yourself:\n\n" +
			"- Do you enjoy mathematical problems and working with data, or building software, websites and APIs?\n" +
			"- Would you rather create AI models from scratch, or build products people use every day with powerful models such as GPT?\n" +
			"- Do you already write software, for example with JavaScript, React, Node.js, Python or AWS?\n\n")
		if l.softwareWorking || containsAny(q.query, softwareBackground) {
			fmt.Fprintf(&b, "%s %s\n\n", youBuildSoftware, prompts.Cite(fastestPathID))
		} else {
			fmt.Fprintf(&b, "If you already build software, the article calls the Gen AI Application Developer route one of the fastest and most practical ways into the AI industry. %s\n\n", prompts.Cite(fastestPathID))
		}
		shown = append(shown, fastestPathID)
	}
	fmt.Fprintf(&b, "Want a second opinion? %s: %d multiple-choice questions that suggest a role, with reasons from the article.\n\n",
		fitCheckLink, len(fit.Questions()))
	writeFollowUps(&b, choosingID, shown)
	return strings.TrimRight(b.String(), "\n")
}

// youBuildSoftware restates the fastest path for someone who said they
// write software.
const youBuildSoftware = "Since you already build software: the article calls the Gen AI Application Developer route one of the fastest and most practical ways into the AI industry for people with experience in Python, JavaScript, Node.js, React or a cloud platform such as AWS."

// yesNoLean opens a personal answer to a yes/no question ("Is Gen AI
// development the right direction for me?") with the answer the lean gives.
func yesNoLean(q *question, lean role) string {
	if !q.yesNo {
		return ""
	}
	if asked := q.askedRole(); asked != noRole && asked != lean {
		return "Probably not. "
	}
	return "Yes, most likely. "
}

// softwareBackground are terms showing the person already builds software.
var softwareBackground = setOf("_swdev", "javascript", "react", "nodejs")

// supporting picks the role's sections that hold what the question
// mentions, or the given defaults.
func (k *knowledge) supporting(q *question, r role, defaults []string) []string {
	var ids []string
	if a := aspectSection(q, r); a != "" {
		ids = append(ids, a)
	}
	for _, u := range k.matchingUnits(q, r) {
		if !slices.Contains(ids, u.section) && roleSections[u.section] == r && u.section != fastestPathID {
			ids = append(ids, u.section)
		}
	}
	if len(ids) == 0 {
		return defaults
	}
	if len(ids) > 2 {
		ids = ids[:2]
	}
	return ids
}

// quoteWords lists the person's own words back ("statistics and jupyter").
func quoteWords(words []string) string {
	if len(words) > 3 {
		words = words[:3]
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// entityTerms are the specific things a question names: terms the
// knowledge base holds that are not role names or generic words.
func (k *knowledge) entityTerms(q *question) []string {
	var out []string
	for _, t := range q.focus {
		// Everyday words ("part", "common") name nothing in particular.
		if genericTerms[t.term] || slices.Contains(out, t.term) || commonWords[strings.ToLower(t.surface)] {
			continue
		}
		if _, ok := k.index.terms[t.term]; ok {
			out = append(out, t.term)
		}
	}
	return out
}

func (k *knowledge) hasEntities(q *question) bool {
	for _, t := range k.entityTerms(q) {
		if !strings.HasPrefix(t, "_") {
			return true
		}
	}
	return false
}

// scoredUnit is a unit and how much of the question it holds.
type scoredUnit struct {
	unit
	score float64
}

// matchingUnits returns the units holding the question's specific terms,
// best first; with a role, only that role's units and those of neither.
func (k *knowledge) matchingUnits(q *question, r role) []scoredUnit {
	terms := k.entityTerms(q)
	var out []scoredUnit
	for _, u := range k.units {
		if r != noRole && u.role != r && u.role != noRole {
			continue
		}
		var s float64
		for _, t := range terms {
			if u.terms[t] {
				s += k.index.terms[t].idf
			}
		}
		if s > 0 {
			// On a tie, the role asked about speaks first.
			if r != noRole && u.role == r {
				s *= 1.01
			}
			out = append(out, scoredUnit{u, s})
		}
	}
	slices.SortStableFunc(out, func(a, b scoredUnit) int {
		return cmp.Compare(b.score, a.score) // best first
	})
	return out
}

// roleUnitByAllTerms finds the role's sentence holding most of the
// question's words, generic ones included, or nil.
func (k *knowledge) roleUnitByAllTerms(q *question, r role) *scoredUnit {
	var best *scoredUnit
	for _, u := range k.units {
		if u.role != r {
			continue
		}
		var s float64
		for _, t := range q.focus {
			if t.term != "_mleng" && t.term != "_genaidev" && u.terms[t.term] {
				s += k.index.terms[t.term].idf
			}
		}
		if s > 0 && (best == nil || s > best.score) {
			best = &scoredUnit{u, s}
		}
	}
	return best
}

// evidence states a unit as a sentence.
func evidence(u unit) string {
	if w := sectionText[u.section]; u.item && w.item != "" {
		return fmt.Sprintf(w.item, u.text) + "."
	}
	return u.text
}

func roleName(r role) string {
	if r == mlRole {
		return "ML Engineer"
	}
	return "Gen AI Application Developer"
}

func (k *knowledge) yesNoReply(q *question, matches []Match) string {
	asked := noRole
	switch {
	case q.ml && !q.gen:
		asked = mlRole
	case q.gen && !q.ml:
		asked = genRole
	}
	all := k.matchingUnits(q, noRole)
	if len(all) == 0 {
		return k.sectionsReply(q, matches)
	}
	var b strings.Builder
	var shown []string
	best := all[0]
	inRole := map[role]*scoredUnit{}
	for i := range all {
		u := &all[i]
		if u.score < best.score*0.99 {
			break
		}
		if inRole[u.role] == nil {
			inRole[u.role] = u
		}
	}
	switch {
	case q.both || (q.ml && q.gen):
		ml, gen := inRole[mlRole], inRole[genRole]
		switch {
		case ml != nil && gen != nil:
			writeSides(&b, "Yes: it is in both roles.", ml.unit, gen.unit)
			shown = append(shown, ml.section, gen.section)
		case ml != nil || gen != nil:
			one := ml
			if one == nil {
				one = gen
			}
			fmt.Fprintf(&b, "No, only the %s: %s %s\n\n", roleName(one.role), afterColon(capFirst(evidence(one.unit))), prompts.Cite(one.section))
			shown = append(shown, one.section)
		default:
			fmt.Fprintf(&b, "Yes: %s %s\n\n", afterColon(capFirst(evidence(best.unit))), prompts.Cite(best.section))
			shown = append(shown, best.section)
		}
	case asked != noRole:
		own := k.matchingUnits(q, asked)
		// The role's own sentence speaks for it before a general sentence
		// that holds none of the role's words ("build the model from
		// scratch": not the demand section's "instead of training").
		if len(own) > 0 && own[0].role == noRole && !own[0].terms[roleConcept(asked)] {
			if r := k.roleUnitByAllTerms(q, asked); r != nil && r.negative {
				own = append([]scoredUnit{*r}, own...)
			}
		}
		other := otherRole(asked)
		switch {
		case len(own) > 0 && own[0].score >= best.score*0.6:
			u := own[0]
			word := "Yes"
			if u.negative {
				word = "No"
			}
			fmt.Fprintf(&b, "%s: %s %s\n\n", word, afterColon(capFirst(evidence(u.unit))), prompts.Cite(u.section))
			shown = append(shown, u.section)
			// The same thing said in another of the role's sections.
			for _, o := range own[1:] {
				if o.score >= u.score*0.5 && o.section != u.section && !o.negative && o.role == asked {
					fmt.Fprintf(&b, "Also, %s %s\n\n", lowerFirst(evidence(o.unit)), prompts.Cite(o.section))
					shown = append(shown, o.section)
					break
				}
			}
		case inRole[other] != nil:
			u := inRole[other]
			fmt.Fprintf(&b, "No: the article ties that to the %s, not the %s. %s %s\n\n", roleName(other), roleName(asked), capFirst(evidence(u.unit)), prompts.Cite(u.section))
			shown = append(shown, u.section)
		default:
			fmt.Fprintf(&b, "Partly: %s %s\n\n", afterColon(capFirst(evidence(best.unit))), prompts.Cite(best.section))
			shown = append(shown, best.section)
		}
	default:
		word := "Yes"
		if best.negative {
			word = "No"
		}
		fmt.Fprintf(&b, "%s: %s %s\n\n", word, afterColon(capFirst(evidence(best.unit))), prompts.Cite(best.section))
		shown = append(shown, best.section)
	}
	// The support: the sections the answer rests on, and their
	// counterparts for the other role when roles were compared.
	support := slices.Clone(shown)
	for _, id := range shown {
		if c, ok := counterpart[id]; ok && (q.both || (asked != noRole && roleSections[id] != asked)) && !slices.Contains(support, c) {
			support = append(support, c)
		}
	}
	for _, id := range support[:min(len(support), maxSections)] {
		writeSection(&b, id)
	}
	writeFollowUps(&b, support[0], support)
	return strings.TrimRight(b.String(), "\n")
}

// writeSides answers for both roles, one line each, each line cited.
func writeSides(b *strings.Builder, lead string, ml, gen unit) {
	fmt.Fprintf(b, "%s\n\n- **ML Engineer**: %s %s\n- **Gen AI Application Developer**: %s %s\n\n",
		lead, capFirst(evidence(ml)), prompts.Cite(ml.section), capFirst(evidence(gen)), prompts.Cite(gen.section))
}

// aspectPairs: when a comparison names one of these aspects, the answer
// compares the two roles' sections on it.
var aspectPairs = []struct{ term, ml string }{
	{"_tools", "ml-engineer-tools"},
	{"_daily", "ml-engineer-daily-work"},
}

func roleConcept(r role) string {
	if r == mlRole {
		return "_mleng"
	}
	return "_genaidev"
}

func otherRole(r role) role {
	if r == mlRole {
		return genRole
	}
	return mlRole
}

func (k *knowledge) compareReply(q *question, matches []Match) string {
	var b strings.Builder
	var shown []string
	units := k.matchingUnits(q, noRole)
	var ml, gen *scoredUnit
	for i := range units {
		u := &units[i]
		if u.score < units[0].score*0.99 {
			break
		}
		switch {
		case u.role == mlRole && ml == nil:
			ml = u
		case u.role == genRole && gen == nil:
			gen = u
		}
	}
	bestML, bestGen := sideUnits(units)
	top := matches[0].Section.ID
	// The aspect compared decides the pair of sections ("toolsets").
	for _, a := range aspectPairs {
		if containsTerm(q.focus, a.term) {
			top = a.ml
			break
		}
	}
	_, paired := counterpart[top]
	switch {
	case (q.both || q.twoSided) && k.hasEntities(q) && bestML != nil && bestGen != nil && !paired:
		writeSides(&b, "Both roles, in different ways:", bestML.unit, bestGen.unit)
		shown = append(shown, bestML.section, bestGen.section)
	case q.twoSided && !paired && (bestML == nil || bestGen == nil):
		fmt.Fprintf(&b, "%s %s\n\n%s %s\n\n", sectionText["remember-the-difference"].short, prompts.Cite("remember-the-difference"),
			sectionText["analogy-pizza-restaurant"].short, prompts.Cite("analogy-pizza-restaurant"))
		shown = append(shown, "remember-the-difference", "analogy-pizza-restaurant")
	case q.has("in common") || q.has("similar") || q.has("similarities") || q.has("alike"):
		fmt.Fprintf(&b, "They share the same goal, building AI products, though each is responsible for very different things. %s\n\n", prompts.Cite("overview"))
		fmt.Fprintf(&b, "- Python and AWS are on both roles' tool lists. %s %s\n", prompts.Cite("ml-engineer-tools"), prompts.Cite("genai-developer-tools"))
		fmt.Fprintf(&b, "- Both careers are in high demand, and both are exciting and impactful. %s\n\n", prompts.Cite("industry-demand"))
		shown = append(shown, "overview", "ml-engineer-tools", "genai-developer-tools")
	case k.hasEntities(q) && ml == nil && gen == nil && len(units) > 0 && !paired:
		for i, u := range k.tiedUnits(q, noRole) {
			if i == 0 {
				fmt.Fprintf(&b, "%s %s\n\n", capFirst(evidence(u.unit)), prompts.Cite(u.section))
			} else {
				fmt.Fprintf(&b, "Also, %s %s\n\n", lowerFirst(evidence(u.unit)), prompts.Cite(u.section))
			}
			shown = append(shown, u.section)
		}
	case k.hasEntities(q) && (ml != nil) != (gen != nil):
		one := ml
		if one == nil {
			one = gen
		}
		fmt.Fprintf(&b, "The %s: %s %s\n\n", roleName(one.role), capFirst(evidence(one.unit)), prompts.Cite(one.section))
		shown = append(shown, one.section)
	case k.hasEntities(q) && ml != nil && gen != nil && !paired:
		writeSides(&b, "Both roles, in different ways:", ml.unit, gen.unit)
		shown = append(shown, ml.section, gen.section)
	case paired:
		mlID, genID := top, counterpart[top]
		if roleSections[top] == genRole {
			mlID, genID = genID, top
		}
		if containsTerm(q.focus, "goal") {
			fmt.Fprintf(&b, "Both roles aim at the same goal, but what each one is responsible for is very different. %s\n\n", prompts.Cite("overview"))
		}
		fmt.Fprintf(&b, "%s %s\n\nIn contrast, %s %s\n\n", sectionText[mlID].short, prompts.Cite(mlID), lowerFirst(sectionText[genID].short), prompts.Cite(genID))
		shown = append(shown, mlID, genID)
	default:
		fmt.Fprintf(&b, "%s %s\n\n", sectionText[top].short, prompts.Cite(top))
		shown = append(shown, top)
		if top != "remember-the-difference" {
			fmt.Fprintf(&b, "In one line: %s %s\n\n", sectionText["remember-the-difference"].short, prompts.Cite("remember-the-difference"))
			shown = append(shown, "remember-the-difference")
		} else {
			fmt.Fprintf(&b, "%s %s\n\n", sectionText["analogy-pizza-restaurant"].short, prompts.Cite("analogy-pizza-restaurant"))
			shown = append(shown, "analogy-pizza-restaurant")
		}
	}
	support := slices.Clone(shown)
	for _, id := range shown {
		if c, ok := counterpart[id]; ok && !slices.Contains(support, c) {
			support = append(support, c)
		}
	}
	for _, m := range matches[1:] {
		if len(support) < 2 && m.Score >= matches[0].Score*extraSectionRatio && !slices.Contains(support, m.Section.ID) {
			support = append(support, m.Section.ID)
		}
	}
	for _, id := range support[:min(len(support), maxSections)] {
		if id != "remember-the-difference" && id != "analogy-pizza-restaurant" {
			writeSection(&b, id)
		}
	}
	writeFollowUps(&b, support[0], support)
	return strings.TrimRight(b.String(), "\n")
}

func (k *knowledge) sectionsReply(q *question, matches []Match) string {
	top := matches[0]
	var b strings.Builder
	asked := q.askedRole()
	var shown []string
	// A question about one thing is answered with the sentences that hold
	// it; otherwise with what the best section says.
	tied := k.tiedUnits(q, asked)
	// The analogy is one picture: its own summary answers questions about it.
	if top.Section.ID == analogyID && (len(tied) == 0 || slices.ContainsFunc(tied, func(u scoredUnit) bool {
		return u.section == analogyID || strings.Contains(u.text, "pizza restaurant")
	})) {
		tied = nil
	}
	// An aspect of one role ("what language do ML people code in") is
	// answered from that aspect's section.
	if a := aspectSection(q, asked); a != "" {
		tied = slices.DeleteFunc(tied, func(u scoredUnit) bool { return u.section != a })
		if len(tied) == 0 {
			top = Match{Section: mustSection(a)}
			matches = []Match{top}
		}
	}
	// "The role of an ML engineer in building something like ChatGPT": the
	// role, when what it names is only in the general sections.
	if asked != noRole && containsTerm(q.focus, "_role") && len(tied) > 0 &&
		!slices.ContainsFunc(tied, func(u scoredUnit) bool { return roleSections[u.section] != noRole }) {
		id := "ml-engineer-role"
		if asked == genRole {
			id = "genai-developer-role"
		}
		tied, top, matches = nil, Match{Section: mustSection(id)}, []Match{{Section: mustSection(id)}}
	}
	ml, gen := sideUnits(tied)
	if q.both && k.hasEntities(q) {
		ml, gen = sideUnits(k.matchingUnits(q, noRole))
	}
	switch {
	case ml != nil && gen != nil && asked == noRole:
		writeSides(&b, "Both roles, according to the article:", ml.unit, gen.unit)
		shown = append(shown, ml.section, gen.section)
	case len(tied) > 0:
		for i, u := range tied {
			if i == 0 {
				fmt.Fprintf(&b, "%s %s\n\n", capFirst(evidence(u.unit)), prompts.Cite(u.section))
			} else {
				fmt.Fprintf(&b, "Also, %s %s\n\n", lowerFirst(evidence(u.unit)), prompts.Cite(u.section))
			}
			shown = append(shown, u.section)
		}
	default:
		fmt.Fprintf(&b, "%s %s\n\n", sectionText[top.Section.ID].short, prompts.Cite(top.Section.ID))
		shown = append(shown, top.Section.ID)
		for _, m := range matches[1:] {
			if len(shown) == maxSections || m.Score < top.Score*extraSectionRatio {
				break
			}
			shown = append(shown, m.Section.ID)
		}
	}
	// One role named: the other role's sections are off the question.
	if asked != noRole {
		shown = slices.DeleteFunc(shown, func(id string) bool {
			r := roleSections[id]
			return r != noRole && r != asked && id != shown[0]
		})
	}
	// Both roles named: show the other role's side too.
	if c, ok := counterpart[shown[0]]; ok && (q.ml && q.gen || q.both) && !slices.Contains(shown, c) {
		shown = append(shown, c)
	}
	for _, id := range shown[:min(len(shown), maxSections)] {
		writeSection(&b, id)
	}
	writeFollowUps(&b, shown[0], shown)
	return strings.TrimRight(b.String(), "\n")
}

// aspectSections are the sections that answer an aspect for each role.
var aspectSections = []struct{ term, ml, gen string }{
	{"_tools", "ml-engineer-tools", "genai-developer-tools"},
	{"_daily", "ml-engineer-daily-work", "genai-developer-daily-work"},
	{"_example", "", "genai-developer-applications"},
}

// aspectSection is the section that answers the aspect a question asks
// about (tools, day-to-day work, examples) for the role asked, or "".
func aspectSection(q *question, r role) string {
	for _, a := range aspectSections {
		if !containsTerm(q.focus, a.term) {
			continue
		}
		switch r {
		case mlRole:
			return a.ml
		case genRole:
			return a.gen
		}
	}
	return ""
}

// askedRole is the one role a question names, if it names exactly one.
func (q *question) askedRole() role {
	switch {
	case q.both || q.ml == q.gen:
		return noRole
	case q.ml:
		return mlRole
	}
	return genRole
}

// tiedUnits returns the best units for the question's specific terms, one
// per section, all as good as the best (at most two); none when the
// question names nothing specific.
func (k *knowledge) tiedUnits(q *question, r role) []scoredUnit {
	if !k.hasEntities(q) {
		return nil
	}
	units := k.matchingUnits(q, r)
	var out []scoredUnit
	for _, u := range units {
		// A second section that holds the same word less strongly still
		// belongs in the answer ("collect data": the tasks, and where the
		// data comes from).
		if u.score < units[0].score*0.5 {
			break
		}
		if len(out) < 2 && !slices.ContainsFunc(out, func(o scoredUnit) bool { return o.section == u.section }) {
			out = append(out, u)
		}
	}
	return out
}

func mustSection(id string) prompts.Section {
	s, ok := prompts.LookupSection(id)
	if !ok {
		panic("offline: unknown section " + id)
	}
	return s
}

// sideUnits picks an ML Engineer unit and a Gen AI Application Developer
// unit among units, if there are both.
func sideUnits(units []scoredUnit) (ml, gen *scoredUnit) {
	for i := range units {
		switch u := &units[i]; {
		case u.role == mlRole && ml == nil:
			ml = u
		case u.role == genRole && gen == nil:
			gen = u
		}
	}
	return ml, gen
}

// writeSection writes a section as support: its title in bold, then its
// text with a citation beside each claim.
func writeSection(b *strings.Builder, id string) {
	s, _ := prompts.LookupSection(id)
	fmt.Fprintf(b, "**%s**\n\n", s.Title)
	writeBody(b, id)
}

// writeBody writes a section's text with each paragraph cited at its end
// and each list cited by the sentence that introduces it, or item by item
// when nothing introduces it: a citation sits beside what it supports.
func writeBody(b *strings.Builder, id string) {
	s, _ := prompts.LookupSection(id)
	introduced := false
	for _, block := range strings.Split(s.Body, "\n\n") {
		block = strings.TrimSpace(block)
		if strings.HasPrefix(block, "- ") {
			if !introduced {
				lines := strings.Split(block, "\n")
				for i, l := range lines {
					lines[i] = cited(l, id)
				}
				block = strings.Join(lines, "\n")
			}
			b.WriteString(block + "\n\n")
			introduced = false
			continue
		}
		b.WriteString(cited(block, id) + "\n\n")
		introduced = strings.HasSuffix(block, ":")
	}
}

// writeFollowUps suggests up to two related questions, as links that ask
// them, whose sections are not already in the answer.
func writeFollowUps(b *strings.Builder, id string, shown []string) {
	var asks []string
	for _, r := range guides[id].related {
		if len(asks) < 2 && !slices.Contains(shown, r) {
			asks = append(asks, askLink(guides[r].ask))
		}
	}
	if len(asks) == 0 {
		return
	}
	b.WriteString("You could also ask: " + strings.Join(asks, " · ") + "\n")
}

// afterColon fits a sentence after "Yes:" or "No, only the …:".
func afterColon(s string) string {
	if strings.HasPrefix(s, "The article") {
		return "the" + s[3:]
	}
	return s
}

func capFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "ML") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
