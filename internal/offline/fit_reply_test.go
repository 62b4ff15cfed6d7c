package offline

import (
	"slices"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/fit"
	"github.com/rolefit/rolefit/internal/prompts"
)

// Profiles of fit check answers, one for each outcome.
var (
	mlProfile = fit.Answers{"enjoy": "math-data", "build": "train-model", "approach": "from-scratch",
		"work-style": "experiment", "tools": "python-ml", "background": "data", "analogy": "chef"}
	genAIProfile = fit.Answers{"enjoy": "software", "build": "build-app", "approach": "use-models",
		"work-style": "ship", "tools": "web-stack", "background": "developer", "analogy": "owner"}
	balancedProfile = fit.Answers{"enjoy": "math-data", "build": "build-app", "approach": "use-models",
		"work-style": "experiment", "tools": "python-ml", "background": "developer", "analogy": "both"}
)

func mustScore(t *testing.T, a fit.Answers) fit.Result {
	t.Helper()
	r, err := fit.Score(a)
	if err != nil {
		t.Fatalf("Score(%v): %v", a, err)
	}
	return r
}

// TestOfflineAnswerExplainsFitResult checks the offline reply to "Discuss
// my result" for each outcome: it names the outcome, explains it from the
// cited sections and never claims the article is silent.
func TestOfflineAnswerExplainsFitResult(t *testing.T) {
	either, _ := fit.Outcome(fit.Either)
	tipping := either.Tipping
	tests := []struct {
		name    string
		answers fit.Answers
		want    []string
		cites   []string // sections that must be cited, among others
		notWant []string
	}{
		{
			name: "ML Engineer", answers: mlProfile,
			want:    []string{"points to the **Machine Learning Engineer**", "**Why it fits your answers**", "**What to learn first**", "Learn Python and NumPy"},
			cites:   []string{"ml-engineer-role", "ml-engineer-daily-work", choosingID, "ml-engineer-tools"},
			notWant: []string{"The role of a Gen AI Application Developer", "Trying both would settle it"},
		},
		{
			name: "Gen AI Application Developer", answers: genAIProfile,
			want:    []string{"points to the **Gen AI Application Developer**", "**Why it fits your answers**", "React and Node.js", "OpenAI API"},
			cites:   []string{"genai-developer-role", "genai-developer-daily-work", choosingID, "genai-developer-tools"},
			notWant: []string{"The role of an ML Engineer", "Trying both would settle it"},
		},
		{
			name: "either", answers: balancedProfile,
			want: []string{"**either role could fit**", "The role of an ML Engineer", "The role of a Gen AI Application Developer",
				tipping + " " + prompts.Cite(choosingID) + "\n", "Try the ML Engineer's side"},
			cites: []string{"ml-engineer-role", "ml-engineer-daily-work", "genai-developer-role", "genai-developer-daily-work", choosingID},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustScore(t, tt.answers)
			got := Answer(fit.Summary(tt.answers, r))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, nw := range append(tt.notWant, "doesn't say", "Questions to ask yourself") {
				if strings.Contains(got, nw) {
					t.Errorf("should not contain %q:\n%s", nw, got)
				}
			}
			for _, reason := range r.Reasons {
				if w := "- " + reason.Text + " " + prompts.Cite(reason.Section) + "\n"; !strings.Contains(got, w) {
					t.Errorf("lacks the cited reason %q:\n%s", w, got)
				}
			}
			cites := citations(t, got) // also checks every id and placement
			for _, id := range tt.cites {
				if !slices.Contains(cites, id) {
					t.Errorf("does not cite %s; cites %v", id, cites)
				}
			}
			checkNoBoilerplate(t, got)
		})
	}
}

func TestOfflineAnswerFitResultFallbacks(t *testing.T) {
	tests := []struct {
		name    string
		msg     string
		want    []string
		notWant []string
	}{
		{
			name: "result line only: no reasons, still explained",
			msg:  "My fit check result:\n\n- **Result:** Gen AI Application Developer",
			want: []string{"points to the **Gen AI Application Developer**", "The role of a Gen AI Application Developer"},
			// Without the answers there is nothing to base reasons on.
			notWant: []string{"Why it fits your answers"},
		},
		{
			name: "answers that disagree with the result are not used as reasons",
			msg: strings.Replace(fit.Summary(genAIProfile, mustScore(t, genAIProfile)),
				"Result:** Gen AI Application Developer", "Result:** Machine Learning Engineer", 1),
			want:    []string{"points to the **Machine Learning Engineer**"},
			notWant: []string{"Why it fits your answers"},
		},
		{
			name: "answers without a readable result decide it",
			msg: strings.Replace(fit.Summary(genAIProfile, mustScore(t, genAIProfile)),
				"Result:** Gen AI Application Developer", "Result:** ???", 1),
			want: []string{"points to the **Gen AI Application Developer**", "Why it fits your answers"},
		},
		{
			name:    "nothing readable: both roles",
			msg:     "My fit check result: hmm",
			want:    []string{"I couldn't tell which role", "The role of an ML Engineer", "The role of a Gen AI Application Developer"},
			notWant: []string{"Why it fits your answers"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Answer(tt.msg)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, nw := range append(tt.notWant, "doesn't say") {
				if strings.Contains(got, nw) {
					t.Errorf("should not contain %q:\n%s", nw, got)
				}
			}
			if len(citations(t, got)) == 0 {
				t.Errorf("cites nothing:\n%s", got)
			}
		})
	}
}

// TestOfflineFitsMeOffersFitCheck checks that the career guidance ends by
// offering the fit check, however the person asks.
func TestOfflineFitsMeOffersFitCheck(t *testing.T) {
	for _, q := range []string{
		"Which role fits me?",
		"Should I become an ML engineer or a Gen AI developer?",
		"I'm a React developer, which role should I choose?",
		"help me decide between ML and gen AI",
	} {
		t.Run(q, func(t *testing.T) {
			got := Answer(q)
			if !strings.Contains(got, "[Take the fit check](/fit)") {
				t.Errorf("does not offer the fit check:\n%s", got)
			}
			guidance, _, _ := strings.Cut(got, "You could also ask:")
			lines := strings.Split(strings.TrimSpace(guidance), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, "[Take the fit check](/fit)") {
				t.Errorf("the guidance ends with %q; want the fit check offer", last)
			}
		})
	}
	if got := Answer("What tools does an ML engineer use?"); strings.Contains(got, "/fit") {
		t.Errorf("a question about tools offers the fit check:\n%s", got)
	}
}
