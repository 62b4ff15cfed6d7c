// Package views renders Rolefit's HTML with templ: a layout, the chat page,
// and the fragments htmx swaps in (a message, the composer). Elements carry
// stable hooks (data-testid, data-role, data-state) that tests and people's
// own scripts rely on; change them only as a documented, breaking change.
package views

import (
	"net/url"
	"strconv"

	"github.com/rolefit/rolefit/internal/chat"
)

// Page is what every page needs.
type Page struct {
	Title    string
	Provider chat.ProviderInfo
}

// ChatPage is a conversation, or a new chat when Conversation.ID is empty.
type ChatPage struct {
	Page
	Conversation chat.Conversation
	Messages     []chat.Message
	Composer     Composer
}

// Composer is the question form's state: where it posts, and, after a
// refused question, the person's text and what to change.
type Composer struct {
	ConversationID string
	Text           string
	Error          string
}

// Action is where the composer posts: a new conversation, or this one.
func (c Composer) Action() string {
	if c.ConversationID == "" {
		return "/c"
	}
	return "/c/" + url.PathEscape(c.ConversationID) + "/messages"
}

// Starters are the questions offered on an empty chat.
var Starters = []string{
	"Which role fits me?",
	"What does an ML engineer do day to day?",
	"What tools does a Gen AI application developer use?",
	"Explain the difference with the pizza restaurant analogy.",
	"I already build React apps. What is my fastest way into AI?",
}

// ConversationURL is a conversation's own page.
func ConversationURL(id string) string { return "/c/" + url.PathEscape(id) }

func answerURL(conversationID, answerID, action string) string {
	return ConversationURL(conversationID) + "/answers/" + url.PathEscape(answerID) + "/" + action
}

// EventsURL is an answer's event stream, starting after offset bytes the
// page already shows.
func EventsURL(conversationID, answerID string, offset int) string {
	u := answerURL(conversationID, answerID, "events")
	if offset > 0 {
		u += "?offset=" + strconv.Itoa(offset)
	}
	return u
}

func stopURL(m chat.Message) string  { return answerURL(m.ConversationID, m.ID, "stop") }
func retryURL(m chat.Message) string { return answerURL(m.ConversationID, m.ID, "retry") }

func messageDOMID(id string) string { return "m-" + id }

// canRetry reports whether m is the last message and ended badly.
func canRetry(msgs []chat.Message, i int) bool {
	m := msgs[i]
	return i == len(msgs)-1 && m.Role == chat.RoleAssistant && m.State.Final() && m.State != chat.StateDone
}

func stateLabel(s chat.State) string {
	switch s {
	case chat.StateStopped:
		return "Stopped."
	case chat.StateError:
		return "The answer failed."
	case chat.StateInterrupted:
		return "Interrupted."
	}
	return ""
}
