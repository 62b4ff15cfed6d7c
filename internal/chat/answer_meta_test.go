package chat

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// stepClock is a clock the test moves by hand.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// handClock gives svc a stepClock, from a fixed morning.
func handClock(svc *Service) *stepClock {
	clock := &stepClock{t: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)}
	svc.now = clock.now
	return clock
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestAnswerMetaSavedOnceAtTheEnd(t *testing.T) {
	question := "What does an ML engineer do?"
	answer := "They train models [§ml-engineer-daily-work] and ship them [§ml-engineer-daily-work][§genai-developer-tools]."
	tests := []struct {
		name          string
		usage         Usage
		wantIn        int
		wantOut       int
		wantEstimated bool
	}{
		{"the model reports usage", Usage{PromptTokens: 120, CompletionTokens: 30}, 120, 30, false},
		{"the model reports none", Usage{},
			estimateTokens("SYSTEM PROMPT") + estimateTokens(question), estimateTokens(answer), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			prov := newScriptedProvider()
			prov.usage = tt.usage
			svc, st := newTestService(t, prov, Config{CitedSections: func(string) []string {
				return []string{"ml-engineer-daily-work", "genai-developer-tools"}
			}})
			clock := handClock(svc)

			c, turn, err := svc.Start(ctx, visitor, question)
			if err != nil {
				t.Fatal(err)
			}
			<-prov.requests // the stream has begun, and its clock with it
			clock.advance(250 * time.Millisecond)
			prov.deltas <- answer[:20]
			// The provider takes the next delta only once the first is
			// handled; an empty one adds nothing.
			prov.deltas <- ""
			saved, _ := st.Message(ctx, turn.Answer.ID)
			if saved.Meta != nil {
				t.Errorf("while streaming, the saved answer has meta %+v; want none until the end", saved.Meta)
			}
			clock.advance(750 * time.Millisecond)
			prov.deltas <- answer[20:]
			close(prov.deltas)
			if err := svc.Wait(ctx, turn.Answer.ID); err != nil {
				t.Fatal(err)
			}

			st.mu.Lock()
			finalSaves, metas := st.finalSaves, st.metas
			st.mu.Unlock()
			if finalSaves != 1 || st.saveCount() != 1 {
				t.Fatalf("%d final saves and %d saves in all; want the answer and its meta saved in one write", finalSaves, st.saveCount())
			}
			want := &AnswerMeta{
				Provider: "scripted", Model: "test",
				FirstTokenMS: 250, TotalMS: 1000, Retries: 0, Ending: EndDone,
				PromptTokens: tt.wantIn, CompletionTokens: tt.wantOut, TokensEstimated: tt.wantEstimated,
				Cited: []string{"ml-engineer-daily-work", "genai-developer-tools"},
				Sent:  []SentMessage{{RoleSystem, "SYSTEM PROMPT"}, {RoleUser, question}},
			}
			if !reflect.DeepEqual(metas[0], want) {
				t.Errorf("saved meta =\n%+v\nwant\n%+v", metas[0], want)
			}
			_, msgs, err := svc.Conversation(ctx, visitor, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := msgs[len(msgs)-1].Meta; !reflect.DeepEqual(got, want) {
				t.Errorf("the conversation shows meta %+v, want %+v", got, want)
			}
		})
	}
}

// The record says when the first text came, and 0 only when none did: a
// model in the same process (or a test's) can send it within a
// millisecond, which is not "no text came".
func TestAnswerMetaFirstTokenSoonerThanAMillisecond(t *testing.T) {
	for _, tt := range []struct {
		name   string
		deltas []string
		want   int64
	}{
		{"text within the millisecond", []string{"Both roles"}, 1},
		{"no text", nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			prov := newScriptedProvider()
			svc, st := newTestService(t, prov, Config{})
			clock := handClock(svc)
			_, turn, err := svc.Start(ctx, visitor, "Which role fits me?")
			if err != nil {
				t.Fatal(err)
			}
			<-prov.requests
			clock.advance(400 * time.Microsecond)
			for _, d := range tt.deltas {
				prov.deltas <- d
			}
			close(prov.deltas)
			svc.Wait(ctx, turn.Answer.ID)
			st.mu.Lock()
			metas := st.metas
			st.mu.Unlock()
			if len(metas) != 1 {
				t.Fatalf("%d metas saved; want one", len(metas))
			}
			if got := metas[0].FirstTokenMS; got != tt.want {
				t.Errorf("FirstTokenMS %d; want %d", got, tt.want)
			}
		})
	}
}

func TestAnswerMetaHistorySentAndTrimmed(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	// Room for the newest earlier turn and the question, not the first.
	svc, st := newTestService(t, prov, Config{HistoryTokens: 40})
	c, first, err := svc.Start(ctx, visitor, "first question "+strings.Repeat("x", 100))
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "a first answer"
	prov.end = nil
	close(prov.deltas)
	if err := svc.Wait(ctx, first.Answer.ID); err != nil {
		t.Fatal(err)
	}
	prov.deltas = make(chan string)
	second, err := svc.Ask(ctx, visitor, c.ID, "second question")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	close(prov.deltas)
	if err := svc.Wait(ctx, second.Answer.ID); err != nil {
		t.Fatal(err)
	}
	saved, _ := st.Message(ctx, second.Answer.ID)
	if saved.Meta == nil {
		t.Fatal("no meta saved")
	}
	// The first answer fits, but not after its question: a history must
	// start with a question, so both were trimmed.
	want := []HistoryTurn{
		{MessageID: first.Question.ID, Role: RoleUser, Excerpt: excerpt(first.Question.Content), Sent: false},
		{MessageID: first.Answer.ID, Role: RoleAssistant, Excerpt: "a first answer", Sent: false},
	}
	if !reflect.DeepEqual(saved.Meta.History, want) {
		t.Errorf("history = %+v, want %+v", saved.Meta.History, want)
	}
	if n := len(saved.Meta.Sent); n != 2 {
		t.Errorf("%d messages sent, want the system prompt and the question", n)
	}
	if !strings.HasSuffix(want[0].Excerpt, "…") || len([]rune(want[0].Excerpt)) != excerptRunes+1 {
		t.Errorf("excerpt of a long turn = %q, want its first %d characters and an ellipsis", want[0].Excerpt, excerptRunes)
	}
}

func TestAnswerMetaEndings(t *testing.T) {
	tests := []struct {
		name string
		end  ending
		want Ending
	}{
		{"done", ending{state: StateDone}, EndDone},
		{"stopped by the person", ending{state: StateStopped, cause: errStopped}, EndStopped},
		{"cut at the length limit", ending{state: StateStopped, cause: errTooManyTokens}, EndLength},
		{"model error", ending{state: StateError, failure: FailModelError}, EndError},
		{"shutdown", ending{state: StateInterrupted, cause: errShutdown}, EndInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := endingOf(tt.end); got != tt.want {
				t.Errorf("endingOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAnswerMetaOff(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{NoAnswerMeta: true})
	_, turn, err := svc.Start(ctx, visitor, "What does an ML engineer do?")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	prov.deltas <- "They train models."
	close(prov.deltas)
	if err := svc.Wait(ctx, turn.Answer.ID); err != nil {
		t.Fatal(err)
	}
	saved, _ := st.Message(ctx, turn.Answer.ID)
	if saved.State != StateDone || saved.Meta != nil {
		t.Errorf("with recording off, saved %s answer with meta %+v; want done, no meta", saved.State, saved.Meta)
	}
}
