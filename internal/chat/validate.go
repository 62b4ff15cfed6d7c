package chat

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanQuestion normalises what a person typed and checks it can be sent.
// It returns the text to store, or an EINVALID *Error whose message says what
// to change. Invisible control characters are dropped rather than refused:
// they come from copy-paste, and a person cannot see them to remove them.
func CleanQuestion(text string, maxChars int) (string, error) {
	if !utf8.ValidString(text) {
		return "", Errorf(EINVALID, "Your message contains characters that are not valid text. Please retype it.")
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r == '\r' {
			return '\n'
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, text)
	text = strings.TrimSpace(text)
	if text == "" {
		return "", Errorf(EINVALID, "Type a question first.")
	}
	if n := utf8.RuneCountInString(text); maxChars > 0 && n > maxChars {
		return "", Errorf(EINVALID, "Your message is %s characters long; the limit is %s. Please shorten it.", thousands(n), thousands(maxChars))
	}
	return text, nil
}

// thousands formats a non-negative n with comma separators, as people read
// long counts.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var out strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteByte(',')
		}
		out.WriteRune(c)
	}
	return out.String()
}

// titleFrom makes a conversation title from its first question.
func titleFrom(question string) string {
	title := strings.Join(strings.Fields(question), " ")
	const max = 60
	if utf8.RuneCountInString(title) <= max {
		return title
	}
	r := []rune(title)[:max]
	return strings.TrimSpace(string(r)) + "…"
}
