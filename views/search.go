package views

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/rolefit/rolefit/internal/chat"
)

// SearchURL is the search of the visitor's conversations for query: a
// page without JavaScript, the results alone for htmx.
func SearchURL(query string) string {
	if query == "" {
		return "/search"
	}
	return "/search?q=" + url.QueryEscape(query)
}

// hitURL opens a search result at the message that matched.
func hitURL(h chat.SearchHit) string {
	if h.MessageID != "" {
		return MessageURL(h.Conversation.ID, h.MessageID)
	}
	return ConversationURL(h.Conversation.ID)
}

// Markdown that means nothing in a one-line passage: citation markers
// (with the space before them), strong emphasis and code ticks.
var passageNoise = regexp.MustCompile("\\s*\\[§[^\\]\\s]*\\]|\\*\\*|__|`+")

// showPassage is false when the passage says no more than the title (a
// conversation's first question is its title).
func showPassage(h chat.SearchHit) bool {
	if len(h.Passage) == 0 {
		return false
	}
	title := h.Conversation.Title
	var b strings.Builder
	for _, p := range h.Passage {
		b.WriteString(p.Text)
	}
	return strings.TrimSpace(b.String()) != strings.TrimSpace(title)
}

var spaces = regexp.MustCompile(`\s+`)

// cleanPassage shows a passage of Markdown as plain words on one line.
func cleanPassage(m chat.Marked) chat.Marked {
	out := make(chat.Marked, 0, len(m))
	for _, p := range m {
		if !p.Match {
			p.Text = passageNoise.ReplaceAllString(p.Text, "")
		}
		if p.Text = spaces.ReplaceAllString(p.Text, " "); p.Text != "" {
			out = append(out, p)
		}
	}
	return out
}
