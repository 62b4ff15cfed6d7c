package server

import (
	"bufio"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// gatedAnswer streams its answer once released.
type gatedAnswer struct {
	bigAnswer
	release <-chan struct{}
}

func (p gatedAnswer) Stream(ctx context.Context, req chat.Request, onDelta func(string)) (chat.Usage, error) {
	select {
	case <-p.release:
	case <-ctx.Done():
		return chat.Usage{}, ctx.Err()
	}
	return p.bigAnswer.Stream(ctx, req, onDelta)
}

// TestAWatcherThatFallsBehindALiveAnswerGetsItExactly watches an answer
// from its start and reads nothing while the whole answer is written: the
// connection's buffers fill, and the watcher falls far behind the answer,
// which never waits for it. When the watcher reads again, the page shows
// the answer exactly: nothing lost, repeated or out of order.
func TestAWatcherThatFallsBehindALiveAnswerGetsItExactly(t *testing.T) {
	text := longText(512 << 10)
	release := make(chan struct{})
	app := newOpsApp(t,
		withProvider(gatedAnswer{bigAnswer{text: text, piece: 3000}, release}),
		withChat(chat.Config{MaxAnswerTokens: 1 << 30, KeepFinished: time.Minute}),
		withServer(Config{StreamWriteTimeout: time.Minute}),
		withSendBuffer(16<<10))
	b := app.browser(true)
	visitor := visitorOf(t, b)
	a := ask(t, b, "A long one, please")

	conn := watchWithSmallBuffer(t, app, a.events, visitor)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	app.waitFinished() // written whole while the watcher read nothing

	var page livePage
	ended := false
	for _, e := range readEvents(t, res.Body) {
		if e.name == "end" {
			ended = true
			continue
		}
		page.apply(t, e)
	}
	if !ended {
		t.Error("the stream did not end")
	}
	page.showsExactly(t, "fallen behind and caught up", text)
}
