package offline

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// The targets for answers judged on their facts (see Judge): the tuning
// set is what the answerer was tuned on; the held-out set was written by
// someone who never saw the code, and is scored once.
const (
	minTuningAccuracy  = 0.97
	minDevAccuracy     = 0.97
	minHeldOutAccuracy = 0.92
	maxFiller          = 0
)

func TestTuningSet(t *testing.T) {
	checkQuestionSet(t, "testdata/tuning.jsonl", minTuningAccuracy)
}

func TestDevSet(t *testing.T) {
	checkQuestionSet(t, "testdata/dev.jsonl", minDevAccuracy)
}

func TestHeldOutSet(t *testing.T) {
	if _, err := os.Stat("testdata/heldout.jsonl"); errors.Is(err, fs.ErrNotExist) {
		t.Skip("testdata/heldout.jsonl is absent: the held-out questions are added and scored once, at the end")
	}
	checkQuestionSet(t, "testdata/heldout.jsonl", minHeldOutAccuracy)
}

func checkQuestionSet(t *testing.T, name string, min float64) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := ReadLabelled(f, name)
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(qs, Answer)
	var out strings.Builder
	r.Write(&out, testing.Verbose())
	t.Logf("%s:\n%s", name, out.String())
	if r.Accuracy() < min {
		t.Errorf("%s: %d/%d = %.1f%% answered right; want at least %.0f%%", name, r.Passed, r.Total, 100*r.Accuracy(), 100*min)
	}
	if r.Filler > maxFiller {
		t.Errorf("%s: %d answers call a common word out of scope; want at most %d", name, r.Filler, maxFiller)
	}
}

func TestJudge(t *testing.T) {
	in := LabelledQuestion{Q: "Is AWS used in both roles?", Facts: [][]string{{"aws"}, {"both", "yes"}}, Scope: "in"}
	out := LabelledQuestion{Q: "which pays more", Facts: [][]string{{"salary", "pay"}}, Scope: "out"}
	tests := []struct {
		name   string
		q      LabelledQuestion
		answer string
		pass   bool
		filler bool
	}{
		{"facts stated", in, "**Yes**: *AWS* is on both tool lists. [§ml-engineer-tools]", true, false},
		{"a fact missing", in, "Yes: Python is on both lists.", false, false},
		{"fact only in a link's address does not count", in, "Yes. [See more](/?ask=aws)", false, false},
		{"in scope called out of scope", in, "The article doesn't cover AWS.", false, false},
		{"out of scope named, with the closest part", out, "The article doesn't cover salaries or pay. It does say both careers are in high demand. [§industry-demand]", true, false},
		{"out of scope without the closest part", out, "The article doesn't cover pay.", false, false},
		{"out of scope answered as in scope", out, "Pay is great. [§industry-demand]", false, false},
		{"filler word called out of scope", out, "The article doesn't say anything about pays or day. [§industry-demand]", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(tt.q, tt.answer)
			if v.Pass != tt.pass || v.FillerOut != tt.filler {
				t.Errorf("Judge = %+v; want pass %v, filler %v", v, tt.pass, tt.filler)
			}
		})
	}
}
