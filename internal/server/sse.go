package server

import (
	"errors"
	"net/http"
	"time"
)

// eventStream writes Server-Sent Events and flushes each one at once.
type eventStream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf []byte // reused for every event: the per-token path does not allocate
}

// startEventStream sends the headers that make proxies and browsers treat
// the response as a live stream, and lifts the server's write timeout,
// which is meant for pages, not for an answer that takes a minute.
func startEventStream(w http.ResponseWriter) (*eventStream, error) {
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return nil, err
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer this response
	w.WriteHeader(http.StatusOK)
	s := &eventStream{w: w, rc: rc, buf: make([]byte, 0, 1024)}
	// Reconnect quickly after a dropped connection; Last-Event-ID resumes.
	if _, err := w.Write([]byte("retry: 1000\n\n")); err != nil {
		return nil, err
	}
	return s, rc.Flush()
}

// comment keeps an idle connection open through proxies.
func (s *eventStream) comment() error {
	if _, err := s.w.Write([]byte(": keep-alive\n\n")); err != nil {
		return err
	}
	return s.rc.Flush()
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
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.rc.Flush()
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
