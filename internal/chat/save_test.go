package chat

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFailedFinalSaveIsNotDone: when the disk fills as an answer ends, the
// person is told it could not be saved (never "done"), the text stays on
// the page, a retry is possible, and the answer is saved once the disk
// has room again.
func TestFailedFinalSaveIsNotDone(t *testing.T) {
	ctx := testCtx(t)
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{SaveEvery: 5 * time.Millisecond, KeepFinished: time.Millisecond})
	c, turn, err := svc.Start(ctx, visitor, "question")
	if err != nil {
		t.Fatal(err)
	}
	<-prov.requests
	st.setFailSaves(errors.New("disk full"))
	prov.deltas <- "the whole answer"
	close(prov.deltas)
	if err := svc.Wait(ctx, turn.Answer.ID); err != nil {
		t.Fatal(err)
	}

	p, err := svc.Follow(ctx, visitor, c.ID, turn.Answer.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, end := follow(t, ctx, p, 0)
	if end.State != StateError || end.Content != "the whole answer" || !strings.Contains(end.Error, "could not be saved") ||
		strings.Contains(end.Error, "disk full") {
		t.Errorf("the watcher was told %+v; want state error, the text, and that it could not be saved (no cause)", end)
	}
	_, msgs, err := svc.Conversation(ctx, visitor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := msgs[1]; got.State != StateError || got.Content != "the whole answer" {
		t.Errorf("a reload shows %+v; want the text, in state error", got)
	}
	// The retry button works: regenerating is not refused as "still being
	// written", though the database still holds it as streaming.
	prov.deltas = make(chan string)
	if _, again, err := svc.Regenerate(ctx, visitor, c.ID, turn.Answer.ID); err != nil {
		t.Fatalf("retrying the unsaved answer: %v", err)
	} else {
		<-prov.requests
		close(prov.deltas)
		svc.Wait(ctx, again.ID)
	}

	// Once the disk has room, the saver writes the kept text.
	st.setFailSaves(nil)
	for {
		m, _ := st.Message(ctx, turn.Answer.ID)
		if m.State.Final() {
			if m.Content != "the whole answer" || m.State != StateDone {
				t.Errorf("saved later as %+v; want the whole answer, done", m)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the kept answer was never saved once writes worked again")
		case <-time.After(time.Millisecond): // polling a store, not synchronising goroutines
		}
	}
}

// TestStreamingInTheDatabaseButNotLiveIsInterrupted: an answer another
// process (or a failed save) left streaming, with no generator here, will
// never grow; it must be shown as interrupted, so no page waits for it.
func TestStreamingInTheDatabaseButNotLiveIsInterrupted(t *testing.T) {
	ctx := testCtx(t)
	svc, st := newTestService(t, newScriptedProvider(), Config{})
	now := time.Now()
	c := Conversation{ID: "C1", VisitorID: visitor, Title: "t", CreatedAt: now, UpdatedAt: now}
	st.CreateConversation(ctx, c)
	st.AddMessages(ctx,
		Message{ID: "Q1", ConversationID: c.ID, Role: RoleUser, Content: "question", State: StateDone, CreatedAt: now},
		Message{ID: "A1", ConversationID: c.ID, Role: RoleAssistant, Content: "half", State: StateStreaming, ReplyTo: "Q1", CreatedAt: now})

	p, err := svc.Follow(ctx, visitor, c.ID, "A1")
	if err != nil {
		t.Fatal(err)
	}
	if text, end := follow(t, ctx, p, 0); text != "half" || end.State != StateInterrupted || end.Error == "" {
		t.Errorf("Follow gave %q then %+v; want the text, then interrupted with a message", text, end)
	}
	_, msgs, err := svc.Conversation(ctx, visitor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := msgs[1]; got.State != StateInterrupted || got.Content != "half" {
		t.Errorf("the page shows %+v; want the text, interrupted", got)
	}
}

// talker says one thing and then goes on talking (silently) until it is
// cancelled: an answer that stays live.
type talker struct{ said chan struct{} }

func (talker) Describe() ProviderInfo { return ProviderInfo{Name: "talker", Model: "test"} }

func (p talker) Stream(ctx context.Context, _ Request, onDelta func(string)) (Usage, error) {
	onDelta("So far, ")
	p.said <- struct{}{}
	<-ctx.Done()
	return Usage{}, ctx.Err()
}

// TestLiveAnswersAreSavedInOneWrite: however many answers stream, a tick
// saves them all with one call to the store, so their saves do not queue
// behind each other at the database's single writer; a tick with nothing
// new writes nothing.
func TestLiveAnswersAreSavedInOneWrite(t *testing.T) {
	ctx := testCtx(t)
	prov := talker{said: make(chan struct{}, 3)}
	svc, st := newTestService(t, prov, Config{}) // the test ticks itself
	st.batches = make(chan []string, 16)
	want := map[string]bool{}
	for i := range 3 {
		c, turn, err := svc.Start(ctx, fmt.Sprintf("VISITOR%dAAAAAAAAAAAAAAAAAA", i), "question")
		if err != nil {
			t.Fatal(err)
		}
		want[turn.Answer.ID] = true
		t.Cleanup(func() { svc.Stop(context.Background(), c.VisitorID, c.ID, turn.Answer.ID) })
	}
	for range 3 {
		<-prov.said
	}

	svc.saveLive()
	select {
	case ids := <-st.batches:
		got := map[string]bool{}
		for _, id := range ids {
			got[id] = true
		}
		if len(ids) != len(want) || !maps.Equal(got, want) {
			t.Errorf("one tick saved %v, want the three live answers %v", ids, want)
		}
	default:
		t.Fatal("a tick saved nothing")
	}
	if extra := len(st.batches); extra != 0 {
		t.Errorf("a tick wrote %d more times, want once", extra)
	}
	for id := range want {
		if m, _ := st.Message(ctx, id); m.Content != "So far, " || m.State != StateStreaming {
			t.Errorf("answer %s saved as %q (%s), want its text so far, streaming", id, m.Content, m.State)
		}
	}

	svc.saveLive()
	if n := len(st.batches); n != 0 {
		t.Errorf("a tick with nothing new wrote %d times, want none", n)
	}
}

// TestATickThatRunsOutOfTimeKeepsWhatItSaved: a tick saves many live
// answers in several writes; when one of them fails (runs out of time
// under load), the answers written before it count as saved, and the next
// tick saves only the others, not all of them again.
func TestATickThatRunsOutOfTimeKeepsWhatItSaved(t *testing.T) {
	ctx := testCtx(t)
	prov := talker{said: make(chan struct{}, 5)}
	svc, st := newTestService(t, prov, Config{}) // the test ticks itself
	svc.saveChunk = 2
	st.batches = make(chan []string, 16)
	st.failSoFarCall = 2
	for i := range 5 {
		c, turn, err := svc.Start(ctx, fmt.Sprintf("VISITOR%dAAAAAAAAAAAAAAAAAA", i), "question")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Stop(context.Background(), c.VisitorID, c.ID, turn.Answer.ID) })
	}
	for range 5 {
		<-prov.said
	}

	svc.saveLive() // saves two, then fails
	first, failed := <-st.batches, <-st.batches
	if len(first) != 2 || len(failed) != 2 || len(st.batches) != 0 {
		t.Fatalf("the first tick wrote %v, then %v, then %d more times; want two, two (failing), then nothing", first, failed, len(st.batches))
	}
	svc.saveLive()
	var again []string
	for len(st.batches) > 0 {
		again = append(again, <-st.batches...)
	}
	if len(again) != 3 || slices.ContainsFunc(again, func(id string) bool { return slices.Contains(first, id) }) {
		t.Errorf("the next tick saved %v; want the three not saved yet, none of %v", again, first)
	}
	for _, id := range append(first, again...) {
		if m, _ := st.Message(ctx, id); m.Content != "So far, " || m.State != StateStreaming {
			t.Errorf("answer %s saved as %q (%s), want its text so far, streaming", id, m.Content, m.State)
		}
	}
}

// TestLiveAnswersAreSavedInTheOrderStored: a tick hands the store its
// answers in the order they were stored, whatever order the service keeps
// them in, so one write's rows sit side by side in the database.
func TestLiveAnswersAreSavedInTheOrderStored(t *testing.T) {
	ctx := testCtx(t)
	const n = 40 // enough that a map's order is almost never this one
	prov := talker{said: make(chan struct{}, n)}
	svc, st := newTestService(t, prov, Config{}) // the test ticks itself
	svc.saveChunk = 16                           // several calls: the order holds across them
	st.batches = make(chan []string, n)
	var stored []string
	for i := range n {
		c, turn, err := svc.Start(ctx, fmt.Sprintf("VISITOR%02dAAAAAAAAAAAAAAAAA", i), "question")
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, turn.Answer.ID)
		t.Cleanup(func() { svc.Stop(context.Background(), c.VisitorID, c.ID, turn.Answer.ID) })
	}
	for range n {
		<-prov.said
	}

	svc.saveLive()
	var saved []string
	for len(st.batches) > 0 {
		saved = append(saved, <-st.batches...)
	}
	if !slices.Equal(saved, stored) {
		t.Errorf("a tick saved the answers in the order\n%v\nwant the order they were stored in\n%v", saved, stored)
	}
}
