package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// Several answers stream at once while pages are read: every partial save
// must wait its turn for the write lock rather than fail with SQLITE_BUSY.
func TestConcurrentSaveAnswerWhileReading(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	const writers, saves, readers = 8, 30, 4

	for w := range writers {
		conv := fmt.Sprintf("c%d", w)
		mustCreateConversation(t, s, conv, "v1", at(0))
		mustAddMessages(t, s, userMessage("q"+conv, conv, "q", at(0)), answerPlaceholder("a"+conv, conv, at(0)))
	}

	var wg sync.WaitGroup
	errs := make(chan error, writers*saves+readers*saves)
	for w := range writers {
		wg.Go(func() {
			id := fmt.Sprintf("ac%d", w)
			for i := 1; i <= saves; i++ {
				state := chat.StateStreaming
				if i == saves {
					state = chat.StateDone
				}
				if err := s.SaveAnswer(ctx, id, strings.Repeat("x", i), state, ""); err != nil {
					errs <- fmt.Errorf("SaveAnswer %s #%d: %w", id, i, err)
					return
				}
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			for i := range saves {
				conv := fmt.Sprintf("c%d", (r+i)%writers)
				if _, err := s.Messages(ctx, conv); err != nil {
					errs <- fmt.Errorf("Messages %s: %w", conv, err)
					return
				}
				if _, err := s.ConversationsByVisitor(ctx, "v1", 20); err != nil {
					errs <- fmt.Errorf("ConversationsByVisitor: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	for w := range writers {
		id := fmt.Sprintf("ac%d", w)
		got, err := s.Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Content != strings.Repeat("x", saves) || got.State != chat.StateDone {
			t.Errorf("%s: content length %d, state %s; want %d, done", id, len(got.Content), got.State, saves)
		}
	}
}

// BenchmarkSaveAnswer measures the periodic partial save of a streaming
// answer of about 2 KB, the cost the streaming loop pays per flush.
func BenchmarkSaveAnswer(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	mustCreateConversation(b, s, "c1", "v1", time.Now())
	mustAddMessages(b, s, answerPlaceholder("a1", "c1", time.Now()))
	content := strings.Repeat("A sentence of a streamed answer. ", 64)

	for b.Loop() {
		if err := s.SaveAnswer(ctx, "a1", content, chat.StateStreaming, ""); err != nil {
			b.Fatal(err)
		}
	}
}
