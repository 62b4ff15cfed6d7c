package chat

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Rating is what a person said of an answer: it helped, or it did not.
type Rating string

const (
	RatingUp   Rating = "up"
	RatingDown Rating = "down"
)

// Reason is why an answer did not help, one of a few choices, so that
// whoever improves the prompt can count them.
type Reason string

const (
	ReasonWrong         Reason = "wrong"
	ReasonNotFromSource Reason = "not-from-article"
	ReasonNotHelpful    Reason = "not-helpful"
)

// Reasons lists the choices a thumbs down offers, in the order shown.
func Reasons() []Reason { return []Reason{ReasonWrong, ReasonNotFromSource, ReasonNotHelpful} }

// MaxFeedbackComment is the longest free-text reason, in characters: a
// short note, not an essay.
const MaxFeedbackComment = 300

// Feedback is a person's rating of one answer, kept with the answer.
type Feedback struct {
	Rating Rating `json:"rating"`
	// Reason and Comment are a thumbs down's optional why: a choice and
	// free text. Empty for a thumbs up.
	Reason  Reason    `json:"reason,omitempty"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// SetFeedback records how the visitor rated an answer of their own
// conversation: rating up or down (down with an optional reason and
// comment), or "" to take the rating back. It is one store write, and
// replaces whatever was said before. It returns the answer as it now is.
func (s *Service) SetFeedback(ctx context.Context, visitorID, conversationID, answerID string, rating Rating, reason Reason, comment string) (Message, error) {
	f, err := newFeedback(rating, reason, comment, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return Message{}, err
	}
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Message{}, err
	}
	m, err := s.store.Message(ctx, answerID)
	if err != nil {
		return Message{}, fmt.Errorf("chat: feedback: %w", err)
	}
	if m.ConversationID != c.ID || m.Role != RoleAssistant {
		return Message{}, fmt.Errorf("chat: feedback on %s: %w", answerID, ErrNotFound)
	}
	// The store may lag what this process knows: an answer is finished
	// when its generator says so.
	if live := s.withLive(c.ID, []Message{m}); !live[0].State.Final() {
		return Message{}, Errorf(ECONFLICT, "This answer is still being written; rate it once it is finished.")
	}
	if err := s.store.SetFeedback(ctx, answerID, f); err != nil {
		return Message{}, fmt.Errorf("chat: feedback: %w", err)
	}
	m.Feedback = f
	return m, nil
}

// newFeedback validates what a person sent; nil means no rating.
func newFeedback(rating Rating, reason Reason, comment string, at time.Time) (*Feedback, error) {
	switch rating {
	case "":
		return nil, nil
	case RatingUp:
		// A reason says why an answer did not help; with a thumbs up it
		// can only be left over from a form, so it is dropped.
		return &Feedback{Rating: RatingUp, At: at}, nil
	case RatingDown:
	default:
		return nil, Errorf(EINVALID, "Rate an answer with a thumbs up or a thumbs down.")
	}
	if reason != "" && !knownReason(reason) {
		return nil, Errorf(EINVALID, "Choose one of the reasons offered, or none.")
	}
	if !utf8.ValidString(comment) {
		return nil, Errorf(EINVALID, "The reason must be plain text.")
	}
	// Control characters are dropped and blank runs folded: the note is
	// one short line in an operator's export.
	comment = strings.Join(strings.FieldsFunc(comment, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if n := utf8.RuneCountInString(comment); n > MaxFeedbackComment {
		return nil, Errorf(EINVALID, "A reason can be up to %d characters long; this one has %d.", MaxFeedbackComment, n)
	}
	return &Feedback{Rating: RatingDown, Reason: reason, Comment: comment, At: at}, nil
}

func knownReason(r Reason) bool {
	for _, k := range Reasons() {
		if r == k {
			return true
		}
	}
	return false
}
