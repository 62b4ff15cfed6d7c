package llm

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestBoundedStream reads event streams through the bounds, whole and one
// byte at a time (a line's start may arrive in pieces).
func TestBoundedStream(t *testing.T) {
	chunk := `data: {"choices":[{"delta":{"content":"` + strings.Repeat("y", 300) + `"}}]}` + "\n\n"
	comment := ": keep-alive " + strings.Repeat("z", 1000) + "\n"
	tests := []struct {
		name    string
		stream  string
		wantErr error
	}{
		{"a real stream", strings.Repeat(chunk, 5000) + "data: [DONE]\n\n", nil},
		{"data lines after blanks", strings.Repeat("  \tdata: {}\r\n\n", 1000), nil},
		{"a line just under the limit", "data: " + strings.Repeat("x", LineLimit-6) + "\n", nil},
		{"a line over the limit", "data: " + strings.Repeat("x", LineLimit) + "\n", errLineTooLong},
		{"blanks without end", strings.Repeat(" ", LineLimit+1), errLineTooLong},
		{"comments between chunks, a few", strings.Repeat(comment+chunk, 500), nil},
		{"comments between chunks, too many", strings.Repeat(comment+chunk, 1100), errTooMuchNoise},
		{"lines that only start like data", strings.Repeat("dat\n", OutsideDataLimit/4+1), errTooMuchNoise},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = &boundedStream{rc: io.NopCloser(strings.NewReader(tt.stream))}
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			got, err := io.ReadAll(r)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s (one byte at a time: %v): err = %v, want %v", tt.name, oneByte, err, tt.wantErr)
			}
			if tt.wantErr == nil && string(got) != tt.stream {
				t.Errorf("%s (one byte at a time: %v): the stream was changed", tt.name, oneByte)
			}
			if tt.wantErr != nil && len(got) > LineLimit+OutsideDataLimit {
				t.Errorf("%s: %d bytes passed", tt.name, len(got))
			}
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("é", MaxErrorText) // two bytes each
	got := excerpt(long)
	if !strings.HasPrefix(got, long[:MaxErrorText]) || !strings.HasSuffix(got, "… (512 more bytes)") {
		t.Errorf("excerpt = %.40q…%q", got, got[len(got)-30:])
	}
	if excerpt("short") != "short" {
		t.Error("a short text was changed")
	}
}

// BenchmarkBoundedStream measures what the bounds add to reading an event
// stream; b.SetBytes makes it a throughput.
func BenchmarkBoundedStream(b *testing.B) {
	chunk := `data: {"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n"
	stream := strings.Repeat(chunk, 1000)
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		r := &boundedStream{rc: io.NopCloser(strings.NewReader(stream))}
		for {
			if _, err := r.Read(buf); err != nil {
				break
			}
		}
	}
}
