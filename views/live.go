package views

import (
	"html"

	"github.com/rolefit/rolefit/internal/markdown"
)

// A streaming answer shows its finished blocks (rendered Markdown), then
// the finished items of a list still being written (rendered), then its
// unfinished tail (text). The answer's event stream sends "delta" events,
// appended to the tail, and "blocks" events: blocks to append, and the new
// list items and tail in place of the old (out-of-band swaps, so all change
// in one event and a dropped connection never leaves half of it).

func liveBlocksDOMID(answerID string) string { return "live-blocks-" + answerID }
func liveOpenDOMID(answerID string) string   { return "live-open-" + answerID }
func liveTailDOMID(answerID string) string   { return "live-tail-" + answerID }
func reasoningTextDOMID(answerID string) string {
	return "reasoning-" + answerID
}

// AppendLiveBlocksEvent appends the data of a "blocks" event: step's blocks,
// and its list items and tail replacing those shown.
func AppendLiveBlocksEvent(b []byte, answerID string, step markdown.LiveStep) []byte {
	b = append(b, step.Blocks...)
	b = appendOOB(b, "innerHTML", liveOpenDOMID(answerID), step.Open)
	return appendOOB(b, "innerHTML", liveTailDOMID(answerID), step.Tail)
}

// AppendLiveResetEvent appends the data of a "blocks" event that replaces
// everything shown of a streaming answer with blocks and tail: the first
// event after a reconnect, when the page may hold a little more or less
// than the offset it resumes from says.
func AppendLiveResetEvent(b []byte, answerID string, step markdown.LiveStep) []byte {
	b = appendOOB(b, "innerHTML", liveBlocksDOMID(answerID), step.Blocks)
	b = appendOOB(b, "innerHTML", liveOpenDOMID(answerID), step.Open)
	return appendOOB(b, "innerHTML", liveTailDOMID(answerID), step.Tail)
}

// appendOOB wraps content in an element htmx swaps into the element id.
// ids are the server's own (see urls.go); content is sanitised HTML.
func appendOOB(b []byte, swap, id string, content []byte) []byte {
	b = append(b, `<div hx-swap-oob="`...)
	b = append(b, swap...)
	b = append(b, ":#"...)
	b = append(b, id...)
	b = append(b, `">`...)
	b = append(b, content...)
	return append(b, "</div>"...)
}

// AppendReasoningResetEvent appends the data of a "reasoning" event that
// replaces the thinking shown with thinking (escaped): the first event of
// a connection, as the page may show more or less of it than it has.
func AppendReasoningResetEvent(b []byte, answerID, thinking string) []byte {
	return appendOOB(b, "innerHTML", reasoningTextDOMID(answerID), []byte(html.EscapeString(thinking)))
}
