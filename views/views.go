// Package views renders Rolefit's HTML with templ: a layout, the chat page,
// and the fragments htmx swaps in (a message, the composer). Elements carry
// stable hooks (data-testid, data-role, data-state) that tests and people's
// own scripts rely on; change them only as a documented, breaking change.
package views

import (
	"slices"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fit"
)

// Page is what every page needs.
type Page struct {
	Title    string
	Provider chat.ProviderInfo
	// Conversations are the visitor's, for the sidebar; CurrentID marks the
	// one on screen.
	Conversations []chat.Conversation
	CurrentID     string
	// ConversationCount is how many conversations the visitor has, which
	// can be more than the sidebar lists; zero means the list's length.
	ConversationCount int
	// SignedIn is set when the instance has an access password and this
	// browser gave it: the sidebar then offers to log out.
	SignedIn bool
	// Minimal pages (errors) are drawn without asking the store anything:
	// the sidebar lists no conversations.
	Minimal bool
	// Refresh makes the page reload itself every few seconds when
	// JavaScript is off, while an answer on it is still being written.
	Refresh bool
	// Now is when the page is drawn, for grouping the list by date (zero:
	// the clock's now).
	Now time.Time
	// Back is this page's own address, where the sidebar's rename and
	// delete forms return to (empty: the conversation acted on, or the
	// new chat).
	Back string
	// Query is the search shown in the sidebar's search box.
	Query string
	// ReadOnly pages (a shared link) show someone else's conversation:
	// no sidebar, nothing of the visitor's own, and not for search engines.
	ReadOnly bool
}

// SearchPage is the page of a search's results, without JavaScript.
type SearchPage struct {
	Page
	Hits []chat.SearchHit
}

// ChatPage is a conversation, or a new chat when Conversation.ID is empty.
type ChatPage struct {
	Page
	Conversation chat.Conversation
	// Messages are the page's, hidden answer versions included: Thread
	// picks what is shown. A long conversation's page holds its latest.
	Messages []chat.Message
	// Earlier, when set, is the first message shown, and earlier ones
	// exist: the page links to them. Before, when set, is where this page
	// ends: it shows earlier messages, not the latest.
	Earlier, Before string
	Composer        Composer
	// FitResult is the scored fit check the conversation started from, if
	// it did: the page shows its result card.
	FitResult *fit.Result
	// Share is the conversation's read-only link, for its share panel.
	Share ShareState
	// Edit, when set, is an edit of a question that was refused: the page
	// shows it open, with the text and what to change.
	Edit *Edit
}

// Edit is the state of a question's Edit form after a refused edit.
type Edit struct {
	QuestionID, Text, Error string
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
		return StartConversationURL()
	}
	return AskURL(c.ConversationID)
}

// Starters returns the questions offered on an empty chat. The first opens
// the fit check rather than asking the chat.
func Starters() []string {
	return []string{
		"Which role fits me?",
		"What does an ML engineer do day to day?",
		"What tools does a Gen AI application developer use?",
		"Explain the difference with the pizza restaurant analogy.",
		"I already build React apps. What is my fastest way into AI?",
	}
}

// Item is one message as shown, with what can be done with it.
type Item struct {
	chat.Message
	// CanRegenerate: the latest answer, finished, can be asked again
	// (Regenerate), or, if it did not finish well, tried again.
	CanRegenerate bool
	// CanContinue: the latest answer was cut at the length limit, and
	// the model can be asked to go on with it.
	CanContinue bool
	// Version is this answer's place (from 1) among the Versions answers
	// given to its question, or this question's among its versions (made
	// by editing it); Prev and Next are their ids, if any.
	Version, Versions int
	Prev, Next        string
	// CanRate: a finished answer its owner can say helped or not. Thread
	// draws the owner's view; a read-only view of someone else's (a shared
	// page) leaves it false.
	CanRate bool
	// EditText and EditError, after a refused edit of this question, open
	// its Edit form with the text and what to change.
	EditText, EditError string
}

// Thread returns the messages a person sees, in order: the questions and
// the shown version of each answer. The provider that answers decides
// whether a finished answer can be regenerated: the offline answerer gives
// the same text to the same question, so its answers are not. (Messages do
// not record which provider wrote them; the one answering now is the one
// a regeneration would use.)
func Thread(msgs []chat.Message, provider chat.ProviderInfo) []Item {
	versions := map[string][]string{}  // question id → its answers, oldest first
	questions := map[string][]string{} // question followed → the versions of the next question
	hidden := map[string]bool{}
	for _, m := range msgs {
		if m.Role == chat.RoleAssistant && m.ReplyTo != "" {
			versions[m.ReplyTo] = append(versions[m.ReplyTo], m.ID)
		}
		if m.Role == chat.RoleUser {
			// A question on a branch not shown follows a question not
			// shown, so it never joins a shown question's versions.
			questions[m.Follows] = append(questions[m.Follows], m.ID)
			hidden[m.ID] = m.Hidden
		}
	}
	visible := chat.Visible(msgs)
	items := make([]Item, len(visible))
	for i, m := range visible {
		it := Item{Message: m}
		ids := versions[m.ReplyTo]
		if m.Role == chat.RoleUser {
			// Of the questions that follow one, only one is shown: others
			// shown beside it (messages put together by hand, with no
			// Follows) are turns, not versions.
			ids = slices.DeleteFunc(slices.Clone(questions[m.Follows]), func(id string) bool { return id != m.ID && !hidden[id] })
		}
		if (m.Role == chat.RoleUser || m.ReplyTo != "") && len(ids) > 0 {
			it.Versions = len(ids)
			for k, id := range ids {
				if id != m.ID {
					continue
				}
				it.Version = k + 1
				if k > 0 {
					it.Prev = ids[k-1]
				}
				if k+1 < len(ids) {
					it.Next = ids[k+1]
				}
			}
		}
		it.CanRate = m.Role == chat.RoleAssistant && m.Content != "" &&
			(m.State == chat.StateDone || m.State == chat.StateStopped)
		it.CanRegenerate = i == len(visible)-1 && m.Role == chat.RoleAssistant && m.State.Final() &&
			(m.State != chat.StateDone || !provider.Offline)
		it.CanContinue = i == len(visible)-1 && chat.CanContinue(m)
		items[i] = it
	}
	return items
}

// Streaming reports whether an answer among msgs is still being written.
func Streaming(msgs []chat.Message) bool {
	for _, m := range msgs {
		if m.State == chat.StateStreaming {
			return true
		}
	}
	return false
}

// ItemFor returns the item of message id in msgs.
func ItemFor(msgs []chat.Message, id string, provider chat.ProviderInfo) (Item, bool) {
	for _, it := range Thread(msgs, provider) {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
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

// titleOr returns a conversation's title, or a stand-in for an empty one.
func titleOr(title string) string {
	if title == "" {
		return "Untitled conversation"
	}
	return title
}

// Login is the access-password form's state: where to go once in, and why
// the last attempt failed. The password itself is never put back.
type Login struct {
	Next  string
	Error string
}
