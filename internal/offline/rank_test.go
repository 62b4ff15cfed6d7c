package offline

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/prompts"
)

type labelledQuestion struct {
	line     int
	question string
	want     []string // any of these ids is a right top answer
}

func readQuestions(t *testing.T) []labelledQuestion {
	t.Helper()
	f, err := os.Open("testdata/questions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var qs []labelledQuestion
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		q, ids, ok := strings.Cut(line, "\t")
		if !ok || q == "" || ids == "" {
			t.Fatalf("questions.tsv:%d: want \"question<TAB>id[,id]\", got %q", n, line)
		}
		want := strings.Split(ids, ",")
		for _, id := range want {
			if _, ok := prompts.LookupSection(id); !ok {
				t.Fatalf("questions.tsv:%d: unknown section id %q", n, id)
			}
		}
		qs = append(qs, labelledQuestion{line: n, question: q, want: want})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return qs
}

// TestRankQuestionSet measures ranking on questions people really ask. A
// few misses are tolerated; a drop below 90% top-1 accuracy is not.
func TestRankQuestionSet(t *testing.T) {
	const minAccuracy = 0.90
	qs := readQuestions(t)
	if len(qs) < 45 {
		t.Fatalf("questions.tsv has %d questions; want at least 45", len(qs))
	}
	hits := 0
	for _, q := range qs {
		matches := Rank(q.question)
		top := "(none)"
		if len(matches) > 0 {
			top = matches[0].Section.ID
		}
		if slices.Contains(q.want, top) {
			hits++
		} else {
			t.Logf("miss (line %d) %q: top %s, want one of %v", q.line, q.question, top, q.want)
		}
	}
	accuracy := float64(hits) / float64(len(qs))
	t.Logf("top-1 accuracy: %d/%d = %.1f%%", hits, len(qs), 100*accuracy)
	if accuracy < minAccuracy {
		t.Errorf("top-1 accuracy %.1f%% is below %.0f%%", 100*accuracy, 100*minAccuracy)
	}

	// Every question here is one the article answers, so the offline
	// answer must answer it and cite the sections it uses. (The page's
	// footer credits the article; answers no longer repeat it.)
	for _, q := range qs {
		t.Run(q.question, func(t *testing.T) {
			answer := Answer(q.question)
			cites := citations(t, answer) // also checks every id and placement
			if len(cites) == 0 {
				t.Errorf("cites no section:\n%s", answer)
			}
			if strings.Contains(answer, "doesn't cover") {
				t.Errorf("answered as not covered:\n%s", answer)
			}
			checkNoBoilerplate(t, answer)
		})
	}
}

func TestRankOrderAndScores(t *testing.T) {
	matches := Rank("What tools does an ML engineer use day to day, and how is it different from a Gen AI developer?")
	if len(matches) < 2 {
		t.Fatalf("got %d matches; want several", len(matches))
	}
	seen := map[string]bool{}
	for i, m := range matches {
		if m.Score <= 0 {
			t.Errorf("match %d (%s) has score %v; want > 0", i, m.Section.ID, m.Score)
		}
		if i > 0 && m.Score > matches[i-1].Score {
			t.Errorf("match %d (%s) scores above the one before it", i, m.Section.ID)
		}
		if seen[m.Section.ID] {
			t.Errorf("section %s listed twice", m.Section.ID)
		}
		seen[m.Section.ID] = true
		if want, _ := prompts.LookupSection(m.Section.ID); m.Section != want {
			t.Errorf("match %d carries a section that differs from the knowledge base", i)
		}
	}
}

func TestRankNothingToMatch(t *testing.T) {
	for _, q := range []string{"", "   ", "?!", "what is the of and to", "how do I bake bread"} {
		if got := Rank(q); len(got) != 0 {
			t.Errorf("Rank(%q) = %d matches; want none", q, len(got))
		}
	}
}

// TestRankNormalisesWording checks that the ways people name the same
// thing reach the same terms.
func TestRankNormalisesWording(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"ML engineer spelled out", "machine learning engineer", "ML engineer"},
		{"MLE", "MLE", "ML Engineer"},
		{"ML engineering", "Machine-Learning Engineering", "ml engineers"},
		{"misspelled engineer", "ml enginer", "ML engineer"},
		{"Gen AI spelled out", "Generative AI application developer", "gen ai application developer"},
		{"GenAI in one word", "GenAI developer", "Gen AI Application Developer"},
		{"AI app developer", "AI app developer", "gen ai developer"},
		{"gen ai dev", "gen ai dev", "Gen AI Application Developer"},
		{"misspelled developer", "gen ai developper", "gen ai developer"},
		{"tech stack", "tech stack", "tools"},
		{"technologies", "technologies", "tools"},
		{"frameworks", "frameworks", "tools"},
		{"programming languages", "programming languages", "tools"},
		{"skills", "skills", "tool"},
		{"day to day", "day-to-day", "daily work"},
		{"responsibilities", "responsibilities", "day to day"},
		{"what do they do", "what do they do", "daily tasks"},
		{"vs", "vs", "difference"},
		{"compare", "compare", "different"},
		{"which should I choose", "which should I choose", "which role fits me"},
		{"right for me", "is it right for me", "fits me"},
		{"plural and verb forms", "training models", "trained model"},
		{"node.js", "NodeJS", "Node.js"},
		{"summarize", "summarize documents", "summarising documents"},
		{"fine-tuning", "finetuning", "fine-tune"},
	}
	k := loadKnowledge()
	terms := func(s string) []string {
		var out []string
		for _, t := range k.analyzer.analyze(s) {
			out = append(out, t.term)
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := terms(tt.a), terms(tt.b)
			if len(a) == 0 || !slices.Equal(a, b) {
				t.Errorf("%q → %v, %q → %v; want the same non-empty terms", tt.a, a, tt.b, b)
			}
		})
	}
}

// TestGuides checks the offline wording table against the knowledge base:
// every section has a guide, and the question it suggests finds it.
func TestGuides(t *testing.T) {
	for _, s := range prompts.Sections() {
		t.Run(s.ID, func(t *testing.T) {
			g, ok := guides[s.ID]
			if !ok {
				t.Fatal("no guide")
			}
			if g.lead == "" || g.ask == "" || len(g.related) == 0 {
				t.Errorf("incomplete guide: %+v", g)
			}
			for _, r := range g.related {
				if _, ok := prompts.LookupSection(r); !ok || r == s.ID {
					t.Errorf("related section %q is unknown or itself", r)
				}
			}
			if m := Rank(g.ask); len(m) == 0 || m[0].Section.ID != s.ID {
				t.Errorf("suggested question %q does not rank its own section first", g.ask)
			}
		})
	}
	if len(guides) != len(prompts.Sections()) {
		t.Errorf("%d guides for %d sections", len(guides), len(prompts.Sections()))
	}
}

func BenchmarkRank(b *testing.B) {
	questions := []string{
		"What does an ML engineer do day to day?",
		"GenAI developer tech stack",
		"I'm a React developer, how do I get into AI?",
		"What's the difference between an ML engineer and a gen AI developer?",
		"waht tols do genai devs uss",
	}
	Rank(questions[0]) // build the index outside the timing
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Rank(questions[i%len(questions)])
	}
}

// BenchmarkAnswer times a whole offline answer: understanding the
// question (typos included), ranking and composing.
func BenchmarkAnswer(b *testing.B) {
	questions := []string{
		"What does an ML engineer do day to day?",
		"waht tols do genai devs uss",
		"Is AWS used in both roles?",
		"I love statistics and Jupyter notebooks, which role suits me?",
		"do I need a PhD",
		"I've done six years of backend work in Java and I'm a bit worried about maths. Everyone online says I should first learn linear algebra and calculus, but I'd honestly rather start building things with the OpenAI API since that's closer to what I do every day. Should I learn linear algebra first or just build with the OpenAI API?",
	}
	Answer(questions[0]) // build the index outside the timing
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Answer(questions[i%len(questions)])
	}
}
