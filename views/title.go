package views

import "github.com/rolefit/rolefit/internal/chat"

// tabTitle is what the browser's tab shows for a conversation: its own
// title, so that several open conversations can be told apart.
func tabTitle(c chat.Conversation) string {
	return titleOr(c.Title) + " · Rolefit"
}

// conversationPage is p titled after the conversation on it, if any.
func conversationPage(p Page, c chat.Conversation) Page {
	if c.ID != "" {
		p.Title = tabTitle(c)
	}
	return p
}

// currentConversation finds the conversation on screen among the
// sidebar's list (the list is what a turn's response already carries).
func currentConversation(p Page) (chat.Conversation, bool) {
	for _, c := range p.Conversations {
		if c.ID == p.CurrentID && c.ID != "" {
			return c, true
		}
	}
	return chat.Conversation{}, false
}

// stopFormID names an answer's Stop form, so that app.js can show its
// button in the composer, in Send's place, while the answer streams.
func stopFormID(answerID string) string { return "stop-" + answerID }
