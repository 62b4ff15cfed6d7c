package llm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	openai "github.com/sashabaranov/go-openai"
)

// eventStreams are event streams as servers send them, and odd ones: what
// go-openai's own reader made of each is what the eventReader must make of
// it. (A "data: {"error": …}" line is the one difference, on purpose:
// go-openai reports it itself, the eventReader hands it on for the chunk
// decoder to report; failure_test.go checks what the person is told.)
var eventStreams = []string{
	"data: {\"a\":1}\n\ndata: {\"a\":2}\n\ndata: [DONE]\n\n",
	"data:{\"a\":1}\n\ndata:[DONE]\n",
	"data: {\"a\":1}\r\n\r\ndata: {\"a\":2}\r\n\r\ndata: [DONE]\r\n\r\n",
	": keep-alive\n\nevent: message\nid: 7\ndata: {\"a\":1}\nretry: 100\n\ndata: [DONE]\n\n",
	"  data: \t {\"a\":1}  \n\n",
	"data: {\"a\":1}\n\ndata: {\"a\":2}", // the last line has no newline
	"data: {\"a\":1}\n\n",                // the body ends without [DONE]
	"data:\n\ndata: \n\n",
	"data: [DONE] \n\ndata: {\"a\":1}\n\n",
	"data: [done]\n\n",
	"data: {\"a\":\"" + strings.Repeat("x", 3000) + "\"}\n\ndata: [DONE]\n\n",
	"dat\ndata\ndata :{\"a\":1}\nDATA: {\"a\":1}\n\n",
	"<html><body>502 Bad Gateway</body></html>\n",
	"",
	strings.Repeat(": ping\n", 300) + "data: {\"a\":1}\n\n",
	strings.Repeat(": ping\n", 301) + "data: {\"a\":1}\n\n",
	strings.Repeat("\n", 301) + "data: {\"a\":1}\n\n",
	"data: {\"a\":1}\n" + strings.Repeat("\n", 300) + "data: {\"a\":2}\n\n",
}

// readAll reads every data line of a stream, and the error that ended it.
func readAll(next func() ([]byte, error)) (data []string, err error) {
	for {
		d, err := next()
		if err != nil {
			return data, err
		}
		data = append(data, string(d))
	}
}

func TestEventsAreReadAsGoOpenAIReadsThem(t *testing.T) {
	for _, body := range eventStreams {
		name := body
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, body)
			}))
			defer srv.Close()
			cfg := openai.DefaultConfig("sk-test")
			cfg.BaseURL = srv.URL + "/v1"
			stream, err := openai.NewClientWithConfig(cfg).CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			want, wantErr := readAll(stream.RecvRaw)

			// A byte at a time, as a slow network hands it over: lines
			// are put together across reads.
			got, gotErr := readAll(newEventReader(iotest.OneByteReader(strings.NewReader(body))).next)
			if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
				t.Errorf("data %q, go-openai read %q", got, want)
			}
			for _, e := range []error{io.EOF, openai.ErrTooManyEmptyStreamMessages} {
				if errors.Is(gotErr, e) != errors.Is(wantErr, e) {
					t.Errorf("ended with %v, go-openai with %v", gotErr, wantErr)
				}
			}
		})
	}
}

// A delta of every answer passes through the reader: reading one is a
// search for its line's end, with nothing allocated.
func TestReadingAnEventAllocatesNothing(t *testing.T) {
	event := []byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" engineers\"},\"finish_reason\":null}]}\n\n")
	src := &repeatReader{event: event}
	r := newEventReader(src)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per event, want none", allocs)
	}
}

// repeatReader sends the same event for ever, one per read, as a model
// server does between pauses.
type repeatReader struct{ event []byte }

func (r *repeatReader) Read(p []byte) (int, error) { return copy(p, r.event), nil }

// After "data: [DONE]" the stream has ended, whatever the server sends
// after it, as for go-openai.
func TestNothingIsReadAfterDone(t *testing.T) {
	r := newEventReader(strings.NewReader("data: {\"a\":1}\n\ndata: [DONE]\n\ndata: {\"a\":2}\n\n"))
	if d, err := r.next(); string(d) != `{"a":1}` || err != nil {
		t.Fatalf("first event %q, %v", d, err)
	}
	for range 2 {
		if d, err := r.next(); d != nil || err != io.EOF {
			t.Errorf("after [DONE]: %q, %v; want io.EOF", d, err)
		}
	}
}

// A body that returns nothing, and no error, for ever does not hold the
// answer's goroutine for ever.
func TestABodyThatReturnsNothingIsGivenUpOn(t *testing.T) {
	if _, err := newEventReader(nothingReader{}).next(); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("got %v; want io.ErrNoProgress", err)
	}
}

type nothingReader struct{}

func (nothingReader) Read([]byte) (int, error) { return 0, nil }

// A line longer than the buffer grows it; the next line is read whole
// after it.
func TestAnEventLongerThanTheBufferIsReadWhole(t *testing.T) {
	long := strings.Repeat("y", 5*eventBuffer)
	body := "data: " + long + "\n\ndata: short\n\n"
	got, err := readAll(newEventReader(strings.NewReader(body)).next)
	if len(got) != 2 || got[0] != long || got[1] != "short" || err != io.EOF {
		t.Errorf("read %d events (%.20q…), ended with %v; want the long one whole, then \"short\", then io.EOF", len(got), got, err)
	}
}
