package server

import (
	"errors"
	"net/http"
	"time"
	"unicode/utf8"
)

// maxEventText is the most text one event carries: a long answer a watcher
// catches up on is sent in pieces, so what is buffered for one watcher
// stays small however long the answer.
const maxEventText = 16 << 10

// eventStream writes Server-Sent Events and flushes each one at once.
type eventStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration // for each write, see write
	buf     []byte        // reused for every event: the per-token path does not allocate
}

// startEventStream sends the headers that make proxies and browsers treat
// the response as a live stream. The server's write timeout, meant for a
// whole page, would cut an answer that takes a minute; the stream gives
// each write its own deadline of timeout instead.
func startEventStream(w http.ResponseWriter, timeout time.Duration) (*eventStream, error) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer this response
	w.WriteHeader(http.StatusOK)
	s := &eventStream{w: w, rc: http.NewResponseController(w), timeout: timeout, buf: make([]byte, 0, 1024)}
	// Reconnect quickly after a dropped connection; Last-Event-ID resumes.
	if err := s.write([]byte("retry: 1000\n\n")); err != nil {
		return nil, err
	}
	return s, nil
}

// write sends b and flushes it, each piece of it within the stream's
// timeout. A client that does not read fills the connection's buffers, and
// the write then waits: the deadline ends the wait, and with it the watch,
// so a client that stops reading holds its event for no longer than the
// timeout. A large event (the final answer) goes in pieces of
// maxEventText, each with its own deadline, so a client that keeps reading
// is not cut off for the size of one event. A watcher that is dropped
// resumes from its last event id when it reconnects.
func (s *eventStream) write(b []byte) error {
	for {
		if err := s.rc.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if len(b) <= maxEventText {
			break
		}
		if _, err := s.w.Write(b[:maxEventText]); err != nil {
			return err
		}
		b = b[maxEventText:]
	}
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.rc.Flush()
}

// comment keeps an idle connection open through proxies.
func (s *eventStream) comment() error {
	return s.write([]byte(": keep-alive\n\n"))
}

// send writes one event. data is markup, already escaped by its producer.
func (s *eventStream) send(event, id, data string) error {
	b := s.buf[:0]
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, '\n')
	if id != "" {
		b = append(b, "id: "...)
		b = append(b, id...)
		b = append(b, '\n')
	}
	b = appendData(b, data)
	b = append(b, '\n', '\n')
	s.buf = b
	return s.write(b)
}

// cutText returns the first part of text to send in one event: at most
// maxEventText bytes, ending on a character boundary.
func cutText(text string) string {
	if len(text) <= maxEventText {
		return text
	}
	n := maxEventText
	for n > 0 && !utf8.RuneStart(text[n]) {
		n--
	}
	return text[:n]
}

// appendData writes data as "data:" lines. A newline starts a new data line
// (the browser joins them back with "\n"); a carriage return would end a line
// too, so it is written as a character reference.
func appendData(b []byte, data string) []byte {
	b = append(b, "data: "...)
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			b = append(b, "\ndata: "...)
		case '\r':
			b = append(b, "&#13;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}
