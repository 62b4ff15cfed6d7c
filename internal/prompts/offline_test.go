package prompts

import (
	"strings"
	"testing"
)

func TestOfflineAnswer(t *testing.T) {
	credit := Source.Credit()
	tests := []struct {
		name     string
		question string
		want     []string
		notWant  []string
	}{
		{
			name:     "daily work lists the ML Engineer's tasks",
			question: "What does an ML engineer do day to day?",
			want: []string{"An ML Engineer's day-to-day work", "Collecting data and cleaning it",
				"Training AI models", "Testing the accuracy", "Fine-tuning", credit},
			notWant: []string{"doesn't say", "Questions to ask yourself"},
		},
		{
			name:     "tools question names the tools",
			question: "What tools does an ML engineer use?",
			want:     []string{"PyTorch", "TensorFlow", "NumPy", credit},
		},
		{
			name:     "greeting gets the help reply",
			question: "Hi!",
			want:     []string{"I'm Rolefit", "You could ask:", "Which role fits me?", "Offline mode"},
			notWant:  []string{"doesn't say", "*Source:"},
		},
		{
			name:     "what can you do gets the help reply",
			question: "what can you do?",
			want:     []string{"You could ask:", "What does an ML Engineer do day to day?"},
			notWant:  []string{"doesn't say"},
		},
		{
			name:     "help gets the help reply",
			question: "help",
			want:     []string{"You could ask:"},
		},
		{
			name:     "thanks gets a welcome",
			question: "thanks a lot!",
			want:     []string{"You're welcome", "You could ask:"},
			notWant:  []string{"doesn't say"},
		},
		{
			name:     "empty question gets the help reply",
			question: "   ",
			want:     []string{"You could ask:"},
		},
		{
			name:     "salary is not in the article",
			question: "what is the salary of an ML engineer",
			want:     []string{"The article doesn't say anything about **salary**", "The closest section is **", credit},
			notWant:  []string{"Collecting data", "PyTorch"},
		},
		{
			name:     "earnings are not in the article either",
			question: "How much do gen AI developers earn?",
			want:     []string{"doesn't say anything about **earn**"},
		},
		{
			name:     "unrelated question has no closest section",
			question: "how do I bake bread",
			want:     []string{"doesn't say anything about **bake** or **bread**", "You could ask:"},
			notWant:  []string{"closest section"},
		},
		{
			name:     "unrelated coding request is declined honestly",
			question: "Write me a Python script to sort a list",
			want:     []string{"doesn't say"},
			notWant:  []string{"PyTorch"},
		},
		{
			name:     "which role fits me gets the career guidance",
			question: "Which role fits me?",
			want: []string{"Which career should you choose?", "mathematical problems",
				"Questions to ask yourself", "The fastest path for software developers", credit},
			notWant: []string{"doesn't say"},
		},
		{
			name:     "a developer asking which to choose also gets the fastest path",
			question: "I'm a React developer, which role should I choose?",
			want:     []string{"Questions to ask yourself", "Already a software developer?"},
		},
		{
			name:     "demand question is not mistaken for career guidance",
			question: "Which career is in higher demand?",
			want:     []string{"Industry demand and the future", "high demand"},
			notWant:  []string{"Questions to ask yourself"},
		},
		{
			name:     "difference question gets the one-line summary",
			question: "What's the difference between an ML engineer and a gen AI developer?",
			want:     []string{"builds the AI", "builds products that use AI"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OfflineAnswer(tt.question)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("answer lacks %q:\n%s", w, got)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(got, nw) {
					t.Errorf("answer should not contain %q:\n%s", nw, got)
				}
			}
			if !strings.HasSuffix(got, offlineNote) {
				t.Errorf("answer does not end with the offline-mode note:\n%s", got)
			}
		})
	}
}

// TestOfflineAnswerLayout checks the shape of an answer from the article:
// a one-line lead, the section, the credit, then related questions.
func TestOfflineAnswerLayout(t *testing.T) {
	got := OfflineAnswer("Do gen AI developers deploy apps to the cloud?")
	section, _ := LookupSection("genai-developer-daily-work")
	lines := strings.Split(got, "\n")
	if lines[0] != guides[section.ID].lead || lines[1] != "" {
		t.Errorf("first line = %q; want the lead %q on its own line", lines[0], guides[section.ID].lead)
	}
	order := []string{
		"**" + section.Title + "**",
		section.Body,
		"*Source: " + Source.Credit() + ".*",
		"You could also ask: ",
		offlineNote,
	}
	at := 0
	for _, part := range order {
		i := strings.Index(got[at:], part)
		if i < 0 {
			t.Fatalf("missing or out of order: %q\nin:\n%s", part, got)
		}
		at += i + len(part)
	}
	if OfflineAnswer("Do gen AI developers deploy apps to the cloud?") != got {
		t.Error("OfflineAnswer is not deterministic")
	}
}

func TestCondenseKeepsFirstParagraphAndLists(t *testing.T) {
	body := "First paragraph.\n\n- a\n- b\n\nLater prose is dropped.\n\n- c"
	want := "First paragraph.\n\n- a\n- b\n\n- c"
	if got := condense(body); got != want {
		t.Errorf("condense = %q; want %q", got, want)
	}
}
