package fit

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/rolefit/rolefit/internal/originality"
	"github.com/rolefit/rolefit/internal/prompts"
)

// Profiles used across the tests; the comments give the sums they score.
var (
	// ML 19 of 19, Gen AI 0 of 20.
	mlProfile = Answers{"enjoy": "math-data", "build": "train-model", "approach": "from-scratch",
		"work-style": "experiment", "tools": "python-ml", "background": "data", "analogy": "chef"}
	// ML 0, Gen AI 20.
	genAIProfile = Answers{"enjoy": "software", "build": "build-app", "approach": "use-models",
		"work-style": "ship", "tools": "web-stack", "background": "developer", "analogy": "owner"}
	// ML 10 (53%), Gen AI 10 (50%): half the answers lean each way.
	balancedProfile = Answers{"enjoy": "math-data", "build": "build-app", "approach": "use-models",
		"work-style": "experiment", "tools": "python-ml", "background": "developer", "analogy": "both"}
)

// neutralAnswers picks each question's balanced option.
func neutralAnswers(t *testing.T) Answers {
	t.Helper()
	a := Answers{}
	for _, q := range Questions() {
		a[q.ID] = neutralOption(t, q).ID
	}
	return a
}

func neutralOption(t *testing.T, q Question) Option {
	t.Helper()
	i := slices.IndexFunc(q.Options, func(o Option) bool { return o.ML == o.GenAI })
	if i < 0 {
		t.Fatalf("question %s has no balanced option", q.ID)
	}
	return q.Options[i]
}

func with(a Answers, questionID, optionID string) Answers {
	b := maps.Clone(a)
	b[questionID] = optionID
	return b
}

func mustScore(t *testing.T, a Answers) Result {
	t.Helper()
	r, err := Score(a)
	if err != nil {
		t.Fatalf("Score(%v): %v", a, err)
	}
	return r
}

func TestFitQuestions(t *testing.T) {
	qs := Questions()
	if len(qs) < 6 || len(qs) > 8 {
		t.Fatalf("%d questions; want 6 to 8", len(qs))
	}
	seenQ := map[string]bool{}
	for _, q := range qs {
		t.Run(q.ID, func(t *testing.T) {
			if q.ID == "" || seenQ[q.ID] {
				t.Errorf("question id %q is empty or used twice", q.ID)
			}
			seenQ[q.ID] = true
			if !strings.HasSuffix(q.Text, "?") || len(q.Text) > 70 {
				t.Errorf("text %q: want a question of at most 70 bytes", q.Text)
			}
			if len(q.Options) < 2 || len(q.Options) > 4 {
				t.Errorf("%d options; want 2 to 4", len(q.Options))
			}
			seenO := map[string]bool{}
			leansML, leansGenAI := false, false
			for _, o := range q.Options {
				if o.ID == "" || seenO[o.ID] {
					t.Errorf("option id %q is empty or used twice", o.ID)
				}
				seenO[o.ID] = true
				if o.Label == "" || len(o.Label) > 40 {
					t.Errorf("label %q: want 1 to 40 bytes, short enough for a phone", o.Label)
				}
				if o.ML < 0 || o.ML > 3 || o.GenAI < 0 || o.GenAI > 3 {
					t.Errorf("option %s weights %d/%d; want 0..3", o.ID, o.ML, o.GenAI)
				}
				leansML = leansML || o.ML > o.GenAI
				leansGenAI = leansGenAI || o.GenAI > o.ML
			}
			if !leansML || !leansGenAI {
				t.Error("want an option leaning towards each role")
			}
			neutralOption(t, q)
		})
	}
	t.Run("returns a deep copy", func(t *testing.T) {
		Questions()[0].Options[0].ML = 99
		Questions()[0].Text = "changed"
		if q := Questions()[0]; q.Options[0].ML == 99 || q.Text == "changed" {
			t.Error("changing the returned questions changed the fit check")
		}
	})
}

// TestFitQuestionsCoverArticle checks that the questions ask about what the
// article says separates the roles.
func TestFitQuestionsCoverArticle(t *testing.T) {
	var text strings.Builder
	sections := map[string]bool{}
	for _, q := range Questions() {
		text.WriteString(q.Text + "\n")
		for _, o := range q.Options {
			text.WriteString(o.Label + "\n")
			sections[o.Section] = true
		}
	}
	all := strings.ToLower(text.String())
	for _, topic := range []string{"maths", "data", "software", "model", "app", "api", "ui",
		"python", "numpy", "pytorch", "tensorflow", "javascript", "react", "node.js", "aws",
		"experiment", "shipping", "from scratch", "gpt", "chef", "owner"} {
		if !strings.Contains(all, topic) {
			t.Errorf("no question or option mentions %q", topic)
		}
	}
	for _, id := range []string{choosingID, "analogy-pizza-restaurant", "ml-engineer-role", "ml-engineer-daily-work",
		"ml-engineer-tools", "genai-developer-role", "genai-developer-daily-work", "genai-developer-tools",
		fastestPathID, "industry-demand"} {
		if !sections[id] {
			t.Errorf("no option is grounded in %s", id)
		}
	}
}

// TestFitTextsGrounded checks every text that cites a section against it:
// it must exist, the text must carry no marker of its own (the UI adds the
// link), and the two must share a word that is specific to the section:
// not a role's name, not "article", nor one found in many sections.
func TestFitTextsGrounded(t *testing.T) {
	type grounded struct{ name, text, section string }
	var texts []grounded
	for _, q := range Questions() {
		for _, o := range q.Options {
			texts = append(texts, grounded{"option " + q.ID + "/" + o.ID, o.Reason, o.Section})
		}
	}
	for _, fit := range []string{MLEngineer, GenAIDeveloper, Either} {
		for i, r := range fitOutcomes[fit].fallback {
			texts = append(texts, grounded{fit + " fallback " + strconv.Itoa(i), r.Text, r.Section})
		}
		for i, s := range fitOutcomes[fit].firstSteps {
			texts = append(texts, grounded{fit + " step " + strconv.Itoa(i), s.Text, s.Section})
		}
	}
	sections := prompts.Sections()
	for _, g := range texts {
		t.Run(g.name, func(t *testing.T) {
			s, ok := prompts.LookupSection(g.section)
			if !ok {
				t.Fatalf("section %q does not exist", g.section)
			}
			if g.text == "" || !strings.HasSuffix(g.text, ".") || strings.Contains(g.text, "\n") {
				t.Errorf("text %q: want one sentence", g.text)
			}
			if strings.Contains(g.text, "[§") || strings.Contains(g.text, "[") {
				t.Errorf("text %q holds a marker or link; the UI adds the citation", g.text)
			}
			if shared := specificWords(g.text, s, sections); len(shared) == 0 {
				t.Errorf("text %q shares no specific word with section %s", g.text, g.section)
			}
		})
	}
}

// specificWords returns the words text shares with section that are not
// common to the whole article: a role's name, "article", or a word found in
// two sections out of five or more; pairs of words count too. Words compare
// by their first five letters, stemming enough for "training" to meet
// "train".
func specificWords(text string, section prompts.Section, all []prompts.Section) []string {
	stems := func(s string) map[string]bool {
		out := map[string]bool{}
		prev := ""
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
			w = w[:min(len(w), 5)]
			if prev != "" {
				out[prev+" "+w] = true // a phrase such as "builds the AI" is specific where its words are not
			}
			prev = w
			if len(w) >= 4 {
				out[w] = true
			}
		}
		return out
	}
	generic := stems("engineer engineering developer development application applications article machine learning career role")
	df := map[string]int{}
	for _, s := range all {
		for w := range stems(s.Title + " " + s.Body) {
			df[w]++
		}
	}
	inSection := stems(section.Title + " " + section.Body)
	var shared []string
	for w := range stems(text) {
		if inSection[w] && !generic[w] && df[w]*5 < len(all)*2 {
			shared = append(shared, w)
		}
	}
	return shared
}

func TestScoreFit(t *testing.T) {
	neutral := neutralAnswers(t)
	tests := []struct {
		name          string
		answers       Answers
		fit, title    string
		ml, genAI     int
		reasons       []string // sections, in order
		tippingEnding string   // "" means no Tipping
	}{
		{
			name: "clear ML profile", answers: mlProfile,
			fit: MLEngineer, title: "Machine Learning Engineer", ml: 100, genAI: 0,
			reasons: []string{choosingID, "ml-engineer-daily-work", "ml-engineer-role", "ml-engineer-tools"},
		},
		{
			name: "clear product and web profile", answers: genAIProfile,
			fit: GenAIDeveloper, title: "Gen AI Application Developer", ml: 0, genAI: 100,
			reasons: []string{choosingID, "genai-developer-daily-work", "genai-developer-role", "genai-developer-applications"},
		},
		{
			name: "web developer who knows the cloud", answers: Answers{"enjoy": "software", "build": "build-app",
				"approach": "use-models", "work-style": "mix", "tools": "cloud", "background": "developer", "analogy": "both"},
			fit: GenAIDeveloper, title: "Gen AI Application Developer", ml: 16, genAI: 80,
			reasons: []string{choosingID, "genai-developer-daily-work", "genai-developer-role", fastestPathID},
		},
		{
			name: "balanced profile: two reasons from each side, the side ahead first", answers: balancedProfile,
			fit: Either, title: "Either could fit", ml: 53, genAI: 50,
			reasons:       []string{choosingID, "genai-developer-daily-work", "ml-engineer-daily-work", "genai-developer-role"},
			tippingEnding: "lean slightly towards Machine Learning Engineer.",
		},
		{
			name: "neutral answers: balanced reasons fill in", answers: neutral,
			fit: Either, title: "Either could fit", ml: 21, genAI: 20,
			reasons:       []string{choosingID, "remember-the-difference"},
			tippingEnding: "lean slightly towards Machine Learning Engineer.",
		},
		{
			name: "nothing decided: the article's general reasons", answers: Answers{"enjoy": "both", "build": "either",
				"approach": "no-preference", "work-style": "mix", "tools": "none", "background": "new", "analogy": "both"},
			fit: Either, ml: 21, genAI: 20, title: "Either could fit",
			reasons:       []string{choosingID, "remember-the-difference"},
			tippingEnding: "lean slightly towards Machine Learning Engineer.",
		},
		{
			name: "one soft lean stays within the margin", answers: with(neutral, "analogy", "chef"),
			fit: Either, title: "Either could fit", ml: 26, genAI: 15,
			reasons:       []string{"analogy-pizza-restaurant", choosingID},
			tippingEnding: "lean slightly towards Machine Learning Engineer.",
		},
		{
			name: "a Gen AI lean within the margin speaks first", answers: with(neutral, "tools", "cloud"),
			fit: Either, title: "Either could fit", ml: 26, genAI: 30,
			reasons:       []string{fastestPathID, choosingID},
			tippingEnding: "lean slightly towards Gen AI Application Developer.",
		},
		{
			name: "one decisive answer decides; a general reason fills in", answers: with(neutral, "enjoy", "math-data"),
			fit: MLEngineer, title: "Machine Learning Engineer", ml: 32, genAI: 15,
			reasons: []string{choosingID, "remember-the-difference"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustScore(t, tt.answers)
			if r.Fit != tt.fit || r.Title != tt.title {
				t.Errorf("fit %q, title %q; want %q, %q", r.Fit, r.Title, tt.fit, tt.title)
			}
			if r.ML != tt.ml || r.GenAI != tt.genAI {
				t.Errorf("scores ML %d, Gen AI %d; want %d, %d", r.ML, r.GenAI, tt.ml, tt.genAI)
			}
			if r.Summary != fitOutcomes[tt.fit].summary {
				t.Errorf("summary %q; want the %s one", r.Summary, tt.fit)
			}
			var sections []string
			for _, reason := range r.Reasons {
				sections = append(sections, reason.Section)
			}
			if !slices.Equal(sections, tt.reasons) {
				t.Errorf("reasons from %v; want %v", sections, tt.reasons)
			}
			if tt.tippingEnding == "" && r.Tipping != "" {
				t.Errorf("tipping %q; want none", r.Tipping)
			}
			if tt.tippingEnding != "" && (!strings.HasPrefix(r.Tipping, fitTippingBase) || !strings.HasSuffix(r.Tipping, tt.tippingEnding)) {
				t.Errorf("tipping %q; want the base text ending with %q", r.Tipping, tt.tippingEnding)
			}
			if !slices.Equal(r.FirstSteps, fitOutcomes[tt.fit].firstSteps) {
				t.Errorf("first steps %v; want the %s ones", r.FirstSteps, tt.fit)
			}
		})
	}
}

// TestScoreFitEachOption exercises every option: chosen instead of its
// question's balanced option, it moves each score the way its weights
// say, and when it leans, its reason leads the result.
func TestScoreFitEachOption(t *testing.T) {
	base := neutralAnswers(t)
	before := mustScore(t, base)
	for _, q := range Questions() {
		neutral := neutralOption(t, q)
		for _, o := range q.Options {
			t.Run(q.ID+"/"+o.ID, func(t *testing.T) {
				r := mustScore(t, with(base, q.ID, o.ID))
				if got, want := sign(r.ML-before.ML), sign(o.ML-neutral.ML); got != want {
					t.Errorf("ML score %d → %d; want it to move %+d", before.ML, r.ML, want)
				}
				if got, want := sign(r.GenAI-before.GenAI), sign(o.GenAI-neutral.GenAI); got != want {
					t.Errorf("Gen AI score %d → %d; want it to move %+d", before.GenAI, r.GenAI, want)
				}
				leanBefore, leanAfter := before.ML-before.GenAI, r.ML-r.GenAI
				if got, want := sign(leanAfter-leanBefore), sign(o.ML-o.GenAI); got != want {
					t.Errorf("lean towards ML %d → %d; want it to move %+d", leanBefore, leanAfter, want)
				}
				if o.ML != o.GenAI && r.Reasons[0] != (Reason{o.Reason, o.Section}) {
					t.Errorf("first reason %+v; want this option's", r.Reasons[0])
				}
			})
		}
	}
}

func sign(n int) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}

// TestScoreFitEveryCombination checks what must hold for any answers, on
// all of them, and that Summary carries each back to the chat intact.
func TestScoreFitEveryCombination(t *testing.T) {
	qs := Questions()
	count := 0
	var walk func(i int, a Answers)
	walk = func(i int, a Answers) {
		if i < len(qs) {
			for _, o := range qs[i].Options {
				walk(i+1, with(a, qs[i].ID, o.ID))
			}
			return
		}
		count++
		r := mustScore(t, a)
		if err := checkFitResult(r, a); err != "" {
			t.Fatalf("answers %v: %s\nresult %+v", a, err, r)
		}
		summary := Summary(a, r)
		if len(summary) >= 1500 {
			t.Fatalf("answers %v: summary is %d bytes; want under 1,500", a, len(summary))
		}
		shared, ok := ParseSummary(summary)
		if !ok || shared.Fit != r.Fit || !maps.Equal(shared.Answers, a) {
			t.Fatalf("summary read back as %+v, %v; want fit %s and answers %v", shared, ok, r.Fit, a)
		}
	}
	walk(0, Answers{})
	t.Logf("%d combinations", count)
}

// checkFitResult returns what is wrong with a result for answers a, or "".
func checkFitResult(r Result, a Answers) string {
	switch {
	case r.ML < 0 || r.ML > 100 || r.GenAI < 0 || r.GenAI > 100:
		return "score out of 0..100"
	case abs(r.ML-r.GenAI) <= fitMargin && r.Fit != Either,
		r.ML-r.GenAI > fitMargin && r.Fit != MLEngineer,
		r.GenAI-r.ML > fitMargin && r.Fit != GenAIDeveloper:
		return "fit does not follow from the scores"
	case r.Title != fitOutcomes[r.Fit].title || r.Summary == "":
		return "wrong title or no summary"
	case (r.Fit == Either) != (r.Tipping != ""):
		return "tipping present without \"either\", or missing with it"
	case len(r.Reasons) < minFitReasons || len(r.Reasons) > maxFitReasons:
		return "want 2 to 4 reasons"
	case len(r.FirstSteps) < 3 || len(r.FirstSteps) > 5:
		return "want 3 to 5 first steps"
	}
	seen := map[string]bool{}
	for _, reason := range r.Reasons {
		if _, ok := prompts.LookupSection(reason.Section); !ok || seen[reason.Section] {
			return "reason section unknown or repeated: " + reason.Section
		}
		seen[reason.Section] = true
		if reason.Text == "" || strings.Contains(reason.Text, "[§") {
			return "reason empty or holding a marker"
		}
		if !isReasonFor(reason, r.Fit, a) {
			return "reason neither from an answer leaning that way nor a general one: " + reason.Text
		}
	}
	for _, step := range r.FirstSteps {
		if _, ok := prompts.LookupSection(step.Section); !ok || step.Text == "" {
			return "step empty or citing an unknown section"
		}
	}
	return ""
}

// isReasonFor reports whether a reason may back a result: a chosen answer
// that leans towards the result (any lean, or a balanced one, for
// "either"), or one of the result's general reasons.
func isReasonFor(reason Reason, fit string, a Answers) bool {
	if slices.Contains(fitOutcomes[fit].fallback, reason) {
		return true
	}
	for _, q := range fitQuestions {
		for _, o := range q.Options {
			if o.ID != a[q.ID] || (Reason{o.Reason, o.Section}) != reason {
				continue
			}
			switch fit {
			case MLEngineer:
				return o.ML > o.GenAI
			case GenAIDeveloper:
				return o.GenAI > o.ML
			}
			return o.ML+o.GenAI > 0
		}
	}
	return false
}

func TestScoreFitErrors(t *testing.T) {
	qs := Questions()
	tests := []struct {
		name    string
		answers Answers
		want    string
	}{
		{"no answers", nil, "Please answer “" + qs[0].Text + "”"},
		{"first unanswered is named", with(with(mlProfile, qs[2].ID, ""), qs[4].ID, ""), "Please answer “" + qs[2].Text + "”"},
		{"last unanswered", without(mlProfile, qs[len(qs)-1].ID), "Please answer “" + qs[len(qs)-1].Text + "”"},
		{"unknown option", with(mlProfile, qs[1].ID, "bogus"), "Please choose one of the answers offered for “" + qs[1].Text + "”"},
		{"another question's option", with(mlProfile, qs[0].ID, qs[1].Options[0].ID), "for “" + qs[0].Text + "”"},
		{"option ids are case-sensitive", with(mlProfile, qs[3].ID, strings.ToUpper(qs[3].Options[0].ID)), qs[3].Text},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Score(tt.answers)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want one containing %q", err, tt.want)
			}
			if r.Fit != "" || r.Reasons != nil {
				t.Errorf("result %+v alongside an error; want the zero result", r)
			}
		})
	}
	t.Run("answers to questions not asked are ignored", func(t *testing.T) {
		if _, err := Score(with(mlProfile, "csrf", "x")); err != nil {
			t.Error(err)
		}
	})
}

func without(a Answers, questionID string) Answers {
	b := maps.Clone(a)
	delete(b, questionID)
	return b
}

func TestMatchOutOf10(t *testing.T) {
	for _, tt := range []struct{ percent, want int }{{0, 0}, {4, 0}, {5, 1}, {15, 2}, {89, 9}, {94, 9}, {95, 10}, {100, 10}} {
		if got := MatchOutOf10(tt.percent); got != tt.want {
			t.Errorf("MatchOutOf10(%d) = %d, want %d", tt.percent, got, tt.want)
		}
	}
}

func TestFitSummary(t *testing.T) {
	for _, a := range []Answers{mlProfile, genAIProfile, balancedProfile} {
		r := mustScore(t, a)
		t.Run(r.Fit, func(t *testing.T) {
			got := Summary(a, r)
			if !strings.HasPrefix(got, "My fit check result:\n") {
				t.Errorf("does not start with the line \"My fit check result:\":\n%s", got)
			}
			if !strings.HasSuffix(got, "\nCan you explain this result and suggest what I should learn first?") {
				t.Errorf("does not end by asking for an explanation:\n%s", got)
			}
			if len(got) >= 1500 {
				t.Errorf("%d bytes; want under 1,500", len(got))
			}
			want := []string{
				"- **Result:** " + r.Title + "\n",
				"out of 10",
				"Machine Learning Engineer " + strconv.Itoa(MatchOutOf10(r.ML)) + ",",
				"Gen AI Application Developer " + strconv.Itoa(MatchOutOf10(r.GenAI)) + "\n",
			}
			for _, q := range Questions() {
				for _, o := range q.Options {
					if o.ID == a[q.ID] {
						want = append(want, "- "+q.Text+" **"+o.Label+"**\n")
					}
				}
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "[§") {
				t.Errorf("holds a citation marker; it is the person's own message:\n%s", got)
			}
		})
	}
	t.Run("unanswered questions are left out", func(t *testing.T) {
		a := without(mlProfile, "enjoy")
		got := Summary(a, mustScore(t, mlProfile))
		if strings.Contains(got, Questions()[0].Text) {
			t.Errorf("lists the unanswered question:\n%s", got)
		}
	})
}

// TestReadFitSummary checks that a shared result is recognised however it
// was retyped, and that the answers back the reasons only when intact.
func TestReadFitSummary(t *testing.T) {
	ml := Summary(mlProfile, mustScore(t, mlProfile))
	tests := []struct {
		name     string
		msg      string
		ok       bool
		fit      string
		answered int
	}{
		{"as Summary writes it", ml, true, MLEngineer, 7},
		{"with CRLF and spaces around", "  " + strings.ReplaceAll(ml, "\n", "\r\n") + "\n", true, MLEngineer, 7},
		{"lower case, no emphasis", strings.ToLower(strings.ReplaceAll(ml, "*", "")), true, MLEngineer, 7},
		{"result on the first line", "My fit check result: Gen AI Application Developer", true, GenAIDeveloper, 0},
		{"bold first line", "**My fit check result:**\nResult: ML engineer", true, MLEngineer, 0},
		{"short role names", "My fit check result:\n* Result = ?\n* Result: GenAI dev", true, GenAIDeveloper, 0},
		{"either", "My fit check result:\n\nResult: Either could fit", true, Either, 0},
		{"both roles named", "My fit check result:\nResult: ML Engineer or Gen AI Developer", true, "", 0},
		{"no result", "My fit check result:\n\nI forgot.", true, "", 0},
		{"not at the start", "Here is my fit check result: ML Engineer", false, "", 0},
		{"ordinary question", "Which role fits me?", false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseSummary(tt.msg)
			if ok != tt.ok || got.Fit != tt.fit || len(got.Answers) != tt.answered {
				t.Errorf("got %+v, %v; want fit %q with %d answers, %v", got, ok, tt.fit, tt.answered, tt.ok)
			}
		})
	}
}

// TestFitTextsDoNotCopyArticle keeps every fit check text in our own words.
func TestFitTextsDoNotCopyArticle(t *testing.T) {
	texts := map[string]string{"tipping": fitTippingBase}
	for _, q := range Questions() {
		texts["question "+q.ID] = q.Text
		for _, o := range q.Options {
			texts["option "+q.ID+"/"+o.ID] = o.Label + "\n" + o.Reason
		}
	}
	for fit, out := range fitOutcomes {
		texts[fit] = out.title + "\n" + out.summary
		for _, r := range out.fallback {
			texts[fit] += "\n" + r.Text
		}
		for _, s := range out.firstSteps {
			texts[fit] += "\n" + s.Text
		}
	}
	for _, a := range []Answers{mlProfile, genAIProfile, balancedProfile} {
		r := mustScore(t, a)
		texts["summary "+r.Fit] = Summary(a, r) + "\n" + r.Tipping
	}
	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			for _, run := range originality.Copied(text) {
				t.Errorf("copies the article verbatim: %q", run)
			}
		})
	}
}

// TestSystemPromptKnowsFitCheck keeps the model's rules in step with the fit
// check: they name the first line Summary writes and quote the "either"
// title.
func TestSystemPromptKnowsFitCheck(t *testing.T) {
	for _, want := range []string{
		"A message that starts with \"" + SummaryFirstLine + "\"",
		`"` + fitOutcomes[Either].title + `"`,
	} {
		if !strings.Contains(prompts.SystemPrompt(), want) {
			t.Errorf("the system prompt lacks %q", want)
		}
	}
}
