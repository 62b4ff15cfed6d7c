// Package export writes a conversation out for people to keep: Markdown to
// read (citations become footnotes naming the article's passages) and JSON
// for scripts (every message: earlier answer versions, and every branch an
// edited question started).
package export

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/cite"
	"github.com/rolefit/rolefit/internal/prompts"
	"github.com/rolefit/rolefit/views"
)

// Markdown renders the conversation as the person sees it: the branch shown,
// with the shown version of each question and answer.
func Markdown(c chat.Conversation, msgs []chat.Message) []byte {
	var b strings.Builder
	title := c.Title
	if title == "" {
		title = "Rolefit conversation"
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "_Exported from Rolefit on %s. Answers are grounded in [“%s”](%s) by %s, %s._\n",
		c.UpdatedAt.UTC().Format("2 January 2006"), prompts.Source().Title, prompts.Source().URL, prompts.Source().Author, prompts.Source().Publication)

	// Footnotes are numbered across the whole export, one per section.
	var numbers cite.Numbers
	var notes []string
	footnote := func(id string) string {
		p, ok := views.CitedPassage(id)
		if !ok {
			return "" // never cite what does not exist
		}
		n := numbers.For(id)
		if n > len(notes) {
			notes = append(notes, fmt.Sprintf("[^%d]: %s (%s)", n, p.Title, p.URL))
		}
		return fmt.Sprintf("[^%d]", n)
	}
	for _, m := range chat.Visible(msgs) {
		switch m.Role {
		case chat.RoleUser:
			fmt.Fprintf(&b, "\n## You\n\n%s\n", m.Content)
		case chat.RoleAssistant:
			fmt.Fprintf(&b, "\n## Rolefit\n\n%s\n", cite.Replace(m.Content, footnote))
			if m.State != chat.StateDone {
				fmt.Fprintf(&b, "\n_(This answer %s.)_\n", stateWords(m.State, m.Error))
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n---\n\n")
		fmt.Fprintf(&b, "Sources, from “%s” by %s, %s:\n\n", prompts.Source().Title, prompts.Source().Author, prompts.Source().Publication)
		b.WriteString(strings.Join(notes, "\n"))
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func stateWords(s chat.State, errMsg string) string {
	var w string
	switch s {
	case chat.StateStopped:
		w = "was stopped before it was finished"
	case chat.StateInterrupted:
		w = "was interrupted by a restart"
	case chat.StateError:
		w = "failed"
	default:
		w = "was not finished"
	}
	if errMsg != "" {
		w += ": " + strings.TrimSuffix(errMsg, ".")
	}
	return w
}

// Conversation is the JSON form of an export.
type Conversation struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Source    Source    `json:"source"`
	Messages  []Message `json:"messages"`
}

// Source credits the article the answers are grounded in.
type Source struct {
	Title       string `json:"title"`
	Author      string `json:"author"`
	Publication string `json:"publication"`
	URL         string `json:"url"`
}

// Message is one message of a JSON export. Hidden messages are not on the
// page: answer or question versions that are not the one shown, and the
// messages of branches not shown. The branches are a tree: a question
// follows the question named by Follows (none for a first question), and
// the questions that follow the same one are versions of one another; an
// answer replies to its question (ReplyTo).
type Message struct {
	ID      string `json:"id"`
	Role    string `json:"role"`
	Content string `json:"content"`
	State   string `json:"state"`
	Error   string `json:"error,omitempty"`
	ReplyTo string `json:"reply_to,omitempty"`
	Follows string `json:"follows,omitempty"`
	Hidden  bool   `json:"hidden,omitempty"`
	// Reasoning is a reasoning model's thinking before the answer: not
	// part of the answer (and left out of the Markdown export).
	Reasoning *Reasoning `json:"reasoning,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	// AnswerMeta is how an answer was made (the page's "How this answer
	// was made"), when it was recorded. Not in the Markdown export, which
	// is the conversation as read.
	AnswerMeta *chat.AnswerMeta `json:"answer_meta,omitempty"`
	// Feedback is how the person rated an answer, when they did. Not in
	// the Markdown export either.
	Feedback *chat.Feedback `json:"feedback,omitempty"`
}

// Reasoning is the thinking a model did before an answer.
type Reasoning struct {
	Text      string `json:"text"`
	ThoughtMS int64  `json:"thought_ms"`
}

// JSON returns the conversation with all its messages, for encoding.
func JSON(c chat.Conversation, msgs []chat.Message) Conversation {
	out := Conversation{
		ID: c.ID, Title: c.Title, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
		Source:   Source{prompts.Source().Title, prompts.Source().Author, prompts.Source().Publication, prompts.Source().URL},
		Messages: make([]Message, 0, len(msgs)),
	}
	for _, m := range msgs {
		em := Message{
			ID: m.ID, Role: string(m.Role), Content: m.Content, State: string(m.State), Error: m.Error,
			ReplyTo: m.ReplyTo, Follows: m.Follows, Hidden: m.Hidden, CreatedAt: m.CreatedAt.UTC(), AnswerMeta: m.Meta,
		}
		if m.Feedback != nil {
			f := *m.Feedback
			f.At = f.At.UTC()
			em.Feedback = &f
		}
		if m.Reasoning != "" {
			em.Reasoning = &Reasoning{Text: m.Reasoning, ThoughtMS: m.ThoughtFor.Milliseconds()}
		}
		out.Messages = append(out.Messages, em)
	}
	return out
}

// Rated is one rated answer in the operator's export of every rating
// (JSON Lines): what someone improving the prompt needs to see what was
// asked, what came back, from which model and which sections, and how the
// person judged it. It names no visitor.
type Rated struct {
	AnswerID string `json:"answer_id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	// State is how the answer ended: done, or stopped.
	State string `json:"state"`
	// Provider and Model are those that wrote the answer, when that was
	// recorded (ANSWER_DETAILS on); empty otherwise.
	Provider string `json:"provider,omitempty"`
	Model    string `json:"model,omitempty"`
	// CitedSections are the knowledge sections the answer cites, in the
	// order first cited.
	CitedSections []string    `json:"cited_sections"`
	Rating        chat.Rating `json:"rating"`
	Reason        chat.Reason `json:"reason,omitempty"`
	Comment       string      `json:"comment,omitempty"`
	At            time.Time   `json:"at"`
}

// RatedAnswer is the export line of a rated answer and its question.
func RatedAnswer(question, answer chat.Message) Rated {
	r := Rated{
		AnswerID: answer.ID, Question: question.Content, Answer: answer.Content, State: string(answer.State),
		// From the text, not the recorded details, so answers from
		// while ANSWER_DETAILS was off have them too.
		CitedSections: views.CitedSections(answer.Content),
	}
	if r.CitedSections == nil {
		r.CitedSections = []string{}
	}
	if answer.Meta != nil {
		r.Provider, r.Model = answer.Meta.Provider, answer.Meta.Model
	}
	if f := answer.Feedback; f != nil {
		r.Rating, r.Reason, r.Comment, r.At = f.Rating, f.Reason, f.Comment, f.At.UTC()
	}
	return r
}

// FileName makes a safe, readable download name from a title.
func FileName(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if b.Len() >= 60 {
			break
		}
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		return "rolefit-conversation"
	}
	return "rolefit-" + name
}
