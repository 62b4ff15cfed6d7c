package server

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/markdown"
	"github.com/rolefit/rolefit/internal/metrics"
	"github.com/rolefit/rolefit/views"
)

// handleAnswerEvents streams an answer as Server-Sent Events: a "delta"
// event per piece of text (HTML-escaped, citations as links) while a block
// of the answer is being written, a "blocks" event when blocks are finished
// (rendered and sanitised like the final answer, with the rest as text),
// each with the byte offset after it as its id, then one "end" event
// carrying the final, sanitised rendering. A browser
// that reconnects sends Last-Event-ID and resumes exactly there; a page
// that already shows some text asks for ?offset=. Watching never drives the
// generation: closing this stream does not stop the answer.
func handleAnswerEvents(svc *chat.Service, log *slog.Logger, keepAlive, writeTimeout time.Duration, m *metrics.Metrics, streams *streams) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		progress, err := svc.Follow(r.Context(), visitorID(r), r.PathValue("id"), r.PathValue("answer"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		wt := &watch{svc: svc, log: log, progress: progress, visitor: visitorID(r),
			answerID: r.PathValue("answer"), offset: resumeOffset(r), live: views.NewLiveText(), keepAlive: keepAlive}
		if wt.offset > 0 {
			// Take in what the client already shows, so that blocks and
			// citation numbers continue from there.
			all, _, _, _ := progress.Since(0)
			step := wt.live.Append(all[:min(wt.offset, len(all))], false)
			wt.offset = step.Used
			if r.Header.Get("Last-Event-ID") != "" {
				// A reconnect: the page was built event by event and may
				// hold part of an event the connection lost. Replace it with
				// exactly the text up to offset. (A page that asks with
				// ?offset= shows liveText of that text already.)
				wt.reset = views.AppendLiveResetEvent(nil, wt.answerID, step)
			}
		}
		conn, stream, err := detachEventStream(w, r, writeTimeout)
		if conn != nil {
			if err != nil {
				conn.Close() // the client is gone
				return
			}
			// The request's context ends when this handler returns; the
			// stream keeps its values (the request id for the log, what the
			// final rendering reads) and ends when the streams are closed.
			logged := holdRequestLog(r)
			if !streams.start(context.WithoutCancel(r.Context()), conn, func(ctx context.Context, stop <-chan struct{}) {
				defer logged()
				defer m.StreamOpened()()
				wt.run(ctx, stream, stop)
			}) {
				logged() // shutting down: the client reconnects elsewhere
			}
			return
		}
		if stream, err = startEventStream(w, writeTimeout); err != nil {
			return // the client is gone
		}
		defer m.StreamOpened()()
		wt.run(r.Context(), stream, r.Context().Done())
	})
}

// watch is one watcher of an answer, and what it was sent so far.
type watch struct {
	svc       *chat.Service
	log       *slog.Logger
	progress  *chat.Progress
	visitor   string
	answerID  string
	offset    int            // the text sent or already shown, in bytes
	live      *markdown.Live // renders the text as it comes
	reset     []byte         // the first event, on a reconnect
	keepAlive time.Duration
}

// run sends the answer's events until its end, the client is gone (a
// write fails: on a connection taken over, nothing reads from it to notice
// sooner, and the keep-alive comment is at most keepAlive away) or stop is
// closed while it waits for more.
func (wt *watch) run(ctx context.Context, stream *eventStream, stop <-chan struct{}) {
	progress, answerID, offset, live := wt.progress, wt.answerID, wt.offset, wt.live
	if wt.reset != nil && stream.sendBytes("blocks", offset, wt.reset) != nil {
		return
	}
	wt.reset = nil
	tick := time.NewTicker(wt.keepAlive)
	defer tick.Stop()
	var chunk []byte
	status := ""
	// thinking is how much of the model's thinking this watcher was
	// sent, -1 before any; named says whether it was told how long
	// the model thought.
	thinking, named := -1, false
	for {
		text, end, final, more := progress.Since(offset)
		if st := progress.Status(); st != status && !final {
			// A note while the person waits, such as a retry.
			status = st
			if stream.send("status", -1, html.EscapeString(st)) != nil {
				return
			}
		}
		if !final && sendThinking(stream, progress, answerID, &thinking, &chunk) != nil {
			return
		}
		if !final && !named && thinking > 0 && end > 0 {
			// The model has started answering: its thinking is done.
			named = true
			if stream.send("thought", -1, html.EscapeString(views.ThoughtLabel(progress.ThoughtFor()))) != nil {
				return
			}
		}
		if text != "" {
			// A long text (a watcher catching up) goes in events of
			// bounded size; the copy drops the rest, so a watcher that
			// reads slowly holds no more than one event's worth.
			from, whole := end-len(text), true
			if part := cutText(text); len(part) < len(text) {
				text, whole = strings.Clone(part), false
			}
			// A citation cut off at the end is held back (Used <
			// len(text)) until the next delta completes it.
			step := live.Append(text, final && whole)
			offset = from + step.Used
			var err error
			if step.Replace {
				// Blocks finished: add them, and show the rest as tail.
				chunk = views.AppendLiveBlocksEvent(chunk[:0], answerID, step)
				err = stream.sendBytes("blocks", offset, chunk)
			} else if len(step.Tail) > 0 {
				err = stream.sendBytes("delta", offset, step.Tail)
			}
			if err != nil {
				return
			}
			if !whole {
				continue // the rest is already there
			}
		}
		if final {
			wt.end(ctx, stream)
			return
		}
		select {
		case <-more:
		case <-tick.C:
			if stream.comment() != nil {
				return
			}
		case <-stop:
			return
		}
	}
}

// end sends the end event: the finished answer, rendered as the page shows
// it. It is apart from run, and not inlined, for the stack: its locals (the
// answer, the rendering) are 2 KB, which run's frame would otherwise hold
// for as long as the answer streams, making every watcher's stack twice as
// large.
//
//go:noinline
func (wt *watch) end(ctx context.Context, stream *eventStream) {
	it, err := finalItem(ctx, wt.svc, wt.visitor, wt.progress.Result())
	if err != nil {
		logIfInternal(ctx, wt.log, err)
		return // the client reconnects and tries again
	}
	if it.State == chat.StateStreaming {
		// An end that renders as streaming would connect again at once,
		// for ever: it never does.
		it.State = chat.StateInterrupted
	}
	buf := renderBufs.Get().(*bytes.Buffer)
	defer putRenderBuf(buf)
	if err := views.Message(it).Render(ctx, buf); err != nil {
		wt.log.ErrorContext(ctx, "render final answer", "err", err)
		return
	}
	stream.sendBytes("end", -1, buf.Bytes())
}

// sendThinking sends what the model thought since *sent, apart from the
// answer's text, as a "reasoning" event without an id: ids are offsets in
// the text, and a reconnect must resume the text there. The first event of
// a connection replaces the thinking the page shows with all of it so far
// (the page may show more or less); later ones append.
func sendThinking(stream *eventStream, progress *chat.Progress, answerID string, sent *int, buf *[]byte) error {
	th, next := progress.Reasoning(max(*sent, 0))
	if th == "" {
		return nil
	}
	first := *sent < 0
	*sent = next
	if first {
		*buf = views.AppendReasoningResetEvent((*buf)[:0], answerID, th)
		return stream.sendBytes("reasoning", -1, *buf)
	}
	return stream.send("reasoning", -1, html.EscapeString(th))
}

// resumeOffset is where the client's copy of the answer ends: Last-Event-ID
// on a reconnect, else the offset the page asked for.
func resumeOffset(r *http.Request) int {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("offset")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// finalItem is a finished answer with what the page offers for it (its
// versions, regenerating), which depends on the rest of the conversation.
func finalItem(ctx context.Context, svc *chat.Service, visitorID string, m chat.Message) (views.Item, error) {
	// The latest page holds the answer that just ended, with its versions:
	// a 2,000-turn conversation need not be read whole for one end event.
	_, msgs, _, err := svc.ConversationPage(ctx, visitorID, m.ConversationID, "")
	if err != nil {
		return views.Item{}, err
	}
	if it, ok := views.ItemFor(msgs, m.ID, svc.Provider()); ok {
		return it, nil
	}
	return views.Item{Message: m}, nil // a version no longer shown
}
