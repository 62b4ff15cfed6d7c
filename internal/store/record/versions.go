package record

import (
	"fmt"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// CheckAnswerVersion refuses, before any SQL, a message that cannot be a
// new version of an answer: only an assistant's reply to a question has
// versions, and the versions of one answer are the replies to one
// question.
func CheckAnswerVersion(answer chat.Message) error {
	if answer.Role != chat.RoleAssistant || answer.ReplyTo == "" {
		return fmt.Errorf("%q is not an answer to a question", answer.ID)
	}
	return nil
}

// CheckQuestionVersion refuses, before any SQL, a question and answer
// that are not a question and its answer in one conversation; for those
// that are, it is the time their conversation's UpdatedAt moves to: the
// later of theirs, as AddMessages moves it to its newest message's.
func CheckQuestionVersion(question, answer chat.Message) (newest time.Time, err error) {
	if question.Role != chat.RoleUser || answer.Role != chat.RoleAssistant || answer.ReplyTo != question.ID ||
		question.ConversationID != answer.ConversationID {
		return time.Time{}, fmt.Errorf("%q and %q are not a question and its answer", question.ID, answer.ID)
	}
	newest = question.CreatedAt
	if answer.CreatedAt.After(newest) {
		newest = answer.CreatedAt
	}
	return newest, nil
}
