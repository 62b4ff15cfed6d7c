package originality

import "testing"

func TestCopied(t *testing.T) {
	if n := Fingerprints(); n < 500 {
		t.Fatalf("only %d fingerprints: the article's file looks truncated", n)
	}
	// The article's opening, as the fingerprint command saw it, is caught
	// whatever its case and punctuation; a restatement is not.
	copied := Copied("ARTIFICIAL intelligence (AI) is transforming -- the way we work. From ChatGPT")
	if len(copied) == 0 {
		t.Errorf("a sentence of the article was not recognised")
	}
	if got := Copied("AI is changing how people work, from chat assistants to image generators."); len(got) != 0 {
		t.Errorf("a restatement was reported as copied: %q", got)
	}
}

func TestRuns(t *testing.T) {
	got := Runs("One, two; three four five six SEVEN eight nine")
	want := []string{"one two three four five six seven eight", "two three four five six seven eight nine"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Runs = %q, want %q", got, want)
	}
}
