package llm

import "strings"

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// thinkSplitter separates a reasoning model's thinking from its answer when
// the server sends both in the content, the thinking first between <think>
// and </think> (Qwen3, DeepSeek-R1, gpt-oss through Ollama, vLLM or
// llama.cpp without a reasoning parser). Only a block that opens the content
// is thinking: a <think> later in an answer is the answer's text. A tag may
// arrive split across deltas, so what could still become one is held back.
type thinkSplitter struct {
	state   int    // one of the think* states below
	pending string // held back: it may be the start of a tag
}

const (
	thinkUndecided = iota // nothing but white space seen yet
	thinkInside           // inside the leading <think> block
	thinkAfter            // just after </think>: white space is dropped
	thinkAnswer           // the rest is the answer
)

// split takes one content delta and returns its thinking and answer parts.
func (s *thinkSplitter) split(delta string) (reasoning, answer string) {
	text := s.pending + delta
	s.pending = ""
	switch s.state {
	case thinkUndecided:
		trimmed := strings.TrimLeft(text, " \t\r\n")
		switch {
		case strings.HasPrefix(trimmed, thinkOpen):
			s.state = thinkInside
			return s.split(trimmed[len(thinkOpen):])
		case strings.HasPrefix(thinkOpen, trimmed):
			s.pending = text // "", white space, or part of the tag
			return "", ""
		}
		s.state = thinkAnswer
		return "", text
	case thinkInside:
		if i := strings.Index(text, thinkClose); i >= 0 {
			s.state = thinkAfter
			_, answer = s.split(text[i+len(thinkClose):])
			return text[:i], answer
		}
		keep := partialSuffix(text, thinkClose)
		s.pending = text[len(text)-keep:]
		return text[:len(text)-keep], ""
	case thinkAfter:
		text = strings.TrimLeft(text, " \t\r\n")
		if text != "" {
			s.state = thinkAnswer
		}
		return "", text
	}
	return "", text
}

// flush returns what was held back when the content ends: unfinished
// thinking stays thinking; anything else was answer text.
func (s *thinkSplitter) flush() (reasoning, answer string) {
	text := s.pending
	s.pending = ""
	if s.state == thinkInside {
		return text, ""
	}
	return "", text
}

// partialSuffix is the length of the longest end of text that is a proper
// start of tag.
func partialSuffix(text, tag string) int {
	for n := min(len(tag)-1, len(text)); n > 0; n-- {
		if strings.HasSuffix(text, tag[:n]) {
			return n
		}
	}
	return 0
}
