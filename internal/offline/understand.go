package offline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rolefit/rolefit/internal/prompts"
)

// role is one of the article's two careers, or neither.
type role int

const (
	noRole role = iota
	mlRole
	genRole
)

// roleSections tells which career a section is about.
var roleSections = map[string]role{
	"ml-engineer-role": mlRole, "ml-engineer-daily-work": mlRole, "ml-engineer-tools": mlRole,
	"genai-developer-role": genRole, "genai-developer-applications": genRole,
	"genai-developer-daily-work": genRole, "genai-developer-tools": genRole,
	fastestPathID: genRole,
}

// counterpart pairs the sections that say the same thing about each role.
var counterpart = map[string]string{
	"ml-engineer-role": "genai-developer-role", "genai-developer-role": "ml-engineer-role",
	"ml-engineer-daily-work": "genai-developer-daily-work", "genai-developer-daily-work": "ml-engineer-daily-work",
	"ml-engineer-tools": "genai-developer-tools", "genai-developer-tools": "ml-engineer-tools",
}

// unit is one sentence or list item of a section: the grain at which a
// question like "does an ML engineer use React?" is checked.
type unit struct {
	section  string
	text     string // Markdown, without the list marker
	item     bool
	terms    map[string]bool
	role     role
	negative bool // "you usually do not build the AI model yourself"
}

func splitUnits(a *analyzer, sections []prompts.Section) []unit {
	var units []unit
	for _, s := range sections {
		for _, line := range strings.Split(s.Body, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			text, item := strings.CutPrefix(line, "- ")
			parts := []string{text}
			if !item {
				parts = splitSentences(text)
			}
			for _, p := range parts {
				if strings.HasSuffix(p, "?") {
					continue // a rhetorical question claims nothing
				}
				u := unit{section: s.ID, text: p, item: item, terms: map[string]bool{}, role: roleSections[s.ID]}
				for _, t := range a.analyze(p) {
					u.terms[t.term] = true
				}
				if u.role == noRole {
					switch {
					case u.terms["_mleng"] && !u.terms["_genaidev"]:
						u.role = mlRole
					case u.terms["_genaidev"] && !u.terms["_mleng"]:
						u.role = genRole
					}
				}
				lower := strings.ToLower(p)
				u.negative = strings.Contains(lower, " not ") || strings.Contains(lower, "instead of")
				units = append(units, u)
			}
		}
	}
	return units
}

func splitSentences(p string) []string {
	var out []string
	for {
		i := strings.IndexAny(p, ".?!")
		for i >= 0 && (i+1 >= len(p) || p[i+1] != ' ') {
			j := strings.IndexAny(p[i+1:], ".?!")
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 {
			break
		}
		out = append(out, p[:i+1])
		p = p[i+2:]
	}
	if strings.TrimSpace(p) != "" {
		out = append(out, p)
	}
	return out
}

// question is what the answerer understood of a message.
type question struct {
	text      string
	query     []token  // analysed terms, stop words removed
	focus     []token  // the same for the sentence that asks, in a long message
	raw       []string // every word, lowercased, typos fixed
	joined    string   // raw words joined by spaces, padded with spaces
	orig      string   // the same before fixing typos
	stemmed   string   // the same, stemmed
	ml, gen   bool     // the roles it names
	both      bool     // asks about both roles ("both", "either", "the two")
	yesNo     bool
	compare   bool
	personal  bool // the person describes themselves and asks what suits them
	twoSided  bool // "which … and which …": asks for each role's side
	firstP    bool // written in the first person
	meta      string
	topic     *uncoveredTopic
	topicName string   // the topic as the reply names it
	names     []string // things the article never names, as a reply names them
	lean      leanScore
}

func (k *knowledge) understand(text string) *question {
	a := k.analyzer
	q := &question{text: text, query: a.analyze(text)}
	focusText := askingPart(text)
	q.focus = a.analyze(focusText)
	if len(q.focus) == 0 {
		q.focus = q.query
	}
	for _, w := range rawWords(text) {
		q.raw = append(q.raw, a.fixWord(w))
	}
	q.joined = " " + strings.Join(q.raw, " ") + " "
	q.orig = " " + strings.Join(rawWords(text), " ") + " "
	// In a long message the question is the sentence that asks; what
	// comes before is the person's situation.
	whole := *q
	if focusText != text {
		q.raw = q.raw[:0:0]
		for _, w := range rawWords(focusText) {
			q.raw = append(q.raw, a.fixWord(w))
		}
		q.joined = " " + strings.Join(q.raw, " ") + " "
		q.orig = " " + strings.Join(rawWords(focusText), " ") + " "
	}
	q.ml, q.gen = containsTerm(q.focus, "_mleng"), containsTerm(q.focus, "_genaidev")
	q.both = q.has("both") || q.has("either") || q.has("the two") || q.has("two roles") ||
		q.has("two jobs") || q.has("two careers") || q.has("each role") || q.has("these roles") || q.has("these jobs")
	for _, w := range whole.raw {
		switch w {
		case "i", "im", "me", "my", "myself", "ive", "id", "mine":
			q.firstP = true
		}
	}
	q.yesNo = isYesNo(q.raw) || isYesNo(rawWords(lastSentence(focusText)))
	q.compare = containsTerm(q.focus, "_compare") || (q.ml && q.gen) ||
		(q.both && (q.has("which") || q.has("who") || q.has("share") || q.has("in common")))
	if q.ml && q.gen && q.has(" or ") {
		q.yesNo = false
	}
	q.stemmed = stemJoin(q.raw)
	// "Explain it like I'm 10": the tokenizer drops the "I" and the "m".
	if q.has("like i m") || q.has("like im") || q.has("like i am") {
		q.focus = append(q.focus, token{term: "_analogy", surface: "like I'm"})
	}
	q.twoSided = strings.Count(q.joined, " which ") >= 2 || strings.Count(q.joined, " who ") >= 2 || q.has("which is which")
	q.meta = metaAsked(q)
	q.lean = k.leanOf(&whole)
	asksChoice := containsTerm(q.focus, "_fitme") || q.has("which role") || q.has("which job") ||
		q.has("which career") || q.has("which one") || q.has("which path") || q.has("what fits") ||
		q.has("suit") || q.has("suits") || q.has("for me") || q.has("should i") || q.has("hire") ||
		q.has("hiring for") || q.has("closer to") || q.has("next step") || q.has("my skills") ||
		q.has("aim for") || q.has("direction") || q.has("which ai") || q.has("what role") ||
		q.has("someone like me") || q.has("what should i") || q.has("which of the") || q.has("i should") ||
		q.has("to learn") || q.has("should be learning") || q.has("study next")
	states := q.has("i like") || q.has("i really like") || q.has("love") || q.has("enjoy") || q.has("prefer") ||
		q.has("hate") || q.has("i m into") || q.has("im into") || q.has("i am into") || q.has("i dislike")
	q.personal = q.firstP && (asksChoice || (states && len(q.raw) <= 15) || containsTerm(q.focus, "_enter"))
	q.topic, q.topicName = findTopic(q)
	if !q.personal {
		seen := map[string]bool{}
		lower := strings.ToLower(focusText)
		for sym, n := range symbolNames {
			if strings.Contains(lower, sym) {
				seen[n] = true
				q.names = append(q.names, n)
			}
		}
		for _, w := range q.raw {
			if n, ok := uncoveredNames[w]; ok && !seen[n] {
				seen[n] = true
				q.names = append(q.names, n)
			}
		}
	}
	return q
}

// symbolNames are languages the tokenizer cannot see (it keeps letters
// and digits only), which the article never names.
var symbolNames = map[string]string{"c++": "C++", "c#": "C#", ".net": ".NET", "f#": "F#"}

// has reports whether the message contains the phrase (whole words).
func (q *question) has(phrase string) bool {
	p := " " + strings.TrimSpace(phrase) + " "
	return strings.Contains(q.joined, p) || strings.Contains(q.orig, p)
}

var yesNoStarts = setOf("is", "are", "do", "does", "did", "can", "could", "would", "will", "should",
	"has", "have", "was", "were", "am", "isn", "aren", "don", "doesn", "must")

// askingPart returns the sentence that asks in a long message (over 30
// words): the last one with a question mark, or the last one; with the
// sentence before it when it is short ("So which is which?").
func askingPart(text string) string {
	if len(strings.Fields(text)) <= 30 {
		return text
	}
	var sentences []string
	start := 0
	for i, r := range text {
		if r == '?' || r == '!' || (r == '.' && i+1 < len(text) && text[i+1] == ' ') || r == '\n' {
			if s := strings.TrimSpace(text[start : i+1]); s != "" {
				sentences = append(sentences, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		sentences = append(sentences, s)
	}
	at := len(sentences) - 1
	for i := len(sentences) - 1; i >= 0; i-- {
		if strings.HasSuffix(sentences[i], "?") {
			at = i
			break
		}
	}
	if at < 0 {
		return text
	}
	focus := sentences[at]
	if len(strings.Fields(focus)) < 8 && at > 0 {
		focus = sentences[at-1] + " " + focus
	}
	return focus
}

// lastSentence returns the last sentence of text.
func lastSentence(text string) string {
	text = strings.TrimRight(strings.TrimSpace(text), "?!. ")
	if i := strings.LastIndexAny(text, ".?!"); i >= 0 {
		return text[i+1:]
	}
	return text
}

// isYesNo: the question starts (after a greeting or "so") with an
// auxiliary verb, or ends with a tag such as "right?".
func isYesNo(raw []string) bool {
	for i, w := range raw {
		if i > 3 {
			break
		}
		switch w {
		case "hi", "hey", "hello", "so", "ok", "okay", "quick", "question", "and", "but", "also":
			continue
		}
		if yesNoStarts[w] {
			// "Can you tell me…" asks for an explanation, not a yes or no.
			return i+1 >= len(raw) || raw[i+1] != "you" && raw[i+1] != "u"
		}
		break
	}
	n := len(raw)
	return n > 2 && (raw[n-1] == "right" || raw[n-1] == "rite" || raw[n-1] == "correct")
}

func metaAsked(q *question) string {
	switch {
	case q.has("who wrote") || q.has("who is the author") || q.has("who s the author") || q.has("author s name") ||
		q.has("name of the author") || q.has("written by") || q.has("writer") || q.has("who made this") ||
		q.has("who authored") || q.has("author of this") || q.has("author of the") || q.has("the author") && len(q.focus) <= 1 ||
		q.has("trustworthy") || q.has("reliable") || q.has("credible") || q.has("trust this") || q.has("trust the article"):
		return "author"
	case q.has("published") || q.has("where is this from") || q.has("blog") || q.has("textbook") ||
		q.has("what site") || q.has("article from") || q.has("post from") || q.has("which blog") ||
		q.has("where was") || q.has("which site") || q.has("website is") || q.has("publication"):
		return "published"
	case q.has("title") || q.has("headline") || q.has("article called") || q.has("name of the article"):
		return "title"
	case q.has("comments") || q.has("comment"):
		return "comments"
	case q.has("section by section") || q.has("what topics") || q.has("outline") || q.has("structure"):
		return "outline"
	case q.has("how does the article end") || q.has("article end") || q.has("conclusion") || q.has("end with") ||
		q.has("final view") || q.has("at the end") || q.has("closing"):
		return "end"
	}
	return ""
}

// stemJoin stems words and joins them, padded with spaces, so that a
// phrase matches whatever its inflection ("certifications").
func stemJoin(words []string) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, w := range words {
		b.WriteString(stem(w))
		b.WriteByte(' ')
	}
	return b.String()
}

func findTopic(q *question) (*uncoveredTopic, string) {
	for i := range uncoveredTopics {
		t := &uncoveredTopics[i]
		for j, trig := range t.stemmed {
			at := strings.Index(q.stemmed, trig)
			if at < 0 {
				continue
			}
			if (t.situational || q.personal) && describesSelf(q.stemmed[:at+1]) {
				continue
			}
			name := t.name
			if strings.Contains(name, "%s") {
				name = fmt.Sprintf(name, placeName(t.triggers[j]))
			}
			return t, name
		}
	}
	return nil, ""
}

// placeName spells a country as a reply names it.
func placeName(w string) string {
	switch w {
	case "usa", "uk":
		return strings.ToUpper(w)
	case "how many jobs", "number of jobs", "job openings", "country":
		return "particular countries"
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// describesSelf reports whether the text just before a job title makes it
// the person's own ("I'm a data scientist at a retail company").
func describesSelf(before string) bool {
	words := strings.Fields(before)
	if len(words) > 4 {
		words = words[len(words)-4:]
	}
	tail := " " + strings.Join(words, " ") + " "
	for _, p := range []string{" im ", " i m ", " am ", " as a ", " as an ", " work as ", " was a ", " been a ", " my ",
		" our ", " got a ", " got ", " have a ", " hav a ", " with a ", " hold a ", " do a ", " doing a ", " finish a ",
		" studi ", " of a ", " in a "} {
		if strings.Contains(tail, p) {
			return true
		}
	}
	return false
}

// leanScore weighs what a person says about themselves towards each role.
type leanScore struct {
	ml, gen         float64
	mlWhy, genWhy   []string // the person's words, as written
	dislikeMath     bool
	softwareWorking bool
}

// leanWords are what people say about themselves, and the role the
// article's criteria tie each to (choosing-a-career, fastest path).
var leanWords = map[string]role{
	"math": mlRole, "maths": mlRole, "mathematics": mlRole, "mathematical": mlRole, "statistics": mlRole,
	"stats": mlRole, "statistician": mlRole, "algebra": mlRole, "calculus": mlRole, "proofs": mlRole,
	"data": mlRole, "datasets": mlRole, "dataset": mlRole, "scratch": mlRole, "research": mlRole,
	"researcher": mlRole, "pytorch": mlRole, "tensorflow": mlRole, "numpy": mlRole, "pandas": mlRole,
	"jupyter": mlRole, "notebooks": mlRole, "notebook": mlRole, "kaggle": mlRole, "experiment": mlRole,
	"experiments": mlRole, "accuracy": mlRole, "train": mlRole, "training": mlRole, "chef": mlRole,
	"scientist": mlRole, "physics": mlRole, "puzzles": mlRole, "forecasting": mlRole,
	"websites": genRole, "website": genRole, "web": genRole, "apps": genRole, "app": genRole,
	"apis": genRole, "api": genRole, "frontend": genRole, "backend": genRole, "mobile": genRole,
	"react": genRole, "node": genRole, "nodejs": genRole, "javascript": genRole, "js": genRole,
	"typescript": genRole, "java": genRole, "kotlin": genRole, "flutter": genRole, "swift": genRole,
	"php": genRole, "developer": genRole, "dev": genRole, "programmer": genRole, "software": genRole,
	"docker": genRole, "aws": genRole, "cloud": genRole, "ui": genRole, "ux": genRole, "css": genRole,
	"interfaces": genRole, "products": genRole, "product": genRole, "ship": genRole, "chatbot": genRole,
	"gpt": genRole, "openai": genRole, "owner": genRole, "fullstack": genRole, "stack": genRole,
	"rag": genRole, "vector": genRole, "resume": genRole, "search": genRole,
}

// dislikes flip the words that follow them ("I hate maths").
var dislikes = []string{"hate", "hates", "dislike", "don't like", "dont like", "not good at", "bad at",
	"worried about", "scared of", "afraid of", "struggle with", "can t stand", "cant stand", "bores me",
	"not into", "don t enjoy", "dont enjoy", "don t like", "not a fan of", "weak at", "bored by"}

var clauseBreaks = setOf("but", "and", "though", "although", "yet", "while", "whereas", "however", "so")

var dislikesAfter = []string{"scares me", "scare me", "bores me", "bore me", "is boring", "is hard for me",
	"is not my thing", "isn t my thing", "not for me", "terrifies me", "stresses me"}

func (k *knowledge) leanOf(q *question) leanScore {
	var l leanScore
	text := " " + strings.ToLower(q.text) + " "
	_ = text
	seen := map[string]bool{}
	for i, w := range q.raw {
		r, ok := leanWords[w]
		if !ok || seen[w] {
			continue
		}
		seen[w] = true
		// A dislike within the few words before flips the lean.
		// A dislike within the few words before flips the lean, unless a
		// "but" or "and" comes between ("I hate maths but I build websites").
		from := max(0, i-5)
		for j := i - 1; j >= from; j-- {
			if clauseBreaks[q.raw[j]] {
				from = j + 1
				break
			}
		}
		window := " " + strings.Join(q.raw[from:i], " ") + " "
		disliked := slices.ContainsFunc(dislikes, func(d string) bool {
			return strings.Contains(window, " "+strings.ReplaceAll(d, "'", " ")+" ")
		})
		// …or one of these just after it ("math scares me").
		after := " " + strings.Join(q.raw[i+1:min(len(q.raw), i+4)], " ") + " "
		if !disliked {
			disliked = slices.ContainsFunc(dislikesAfter, func(d string) bool {
				return strings.Contains(after, " "+d+" ")
			})
		}
		if disliked {
			if r == mlRole {
				r = genRole
				l.dislikeMath = true
			} else {
				r = mlRole
			}
		}
		surface := w
		if disliked {
			surface = "disliking " + w
		}
		switch r {
		case mlRole:
			l.ml++
			l.mlWhy = append(l.mlWhy, surface)
		case genRole:
			l.gen++
			l.genWhy = append(l.genWhy, surface)
			if !disliked && softwareWords[w] {
				l.softwareWorking = true
			}
		}
	}
	if containsTerm(q.query, "_swdev") {
		l.gen++
		l.softwareWorking = true
	}
	return l
}

var softwareWords = setOf("react", "node", "nodejs", "javascript", "js", "typescript", "java", "kotlin",
	"flutter", "swift", "php", "developer", "dev", "programmer", "software", "frontend", "backend",
	"fullstack", "web", "websites", "website", "mobile", "apis", "api")
