package views

import (
	"net/url"
	"strconv"
	"unicode/utf8"
)

// Every address and DOM id that handlers, other packages and the pages
// refer to is built here, so that they cannot drift apart. A test in
// internal/server checks that the mux routes every URL these functions
// build (each function whose name ends in URL).

// NewChatURL is the empty chat with the starter questions.
func NewChatURL() string { return "/" }

// StartConversationURL is where the first question of a new conversation
// is posted.
func StartConversationURL() string { return "/c" }

// ConversationURL is a conversation's own page.
func ConversationURL(id string) string { return "/c/" + url.PathEscape(id) }

// EarlierURL is the page of a conversation's messages that come before
// message before: a link without JavaScript, a fragment with htmx.
func EarlierURL(conversationID, before string) string {
	return ConversationURL(conversationID) + "?before=" + url.QueryEscape(before)
}

// AskURL is where a question in an existing conversation is posted.
func AskURL(conversationID string) string { return ConversationURL(conversationID) + "/messages" }

// MessageURL is a message on its conversation's page.
func MessageURL(conversationID, messageID string) string {
	return ConversationURL(conversationID) + "#" + messageDOMID(messageID)
}

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

// SystemPromptURL is the system prompt sent for an answer, which its
// details load when opened.
func SystemPromptURL(conversationID, answerID string) string {
	return answerURL(conversationID, answerID, "system-prompt")
}

// StopURL stops an answer being written.
func StopURL(conversationID, answerID string) string {
	return answerURL(conversationID, answerID, "stop")
}

// RegenerateURL answers the question of an answer again.
func RegenerateURL(conversationID, answerID string) string {
	return answerURL(conversationID, answerID, "regenerate")
}

// ContinueURL has the model go on with an answer it cut at its length
// limit.
func ContinueURL(conversationID, answerID string) string {
	return answerURL(conversationID, answerID, "continue")
}

// ShowVersionURL makes an answer the shown version of its question's answer.
func ShowVersionURL(conversationID, answerID string) string {
	return answerURL(conversationID, answerID, "show")
}

// FeedbackURL rates an answer (thumbs up or down, and why).
func FeedbackURL(conversationID, answerID string) string {
	return answerURL(conversationID, answerID, "feedback")
}

func questionURL(conversationID, questionID, action string) string {
	return ConversationURL(conversationID) + "/questions/" + url.PathEscape(questionID) + "/" + action
}

// EditQuestionURL asks a question again with edited text: the
// conversation branches there.
func EditQuestionURL(conversationID, questionID string) string {
	return questionURL(conversationID, questionID, "edit")
}

// ShowQuestionURL makes a question the shown version of its question, with
// the branch that follows it.
func ShowQuestionURL(conversationID, questionID string) string {
	return questionURL(conversationID, questionID, "show")
}

// RenameURL, DeleteURL and the export URLs act on one conversation.
func RenameURL(conversationID string) string { return ConversationURL(conversationID) + "/rename" }
func DeleteURL(conversationID string) string { return ConversationURL(conversationID) + "/delete" }
func ExportMarkdownURL(conversationID string) string {
	return ConversationURL(conversationID) + "/export.md"
}
func ExportJSONURL(conversationID string) string {
	return ConversationURL(conversationID) + "/export.json"
}

// DeleteAllURL deletes every conversation of the visitor.
func DeleteAllURL() string { return "/c/delete-all" }

// FitURL is the fit check: its questions (GET) and their answers (POST).
func FitURL() string { return "/fit" }

// FitDiscussURL asks the chat about a conversation's fit check result.
func FitDiscussURL(conversationID string) string {
	return ConversationURL(conversationID) + "/fit/discuss"
}

// ShareURL creates (or refreshes) a conversation's read-only link;
// RevokeShareURL deletes it; SharePanelURL is the conversation's page with
// its share panel open, where the owner lands after either.
func ShareURL(conversationID string) string       { return ConversationURL(conversationID) + "/share" }
func RevokeShareURL(conversationID string) string { return ShareURL(conversationID) + "/revoke" }
func SharePanelURL(conversationID string) string {
	return ConversationURL(conversationID) + "?share=open#" + sharePanelID
}

// SharedURL is a read-only link's page, its address made of the link's own
// id; ContinueSharedURL copies it into the visitor's own conversations.
func SharedURL(shareID string) string         { return "/s/" + url.PathEscape(shareID) }
func ContinueSharedURL(shareID string) string { return SharedURL(shareID) + "/continue" }

// SourceURL is the whole knowledge base; SourceSectionURL one section on
// it, where a citation leads without JavaScript; SourcePassageURL the
// section alone, for the citation panel.
func SourceURL() string                 { return "/source" }
func SourceSectionURL(id string) string { return SourceURL() + "#" + url.PathEscape(id) }
func SourcePassageURL(id string) string { return SourceURL() + "/" + url.PathEscape(id) }

// LoginURL asks for the access password, then goes on to next (a path of
// this site, already checked).
func LoginURL(next string) string {
	if next == "" || next == "/" {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}

// LogoutURL ends the browser's session.
func LogoutURL() string { return "/logout" }

// MaxAskChars bounds a question prefilled from a link (see AskLinkURL):
// follow-up suggestions are short, and a link should not fill the box
// with a page of text.
const MaxAskChars = 500

// AskLinkURL is a link that puts question in the composer: of a new chat,
// or of conversation conversationID when it is not empty. With JavaScript,
// a click on such a link in an answer sends the question at once; without,
// the question waits in the box for one click on Send.
func AskLinkURL(conversationID, question string) string {
	base := NewChatURL()
	if conversationID != "" {
		base = ConversationURL(conversationID)
	}
	return base + "?ask=" + url.QueryEscape(question)
}

// AskParam reads the question an AskLinkURL carries, cut to MaxAskChars
// characters.
func AskParam(q url.Values) string {
	s := q.Get("ask")
	if !utf8.ValidString(s) {
		return ""
	}
	if utf8.RuneCountInString(s) > MaxAskChars {
		s = string([]rune(s)[:MaxAskChars])
	}
	return s
}

// DOM ids that handlers retarget htmx responses to, and app.js looks up.
const (
	noticeID          = "notice"
	composerID        = "composer"
	fitFormID         = "fit-form"
	messagesID        = "messages"
	earlierID         = "earlier"
	conversationBarID = "conversation-bar"
	sidebarListID     = "sidebar-list"
	sharePanelID      = "share-panel"
)

// NoticeTarget is the selector of the notice area every page has, where
// an htmx request's error is shown.
func NoticeTarget() string { return "#" + noticeID }

// ComposerTarget is the selector of the question form.
func ComposerTarget() string { return "#" + composerID }

// FitFormTarget is the selector of the fit check's form.
func FitFormTarget() string { return "#" + fitFormID }

// MessagesTarget is the selector of the list of messages.
func MessagesTarget() string { return "#" + messagesID }

func messageDOMID(id string) string { return "m-" + id }

// FeedbackTarget is the selector of an answer's feedback controls, which
// a rating replaces.
func FeedbackTarget(answerID string) string { return "#" + feedbackDOMID(answerID) }
func feedbackDOMID(id string) string        { return "feedback-" + id }

func editDOMID(id string) string { return "edit-" + id }

// EditTarget is the selector of a question's Edit form, where a refused
// edit is shown.
func EditTarget(questionID string) string { return "#" + editDOMID(questionID) }
