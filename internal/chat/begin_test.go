package chat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The model is asked while the question is being written, not after: a
// disk that takes its time does not delay the first token.
func TestModelIsAskedWhileTheQuestionIsWritten(t *testing.T) {
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})
	ctx := testCtx(t)
	// The write finishes only once the model has the request: were the
	// request sent after the write, neither would ever come.
	st.beforeAdd = func(ctx context.Context) error {
		select {
		case req := <-prov.requests:
			prov.requests <- req // put back for the checks below
			return nil
		case <-ctx.Done():
			return errors.New("the model was not asked while the question was written")
		}
	}
	_, turn, err := svc.Start(ctx, visitor, "What does an ML engineer do?")
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	prov.deltas <- "Models."
	close(prov.deltas)
	if got := followAll(t, svc, turn); got != "Models." {
		t.Errorf("answer %q, want %q", got, "Models.")
	}
}

// When the question cannot be stored, the person is told, the request to
// the model is cancelled, and nothing of the answer is kept: the
// conversation is free for the next try.
func TestAStoreFailureCancelsTheModelRequest(t *testing.T) {
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{})
	ctx := testCtx(t)
	c, turn, err := svc.Start(ctx, visitor, "first")
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	<-prov.requests
	close(prov.deltas)
	followAll(t, svc, turn)

	diskFull := errors.New("disk full")
	st.beforeAdd = func(ctx context.Context) error {
		select {
		case <-prov.requests: // the model was asked; now the disk fails
			return diskFull
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	prov.deltas = make(chan string)
	if _, err := svc.Ask(ctx, visitor, c.ID, "second"); !errors.Is(err, diskFull) {
		t.Fatalf("ask with a failing disk: %v, want %v", err, diskFull)
	}
	select {
	case cause := <-prov.cancelled:
		if !errors.Is(cause, errNotStored) {
			t.Errorf("model request cancelled because %v, want %v", cause, errNotStored)
		}
	case <-ctx.Done():
		t.Fatal("the request to the model was not cancelled")
	}
	_, msgs, err := svc.Conversation(ctx, visitor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Errorf("conversation has %d messages after the failed question, want the first 2", len(msgs))
	}

	st.beforeAdd = nil
	turn, err = svc.Ask(ctx, visitor, c.ID, "second, again")
	if err != nil {
		t.Fatalf("ask again once the disk is back: %v", err)
	}
	<-prov.requests
	prov.deltas <- "Yes."
	close(prov.deltas)
	if got := followAll(t, svc, turn); got != "Yes." {
		t.Errorf("answer %q, want %q", got, "Yes.")
	}
}

// followAll follows an answer to its end and returns its text.
func followAll(t *testing.T, svc *Service, turn Turn) string {
	t.Helper()
	ctx := testCtx(t)
	p, err := svc.Follow(ctx, visitor, turn.Answer.ConversationID, turn.Answer.ID)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	text, _ := follow(t, ctx, p, 0)
	return text
}

// A database too slow to store the question fails the question fast, with
// a message saying to try again, instead of leaving the person waiting
// past the server's own deadline.
func TestAQuestionTheDatabaseCannotTakeInTimeFailsFast(t *testing.T) {
	prov := newScriptedProvider()
	svc, st := newTestService(t, prov, Config{StoreWait: 20 * time.Millisecond})
	ctx := testCtx(t)
	st.beforeAdd = func(ctx context.Context) error {
		<-ctx.Done() // a database that never gets to it
		return ctx.Err()
	}
	_, _, err := svc.Start(ctx, visitor, "Which role fits me?")
	if ErrorCode(err) != ELIMIT || !strings.Contains(ErrorMessage(err), "too busy") {
		t.Fatalf("start with a stuck database: %v (code %s), want a busy message to try again", err, ErrorCode(err))
	}
	if ctx.Err() != nil {
		t.Fatal("the question waited for the test's deadline instead of failing fast")
	}
	select {
	case cause := <-prov.cancelled:
		if !errors.Is(cause, errNotStored) {
			t.Errorf("model request cancelled because %v, want %v", cause, errNotStored)
		}
	case <-ctx.Done():
		t.Fatal("the request to the model was not cancelled")
	}
}
