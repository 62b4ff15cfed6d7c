package llm

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"
)

// Bounds on what is read from a model server, whatever it sends. Without
// them a line that never ends, or an error body of hundreds of megabytes,
// is read whole into memory (a line is read whole, and go-openai reads
// error bodies with ReadAll) and an error body goes whole into the log.
const (
	// LineLimit is the longest line of an event stream read. A real chunk
	// is a few hundred bytes; even an answer sent whole in one chunk, at
	// the default length cap (6,000 bytes), is far under it.
	LineLimit = 1 << 20
	// OutsideDataLimit bounds the bytes of an event stream's lines that
	// are not "data:" lines (blank lines, comments), all together: a
	// server that sends nothing else is not answering.
	OutsideDataLimit = 1 << 20
	// ErrorBodyLimit is how much of an error response is read. Only the
	// status decides what the person is told; the body is for the log,
	// and OpenAI's are a few hundred bytes (a proxy's HTML page a few KB).
	ErrorBodyLimit = 16 << 10
	// MaxErrorText is the longest an upstream error's text may be in a
	// ProviderError, and so in the log line that reports it.
	MaxErrorText = 512
)

var (
	errLineTooLong  = fmt.Errorf("the event stream sent a line longer than %d bytes", LineLimit)
	errTooMuchNoise = fmt.Errorf("the event stream sent more than %d bytes outside its data lines", OutsideDataLimit)
)

// boundBody replaces resp's body with one that stops reading where a
// bound is passed: an error response (any status go-openai treats as a
// failure, and reads) up to ErrorBodyLimit, an event stream line by line,
// calling meta.beforeRead before each read from the network. The event
// stream is meta.events, for Stream to read (events.go).
func boundBody(resp *http.Response, meta *responseMeta) {
	if resp.StatusCode < http.StatusOK || resp.StatusCode >= http.StatusBadRequest {
		resp.Body = &limitedBody{rc: resp.Body, left: ErrorBodyLimit}
		return
	}
	events := &boundedStream{rc: resp.Body, meta: meta}
	resp.Body, meta.events = events, events
}

// limitedBody reads up to left bytes and then ends, as if the body did. It
// closes the connection's body there: go-openai never closes an error
// response's body, and relies on reading it to the end to free the
// connection.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left <= 0 && err == nil {
		// Closing an unread body drops the connection: the server stops.
		b.rc.Close()
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// boundedStream passes an event stream through unchanged while its lines
// stay within LineLimit and what lies outside its data lines within
// OutsideDataLimit; past either it fails every read. The read that passes
// a bound is not handed on, so the reader never holds more than the bound.
type boundedStream struct {
	rc      io.ReadCloser
	meta    *responseMeta // nil in tests of the bounds alone
	line    int           // bytes of the current line so far, without its newline
	matched int           // bytes of "data:" matched at the line's start
	kind    lineKind      // what the current line is, once its start tells
	outside int           // bytes of the lines that are not data lines
	err     error
}

type lineKind int

const (
	lineUnknown lineKind = iota
	lineData
	lineOther
)

const dataField = "data:"

func (b *boundedStream) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.meta != nil && b.meta.beforeRead != nil {
		b.meta.beforeRead()
	}
	n, err := b.rc.Read(p)
	if serr := b.scan(p[:n]); serr != nil {
		b.err = serr
		return 0, serr
	}
	return n, err
}

// Close reads the rest of a stream that ended well (see responseMeta) before
// closing it. net/http gives a connection back for the next request only
// once its response was read to the end, and a model server ends the body
// just after "data: [DONE]", often in a packet of its own that the
// eventReader, which stops at [DONE], does not wait for. Without this
// read, up to one answer in three dialled the model server again before
// asking (10 of 29 one-at-a-time answers through the load tool), which on
// loopback added about a millisecond to its first token, and over
// HTTPS/1.1 costs a TLS handshake. The read is on the answer's way to its
// end event, and takes microseconds when the server ends the body as it
// should; one that sends more, or takes longer than endWait (a packet
// lost, a core not free), loses the connection as before.
func (b *boundedStream) Close() error {
	if b.meta != nil && b.meta.complete && b.err == nil {
		wait := time.AfterFunc(endWait, b.meta.stop)
		_, _ = io.CopyN(io.Discard, b.rc, endRead)
		wait.Stop()
	}
	return b.rc.Close()
}

// endWait and endRead bound the read of a stream's end: what is left
// after [DONE] is the body's last chunk, a few bytes sent at once.
const (
	endWait = 50 * time.Millisecond
	endRead = 512
)

// scan follows lines through p. A line is a data line when it starts, after
// blanks, with "data:" (the eventReader trims more than blanks, so what this
// calls data it does too, and the bound on the rest can only count more).
func (b *boundedStream) scan(p []byte) error {
	for len(p) > 0 {
		if b.kind == lineUnknown {
			c := p[0]
			p = p[1:]
			if c == '\n' {
				b.outside += b.line + 1
				b.newLine()
			} else {
				b.line++
				switch {
				case b.matched == 0 && (c == ' ' || c == '\t' || c == '\r'):
				case c == dataField[b.matched]:
					if b.matched++; b.matched == len(dataField) {
						b.kind = lineData
					}
				default:
					b.kind = lineOther
					b.outside += b.line
				}
			}
		} else {
			end := bytes.IndexByte(p, '\n')
			n := end
			if end < 0 {
				n = len(p)
			}
			b.line += n
			if b.kind == lineOther {
				b.outside += n
			}
			if b.line > LineLimit {
				return errLineTooLong
			}
			p = p[n:]
			if end >= 0 {
				p = p[1:]
				if b.kind == lineOther {
					b.outside++
				}
				b.newLine()
			}
		}
		if b.line > LineLimit {
			return errLineTooLong
		}
		if b.outside > OutsideDataLimit {
			return errTooMuchNoise
		}
	}
	return nil
}

func (b *boundedStream) newLine() { b.line, b.matched, b.kind = 0, 0, lineUnknown }

// excerpt returns s cut to at most MaxErrorText bytes, on a character
// boundary, saying how much was left out.
func excerpt(s string) string {
	if len(s) <= MaxErrorText {
		return s
	}
	n := MaxErrorText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:n], len(s)-n)
}
