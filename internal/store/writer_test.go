package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
)

// holdWriter makes the writer busy with a write that waits for release,
// so the writes enqueued meanwhile wait in line and are committed
// together. It returns once the writer is running the holding write.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	running, let := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.write(context.Background(), func(context.Context, *sql.Tx) error {
			close(running)
			<-let
			return nil
		})
	}()
	<-running
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(let)
			if err := <-done; err != nil {
				t.Errorf("the holding write: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// enqueued puts a write in the writer's line (unlike Store.write it does
// not wait for it), so a test knows it is queued before it goes on.
func enqueued(t *testing.T, s *Store, do func(context.Context, *sql.Tx) error) *writeJob {
	t.Helper()
	j := &writeJob{do: do, done: make(chan error, 1)}
	if err := s.w.enqueue(context.Background(), j); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return j
}

// Questions asked at once are written in one transaction; one that
// fails (its conversation is gone) must not undo the others, and its
// asker alone is told.
func TestAFailedWriteInASharedTransactionIsUndoneAlone(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, c := range []string{"c1", "c3"} {
		mustCreateConversation(t, s, c, "v1", at(0))
	}
	release := holdWriter(t, s)
	var jobs []*writeJob
	for _, c := range []string{"c1", "gone", "c3"} {
		q := userMessage("q-"+c, c, "question in "+c, at(0))
		jobs = append(jobs, enqueued(t, s, func(ctx context.Context, tx *sql.Tx) error {
			if err := s.touchConversation(ctx, tx, c, q.CreatedAt); err != nil {
				return err
			}
			return s.insertMessages(ctx, tx, true, q)
		}))
	}
	release()

	if err := <-jobs[0].done; err != nil {
		t.Errorf("c1's question: %v", err)
	}
	if err := <-jobs[1].done; !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("the question in a missing conversation: got %v, want chat.ErrNotFound", err)
	}
	if err := <-jobs[2].done; err != nil {
		t.Errorf("c3's question: %v", err)
	}
	for _, c := range []string{"c1", "c3"} {
		msgs, err := s.Messages(ctx, c)
		if err != nil || len(msgs) != 1 || msgs[0].Content != "question in "+c {
			t.Errorf("Messages(%s) = %v, %v; want its one question", c, msgs, err)
		}
	}
	if _, err := s.Message(ctx, "q-gone"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("the failed question was stored: %v", err)
	}
}

// A person who gives up (the request ends, the wait for the database runs
// out) while their write waits in line is told it failed, and it must
// then never be made: the caller's error is the truth.
func TestAWriteGivenUpBeforeItsTurnIsNeverMade(t *testing.T) {
	s := openTest(t)
	bg := context.Background()
	mustCreateConversation(t, s, "c1", "v1", at(0))
	release := holdWriter(t, s)

	ctx, cancel := context.WithCancel(bg)
	failed := make(chan error, 1)
	go func() {
		failed <- s.AddMessages(ctx, userMessage("q1", "c1", "never written", at(0)))
	}()
	// A second write queued behind the first: once it is done, the
	// writer has passed the given-up one.
	behind := make(chan error, 1)
	waitQueued(t, s, 1)
	go func() { behind <- s.RenameConversation(bg, "c1", "renamed") }()
	waitQueued(t, s, 2)
	cancel()
	if err := <-failed; !errors.Is(err, context.Canceled) {
		t.Fatalf("AddMessages after its caller gave up: got %v, want context.Canceled", err)
	}
	release()
	if err := <-behind; err != nil {
		t.Fatalf("RenameConversation: %v", err)
	}
	if _, err := s.Message(bg, "q1"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("the given-up question was written anyway (Message: %v)", err)
	}
}

// waitQueued returns once n writes wait in the writer's line. The writer
// is held, so the line only grows; the goroutines that enqueue are
// waited for by yielding, not by sleeping.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for len(s.w.jobs) < n {
		select {
		case <-t.Context().Done():
			t.Fatalf("%d writes never queued", n)
		default:
		}
		runtime.Gosched()
	}
}

// Closing lets the writes already in line finish and refuses later ones
// with an error that says so, rather than hanging.
func TestCloseFinishesQueuedWritesAndRefusesLaterOnes(t *testing.T) {
	s := openTest(t)
	mustCreateConversation(t, s, "c1", "v1", at(0))
	release := holdWriter(t, s)
	j := enqueued(t, s, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE conversations SET title = 'kept' WHERE id = 'c1'`)
		return err
	})
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	release()
	if err := <-j.done; err != nil {
		t.Errorf("a write queued before Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	err := s.RenameConversation(context.Background(), "c1", "after close")
	if !errors.Is(err, errClosed) {
		t.Errorf("a write after Close: got %v, want %v", err, errClosed)
	}
}

// BenchmarkNewConversationsAtOnce is what 200 people asking their first
// question at the same moment cost the database: each conversation is
// created with its question and empty answer, and the answer's final text
// is saved with the record of what was sent (a system prompt of Rolefit's
// size, 9 KB), as chat.Service does.
func BenchmarkNewConversationsAtOnce(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	const people = 200
	prompt := strings.Repeat("You are Rolefit; answer from the article. ", 210)
	b.ReportAllocs()
	for i := range b.N {
		var wg sync.WaitGroup
		errs := make(chan error, people)
		for p := range people {
			wg.Go(func() {
				c := fmt.Sprintf("c%d-%d", i, p)
				conv := chat.Conversation{ID: c, VisitorID: "v" + c, Title: "Which role fits me?", CreatedAt: at(0), UpdatedAt: at(0)}
				a := answerPlaceholder("a"+c, c, at(0))
				a.ReplyTo = "q" + c
				err := s.CreateConversation(ctx, conv, userMessage("q"+c, c, "Which role fits me?", at(0)), a)
				if err == nil {
					a.Content, a.State = strings.Repeat("An answer of a few hundred bytes. ", 10), chat.StateDone
					a.Meta = &chat.AnswerMeta{Provider: "openai-compatible", Sent: []chat.SentMessage{
						{Role: chat.RoleSystem, Content: prompt}, {Role: chat.RoleUser, Content: "Which role fits me?"}}}
					err = s.SaveFinalAnswer(ctx, a)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*people), "µs/person")
}
