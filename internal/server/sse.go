package server

import (
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// maxEventText is the most text one event carries: a long answer a watcher
// catches up on is sent in pieces, so what is buffered for one watcher
// stays small however long the answer.
const maxEventText = 16 << 10

// eventStream writes Server-Sent Events and sends each one at once: to a
// connection taken over from net/http (conn), or else through the
// ResponseWriter, flushed.
type eventStream struct {
	conn    net.Conn
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration // for each write, see write
	buf     []byte        // reused for every event: the per-token path does not allocate
}

// retryEvent is the stream's first line: reconnect quickly after a
// dropped connection; Last-Event-ID resumes.
const retryEvent = "retry: 1000\n\n"

// setStreamHeaders sets the headers that make proxies and browsers treat
// the response as a live stream.
func setStreamHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer this response
}

// startEventStream starts the stream through net/http, where the
// connection cannot be taken over (HTTP/2). The server's write timeout,
// meant for a whole page, would cut an answer that takes a minute; the
// stream gives each write its own deadline of timeout instead.
func startEventStream(w http.ResponseWriter, timeout time.Duration) (*eventStream, error) {
	setStreamHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	s := &eventStream{w: w, rc: http.NewResponseController(w), timeout: timeout, buf: make([]byte, 0, 1024)}
	if err := s.write([]byte(retryEvent)); err != nil {
		return nil, err
	}
	return s, nil
}

// detachEventStream takes the connection over from net/http (see
// streams), when the request came over HTTP/1.x, and writes the response's
// head itself with the headers set on w so far (security headers, cookies,
// the request id). The body ends when the connection closes: an event
// stream has no length, and the connection is not reused. It returns a nil
// conn where the connection cannot be taken over; a non-nil conn is the
// caller's to close, also when err says the head could not be written.
func detachEventStream(w http.ResponseWriter, r *http.Request, timeout time.Duration) (net.Conn, *eventStream, error) {
	if r.ProtoMajor != 1 || r.Method != http.MethodGet {
		return nil, nil, nil // HTTP/2 has no connection to take; HEAD has no body
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, nil // not an HTTP/1.x connection of net/http's
	}
	h := w.Header()
	setStreamHeaders(h)
	h.Set("Connection", "close")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	head := &headBuffer{b: make([]byte, 0, 1024)}
	head.b = append(head.b, "HTTP/1.1 200 OK\r\n"...)
	h.Write(head) // never fails: it writes to memory
	head.b = append(head.b, "\r\n"+retryEvent...)
	s := &eventStream{conn: conn, timeout: timeout, buf: head.b} // the events reuse the head's buffer
	return conn, s, s.write(head.b)
}

// headBuffer collects a response's head for detachEventStream.
type headBuffer struct{ b []byte }

func (h *headBuffer) Write(p []byte) (int, error) {
	h.b = append(h.b, p...)
	return len(p), nil
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
	for len(b) > 0 {
		piece := b[:min(len(b), maxEventText)]
		b = b[len(piece):]
		if s.conn != nil {
			// Nothing is buffered on a connection of our own: the write
			// is the send.
			if err := s.conn.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil {
				return err
			}
			if _, err := s.conn.Write(piece); err != nil {
				return err
			}
			continue
		}
		if err := s.rc.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := s.w.Write(piece); err != nil {
			return err
		}
	}
	if s.conn != nil {
		return nil
	}
	return s.rc.Flush()
}

// comment keeps an idle connection open through proxies.
func (s *eventStream) comment() error {
	return s.write([]byte(": keep-alive\n\n"))
}

// send writes one event; an id below zero is none. data is markup,
// already escaped by its producer.
func (s *eventStream) send(event string, id int, data string) error {
	return s.finish(appendData(s.start(event, id, len(data)), data))
}

// sendBytes is send for data in bytes, as the live rendering makes it:
// the per-token path copies it once, into the event.
func (s *eventStream) sendBytes(event string, id int, data []byte) error {
	return s.finish(appendData(s.start(event, id, len(data)), data))
}

// start begins an event in the stream's buffer, with room for size bytes
// of data and a "data: " for every line of 28 bytes or more: the buffer
// grows once for a large event (the final answer), not once per doubling.
func (s *eventStream) start(event string, id, size int) []byte {
	b := slices.Grow(s.buf[:0], len(event)+size+size/4+32)
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, '\n')
	if id >= 0 {
		b = append(b, "id: "...)
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, '\n')
	}
	return b
}

func (s *eventStream) finish(b []byte) error {
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
// too, so it is written as a character reference. The text between them is
// copied in one piece.
func appendData[T string | []byte](b []byte, data T) []byte {
	b = append(b, "data: "...)
	from := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			b = append(b, data[from:i]...)
			b = append(b, "\ndata: "...)
			from = i + 1
		case '\r':
			b = append(b, data[from:i]...)
			b = append(b, "&#13;"...)
			from = i + 1
		}
	}
	return append(b, data[from:]...)
}
