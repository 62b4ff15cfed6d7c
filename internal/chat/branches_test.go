package chat

import (
	"context"
	"strings"
	"testing"
)

// answer has the scripted provider answer the request it receives with
// text, waits for it to be saved, and returns the request.
func answerWith(t *testing.T, ctx context.Context, svc *Service, prov *scriptedProvider, answerID, text string) Request {
	t.Helper()
	req := <-prov.requests
	prov.deltas <- text
	close(prov.deltas)
	if err := svc.Wait(ctx, answerID); err != nil {
		t.Fatal(err)
	}
	prov.deltas = make(chan string)
	return req
}

// sent is the request's history as "role: text" lines, system prompt left
// out.
func sent(req Request) string {
	var b strings.Builder
	for _, m := range req.Messages[1:] {
		b.WriteString(string(m.Role) + ": " + m.Content + "\n")
	}
	return b.String()
}

func TestEditQuestionBranchesAndHistoryFollowsTheBranchShown(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, _ := newTestService(t, prov, Config{})
	c, t1, err := svc.Start(ctx, visitor, "one")
	if err != nil {
		t.Fatal(err)
	}
	answerWith(t, ctx, svc, prov, t1.Answer.ID, "A1")
	t2, _ := svc.Ask(ctx, visitor, c.ID, "two")
	answerWith(t, ctx, svc, prov, t2.Answer.ID, "A2")
	t3, _ := svc.Ask(ctx, visitor, c.ID, "three")
	answerWith(t, ctx, svc, prov, t3.Answer.ID, "A3")

	edited, err := svc.EditQuestion(ctx, visitor, c.ID, t2.Question.ID, "  two, edited ")
	if err != nil {
		t.Fatal(err)
	}
	if edited.Question.Content != "two, edited" || edited.Answer.ReplyTo != edited.Question.ID || edited.Answer.State != StateStreaming {
		t.Errorf("edit turn = %+v", edited)
	}
	req := answerWith(t, ctx, svc, prov, edited.Answer.ID, "B2")
	if got, want := sent(req), "user: one\nassistant: A1\nuser: two, edited\n"; got != want {
		t.Errorf("the edited question was asked with\n%swant\n%s", got, want)
	}

	t4, _ := svc.Ask(ctx, visitor, c.ID, "four")
	req = answerWith(t, ctx, svc, prov, t4.Answer.ID, "B4")
	if got, want := sent(req), "user: one\nassistant: A1\nuser: two, edited\nassistant: B2\nuser: four\n"; got != want {
		t.Errorf("the next question was asked with\n%swant\n%s", got, want)
	}

	// Back to the first version of the question: its branch is shown, and
	// the next question is asked with it.
	if err := svc.SelectQuestion(ctx, visitor, c.ID, t2.Question.ID); err != nil {
		t.Fatal(err)
	}
	_, msgs, _ := svc.Conversation(ctx, visitor, c.ID)
	var shown []string
	for _, m := range Visible(msgs) {
		shown = append(shown, m.Content)
	}
	if got, want := strings.Join(shown, " "), "one A1 two A2 three A3"; got != want {
		t.Errorf("shown after switching back = %q, want %q", got, want)
	}
	t5, _ := svc.Ask(ctx, visitor, c.ID, "five")
	req = answerWith(t, ctx, svc, prov, t5.Answer.ID, "A5")
	if got, want := sent(req), "user: one\nassistant: A1\nuser: two\nassistant: A2\nuser: three\nassistant: A3\nuser: five\n"; got != want {
		t.Errorf("after switching back, the next question was asked with\n%swant\n%s", got, want)
	}

	// And forward again: the edited branch is as it was left.
	if err := svc.SelectQuestion(ctx, visitor, c.ID, edited.Question.ID); err != nil {
		t.Fatal(err)
	}
	_, msgs, _ = svc.Conversation(ctx, visitor, c.ID)
	shown = shown[:0]
	for _, m := range Visible(msgs) {
		shown = append(shown, m.Content)
	}
	if got, want := strings.Join(shown, " "), "one A1 two, edited B2 four B4"; got != want {
		t.Errorf("shown after switching forward = %q, want %q", got, want)
	}
}

func TestEditQuestionIsCheckedLikeAQuestion(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, _ := newTestService(t, prov, Config{MaxQuestionChars: 10})
	c, t1, _ := svc.Start(ctx, visitor, "one")
	answerWith(t, ctx, svc, prov, t1.Answer.ID, "A1")

	for _, tt := range []struct {
		name, text, want string
	}{
		{"empty", " \n ", "Type a question first."},
		{"too long", "eleven char", "Your message is 11 characters long; the limit is 10. Please shorten it."},
	} {
		_, err := svc.EditQuestion(ctx, visitor, c.ID, t1.Question.ID, tt.text)
		if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.want {
			t.Errorf("%s edit: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := svc.EditQuestion(ctx, "OTHERAAAAAAAAAAAAAAAAAAAAA", c.ID, t1.Question.ID, "two"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another visitor's edit: %v, want not found", err)
	}
	if _, err := svc.EditQuestion(ctx, visitor, c.ID, t1.Answer.ID, "two"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("editing an answer: %v, want not found", err)
	}
	if err := svc.SelectQuestion(ctx, "OTHERAAAAAAAAAAAAAAAAAAAAA", c.ID, t1.Question.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another visitor switching questions: %v, want not found", err)
	}
	if err := svc.SelectQuestion(ctx, visitor, c.ID, t1.Answer.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("switching to an answer as a question: %v, want not found", err)
	}

	// While an answer is written, the conversation cannot branch.
	t2, _ := svc.Ask(ctx, visitor, c.ID, "two")
	<-prov.requests
	if _, err := svc.EditQuestion(ctx, visitor, c.ID, t1.Question.ID, "one again"); ErrorCode(err) != ECONFLICT {
		t.Errorf("edit while answering: %v, want conflict", err)
	}
	if err := svc.SelectQuestion(ctx, visitor, c.ID, t1.Question.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("switch while answering: %v, want conflict", err)
	}
	close(prov.deltas)
	svc.Wait(ctx, t2.Answer.ID)
}
