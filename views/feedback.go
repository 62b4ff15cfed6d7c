package views

import (
	"strconv"

	"github.com/rolefit/rolefit/internal/chat"
)

func ratingOf(f *chat.Feedback) chat.Rating {
	if f == nil {
		return ""
	}
	return f.Rating
}

// toggled is what pressing a thumb asks for: its rating, or none when it
// is the rating already given, so pressing it again takes it back.
func toggled(current, thumb chat.Rating) string {
	if current == thumb {
		return ""
	}
	return string(thumb)
}

func pressed(current, thumb chat.Rating) string {
	return strconv.FormatBool(current == thumb)
}

// reasonLabel is how a reason for a thumbs down is offered to people.
func reasonLabel(r chat.Reason) string {
	switch r {
	case chat.ReasonWrong:
		return "Wrong"
	case chat.ReasonNotFromSource:
		return "Not from the article"
	case chat.ReasonNotHelpful:
		return "Not helpful"
	}
	return string(r)
}

func maxCommentAttr() string { return strconv.Itoa(chat.MaxFeedbackComment) }
