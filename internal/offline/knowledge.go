package offline

import (
	"strings"
	"sync"
	"unicode"

	"github.com/rolefit/rolefit/internal/prompts"
)

// knowledge is the knowledge base as the offline answerer searches it:
// built once from prompts.Sections and only read afterwards, so it is safe
// for concurrent use.
type knowledge struct {
	sections []prompts.Section
	analyzer *analyzer
	index    *bm25Index
	units    []unit // the sections' sentences and list items
}

var loadKnowledge = sync.OnceValue(func() *knowledge {
	sections := prompts.Sections()
	a := newAnalyzer()
	indexed := make([]prompts.Section, len(sections))
	for i, s := range sections {
		indexed[i] = s
		indexed[i].Body += "\n\n" + sectionKeywords[s.ID]
	}
	k := &knowledge{sections: sections, analyzer: a, index: newBM25Index(a, indexed)}
	// Typos are corrected towards every word the answerer understands.
	var article, vocabulary []string
	for _, s := range indexed {
		article = append(article, rawWords(s.Title+" "+s.Body)...)
	}
	addWords := func(text string) {
		vocabulary = append(vocabulary, rawWords(text)...)
	}
	for _, syn := range synonyms {
		addWords(strings.Join(syn.variants, " "))
	}
	for i, t := range uncoveredTopics {
		addWords(strings.Join(t.triggers, " "))
		uncoveredTopics[i].stemmed = nil
		for _, trig := range t.triggers {
			uncoveredTopics[i].stemmed = append(uncoveredTopics[i].stemmed, stemJoin(rawWords(trig)))
		}
	}
	for w := range uncoveredNames {
		vocabulary = append(vocabulary, w)
	}
	for w := range leanWords {
		vocabulary = append(vocabulary, w)
	}
	addWords(strings.Join(extraVocabulary, " "))
	a.fix = newCorrector(article, vocabulary)
	k.units = splitUnits(a, sections)
	return k
})

// extraVocabulary are words questions use that neither the article nor the
// tables above spell out, so that their misspellings are fixed too.
var extraVocabulary = []string{
	"author", "wrote", "published", "title", "comments", "article", "piece", "post", "blog", "textbook",
	"future", "according", "companies", "models", "easiest", "remember", "products", "tasks", "daily",
	"which", "what", "where", "both", "their", "there", "train", "training", "deploy", "deployment",
}

// rawWords splits text into lowercase words of letters and digits.
func rawWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
