package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const visitor = "VISITORAAAAAAAAAAAAAAAAAAA"

func newTestService(t *testing.T, p Provider, cfg Config) (*Service, *memStore) {
	t.Helper()
	st := newMemStore()
	if cfg.SaveEvery == 0 {
		cfg.SaveEvery = time.Hour // tests that care about partial saves set it
	}
	svc := NewService(st, p, "SYSTEM PROMPT", cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		svc.Shutdown(ctx)
	})
	return svc, st
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// follow reads an answer through Progress until it is final, checking that
// offsets advance and the pieces add up.
func follow(t *testing.T, ctx context.Context, p *Progress, from int) (string, Message) {
	t.Helper()
	var b strings.Builder
	offset := from
	for {
		text, next, final, more := p.Since(offset)
		b.WriteString(text)
		if next < offset {
			t.Fatalf("offset went back from %d to %d", offset, next)
		}
		offset = next
		if final {
			return b.String(), p.Result()
		}
		select {
		case <-more:
		case <-ctx.Done():
			t.Fatalf("answer did not finish: %v (got %q)", ctx.Err(), b.String())
		}
	}
}

func TestAskStreamsAndSaves(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})

	c, turn, err := svc.Start(ctx, visitor, "  What does an ML engineer do?  ")
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "What does an ML engineer do?" || turn.Question.Content != "What does an ML engineer do?" {
		t.Errorf("title %q, question %q: want the trimmed question", c.Title, turn.Question.Content)
	}
	if turn.Answer.State != StateStreaming || turn.Answer.Role != RoleAssistant {
		t.Errorf("answer = %+v, want a streaming assistant message", turn.Answer)
	}
	req := <-prov.requests
	if len(req.Messages) != 2 || req.Messages[0].Role != RoleSystem || req.Messages[0].Content != "SYSTEM PROMPT" ||
		req.Messages[1] != (PromptMessage{RoleUser, "What does an ML engineer do?"}) {
		t.Errorf("request = %+v, want the system prompt then the question", req.Messages)
	}

	p, err := svc.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() { text, _ := follow(t, ctx, p, 0); got <- text }()
	for _, d := range []string{"They ", "train ", "models <&> \n well."} {
		prov.deltas <- d
	}
	close(prov.deltas)
	if text := <-got; text != "They train models <&> \n well." {
		t.Errorf("watcher got %q", text)
	}
	if err := svc.Wait(ctx, turn.Answer.ID); err != nil {
		t.Fatal(err)
	}
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if saved.State != StateDone || saved.Content != "They train models <&> \n well." || saved.Error != "" {
		t.Errorf("saved answer = %+v", saved)
	}
	if n := st.saveCount(); n != 1 {
		t.Errorf("store saved the answer %d times for 3 deltas, want once at the end (no per-token writes)", n)
	}
}

func TestMultiTurnHistoryInOrder(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, _ := newTestService(t, prov, Config{})
	c, turn, err := svc.Start(ctx, visitor, "first question")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "first answer"
	close(prov.deltas)
	svc.Wait(ctx, turn.Answer.ID)

	prov.deltas = make(chan string)
	if _, err := svc.Ask(ctx, visitor, c.ID, "second question"); err != nil {
		t.Fatal(err)
	}
	req := <-prov.requests
	close(prov.deltas)
	want := []PromptMessage{
		{RoleSystem, "SYSTEM PROMPT"},
		{RoleUser, "first question"},
		{RoleAssistant, "first answer"},
		{RoleUser, "second question"},
	}
	if len(req.Messages) != len(want) {
		t.Fatalf("request has %d messages, want %d: %+v", len(req.Messages), len(want), req.Messages)
	}
	for i := range want {
		if req.Messages[i] != want[i] {
			t.Errorf("message %d = %+v, want %+v", i, req.Messages[i], want[i])
		}
	}
}

func TestHistoryTrimmedOldestFirst(t *testing.T) {
	svc, _ := newTestService(t, newScriptedProvider(), Config{HistoryTokens: 30})
	long := strings.Repeat("x", 60) // 19 tokens by the estimate
	history := []Message{
		{Role: RoleUser, Content: "oldest " + long},
		{Role: RoleAssistant, Content: "old answer " + long},
		{Role: RoleUser, Content: "recent"},
		{Role: RoleAssistant, Content: ""},                                 // failed before any text: left out
		{Role: RoleAssistant, Content: "an earlier version", Hidden: true}, // not the shown version: left out
		{Role: RoleAssistant, Content: "retried answer"},
		{Role: RoleUser, Content: "the question " + strings.Repeat("y", 200)}, // over budget alone: still sent
	}
	req, _ := svc.request(history)
	var got []string
	for _, m := range req.Messages[1:] {
		got = append(got, m.Content[:min(len(m.Content), 12)])
	}
	if req.Messages[0].Role != RoleSystem {
		t.Errorf("first message is %s, want system", req.Messages[0].Role)
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "the question") {
		t.Errorf("with a tiny budget, sent %q; want only the question", got)
	}

	// A budget that fits an answer but not its question: the orphaned answer
	// is dropped too, so the history starts with a question.
	orphan, _ := svc.request([]Message{
		{Role: RoleUser, Content: strings.Repeat("q", 120)},
		{Role: RoleAssistant, Content: strings.Repeat("a", 40)},
		{Role: RoleUser, Content: "newest question"},
	})
	if len(orphan.Messages) != 2 || orphan.Messages[1].Content != "newest question" {
		t.Errorf("history with an orphaned answer = %+v, want system + the newest question", orphan.Messages)
	}

	svc.cfg.HistoryTokens = 75 // the question (57) + two short turns (12); the old answer (21) no longer fits
	req, _ = svc.request(history)
	got = got[:0]
	for _, m := range req.Messages[1:] {
		got = append(got, m.Content[:min(len(m.Content), 12)])
	}
	want := []string{"recent", "retried answ", "the question"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sent %q, want %q (oldest dropped first, empty and hidden answers skipped)", got, want)
	}
}

func TestStopKeepsPartialAnswer(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})
	c, turn, err := svc.Start(ctx, visitor, "question")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "partial "
	prov.deltas <- "text"
	if err := svc.Stop(ctx, "SOMEONEELSEAAAAAAAAAAAAAAA", c.ID, turn.Answer.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another visitor's stop: %v, want not found", err)
	}
	if err := svc.Stop(ctx, visitor, c.ID, turn.Answer.ID); err != nil {
		t.Fatal(err)
	}
	if cause := <-prov.cancelled; !errors.Is(cause, errStopped) {
		t.Errorf("provider cancelled with %v, want the stop", cause)
	}
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if saved.State != StateStopped || saved.Content != "partial text" {
		t.Errorf("saved = %+v, want stopped with the partial text", saved)
	}
	// The conversation is free again.
	prov.deltas = make(chan string)
	if _, err := svc.Ask(ctx, visitor, c.ID, "next"); err != nil {
		t.Errorf("ask after stop: %v", err)
	}
	close(prov.deltas)
}

func TestWatcherLeavingDoesNotStopAnswer(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})
	c, turn, _ := svc.Start(ctx, visitor, "question")
	<-prov.requests

	watchCtx, leave := context.WithCancel(ctx)
	p, _ := svc.Follow(watchCtx, visitor, c.ID, turn.Answer.ID)
	prov.deltas <- "one "
	text, _, _, more := p.Since(0)
	for text == "" { // the delta is handed over; wait until it is appended
		<-more
		text, _, _, more = p.Since(0)
	}
	leave() // the tab is closed
	prov.deltas <- "two"
	close(prov.deltas)
	svc.Wait(ctx, turn.Answer.ID)
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if text != "one " || saved.State != StateDone || saved.Content != "one two" {
		t.Errorf("watcher saw %q; saved %+v; want the whole answer done", text, saved)
	}
	// A watcher arriving later gets it whole, and a resume gets the rest.
	p, _ = svc.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if rest, _ := follow(t, ctx, p, 4); rest != "two" {
		t.Errorf("resume from offset 4 got %q, want %q", rest, "two")
	}
}

func TestFailuresKeepPartialTextAndExplain(t *testing.T) {
	tests := []struct {
		name      string
		end       error
		wantState State
		wantMsg   string
	}{
		{"unauthorized", &ProviderError{Kind: FailUnauthorized, Status: 401}, StateError, "not configured correctly"},
		{"model not found", &ProviderError{Kind: FailModelNotFound, Status: 404}, StateError, "model"},
		{"rate limited with retry-after", &ProviderError{Kind: FailRateLimited, Status: 429, RetryAfter: 1500 * time.Millisecond}, StateError, "try again in 2 seconds"},
		{"rate limited", &ProviderError{Kind: FailRateLimited, Status: 429}, StateError, "too many requests"},
		{"server error", &ProviderError{Kind: FailUnavailable, Status: 503}, StateError, "having problems"},
		{"unreachable", &ProviderError{Kind: FailUnreachable}, StateError, "could not reach"},
		{"cut", &ProviderError{Kind: FailCut}, StateError, "lost partway"},
		{"error in the stream", &ProviderError{Kind: FailModelError}, StateError, "reported an error partway through the answer. What arrived is kept"},
		{"unreadable reply", &ProviderError{Kind: FailBadResponse}, StateError, "could not read partway through. What arrived is kept"},
		{"unknown", errors.New("boom"), StateError, "went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			prov := newScriptedProvider()
			prov.end = tt.end
			svc, st := newTestService(t, prov, Config{})
			_, turn, _ := svc.Start(ctx, visitor, "question")
			<-prov.requests
			prov.deltas <- "kept"
			close(prov.deltas)
			svc.Wait(ctx, turn.Answer.ID)
			saved, _ := st.Message(ctx, turn.Answer.ID)
			if saved.State != tt.wantState || saved.Content != "kept" || !strings.Contains(saved.Error, tt.wantMsg) {
				t.Errorf("saved = %+v, want state %s, text kept, message containing %q", saved, tt.wantState, tt.wantMsg)
			}
			if strings.Contains(saved.Error, "boom") || strings.Contains(saved.Error, "status") {
				t.Errorf("message %q leaks the raw error", saved.Error)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		deltas  int
		cfg     Config
		wantMsg string
	}{
		{"no first token", 0, Config{FirstTokenTimeout: 20 * time.Millisecond, StallTimeout: time.Hour}, "did not start"},
		{"stall mid-answer", 1, Config{FirstTokenTimeout: time.Hour, StallTimeout: 20 * time.Millisecond}, "stopped sending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			prov := newScriptedProvider()
			svc, st := newTestService(t, prov, tt.cfg)
			_, turn, _ := svc.Start(ctx, visitor, "question")
			<-prov.requests
			for range tt.deltas {
				prov.deltas <- "x"
			}
			<-prov.cancelled // the provider sees the cancellation: no upstream call left running
			svc.Wait(ctx, turn.Answer.ID)
			saved, _ := st.Message(ctx, turn.Answer.ID)
			if saved.State != StateError || !strings.Contains(saved.Error, tt.wantMsg) || len(saved.Content) != tt.deltas {
				t.Errorf("saved = %+v, want error %q with %d bytes kept", saved, tt.wantMsg, tt.deltas)
			}
		})
	}
}

func TestAnswerLengthCap(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{MaxAnswerTokens: 2}) // 8 bytes
	_, turn, _ := svc.Start(ctx, visitor, "question")
	req := <-prov.requests
	if req.MaxTokens != 2 {
		t.Errorf("request MaxTokens = %d, want the cap 2", req.MaxTokens)
	}
	prov.deltas <- "12345"
	prov.deltas <- "67890"
	if cause := <-prov.cancelled; !errors.Is(cause, errTooManyTokens) {
		t.Errorf("cancel cause %v, want the length cap", cause)
	}
	svc.Wait(ctx, turn.Answer.ID)
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if saved.State != StateStopped || saved.Content != "12345678" || saved.Error == "" {
		t.Errorf("saved = %+v, want stopped with its text up to the cap and a note", saved)
	}
}

func TestPartialSavedPeriodically(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{SaveEvery: 5 * time.Millisecond})
	_, turn, _ := svc.Start(ctx, visitor, "question")
	<-prov.requests
	prov.deltas <- "saved before the end"
	for {
		m, _ := st.Message(ctx, turn.Answer.ID)
		if m.Content == "saved before the end" {
			if m.State != StateStreaming {
				t.Errorf("partial save state = %s, want streaming", m.State)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the partial answer was never saved while streaming")
		case <-time.After(time.Millisecond): // polling a store, not synchronising goroutines
		}
	}
	close(prov.deltas)
}

func TestOneAnswerAtATimePerConversation(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, _ := newTestService(t, prov, Config{})
	c, _, _ := svc.Start(ctx, visitor, "question")
	<-prov.requests
	_, err := svc.Ask(ctx, visitor, c.ID, "another")
	if ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), "still being written") {
		t.Errorf("second ask while streaming: %v, want a conflict explaining why", err)
	}
	close(prov.deltas)
}

func TestOtherVisitorsSeeNothing(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, _ := newTestService(t, prov, Config{})
	c, turn, _ := svc.Start(ctx, visitor, "private question")
	<-prov.requests
	close(prov.deltas)
	other := "OTHERAAAAAAAAAAAAAAAAAAAAA"
	checks := map[string]error{}
	_, _, checks["conversation"] = svc.Conversation(ctx, other, c.ID)
	_, checks["follow"] = svc.Follow(ctx, other, c.ID, turn.Answer.ID)
	_, checks["ask"] = svc.Ask(ctx, other, c.ID, "hi")
	_, _, checks["regenerate"] = svc.Regenerate(ctx, other, c.ID, turn.Answer.ID)
	checks["rename"] = svc.Rename(ctx, other, c.ID, "mine now")
	checks["delete"] = svc.Delete(ctx, other, c.ID)
	_, _, checks["unknown id"] = svc.Conversation(ctx, visitor, "nope")
	for name, err := range checks {
		if ErrorCode(err) != ENOTFOUND {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
}

func TestRegenerateKeepsEarlierVersions(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	prov.end = &ProviderError{Kind: FailUnavailable, Status: 503}
	svc, _ := newTestService(t, prov, Config{})
	c, turn, _ := svc.Start(ctx, visitor, "question")
	<-prov.requests
	close(prov.deltas)
	svc.Wait(ctx, turn.Answer.ID)
	if turn.Answer.ReplyTo != turn.Question.ID {
		t.Errorf("answer replies to %q, want the question %q", turn.Answer.ReplyTo, turn.Question.ID)
	}

	// Version 2 after a failure.
	prov.deltas, prov.end = make(chan string), nil
	old, second, err := svc.Regenerate(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	req := <-prov.requests
	if last := req.Messages[len(req.Messages)-1]; last != (PromptMessage{RoleUser, "question"}) || len(req.Messages) != 2 {
		t.Errorf("regenerate request = %+v, want system + the same question", req.Messages)
	}
	prov.deltas <- "better"
	close(prov.deltas)
	svc.Wait(ctx, second.ID)
	_, msgs, _ := svc.Conversation(ctx, visitor, c.ID)
	visible := Visible(msgs)
	if old.ID != turn.Answer.ID || !old.Hidden || len(msgs) != 3 || len(visible) != 2 || visible[1].ID != second.ID || visible[1].Content != "better" {
		t.Errorf("after regenerate: all %+v, visible %+v", msgs, visible)
	}

	// Version 3 of a good answer, then back to version 2: the next
	// question is asked with the version shown.
	prov.deltas = make(chan string)
	_, third, err := svc.Regenerate(ctx, visitor, c.ID, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "third"
	close(prov.deltas)
	svc.Wait(ctx, third.ID)
	if err := svc.SelectVersion(ctx, visitor, c.ID, second.ID); err != nil {
		t.Fatal(err)
	}
	prov.deltas = make(chan string)
	if _, err := svc.Ask(ctx, visitor, c.ID, "follow-up"); err != nil {
		t.Fatal(err)
	}
	req = <-prov.requests
	close(prov.deltas)
	if got := req.Messages[2]; got != (PromptMessage{RoleAssistant, "better"}) || len(req.Messages) != 4 {
		t.Errorf("follow-up request = %+v, want the shown version (2) as the answer", req.Messages)
	}
	if _, _, err := svc.Regenerate(ctx, visitor, c.ID, second.ID); ErrorCode(err) != ECONFLICT {
		t.Errorf("regenerating an answer that is not the latest: %v, want conflict", err)
	}
	if err := svc.SelectVersion(ctx, "OTHERAAAAAAAAAAAAAAAAAAAAA", c.ID, third.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another visitor switching versions: %v, want not found", err)
	}
}

func TestDeleteStopsTheAnswerFirst(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})
	c, _, _ := svc.Start(ctx, visitor, "question")
	<-prov.requests
	prov.deltas <- "partial"
	if err := svc.Delete(ctx, "OTHERAAAAAAAAAAAAAAAAAAAAA", c.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another visitor's delete: %v", err)
	}
	if err := svc.Delete(ctx, visitor, c.ID); err != nil {
		t.Fatal(err)
	}
	if cause := <-prov.cancelled; !errors.Is(cause, errDeleted) {
		t.Errorf("answer cancelled with %v", cause)
	}
	if _, err := st.Conversation(ctx, c.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("conversation still there: %v", err)
	}
	if _, _, err := svc.Conversation(ctx, visitor, c.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("deleted conversation: %v, want not found", err)
	}
}

func TestRename(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})
	c, _, _ := svc.Start(ctx, visitor, "question")
	<-prov.requests
	close(prov.deltas)
	tests := []struct{ in, want, err string }{
		{in: "  My\tplan \n for AI ", want: "My plan for AI"},
		{in: "   ", err: "Give the conversation a name."},
		{in: strings.Repeat("x", 81), err: "up to 80 characters"},
	}
	for _, tt := range tests {
		err := svc.Rename(ctx, visitor, c.ID, tt.in)
		got, _ := st.Conversation(ctx, c.ID)
		if tt.err != "" {
			if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.err) {
				t.Errorf("Rename(%q) = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got.Title != tt.want {
			t.Errorf("Rename(%q): %v, title %q, want %q", tt.in, err, got.Title, tt.want)
		}
	}
}

func TestShutdownInterruptsPastGrace(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})
	c, turn, _ := svc.Start(ctx, visitor, "question")
	<-prov.requests
	prov.deltas <- "so far"
	grace, cancel := context.WithCancel(ctx)
	cancel() // no grace at all
	svc.Shutdown(grace)
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if saved.State != StateInterrupted || saved.Content != "so far" {
		t.Errorf("saved = %+v, want interrupted with its text", saved)
	}
	if _, err := svc.Ask(ctx, visitor, c.ID, "more"); ErrorCode(err) != EUNAVAILABLE {
		t.Errorf("ask during shutdown: %v, want refused", err)
	}
}

func TestCleanQuestion(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{name: "trims", in: "  hi  ", want: "hi"},
		{name: "keeps lines, normalises CRLF", in: "a\r\nb", want: "a\nb"},
		{name: "drops control characters", in: "a\x00b\x07c", want: "abc"},
		{name: "empty", in: "", wantErr: "Type a question"},
		{name: "only whitespace", in: " \n\t ", wantErr: "Type a question"},
		{name: "too long", in: strings.Repeat("é", 11), wantErr: "11 characters long; the limit is 10"},
		{name: "exactly the limit", in: strings.Repeat("é", 10), want: strings.Repeat("é", 10)},
		{name: "invalid UTF-8", in: "a\xffb", wantErr: "not valid text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CleanQuestion(tt.in, 10)
			if tt.wantErr != "" {
				if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.wantErr) {
					t.Errorf("CleanQuestion(%q) error = %v, want EINVALID with %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("CleanQuestion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	if got := thousands(4512); got != "4,512" {
		t.Errorf("thousands(4512) = %q", got)
	}
}

func TestProgressOffsets(t *testing.T) {
	p := &Progress{saved: Message{Content: "héllo"}}
	tests := []struct {
		offset int
		want   string
	}{{0, "héllo"}, {1, "éllo"}, {2, "éllo"} /* inside é: moved back */, {3, "llo"}, {99, ""}, {-5, "héllo"}}
	for _, tt := range tests {
		if got, _, _, _ := p.Since(tt.offset); got != tt.want {
			t.Errorf("Since(%d) = %q, want %q", tt.offset, got, tt.want)
		}
	}
}

func BenchmarkRelayDelta(b *testing.B) {
	a := newLiveAnswer(Message{ConversationID: "c"}, func(error) {})
	p := &Progress{live: a}
	delta := "token "
	offset := 0
	for b.Loop() {
		a.append(delta)
		text, next, _, _ := p.Since(offset)
		offset = next
		_ = text
	}
}

func TestUnknownCitationsAreLogged(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	var logs strings.Builder
	svc := NewService(newMemStore(), prov, "S", Config{
		SaveEvery: time.Hour,
		UnknownCitations: func(answer string) []string {
			if strings.Contains(answer, "[§made-up]") {
				return []string{"made-up"}
			}
			return nil
		},
	}, slog.New(slog.NewTextHandler(&logs, nil)))
	_, turn, _ := svc.Start(ctx, visitor, "q")
	<-prov.requests
	prov.deltas <- "Fact [§made-up]."
	close(prov.deltas)
	svc.Wait(ctx, turn.Answer.ID)
	svc.Shutdown(ctx)
	if !strings.Contains(logs.String(), "unknown_citations=1") || !strings.Contains(logs.String(), "made-up") {
		t.Errorf("log does not count the unknown citation:\n%s", logs.String())
	}
}

// failingProvider fails its first calls with the given errors, then streams.
type failingProvider struct {
	errs  []error
	calls atomic.Int32
	text  string
}

func (p *failingProvider) Describe() ProviderInfo { return ProviderInfo{Name: "failing"} }

func (p *failingProvider) Stream(ctx context.Context, _ Request, onDelta func(string)) (Usage, error) {
	n := int(p.calls.Add(1)) - 1
	if n < len(p.errs) {
		return Usage{}, p.errs[n]
	}
	onDelta(p.text)
	return Usage{PromptTokens: 10, CompletionTokens: 2}, nil
}

func TestRetriesBeforeTheFirstToken(t *testing.T) {
	busy := &ProviderError{Kind: FailUnavailable, Status: 503}
	tests := []struct {
		name      string
		errs      []error
		retries   int
		wantState State
		wantCalls int32
	}{
		{"recovers after two failures", []error{busy, &ProviderError{Kind: FailRateLimited, Status: 429, RetryAfter: time.Millisecond}}, 2, StateDone, 3},
		{"gives up after its retries", []error{busy, busy, busy}, 2, StateError, 3},
		{"an error the service reports in the stream is retried", []error{&ProviderError{Kind: FailModelError}}, 1, StateDone, 2},
		{"a bad key is not retried", []error{&ProviderError{Kind: FailUnauthorized, Status: 401}}, 2, StateError, 1},
		{"a long Retry-After is not waited for", []error{&ProviderError{Kind: FailRateLimited, Status: 429, RetryAfter: time.Hour}}, 2, StateError, 1},
		{"no retries configured", []error{busy}, 0, StateError, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			prov := &failingProvider{errs: tt.errs, text: "answer"}
			svc, st := newTestService(t, prov, Config{Retries: tt.retries})
			_, turn, err := svc.Start(ctx, visitor, "q")
			if err != nil {
				t.Fatal(err)
			}
			svc.Wait(ctx, turn.Answer.ID)
			saved, _ := st.Message(ctx, turn.Answer.ID)
			if saved.State != tt.wantState || prov.calls.Load() != tt.wantCalls {
				t.Errorf("state %s after %d calls, want %s after %d", saved.State, prov.calls.Load(), tt.wantState, tt.wantCalls)
			}
		})
	}
}

// TestRetryIsVisible: while a retry waits, watchers see a note saying so.
func TestRetryIsVisible(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	prov.end = &ProviderError{Kind: FailUnavailable, Status: 503}
	svc, _ := newTestService(t, prov, Config{Retries: 1})
	c, turn, _ := svc.Start(ctx, visitor, "q")
	<-prov.requests
	p, _ := svc.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	_, _, _, more := p.Since(0)
	prov.deltas <- "" // nothing; then the stream fails
	close(prov.deltas)
	for p.Status() == "" {
		select {
		case <-more:
			_, _, _, more = p.Since(0)
		case <-ctx.Done():
			t.Fatal("no note while retrying")
		}
	}
	if got := p.Status(); !strings.Contains(got, "trying again (1 of 1)") {
		t.Errorf("status = %q", got)
	}
	<-prov.requests // the retry
	svc.Wait(ctx, turn.Answer.ID)
	if got := p.Status(); got != "" {
		t.Errorf("status after the end = %q, want none", got)
	}
}

type countingBudget struct {
	mu           sync.Mutex
	spent, limit int
}

func (b *countingBudget) Allow(now time.Time) (bool, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent < b.limit, now.Add(5 * time.Hour)
}

func (b *countingBudget) Spend(tokens int, _ time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.spent += tokens
}

func TestBudgetRefusesWhenSpent(t *testing.T) {
	ctx := testCtx(t)
	prov := &failingProvider{text: "answer"}
	budget := &countingBudget{limit: 5}
	svc, _ := newTestService(t, prov, Config{Budget: budget})
	c, turn, err := svc.Start(ctx, visitor, "q")
	if err != nil {
		t.Fatal(err)
	}
	svc.Wait(ctx, turn.Answer.ID)
	budget.mu.Lock()
	spent := budget.spent
	budget.mu.Unlock()
	if spent != 12 {
		t.Errorf("spent %d tokens, want the reported 10 + 2", spent)
	}
	_, err = svc.Ask(ctx, visitor, c.ID, "again")
	if ErrorCode(err) != ELIMIT || !strings.Contains(ErrorMessage(err), "budget") || !strings.Contains(ErrorMessage(err), "in about 5 hours") {
		t.Errorf("ask over budget: %v", err)
	}
}

func TestWhen(t *testing.T) {
	now := time.Date(2026, 11, 27, 19, 0, 0, 0, time.UTC)
	tests := map[time.Duration]string{
		500 * time.Millisecond:  "in a second",
		1500 * time.Millisecond: "in 2 seconds",
		61 * time.Second:        "in 2 minutes",
		50 * time.Second:        "in 50 seconds",
		time.Minute:             "in 1 minute",
		5 * time.Hour:           "after 00:00 UTC (in about 5 hours)",
		time.Hour:               "after 20:00 UTC (in about 1 hour)",
	}
	for d, want := range tests {
		if got := when(now.Add(d), now); got != want {
			t.Errorf("when(+%v) = %q, want %q", d, got, want)
		}
	}
}

// The daily budget lifts at a fixed hour, so its message names that hour
// even when the wait is short (a test run at 23:27 UTC once read "in 33
// minutes" with no time of day).
func TestAtClock(t *testing.T) {
	now := time.Date(2026, 11, 27, 23, 27, 0, 0, time.UTC)
	tests := map[time.Duration]string{
		33 * time.Minute: "after 00:00 UTC (in 33 minutes)",
		40 * time.Second: "after 23:27 UTC (in 40 seconds)",
		5 * time.Hour:    "after 04:27 UTC (in about 5 hours)",
		90 * time.Minute: "after 00:57 UTC (in about 2 hours)",
	}
	for d, want := range tests {
		if got := atClock(now.Add(d), now); got != want {
			t.Errorf("atClock(+%v) = %q, want %q", d, got, want)
		}
	}
}

// TestRegenerateReportsAFailedWrite: when the new version cannot be stored
// (a full disk), the person is told, and no answer streams that a reload
// would lose; once the disk has room, regenerating works.
func TestRegenerateReportsAFailedWrite(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})
	c, turn, _ := svc.Start(ctx, visitor, "question")
	<-prov.requests
	prov.deltas <- "first answer"
	close(prov.deltas)
	svc.Wait(ctx, turn.Answer.ID)

	st.setFailWrites(errors.New("disk full"))
	prov.deltas = make(chan string)
	_, _, err := svc.Regenerate(ctx, visitor, c.ID, turn.Answer.ID)
	if err == nil || ErrorCode(err) != EINTERNAL || strings.Contains(ErrorMessage(err), "disk") {
		t.Fatalf("regenerate with a failing store: %v (message %q), want an internal error that hides the cause",
			err, ErrorMessage(err))
	}
	_, msgs, err := svc.Conversation(ctx, visitor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if visible := Visible(msgs); len(msgs) != 2 || len(visible) != 2 || visible[1].Content != "first answer" {
		t.Errorf("after the failed regenerate: all %+v, visible %+v; want the first answer, still shown", msgs, visible)
	}

	// Nothing is left streaming: the conversation is free again.
	st.setFailWrites(nil)
	_, second, err := svc.Regenerate(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatalf("regenerate once the store works again: %v", err)
	}
	<-prov.requests
	prov.deltas <- "second answer"
	close(prov.deltas)
	svc.Wait(ctx, second.ID)
	_, msgs, _ = svc.Conversation(ctx, visitor, c.ID)
	if visible := Visible(msgs); len(msgs) != 3 || len(visible) != 2 || visible[1].Content != "second answer" {
		t.Errorf("after regenerating: all %+v, visible %+v; want two versions, the second shown", msgs, visible)
	}
}

// recordingObserver keeps the reports of finished answers.
type recordingObserver struct{ reports chan AnswerReport }

func (recordingObserver) AnswerStarted()                  {}
func (recordingObserver) FirstToken(time.Duration)        {}
func (o recordingObserver) AnswerFinished(r AnswerReport) { o.reports <- r }

// TestDeletingWhileStreamingIsNoModelFailure: a conversation deleted while
// its answer is written ends that answer; the model did nothing wrong, so
// the operator sees no "answer failed" warning and no upstream error.
func TestDeletingWhileStreamingIsNoModelFailure(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	var logs syncBuffer
	obs := recordingObserver{reports: make(chan AnswerReport, 1)}
	svc := NewService(newMemStore(), prov, "S", Config{SaveEvery: time.Hour, Observer: obs},
		slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { svc.Shutdown(ctx) })
	c, turn, err := svc.Start(ctx, visitor, "question")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "partial"
	p, err := svc.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, visitor, c.ID); err != nil {
		t.Fatal(err)
	}
	_, final := follow(t, ctx, p, 0)
	if final.State != StateStopped || final.Error != "" {
		t.Errorf("a watcher saw the answer end as %s (%q), want stopped with no error", final.State, final.Error)
	}
	r := <-obs.reports
	if r.State != StateStopped || r.Failure != "" {
		t.Errorf("report: state %s, failure %q; want stopped and no failure kind", r.State, r.Failure)
	}
	if out := logs.String(); strings.Contains(out, "level=WARN") || strings.Contains(out, "level=ERROR") ||
		!strings.Contains(out, "level=INFO") || !strings.Contains(out, "state=stopped") {
		t.Errorf("log, want the answer's end at info as stopped, no warning:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer a logger and a test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestDecideEnding: the cause of a cancellation decides how an answer
// ended before the provider's error does, and only a failure of the model
// has a failure kind.
func TestDecideEnding(t *testing.T) {
	cancelled := func(cause error) context.Context {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(cause)
		return ctx
	}
	live := context.Background()
	canceled := fmt.Errorf("%w: stand-in for the provider's error", context.Canceled)
	tests := []struct {
		name        string
		ctx         context.Context
		err         error
		wantState   State
		wantFailure FailureKind
		wantMessage bool
	}{
		{"finished", live, nil, StateDone, "", false},
		{"stopped", cancelled(errStopped), canceled, StateStopped, "", false},
		{"deleted", cancelled(errDeleted), canceled, StateStopped, "", false},
		{"time cap", cancelled(errTooLong), canceled, StateStopped, "", true},
		{"length cap", cancelled(errTooManyTokens), canceled, StateStopped, "", true},
		{"no first token", cancelled(errNoFirstToken), canceled, StateError, FailTimeout, true},
		{"stalled", cancelled(errStalled), canceled, StateError, FailTimeout, true},
		{"shutdown", cancelled(errShutdown), canceled, StateInterrupted, "", true},
		{"model failure", live, &ProviderError{Kind: FailCut}, StateError, FailCut, true},
		{"stopped as the model failed", cancelled(errStopped), &ProviderError{Kind: FailCut}, StateStopped, "", false},
		{"anything else", live, errors.New("boom"), StateError, FailUnknown, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decideEnding(tt.ctx, tt.err, true)
			if got.state != tt.wantState || got.failure != tt.wantFailure || (got.message != "") != tt.wantMessage {
				t.Errorf("ending = %+v, want state %s, failure %q, a message: %v", got, tt.wantState, tt.wantFailure, tt.wantMessage)
			}
		})
	}
}
