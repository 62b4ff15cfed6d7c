package offline

import (
	"sync"

	"github.com/rolefit/rolefit/internal/prompts"
)

// knowledge is the knowledge base as the offline answerer searches it:
// built once from prompts.Sections and only read afterwards, so it is safe
// for concurrent use.
type knowledge struct {
	sections []prompts.Section
	analyzer *analyzer
	index    *bm25Index
}

var loadKnowledge = sync.OnceValue(func() *knowledge {
	sections := prompts.Sections()
	a := newAnalyzer()
	return &knowledge{sections: sections, analyzer: a, index: newBM25Index(a, sections)}
})
