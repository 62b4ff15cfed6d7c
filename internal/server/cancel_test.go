package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// askedAnswer is a question just sent with htmx: where its answer streams.
type askedAnswer struct {
	conversation string // the conversation's path
	events       string // the answer's event stream path
	id           string // the answer's message id
}

func ask(t *testing.T, b *browser, question string) askedAnswer {
	t.Helper()
	res := b.post("/c", url.Values{"message": {question}})
	conv := res.Header.Get("HX-Push-Url")
	events, _ := doc(t, res).Find(`[data-testid="message"][data-role="assistant"]`).Attr("sse-connect")
	_, rest, ok := strings.Cut(events, "/answers/")
	if conv == "" || !ok {
		t.Fatalf("POST /c: push %q, events %q; want a conversation with a streaming answer", conv, events)
	}
	return askedAnswer{conversation: conv, events: events, id: strings.TrimSuffix(rest, "/events")}
}

// waitCancelled fails the test unless the fake sees the call cancelled
// within a second of from.
func waitCancelled(t *testing.T, call *fakeopenai.Call, from time.Time, what string) {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), from.Add(time.Second))
	defer cancel()
	select {
	case <-call.Cancelled():
	case <-ctx.Done():
		t.Fatalf("%s: the model server did not see the request cancelled within 1s", what)
	}
}

// TestCancellationReachesTheModel ends answers every way Rolefit ends them
// early and checks that the model server sees its request cancelled within
// a second, so no upstream keeps generating (and billing) for nobody.
func TestCancellationReachesTheModel(t *testing.T) {
	const chunk = "0123456789" // 10 bytes; a token is counted as 4
	tests := []struct {
		name      string
		cfg       chat.Config
		sendFirst int // chunks let through before the trigger
		// trigger ends the answer early and returns when that happened.
		trigger   func(t *testing.T, app *testApp, b *browser, a askedAnswer, gate chan<- struct{}) time.Time
		wantState string
		wantError string
		wantText  string
	}{
		{
			name: "stop", sendFirst: 1,
			trigger: func(t *testing.T, app *testApp, b *browser, a askedAnswer, _ chan<- struct{}) time.Time {
				now := time.Now()
				res := b.post(strings.TrimSuffix(a.events, "events")+"stop", nil)
				res.Body.Close()
				return now
			},
			wantState: "stopped", wantText: chunk,
		},
		{
			name: "time cap", cfg: chat.Config{MaxGeneration: 200 * time.Millisecond}, sendFirst: 1,
			trigger: func(t *testing.T, app *testApp, b *browser, a askedAnswer, _ chan<- struct{}) time.Time {
				return time.Time{} // measured from the question: see below
			},
			wantState: "stopped", wantError: "The answer took longer than allowed and was cut short.", wantText: chunk,
		},
		{
			name: "token cap", cfg: chat.Config{MaxAnswerTokens: 4}, sendFirst: 1, // 16 bytes
			trigger: func(t *testing.T, app *testApp, b *browser, a askedAnswer, gate chan<- struct{}) time.Time {
				now := time.Now()
				gate <- struct{}{} // 20 bytes: over the cap
				return now
			},
			wantState: "stopped", wantError: "The answer reached its length limit.", wantText: (chunk + chunk)[:16],
		},
		{
			name: "shutdown past its grace period", sendFirst: 1,
			trigger: func(t *testing.T, app *testApp, b *browser, a askedAnswer, _ chan<- struct{}) time.Time {
				expired, cancel := context.WithCancel(context.Background())
				cancel()
				now := time.Now()
				app.svc.Shutdown(expired)
				return now
			},
			wantState: "interrupted", wantError: "Rolefit restarted before this answer was finished.", wantText: chunk,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := newTestAppAt(t, tt.cfg, "")
			gate := make(chan struct{})
			app.fake.Push(fakeopenai.Reply{Chunks: []string{chunk, chunk, chunk, chunk}, Gate: gate})
			b := app.browser(true)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			asked := time.Now()
			a := ask(t, b, "Tell me everything")
			call, err := app.fake.NextCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			res := b.get(a.events)
			defer res.Body.Close()
			stream := streamEvents(res.Body)
			for i := range tt.sendFirst {
				gate <- struct{}{}
				if e := <-stream; e.name != "delta" {
					t.Fatalf("event %d is %+v, want a delta", i, e)
				}
			}

			from := tt.trigger(t, app, b, a, gate)
			if from.IsZero() {
				from = asked.Add(tt.cfg.MaxGeneration)
			}
			waitCancelled(t, call, from, tt.name)

			var last event
			for e := range stream {
				last = e
			}
			if err := app.svc.Wait(ctx, a.id); err != nil {
				t.Fatal(err)
			}
			for _, d := range []struct{ where, html string }{
				{"end event", last.data},
				{"reloaded page", readBody(t, b.get(a.conversation))},
			} {
				m := parseDoc(t, d.html).Find(`[data-testid="message"][data-role="assistant"]`).Last()
				if s := m.AttrOr("data-state", ""); s != tt.wantState {
					t.Errorf("%s: state %q, want %q", d.where, s, tt.wantState)
				}
				if got := strings.TrimSpace(m.Find(`[data-testid="answer-error"]`).Text()); got != tt.wantError {
					t.Errorf("%s: message %q, want %q", d.where, got, tt.wantError)
				}
				if got := strings.TrimSpace(m.Find(".text").Text()); got != tt.wantText {
					t.Errorf("%s: text %q, want %q kept", d.where, got, tt.wantText)
				}
			}
		})
	}
}

// TestAbandonedAnswerStillFinishes closes the only watcher mid-answer, as a
// closed tab does: the answer goes on to the end and is saved whole, and
// the model's request is never cancelled.
func TestAbandonedAnswerStillFinishes(t *testing.T) {
	// A stream notices its watcher left when it next writes to it: an
	// event, or a keep-alive comment at the latest.
	app := newOpsApp(t, withServer(Config{ServeMetrics: true, KeepAlive: 10 * time.Millisecond}))
	gate := make(chan struct{})
	chunks := []string{"The first part, ", "written while nobody ", "was watching."}
	app.fake.Push(fakeopenai.Reply{Chunks: chunks, Gate: gate})
	b := app.browser(true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	a := ask(t, b, "Tell me everything")
	call, err := app.fake.NextCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res := b.get(a.events)
	stream := streamEvents(res.Body)
	gate <- struct{}{}
	if e := <-stream; e.name != "delta" || e.data != chunks[0] {
		t.Fatalf("first event = %+v, want the first delta", e)
	}
	res.Body.Close() // the tab is closed

	// Go on only once the server has seen the watcher leave: the request
	// log line is written when the event stream ends.
	for !strings.Contains(app.logs.String(), "path="+a.events) {
		select {
		case <-ctx.Done():
			t.Fatal("the event handler never noticed its watcher leaving")
		case <-time.After(5 * time.Millisecond):
		}
	}
	close(gate)
	if err := app.svc.Wait(ctx, a.id); err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("the model's reply never finished")
	}
	select {
	case <-call.Cancelled():
		t.Error("the watcher leaving cancelled the model's request")
	default:
	}
	m := doc(t, b.get(a.conversation)).Find(`[data-testid="message"][data-role="assistant"]`).Last()
	if s, text := m.AttrOr("data-state", ""), strings.TrimSpace(m.Find(".text").Text()); s != "done" || text != strings.Join(chunks, "") {
		t.Errorf("the abandoned answer was saved %q with %q, want done with the whole text", s, text)
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	var f flow
	return f.read(t, res)
}
