package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

var errStopPressed = errors.New("stop pressed")

// TestOpenAICancel cancels the context at each place an answer can wait and
// checks that the upstream request ends and Stream returns the context's
// error, not a ProviderError.
func TestOpenAICancel(t *testing.T) {
	tests := []struct {
		name       string
		reply      fakeopenai.Reply
		gated      bool   // let one chunk through, then hold the rest at a gate
		cause      error  // cancel with this cause, if set
		wantDeltas string // the text to receive before cancelling
	}{
		{name: "before the first chunk", reply: fakeopenai.Reply{Fault: fakeopenai.Hang}},
		{name: "mid-stream", reply: fakeopenai.Reply{Chunks: []string{"one ", "two ", "three"}}, gated: true, wantDeltas: "one "},
		{name: "stalled", reply: fakeopenai.Reply{Chunks: []string{"one ", "two "}, Fault: fakeopenai.Stall, FaultAfter: 2}, wantDeltas: "one two "},
		{name: "with a cause", reply: fakeopenai.Reply{Fault: fakeopenai.Hang}, cause: errStopPressed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			s := newFake(t)
			if tt.gated {
				gate := make(chan struct{}, 1)
				gate <- struct{}{}
				tt.reply.Gate = gate
			}
			s.Push(tt.reply)
			streamCtx, cancel := context.WithCancelCause(ctx)
			defer cancel(nil)

			got := make(chan string, 10)
			done := make(chan error, 1)
			go func() {
				_, err := provider(t, s, secretKey).Stream(streamCtx, conversation, func(text string) { got <- text })
				done <- err
			}()
			call, err := s.NextCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Chunks that arrive together may come as one delta.
			var deltas []string
			for len(strings.Join(deltas, "")) < len(tt.wantDeltas) {
				select {
				case d := <-got:
					deltas = append(deltas, d)
				case <-ctx.Done():
					t.Fatalf("received %q, want %q", deltas, tt.wantDeltas)
				}
			}
			cancel(tt.cause)

			select {
			case <-call.Cancelled():
			case <-ctx.Done():
				t.Fatal("the fake never saw the request end")
			}
			err = <-done
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Stream = %v, want context.Canceled", err)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("Stream = %v, want it to carry the cause %v", err, tt.cause)
			}
			var pe *chat.ProviderError
			if errors.As(err, &pe) {
				t.Errorf("Stream = %v, a ProviderError", err)
			}
			if s := strings.Join(deltas, ""); s != tt.wantDeltas {
				t.Errorf("deltas = %q, want %q", s, tt.wantDeltas)
			}
		})
	}
}

func TestOpenAIDeadline(t *testing.T) {
	s := newFake(t)
	s.Push(fakeopenai.Reply{Fault: fakeopenai.Hang})
	// The fake hangs forever, so only the deadline can end this.
	ctx, cancel := context.WithTimeout(testContext(t), 50*time.Millisecond)
	defer cancel()
	_, _, err := collect(ctx, provider(t, s, secretKey), conversation)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stream = %v, want context.DeadlineExceeded", err)
	}
}
