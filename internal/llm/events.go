package llm

import (
	"bytes"
	"io"

	openai "github.com/sashabaranov/go-openai"
)

// go-openai sends the request and turns a failed response into an
// *openai.APIError; the event stream of a successful one Rolefit reads
// itself, with an eventReader. go-openai's reader matched every line
// against regular expressions four or five times and copied it twice, and
// held a 4 KiB buffer for as long as the answer streamed: every delta of
// every answer passes here, and with 9,000 answers live those buffers
// alone were 36 MiB.
//
// Both the reader and the body it reads (boundedStream) tell data lines
// from the rest. The bounds (LineLimit, OutsideDataLimit) stay in the
// body, which holds whatever reads the stream to them and is tested on
// its own; following a line's start there costs little beside the read.

// eventBuffer is the size an eventReader's buffer starts at: the size of
// the buffer net/http reads the model's connection through (see
// newTransport), which a model's few hundred bytes a chunk, a pause
// between them, never fill. It grows for a longer line, up to LineLimit,
// which the body enforces, and, up to maxEventRead, when a read fills it:
// chunks are piling up, as under load, and the more one read takes, the
// fewer times the answer's watchers are woken for them (see
// responseMeta.beforeRead).
const eventBuffer = 1 << 10

// maxEventRead bounds each read, so that a line past LineLimit is refused
// within a few KiB of it (the body checks each read once it is done),
// whatever the buffer has grown to. It is what go-openai's reader read at
// most.
const maxEventRead = 4 << 10

// emptyEventsLimit is how many lines in a row that carry no data an answer
// may get before the stream is taken for something else than an event
// stream: go-openai's default, with its error, so a stream fails as it
// did. Comments and blank lines between events count; each data line
// starts the count again.
const emptyEventsLimit = 300

// An eventReader reads the data of an event stream's "data:" lines, as
// go-openai reads them: a line is trimmed of spaces at both ends, and what
// follows "data:" and the spaces after it is the data; other lines are
// skipped; "data: [DONE]" ends the stream with io.EOF. A last line the body
// ends without a newline is not read, and the body's error is returned.
type eventReader struct {
	body io.Reader
	buf  []byte
	r, w int // buf[r:w] is read from the body and not yet returned
	err  error
	// done is set at "data: [DONE]": what follows it is not read.
	done bool
	// filled says the last read filled the space it was given: more
	// had arrived than the buffer could take.
	filled bool
}

func newEventReader(body io.Reader) *eventReader {
	return &eventReader{body: body, buf: make([]byte, eventBuffer)}
}

// next returns the data of the next data line. It is valid until the next
// call: the buffer is read into again.
func (e *eventReader) next() ([]byte, error) {
	if e.done {
		return nil, io.EOF
	}
	empty := 0
	for {
		line, err := e.line()
		if err != nil {
			return nil, err
		}
		line = bytes.TrimSpace(line)
		data, ok := bytes.CutPrefix(line, []byte(dataField))
		if !ok {
			if empty++; empty > emptyEventsLimit {
				return nil, openai.ErrTooManyEmptyStreamMessages
			}
			continue
		}
		data = bytes.TrimLeft(data, " \t\r\n\f")
		if string(data) == "[DONE]" {
			e.done = true
			return nil, io.EOF
		}
		return data, nil
	}
}

// grow doubles the buffer, keeping what it holds.
func (e *eventReader) grow() {
	grown := make([]byte, 2*len(e.buf))
	copy(grown, e.buf[:e.w])
	e.buf = grown
}

// line returns the next line, without its newline.
func (e *eventReader) line() ([]byte, error) {
	scanned := 0 // bytes of buf[e.r:e.w] known to hold no newline
	empty := 0   // reads in a row that returned nothing, and no error
	for {
		if i := bytes.IndexByte(e.buf[e.r+scanned:e.w], '\n'); i >= 0 {
			end := e.r + scanned + i
			line := e.buf[e.r:end]
			e.r = end + 1
			return line, nil
		}
		scanned = e.w - e.r
		if e.err != nil {
			return nil, e.err
		}
		if e.r > 0 {
			// Move the start of the line to the front, to read the
			// rest after it.
			e.w = copy(e.buf, e.buf[e.r:e.w])
			e.r = 0
		}
		if e.w == len(e.buf) || e.filled && len(e.buf) < maxEventRead {
			e.grow()
		}
		space := e.buf[e.w:min(len(e.buf), e.w+maxEventRead)]
		n, err := e.body.Read(space)
		e.w += n
		e.filled = n == len(space)
		if err != nil {
			e.err = err
		}
		// A body that keeps returning nothing is broken: bufio gives up
		// on one after 100 such reads, and so does this.
		if n > 0 || err != nil {
			empty = 0
		} else if empty++; empty == 100 {
			e.err = io.ErrNoProgress
		}
	}
}
