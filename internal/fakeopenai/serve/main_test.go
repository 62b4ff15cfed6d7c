package main

import (
	"strings"
	"testing"
)

func TestAnswersFile(t *testing.T) {
	got, err := readAnswers(strings.NewReader("{\"question\":\" Hi? \",\"answer\":\"Hello there, how are you today?\"}\n\n{\"question\":\"Bye\",\"answer\":\"Bye.\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["Hi?"] != "Hello there, how are you today?" || got["Bye"] != "Bye." {
		t.Errorf("answers = %q", got)
	}
	if _, err := readAnswers(strings.NewReader("{\"question\":\"a\"}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a bad line gave %v, want an error naming line 2", err)
	}
	if c := chunks("Hello there, how are you today?"); strings.Join(c, "") != "Hello there, how are you today?" || len(c) != 2 {
		t.Errorf("chunks = %q, want two pieces that join to the answer", c)
	}
}
