package server

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestNoGoroutineLeaks runs answers to every kind of end (finished and
// watched, stopped, failed, abandoned by their watcher, cut off by shutdown)
// and checks that once the service is shut down and the servers closed, not
// one goroutine of theirs is left.
func TestNoGoroutineLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	// Cleanups run last-registered first, so this one runs after the
	// app's: the service is shut down and the servers are closed by then.
	t.Cleanup(func() {
		// Idle keep-alive connections of the shared client pool hold two
		// goroutines each by design; they belong to the test's clients.
		// The provider's own were closed with the app.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		goleak.VerifyNone(t, ignore)
	})
	app := newTestAppAt(t, chat.Config{FirstTokenTimeout: time.Minute}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Finished, with a watcher from start to end.
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"A whole ", "answer."}})
	b := app.browser(true)
	a := ask(t, b, "one")
	res := b.get(a.events)
	readEvents(t, res.Body)
	res.Body.Close()

	// Stopped mid-answer while watched.
	gate := make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"Half ", "never"}, Gate: gate})
	a = ask(t, b, "two")
	res = b.get(a.events)
	stream := streamEvents(res.Body)
	gate <- struct{}{}
	<-stream
	stop := b.post(a.conversation+"/answers/"+a.id+"/stop", nil)
	stop.Body.Close()
	for range stream {
	}
	res.Body.Close()

	// Failed upstream, and a cut mid-stream.
	app.fake.Push(fakeopenai.Reply{Status: 503})
	a = ask(t, b, "three")
	if err := app.svc.Wait(ctx, a.id); err != nil {
		t.Fatal(err)
	}
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"cut ", "here"}, Fault: fakeopenai.Cut, FaultAfter: 1})
	a = ask(t, b, "four")
	if err := app.svc.Wait(ctx, a.id); err != nil {
		t.Fatal(err)
	}

	// Abandoned by its watcher, then finished.
	gate = make(chan struct{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"nobody ", "watches"}, Gate: gate})
	a = ask(t, b, "five")
	res = b.get(a.events)
	stream = streamEvents(res.Body)
	gate <- struct{}{}
	<-stream
	res.Body.Close()
	for range stream {
	}
	close(gate)
	if err := app.svc.Wait(ctx, a.id); err != nil {
		t.Fatal(err)
	}

	// Still waiting for its first token when the service shuts down past
	// its grace period, with a watcher connected.
	app.fake.Push(fakeopenai.Reply{Fault: fakeopenai.Hang})
	a = ask(t, b, "six")
	if _, err := app.fake.NextCall(ctx); err != nil {
		t.Fatal(err)
	}
	res = b.get(a.events)
	stream = streamEvents(res.Body)
	expired, cancelGrace := context.WithCancel(ctx)
	cancelGrace()
	app.svc.Shutdown(expired)
	for range stream {
	}
	res.Body.Close()

	// A question after shutdown is refused, not started.
	refused := b.post("/c", url.Values{"message": {"seven"}})
	refused.Body.Close()
}
