package fakeopenai

// Reply scripts how the fake answers one call.
//
// A successful stream is, like api.openai.com's: a first chunk with the
// assistant role and empty content (sent with the headers), one chunk per
// element of Reasoning (thinking, as vLLM and DeepSeek send it), one chunk
// per element of Chunks, a chunk with an empty delta and finish_reason
// FinishReason ("stop" unless set), the usage chunk (only when the request asked for
// stream_options.include_usage), then "data: [DONE]".
type Reply struct {
	// Chunks are the content deltas, one chunk each, sent as they are (an
	// empty string sends a chunk with empty content).
	Chunks []string
	// Reasoning are thinking deltas, sent before Chunks, one chunk each,
	// in the delta's reasoning_content field with empty content, as
	// vLLM's and DeepSeek's reasoning models stream them.
	Reasoning []string
	// FinishReason is the finish chunk's finish_reason; "" sends "stop".
	// "length" is a model that reached its token limit.
	FinishReason string
	// Gate, if set, is received from once before each reasoning and
	// content chunk and once before the Fault, so the test paces the stream. Close it to
	// release the rest at once.
	Gate <-chan struct{}

	// Status, if neither 0 nor 200, makes the fake answer with an OpenAI
	// error body and this status instead of a stream.
	Status int
	// Code and Message override the error's defaults for Status, and those
	// of an ErrorEvent.
	Code, Message string
	// RetryAfter, if set, is sent as the error response's Retry-After header.
	RetryAfter string
	// NonJSONError sends the error as an HTML page, as a proxy in front of
	// the API would.
	NonJSONError bool
	// ErrorBodyBytes, if set, pads the error's message with "x" so that
	// the JSON body is about this many bytes, as a broken upstream that
	// sends hundreds of megabytes would. It is written in pieces, never
	// held whole in memory.
	ErrorBodyBytes int64

	// Fault breaks the stream after FaultAfter content chunks.
	Fault Fault
	// FaultAfter counts content chunks sent before the Fault: 0 means right
	// after the role chunk, len(Chunks) after the last content chunk but
	// before the finish chunk, and anything larger after the finish chunk
	// (before the usage chunk and [DONE]).
	FaultAfter int

	// LineBytes bounds the line an EndlessLine fault sends; 0 sends it
	// until the client goes away.
	LineBytes int64

	// Recorded, if set, is a whole HTTP response (status line, headers, a
	// blank line, the body) replayed as it is, instead of everything
	// above: see Recorded.
	Recorded []byte

	// Usage overrides the counts of the usage chunk. By default prompt
	// tokens are the words of the request's messages and completion tokens
	// the number of Chunks.
	Usage *Usage
}

// Fault is a way a stream goes wrong.
type Fault int

const (
	// NoFault streams the whole reply.
	NoFault Fault = iota
	// Hang sends nothing, not even headers, until the client goes away.
	// FaultAfter is ignored.
	Hang
	// Stall sends nothing more until the client goes away.
	Stall
	// Cut aborts the connection without ending the chunked body, as a
	// crashed upstream or proxy does: the client reads an unexpected EOF.
	Cut
	// EndEarly ends the response cleanly but without the finish chunk or
	// [DONE]: the client reads a plain EOF.
	EndEarly
	// Malformed sends `data: {not json` and ends the response.
	Malformed
	// ErrorEvent sends `data: {"error":{...}}` and ends the response, as
	// the real API does when it fails mid-stream.
	ErrorEvent
	// EndlessLine starts a content chunk whose content never ends: the
	// chunk's JSON up to its content, then "x" without a newline, for
	// LineBytes bytes (then the response ends) or, when LineBytes is 0,
	// until the client goes away.
	EndlessLine
)

// Usage is the token counts of a usage chunk; the total is their sum.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
}
