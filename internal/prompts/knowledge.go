// Package prompts holds what the model is told: the article restated as
// short Markdown sections (the knowledge base), the one lookup of a section
// by id, the credit to the article, and the system prompt built from them.
// The fit check (package fit) and the offline answerer (package offline)
// build on these sections; nothing here knows about either.
package prompts

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// The knowledge base is compiled in so that the prompt, the offline answers
// and the tests can never disagree about what the article says.
//
//go:embed knowledge/*.md
var knowledgeFiles embed.FS

// Section is one part of the article, restated in Rolefit's own words.
type Section struct {
	ID    string // stable, e.g. "ml-engineer-tools"; other packages and tests rely on it
	Title string
	Body  string // Markdown, without the title line
}

// SourceInfo names the article the knowledge base restates.
type SourceInfo struct {
	Title, Author, Publication string
	URL                        string
}

// Source credits the article; show it wherever the app shows sources.
func Source() SourceInfo {
	return SourceInfo{
		Title:       "Gen AI Application Developer vs ML Engineer: What's the Difference?",
		Author:      "Sarthak Thakare",
		Publication: "DEV Community",
		URL:         "https://dev.to/sarthak_thakare_/-gen-ai-application-developer-vs-ml-engineer-whats-the-difference-2gjp",
	}
}

// Credit formats the source on one line: "Title" by Author, Publication.
func (s SourceInfo) Credit() string {
	return fmt.Sprintf("%q by %s, %s", s.Title, s.Author, s.Publication)
}

// knowledge is everything derived from the embedded files. It is built once
// and only read afterwards, so it is safe for concurrent use.
type knowledge struct {
	sections []Section
	byID     map[string]int
}

var loadKnowledge = sync.OnceValue(func() *knowledge {
	sections := mustParseSections(knowledgeFiles, "knowledge")
	k := &knowledge{sections: sections, byID: make(map[string]int, len(sections))}
	for i, s := range sections {
		k.byID[s.ID] = i
	}
	return k
})

// Sections returns the knowledge base in article order. The slice is a copy.
func Sections() []Section {
	return slices.Clone(loadKnowledge().sections)
}

// LookupSection returns the section with the given id.
func LookupSection(id string) (Section, bool) {
	k := loadKnowledge()
	i, ok := k.byID[id]
	if !ok {
		return Section{}, false
	}
	return k.sections[i], true
}

// mustParseSections panics because the files are compiled in: a malformed
// one is a programming error that every test run catches.
func mustParseSections(fsys fs.FS, dir string) []Section {
	sections, err := parseSections(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sections
}

// parseSections reads files named NN-<id>.md; NN orders them like the article.
func parseSections(fsys fs.FS, dir string) ([]Section, error) {
	entries, err := fs.ReadDir(fsys, dir) // sorted by name, hence by NN
	if err != nil {
		return nil, fmt.Errorf("prompts: read knowledge: %w", err)
	}
	var sections []Section
	seenID := map[string]bool{}
	seenNum := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".md" {
			continue
		}
		num, id, err := splitFileName(e.Name())
		if err != nil {
			return nil, err
		}
		if seenNum[num] || seenID[id] {
			return nil, fmt.Errorf("prompts: knowledge file %s: duplicate number or id", e.Name())
		}
		seenNum[num], seenID[id] = true, true
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("prompts: read knowledge file %s: %w", e.Name(), err)
		}
		title, body, err := splitTitle(string(data))
		if err != nil {
			return nil, fmt.Errorf("prompts: knowledge file %s: %w", e.Name(), err)
		}
		sections = append(sections, Section{ID: id, Title: title, Body: body})
	}
	if len(sections) == 0 {
		return nil, fmt.Errorf("prompts: no knowledge files in %s", dir)
	}
	return sections, nil
}

func splitFileName(name string) (num, id string, err error) {
	base := strings.TrimSuffix(name, ".md")
	num, id, ok := strings.Cut(base, "-")
	valid := ok && len(num) == 2 && isDigits(num) && id != "" &&
		!strings.ContainsFunc(id, func(r rune) bool {
			return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-'
		})
	if !valid {
		return "", "", fmt.Errorf("prompts: knowledge file %s: want a name like 01-some-id.md", name)
	}
	return num, id, nil
}

func isDigits(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

func splitTitle(text string) (title, body string, err error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	first, rest, _ := strings.Cut(text, "\n")
	title, ok := strings.CutPrefix(first, "# ")
	title = strings.TrimSpace(title)
	if !ok || title == "" {
		return "", "", fmt.Errorf("first line must be \"# <Title>\"")
	}
	body = strings.TrimSpace(rest)
	if body == "" {
		return "", "", fmt.Errorf("empty body")
	}
	return title, body, nil
}
