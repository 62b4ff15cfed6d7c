package fit

import (
	"cmp"
	"slices"

	"github.com/rolefit/rolefit/internal/chat"
)

// Question is one question of the fit check; options are shown in order.
type Question struct {
	ID      string // stable, e.g. "enjoy"
	Text    string // the question as shown
	Options []Option
}

// Option is one answer to a fit check question.
type Option struct {
	ID      string // stable within its question, e.g. "math-data"
	Label   string // as shown
	ML      int    // weight towards Machine Learning Engineer (0..3)
	GenAI   int    // weight towards Gen AI Application Developer (0..3)
	Section string // the knowledge section id this option is grounded in
	Reason  string // one sentence used as a reason when this option counts, grounded in Section
}

// Questions returns the fit check's questions in display order. The
// slice is a deep copy, so callers may change it freely.
func Questions() []Question {
	qs := slices.Clone(fitQuestions)
	for i := range qs {
		qs[i].Options = slices.Clone(qs[i].Options)
	}
	return qs
}

// Answers maps a question id to the id of the chosen option.
type Answers map[string]string

// Reason is one reason for a result. Text has no citation marker; the
// UI links Section itself.
type Reason struct{ Text, Section string }

// Step is one first step towards the recommended role.
type Step struct{ Text, Section string }

// Result is the outcome of the fit check.
type Result struct {
	Fit        string   // "ml-engineer", "genai-developer" or "either"
	Title      string   // e.g. "Machine Learning Engineer"
	Summary    string   // one or two sentences explaining the recommendation
	ML, GenAI  int      // percentages 0..100 of the maximum possible for each role; shown as MatchOutOf10
	Reasons    []Reason // 2 to 4, strongest first
	Tipping    string   // for "either": what would tip it; empty otherwise
	FirstSteps []Step   // 3 to 5
}

const (
	// The three outcomes, as Result.Fit names them.
	MLEngineer     = "ml-engineer"
	GenAIDeveloper = "genai-developer"
	Either         = "either"

	// fitMargin is the largest gap between the two percentages that still
	// counts as "either". Moving one answer from a balanced option to a
	// decisive one (weight 3) moves the gap by about 15 points, so a gap of
	// 12 or less means no single clear answer separates the roles.
	fitMargin = 12

	minFitReasons = 2
	maxFitReasons = 4
	// In an "either" result each side gets at most this many reasons, so
	// that both sides are heard.
	maxFitReasonsPerSide = 2
)

// Score scores complete answers. It returns an error (chat.EINVALID) naming
// the first unanswered question (its Text) or an unknown option, for the
// form to show.
// Answers to questions the fit check does not ask are ignored.
//
// Scoring: the weights of the chosen options are summed per role, and each
// sum becomes a percentage of the most that role can score (the sum of each
// question's highest weight for it), rounded to the nearest whole number.
// The roles' maxima differ, which is why percentages, not sums, are
// compared. Within fitMargin points of each other the result is "either";
// otherwise it is the role with the higher percentage.
func Score(a Answers) (Result, error) {
	var chosen []Option
	mlSum, genSum, mlMax, genMax := 0, 0, 0, 0
	for _, q := range fitQuestions {
		id := a[q.ID]
		if id == "" {
			return Result{}, chat.Errorf(chat.EINVALID, "Please answer “%s”", q.Text)
		}
		i := slices.IndexFunc(q.Options, func(o Option) bool { return o.ID == id })
		if i < 0 {
			return Result{}, chat.Errorf(chat.EINVALID, "Please choose one of the answers offered for “%s”", q.Text)
		}
		o := q.Options[i]
		chosen = append(chosen, o)
		mlSum, genSum = mlSum+o.ML, genSum+o.GenAI
		mlMax += slices.MaxFunc(q.Options, func(a, b Option) int { return cmp.Compare(a.ML, b.ML) }).ML
		genMax += slices.MaxFunc(q.Options, func(a, b Option) int { return cmp.Compare(a.GenAI, b.GenAI) }).GenAI
	}
	r := Result{ML: percent(mlSum, mlMax), GenAI: percent(genSum, genMax)}
	switch {
	case abs(r.ML-r.GenAI) <= fitMargin:
		r.Fit = Either
		r.Tipping = fitTipping(r)
	case r.ML > r.GenAI:
		r.Fit = MLEngineer
	default:
		r.Fit = GenAIDeveloper
	}
	out := fitOutcomes[r.Fit]
	r.Title, r.Summary = out.title, out.summary
	r.Reasons = fitReasons(r, chosen)
	r.FirstSteps = slices.Clone(out.firstSteps)
	return r, nil
}

// MatchOutOf10 is how a score is shown: how well the answers match a role,
// out of 10. Each role is scored on its own (a share of the most that role
// can score), so the two do not add up to anything; shown as percentages,
// 89 % and 15 % read like shares of one whole that had gone wrong.
func MatchOutOf10(percent int) int { return (percent + 5) / 10 }

// ScoresExplained says what the two numbers mean, wherever they are shown.
const ScoresExplained = "How well your answers match each role, out of 10. Each role is scored on its own, so the two need not add up to 10."

// percent rounds half up; sum and most are never negative.
func percent(sum, most int) int {
	if most == 0 {
		return 0
	}
	return (200*sum + most) / (2 * most)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func fitTipping(r Result) string {
	switch {
	case r.ML > r.GenAI:
		return fitTippingBase + " For now your answers lean slightly towards Machine Learning Engineer."
	case r.GenAI > r.ML:
		return fitTippingBase + " For now your answers lean slightly towards Gen AI Application Developer."
	}
	return fitTippingBase
}

// fitReasons picks the reasons for a result, strongest first, at most one
// per section. An answer's strength for a role is how far it leans that way
// (its weight for the role minus its weight for the other), so a balanced
// answer never counts as a reason for one role over the other. For
// "either", the side ahead (ML on a tie) speaks first and the two sides
// alternate; balanced answers, then general reasons from the article, fill
// the list when too few answers lean.
func fitReasons(r Result, chosen []Option) []Reason {
	p := reasonPicker{seen: map[string]bool{}}
	mlLean := leaningReasons(chosen, func(o Option) int { return o.ML - o.GenAI })
	genLean := leaningReasons(chosen, func(o Option) int { return o.GenAI - o.ML })
	switch r.Fit {
	case MLEngineer:
		p.fill(mlLean, maxFitReasons)
	case GenAIDeveloper:
		p.fill(genLean, maxFitReasons)
	default:
		first, second := mlLean, genLean
		if r.GenAI > r.ML {
			first, second = second, first
		}
		n1, n2 := 0, 0
		for i := range max(len(first), len(second)) {
			if i < len(first) && n1 < maxFitReasonsPerSide && p.add(first[i]) {
				n1++
			}
			if i < len(second) && n2 < maxFitReasonsPerSide && p.add(second[i]) {
				n2++
			}
		}
		var balanced []Reason
		for _, o := range chosen {
			if o.ML == o.GenAI && o.ML > 0 {
				balanced = append(balanced, Reason{o.Reason, o.Section})
			}
		}
		p.fill(balanced, minFitReasons)
	}
	p.fill(fitOutcomes[r.Fit].fallback, minFitReasons)
	return p.out
}

// leaningReasons returns the reasons of the options with a positive lean,
// strongest first; ties keep question order.
func leaningReasons(chosen []Option, lean func(Option) int) []Reason {
	var leaning []Option
	for _, o := range chosen {
		if lean(o) > 0 {
			leaning = append(leaning, o)
		}
	}
	slices.SortStableFunc(leaning, func(a, b Option) int { return cmp.Compare(lean(b), lean(a)) })
	reasons := make([]Reason, len(leaning))
	for i, o := range leaning {
		reasons[i] = Reason{o.Reason, o.Section}
	}
	return reasons
}

// reasonPicker collects reasons, one per section, up to maxFitReasons.
type reasonPicker struct {
	out  []Reason
	seen map[string]bool
}

func (p *reasonPicker) add(r Reason) bool {
	if len(p.out) == maxFitReasons || p.seen[r.Section] {
		return false
	}
	p.seen[r.Section] = true
	p.out = append(p.out, r)
	return true
}

// fill adds reasons in order until the list holds upTo of them.
func (p *reasonPicker) fill(reasons []Reason, upTo int) {
	for _, r := range reasons {
		if len(p.out) >= upTo {
			return
		}
		p.add(r)
	}
}
