package chat

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ConversationsListed bounds the list a visitor is shown: a shorter list
// is all of their conversations.
const ConversationsListed = 200

// Conversations lists the visitor's latest conversations, at most
// ConversationsListed, most recent first.
func (s *Service) Conversations(ctx context.Context, visitorID string) ([]Conversation, error) {
	if visitorID == "" {
		return nil, nil
	}
	cs, err := s.store.ConversationsByVisitor(ctx, visitorID, ConversationsListed)
	if err != nil {
		return nil, fmt.Errorf("chat: list conversations: %w", err)
	}
	return cs, nil
}

// MessagesPerPage is how many messages a conversation's page shows: its
// latest, the earlier ones a page at a time on demand. A 2,000-turn
// conversation in one page was 5 MB of HTML.
const MessagesPerPage = 50

// ConversationPage returns a conversation the visitor owns and a page of
// its messages: the latest MessagesPerPage shown ones before the message
// before (the very latest when before is ""), with their hidden versions,
// and whether earlier ones exist. An answer still being written carries
// the text so far, as in Conversation.
func (s *Service) ConversationPage(ctx context.Context, visitorID, conversationID, before string) (Conversation, []Message, bool, error) {
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Conversation{}, nil, false, err
	}
	msgs, more, err := s.store.LatestMessages(ctx, c.ID, before, MessagesPerPage)
	if err != nil {
		return Conversation{}, nil, false, fmt.Errorf("chat: conversation page: %w", err)
	}
	return c, s.withLive(c.ID, msgs), more, nil
}

// Rename gives a conversation a new title.
func (s *Service) Rename(ctx context.Context, visitorID, conversationID, title string) error {
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return err
	}
	title = strings.Join(strings.FieldsFunc(title, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	switch n := utf8.RuneCountInString(title); {
	case !utf8.ValidString(title) || n == 0:
		return Errorf(EINVALID, "Give the conversation a name.")
	case n > 80:
		return Errorf(EINVALID, "Names can be up to 80 characters long; this one has %d.", n)
	}
	if err := s.store.RenameConversation(ctx, c.ID, title); err != nil {
		return fmt.Errorf("chat: rename: %w", err)
	}
	return nil
}

// Delete deletes a conversation, stopping its answer first if one is being
// written, so nothing is saved into it afterwards.
func (s *Service) Delete(ctx context.Context, visitorID, conversationID string) error {
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return err
	}
	if err := s.stopAnswers(ctx, func(id string) bool { return id == c.ID }); err != nil {
		return err
	}
	s.stopAnswersElsewhere(ctx, c.ID)
	if err := s.store.DeleteConversation(ctx, c.ID); err != nil {
		return fmt.Errorf("chat: delete: %w", err)
	}
	return nil
}

// DeleteAll deletes every conversation of the visitor.
func (s *Service) DeleteAll(ctx context.Context, visitorID string) (int, error) {
	if visitorID == "" {
		return 0, nil
	}
	cs, err := s.store.ConversationsByVisitor(ctx, visitorID, 1<<30)
	if err != nil {
		return 0, fmt.Errorf("chat: delete all: %w", err)
	}
	mine := make(map[string]bool, len(cs))
	for _, c := range cs {
		mine[c.ID] = true
	}
	if err := s.stopAnswers(ctx, func(id string) bool { return mine[id] }); err != nil {
		return 0, err
	}
	n, err := s.store.DeleteConversationsByVisitor(ctx, visitorID)
	if err != nil {
		return 0, fmt.Errorf("chat: delete all: %w", err)
	}
	return n, nil
}

// DeleteUntouched deletes conversations nobody has touched for the given
// time, for the retention setting, and reports how many.
func (s *Service) DeleteUntouched(ctx context.Context, age time.Duration) (int, error) {
	n, err := s.store.DeleteConversationsUntouchedSince(ctx, s.now().Add(-age))
	if err != nil {
		return 0, fmt.Errorf("chat: retention: %w", err)
	}
	return n, nil
}

// stopAnswers cancels the live answers of the conversations matched and
// waits until they are saved.
func (s *Service) stopAnswers(ctx context.Context, match func(conversationID string) bool) error {
	s.mu.Lock()
	var stopping []*liveAnswer
	for _, a := range s.answers {
		if match(a.conversationID) {
			stopping = append(stopping, a)
		}
	}
	s.mu.Unlock()
	for _, a := range stopping {
		a.cancel(errDeleted)
		select {
		case <-a.done:
		case <-ctx.Done():
			return fmt.Errorf("chat: stop answers: %w", ctx.Err())
		}
	}
	return nil
}

// StartFitCheck starts a conversation from the role-fit check: it holds the
// answers (already validated by the caller, which knows the questions) and
// no messages yet; the person can then discuss the result.
func (s *Service) StartFitCheck(ctx context.Context, visitorID, title string, answers map[string]string) (Conversation, error) {
	if visitorID == "" {
		return Conversation{}, fmt.Errorf("chat: start fit check: no visitor id")
	}
	now := s.stamp()
	c := Conversation{ID: newID(), VisitorID: visitorID, Title: title, FitAnswers: answers, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateConversation(ctx, c); err != nil {
		return Conversation{}, fmt.Errorf("chat: start fit check: %w", err)
	}
	return c, nil
}
