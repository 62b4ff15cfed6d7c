package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Share is a read-only link to a conversation as it was when shared: a
// copy, not a view, so what the owner adds, renames or regenerates later
// never reaches it. Its ID is random and its own; the conversation's id is
// kept only for its owner's page and is never shown to the link's visitors.
type Share struct {
	ID             string
	ConversationID string
	Title          string
	FitAnswers     map[string]string
	Messages       []SharedMessage
	CreatedAt      time.Time
}

// SharedMessage is one shown message of a shared conversation: what a
// reader sees, nothing of how it was made.
type SharedMessage struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
	State   State  `json:"state"`
}

// ShareStore keeps the links. Implementations return an error wrapping
// ErrNotFound for an unknown or revoked link, and delete a conversation's
// link with the conversation.
type ShareStore interface {
	// SaveShare stores s as the link of s.ConversationID. A conversation
	// has one link: when it already has one, its snapshot is replaced and
	// its id kept. SaveShare returns the id in effect.
	SaveShare(ctx context.Context, s Share) (string, error)
	// Share returns the link with the given id.
	Share(ctx context.Context, id string) (Share, error)
	// ShareOf returns the link of a conversation.
	ShareOf(ctx context.Context, conversationID string) (Share, error)
	// DeleteShare revokes the link of a conversation; revoking one that
	// has none is not an error.
	DeleteShare(ctx context.Context, conversationID string) error
}

// errNoSharing answers every share request of a service built without a
// ShareStore: as if the link did not exist.
var errNoSharing = Errorf(ENOTFOUND, "Sharing is not available here.")

// errUnknownShare is the one answer for a link that does not exist or was
// revoked: the same words, so neither can be told from the other.
var errUnknownShare = Errorf(ENOTFOUND, "There is no page at this address. The link may be incomplete.")

func (s *Service) shares() (ShareStore, error) {
	if s.cfg.Shares == nil {
		return nil, errNoSharing
	}
	return s.cfg.Shares, nil
}

// ShareConversation creates the read-only link of a conversation the
// visitor owns, or refreshes its snapshot, keeping its address. An answer
// still being written is not shared half done: the owner is asked to wait.
func (s *Service) ShareConversation(ctx context.Context, visitorID, conversationID string) (Share, error) {
	st, err := s.shares()
	if err != nil {
		return Share{}, err
	}
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Share{}, err
	}
	msgs, err := s.store.Messages(ctx, c.ID)
	if err != nil {
		return Share{}, fmt.Errorf("chat: share: %w", err)
	}
	sh := Share{ID: newID(), ConversationID: c.ID, Title: c.Title, FitAnswers: c.FitAnswers, CreatedAt: s.stamp()}
	for _, m := range Visible(msgs) {
		if !m.State.Final() {
			return Share{}, Errorf(ECONFLICT, "An answer is still being written. Share the conversation once it has finished.")
		}
		sh.Messages = append(sh.Messages, SharedMessage{Role: m.Role, Content: m.Content, State: m.State})
	}
	if len(sh.Messages) == 0 && len(sh.FitAnswers) == 0 {
		return Share{}, Errorf(EINVALID, "There is nothing in this conversation to share yet.")
	}
	if sh.ID, err = st.SaveShare(ctx, sh); err != nil {
		return Share{}, fmt.Errorf("chat: share: %w", err)
	}
	return sh, nil
}

// ShareOf returns the link of a conversation the visitor owns, and whether
// it has one.
func (s *Service) ShareOf(ctx context.Context, visitorID, conversationID string) (Share, bool, error) {
	st, err := s.shares()
	if err != nil {
		return Share{}, false, nil
	}
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Share{}, false, err
	}
	sh, err := st.ShareOf(ctx, c.ID)
	if errors.Is(err, ErrNotFound) {
		return Share{}, false, nil
	}
	if err != nil {
		return Share{}, false, fmt.Errorf("chat: share of %s: %w", c.ID, err)
	}
	return sh, true, nil
}

// RevokeShare deletes the link of a conversation the visitor owns: its
// address then answers like one that never existed.
func (s *Service) RevokeShare(ctx context.Context, visitorID, conversationID string) error {
	st, err := s.shares()
	if err != nil {
		return err
	}
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return err
	}
	if err := st.DeleteShare(ctx, c.ID); err != nil {
		return fmt.Errorf("chat: revoke share: %w", err)
	}
	return nil
}

// Shared returns the link with the given id, to anyone who has it.
func (s *Service) Shared(ctx context.Context, shareID string) (Share, error) {
	st, err := s.shares()
	if err != nil {
		return Share{}, err
	}
	sh, err := st.Share(ctx, shareID)
	if errors.Is(err, ErrNotFound) {
		return Share{}, errUnknownShare
	}
	if err != nil {
		return Share{}, fmt.Errorf("chat: shared %s: %w", shareID, err)
	}
	return sh, nil
}

// ContinueShared copies a shared conversation into the visitor's own, as a
// new conversation of theirs with the same messages, so they can ask on
// from there. The copy has nothing of the original but what the link
// shows.
func (s *Service) ContinueShared(ctx context.Context, visitorID, shareID string) (Conversation, error) {
	if visitorID == "" {
		return Conversation{}, fmt.Errorf("chat: continue shared: no visitor id")
	}
	sh, err := s.Shared(ctx, shareID)
	if err != nil {
		return Conversation{}, err
	}
	now := s.stamp()
	c := Conversation{ID: newID(), VisitorID: visitorID, Title: sh.Title, FitAnswers: sh.FitAnswers, CreatedAt: now, UpdatedAt: now}
	msgs := make([]Message, 0, len(sh.Messages))
	question := ""
	for _, m := range sh.Messages {
		msg := Message{ID: newID(), ConversationID: c.ID, Role: m.Role, Content: m.Content, State: m.State, CreatedAt: s.stamp()}
		msg.UpdatedAt = msg.CreatedAt
		switch m.Role {
		case RoleUser:
			question = msg.ID
		case RoleAssistant:
			msg.ReplyTo = question
		}
		msgs = append(msgs, msg)
	}
	// In one write: never left half copied, as an empty conversation
	// would look like the copy.
	if err := s.store.CreateConversation(ctx, c, msgs...); err != nil {
		return Conversation{}, fmt.Errorf("chat: continue shared: %w", err)
	}
	return c, nil
}
