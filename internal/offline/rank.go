package offline

import (
	"cmp"
	"math"
	"slices"

	"github.com/rolefit/rolefit/internal/prompts"
)

// Match is a section and how well it answers a question.
type Match struct {
	Section prompts.Section
	Score   float64
}

// Rank scores every section against the question with BM25 and returns
// those with a score above zero, best first; ties keep article order.
func Rank(question string) []Match {
	k := loadKnowledge()
	return k.rank(k.analyzer.analyze(question))
}

func (k *knowledge) rank(query []token) []Match {
	scores := k.index.score(query)
	var matches []Match
	for i, s := range scores {
		if s > 0 {
			matches = append(matches, Match{Section: k.sections[i], Score: s})
		}
	}
	slices.SortStableFunc(matches, func(a, b Match) int {
		return cmp.Compare(b.Score, a.Score) // best first
	})
	return matches
}

// The usual BM25 constants; titleWeight counts a title word like two body
// words, since a title says what the whole section is about.
const (
	bm25K1      = 1.2
	bm25B       = 0.75
	titleWeight = 2
)

// bm25Index is built once from the sections and only read afterwards.
type bm25Index struct {
	terms map[string]postingList
	norm  []float64 // k1 * (1 - b + b*len/avgLen), per section
}

type postingList struct {
	idf  float64
	df   int // how many sections hold the term
	hits []posting
}

type posting struct {
	section int
	tf      float64
}

func newBM25Index(a *analyzer, sections []prompts.Section) *bm25Index {
	idx := &bm25Index{terms: map[string]postingList{}, norm: make([]float64, len(sections))}
	lengths := make([]float64, len(sections))
	var total float64
	for i, s := range sections {
		tf := map[string]float64{}
		for _, t := range a.analyze(s.Title) {
			tf[t.term] += titleWeight
			lengths[i] += titleWeight
		}
		for _, t := range a.analyze(s.Body) {
			tf[t.term]++
			lengths[i]++
		}
		total += lengths[i]
		for term, n := range tf {
			pl := idx.terms[term]
			pl.hits = append(pl.hits, posting{section: i, tf: n})
			idx.terms[term] = pl
		}
	}
	avg := total / float64(len(sections))
	for i := range sections {
		idx.norm[i] = bm25K1 * (1 - bm25B + bm25B*lengths[i]/avg)
	}
	n := float64(len(sections))
	for term, pl := range idx.terms {
		pl.df = len(pl.hits)
		df := float64(pl.df)
		pl.idf = math.Log(1 + (n-df+0.5)/(df+0.5))
		idx.terms[term] = pl
	}
	return idx
}

// score returns one BM25 score per section. A term repeated in the question
// counts once, so "ML engineer vs ML engineer" does not tilt the result.
func (idx *bm25Index) score(query []token) []float64 {
	scores := make([]float64, len(idx.norm))
	for i, t := range query {
		if slices.ContainsFunc(query[:i], func(p token) bool { return p.term == t.term }) {
			continue
		}
		pl, ok := idx.terms[t.term]
		if !ok {
			continue
		}
		for _, h := range pl.hits {
			scores[h.section] += pl.idf * h.tf * (bm25K1 + 1) / (h.tf + idx.norm[h.section])
		}
	}
	return scores
}
