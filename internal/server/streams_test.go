package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestClosingTheStreamsCutsWatchersNotAnswers shuts the HTTP side down
// while an answer is watched: the watcher's stream ends (its browser
// reconnects elsewhere), is logged and no longer counted, a stream asked
// for afterwards is refused, and the answer itself goes on and is saved
// whole.
func TestClosingTheStreamsCutsWatchersNotAnswers(t *testing.T) {
	app := newOpsApp(t, withServer(Config{ServeMetrics: true}))
	gate := make(chan struct{})
	chunks := []string{"Written before ", "and after the cut."}
	app.fake.Push(fakeopenai.Reply{Chunks: chunks, Gate: gate})
	b := app.browser(true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	a := ask(t, b, "Tell me")
	res := b.get(a.events)
	defer res.Body.Close()
	stream := streamEvents(res.Body)
	gate <- struct{}{}
	if e := <-stream; e.name != "delta" || e.data != chunks[0] {
		t.Fatalf("first event = %+v, want the first delta", e)
	}
	mark := app.logs.mark()

	if err := app.handler.CloseStreams(ctx); err != nil {
		t.Fatalf("CloseStreams: %v", err)
	}
cut:
	for {
		select {
		case e, ok := <-stream:
			if !ok {
				break cut
			}
			t.Errorf("after the streams were closed, the watcher got %+v", e)
		case <-ctx.Done():
			t.Fatal("the watcher's stream was never cut")
		}
	}
	line := app.logs.waitFor(t, mark, "path="+a.events+" ")
	if !strings.Contains(line, "status=200") {
		t.Errorf("the cut stream logged as %s", line)
	}
	if m := scrape(t, b); m["rolefit_streams_active"] != 0 {
		t.Errorf("streams active = %v after they were closed, want 0", m["rolefit_streams_active"])
	}

	// Another watcher, now: the connection is closed without an event.
	again := b.get(a.events)
	body, _ := io.ReadAll(again.Body)
	again.Body.Close()
	if strings.Contains(string(body), "event:") {
		t.Errorf("a stream opened after the streams were closed sent %q", body)
	}

	close(gate)
	if err := app.svc.Wait(ctx, a.id); err != nil {
		t.Fatal(err)
	}
	m, err := app.db.Message(ctx, a.id)
	if err != nil {
		t.Fatal(err)
	}
	if m.State != chat.StateDone || m.Content != strings.Join(chunks, "") {
		t.Errorf("saved answer %q (%s), want it whole and done", m.Content, m.State)
	}
}

// TestEventStreamOverHTTP2 watches an answer over HTTP/2, as behind a
// proxy that speaks it to Rolefit: there is no connection of its own to
// take over, and the stream goes through net/http as a response.
func TestEventStreamOverHTTP2(t *testing.T) {
	app := newOpsApp(t, withHTTP2())
	chunks := []string{"Over ", "HTTP/2."}
	app.fake.Push(fakeopenai.Reply{Chunks: chunks})
	b := app.browser(true)

	a := ask(t, b, "Tell me")
	res := b.get(a.events)
	defer res.Body.Close()
	if res.ProtoMajor != 2 || res.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("%s, Content-Type %q: want an event stream over HTTP/2", res.Proto, res.Header.Get("Content-Type"))
	}
	var text strings.Builder
	var last event
	for _, e := range readEvents(t, res.Body) {
		if e.name == "delta" {
			text.WriteString(e.data)
		}
		last = e
	}
	if text.String() != strings.Join(chunks, "") || last.name != "end" {
		t.Errorf("streamed %q, last event %q: want the whole answer, then its end", text.String(), last.name)
	}
}

// TestClosingTheStreamsWaitsThenCuts closes the streams while one waits
// for its answer's next delta, one is still sending (its client does not
// read) and one is stuck in a database read that does not answer: the
// first stops at once; the others may finish until the deadline, and are
// then cut, the write by closing its connection, the read by cancelling
// its context. Shutting down never hangs on a stream.
func TestClosingTheStreamsWaitsThenCuts(t *testing.T) {
	s := newStreams(slog.New(slog.DiscardHandler))
	bg := context.Background()
	waiting, _ := net.Pipe()
	sending, peer := net.Pipe() // peer never reads
	defer peer.Close()
	reading, _ := net.Pipe()
	stopped := make(chan struct{})
	s.start(bg, waiting, func(_ context.Context, stop <-chan struct{}) {
		<-stop
		close(stopped)
	})
	written := make(chan error, 1)
	s.start(bg, sending, func(context.Context, <-chan struct{}) {
		_, err := sending.Write([]byte("event: end\n\n"))
		written <- err
	})
	read := make(chan error, 1)
	s.start(bg, reading, func(ctx context.Context, _ <-chan struct{}) {
		<-ctx.Done() // as a read of the database given ctx waits
		read <- ctx.Err()
	})

	deadline, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- s.closeAll(deadline) }()
	select {
	case err := <-closed:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("closeAll = %v, want the deadline it waited until", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("closing the streams hung past its deadline")
	}
	select {
	case <-stopped:
	default:
		t.Error("the waiting stream did not stop")
	}
	if err := <-written; err == nil {
		t.Error("the write to a client that does not read went through; want it cut")
	}
	if err := <-read; err == nil {
		t.Error("the stuck read was not cancelled")
	}
	if s.start(bg, sending, func(context.Context, <-chan struct{}) { t.Error("a stream started after closeAll") }) {
		t.Error("start after closeAll reported the stream started")
	}
}
