package llm

import (
	"encoding/json"
	"reflect"
	"testing"
)

// chunkSamples are chunks as servers send them (see internal/fakeopenai/wire)
// and the odd ones the decoder must hand to encoding/json or refuse.
var chunkSamples = []string{
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" engineers"},"logprobs":null,"finish_reason":null}]}`,
	`{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`,
	`{"id":"c","choices":[],"usage":{"prompt_tokens":812,"completion_tokens":143,"total_tokens":955,"prompt_tokens_details":{"cached_tokens":0}}}`,
	`{"choices":[{"delta":{"content":"line\nbreak \"quoted\" \u00e9 \ud83d\ude00"}}]}`,
	`{"choices":[{"delta":{"reasoning_content":"Let me think","content":null}}]}`,
	`{"choices":[{"delta":{"reasoning":"hmm"}}]}`,
	`{"choices":[{"delta":{"content":"x"},"finish_reason":"length"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":10,"completion_tokens":2}}}`,
	`{"choices":[{"delta":{"content":"x"}}],"timings":{"predicted_ms":12.5,"predicted_per_second":80.1}}`,
	`{"choices":[{"delta":{"content":"x"}}],"error":{"code":502,"message":"upstream"}}`,
	`{"choices":[],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}`,
	` { "choices" : [ { "delta" : { "content" : "spaced" } } ] } `,
	`{"Choices":[{"Delta":{"Content":"case"}}]}`,
	`{"choices":[{"delta":{"content":"a"}}],"choices":[{"finish_reason":"stop"}]}`,
	`{"choices":null}`, `{"choices":[null]}`, `null`, `{}`, `[]`, `"x"`,
	`{"usage":{"prompt_tokens":1.5}}`, `{"usage":{"prompt_tokens":-3,"completion_tokens":1e2}}`,
	`{"choices":[{"delta":{"content":5}}]}`, `{"choices":[{"delta":{"content":"\x01"}}]}`,
	"{\"choices\":[{\"delta\":{\"content\":\"bad \xff utf8\"}}]}",
	`{"choices":[{"delta":{"content":"unterminated}}]}`, `{"choices":[`, `{"a":tru}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`,
	`{"a":"\q"}`, `{"a":"\u12g4"}`, `{"a":[1,2,]}`, `{"a":1}x`, `{"a" 1}`, `{,}`, ``,
}

// decodeChunk must agree with encoding/json on every input: the same chunk
// when both accept it, an error when encoding/json refuses it.
func checkDecodeAgrees(t *testing.T, raw []byte) {
	t.Helper()
	var want chunk
	wantErr := json.Unmarshal(raw, &want)
	// A stream reads every chunk into the same value: what the one
	// before left in it must not show through.
	var used chunk
	if err := decodeChunk([]byte(usedChunk), &used); err != nil {
		t.Fatal(err)
	}
	for _, into := range []struct {
		name string
		c    chunk
	}{{"a new chunk", chunk{}}, {"a used chunk", used}} {
		got := into.c
		gotErr := decodeChunk(raw, &got)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("decodeChunk(%q) into %s: error %v, encoding/json: %v", raw, into.name, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeChunk(%q) into %s = %+v, encoding/json: %+v", raw, into.name, got, want)
		}
	}
}

// usedChunk fills every field the decoder reads, and two choices.
const usedChunk = `{"choices":[{"delta":{"content":"before","reasoning_content":"rc","reasoning":"r"},"finish_reason":"stop"},` +
	`{"delta":{"content":"second"}}],"usage":{"prompt_tokens":1,"completion_tokens":2},"x_groq":{"usage":{"prompt_tokens":3}}}`

func TestDecodeChunkAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range chunkSamples {
		checkDecodeAgrees(t, []byte(s))
	}
}

func FuzzDecodeChunk(f *testing.F) {
	for _, s := range chunkSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkDecodeAgrees(t, raw)
	})
}

// BenchmarkDecodeChunk is the cost of reading one ordinary delta.
func BenchmarkDecodeChunk(b *testing.B) {
	raw := []byte(chunkSamples[1])
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		var c chunk
		for b.Loop() {
			if err := decodeChunk(raw, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c chunk
			if err := json.Unmarshal(raw, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
