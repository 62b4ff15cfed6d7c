// Package chat is Rolefit's conversation domain: conversations and their
// messages, the interfaces of the things it needs (a Store and a model
// Provider), and the Service that turns a question into a streamed, saved
// answer. It knows nothing of HTTP, SQL or any model vendor; adapters meet it
// through the types declared here.
package chat

import (
	"context"
	"time"
)

// Role says who wrote a message.
type Role string

const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// State is where an assistant message is in its life. User messages are
// always StateDone.
type State string

const (
	StateStreaming   State = "streaming"   // the model is still writing
	StateDone        State = "done"        // finished normally
	StateStopped     State = "stopped"     // the person pressed stop, or a cap was reached
	StateError       State = "error"       // the model failed; Message.Error says why
	StateInterrupted State = "interrupted" // the server died while it was streaming
)

// Final reports whether no more text will be added in this state.
func (s State) Final() bool { return s != StateStreaming }

// Conversation is one thread of questions and answers, owned by one visitor.
type Conversation struct {
	ID        string
	VisitorID string
	Title     string
	// FitAnswers are the role-fit check's answers (question id to option
	// id) when the conversation started from it; chat does not read them.
	FitAnswers map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Message is one turn of a conversation.
type Message struct {
	ID             string
	ConversationID string
	Role           Role
	Content        string
	State          State
	// Error is the user-facing explanation for StateError and for some
	// StateStopped answers (a cap was reached). Never a raw upstream error.
	Error string
	// ReplyTo is, for an assistant message, the id of the question it
	// answers; several answers to one question are versions of that answer.
	ReplyTo string
	// Follows is, for a question, the id of the question it comes after
	// on its branch ("" for a conversation's first question); questions
	// that follow the same one are versions of one another, made by
	// editing a question and asking it again.
	Follows string
	// Hidden marks a message that is not shown (and not sent to the model
	// as history): an answer or question version that is not the shown
	// one, or a message on a branch not shown. The person can switch back
	// to it.
	Hidden bool
	// Reasoning is a reasoning model's thinking before the answer, kept
	// apart from Content: never sent back as history, never cited from.
	// ThoughtFor is how long the model thought.
	Reasoning  string
	ThoughtFor time.Duration
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Meta is how a finished answer was made; nil for questions, answers
	// still streaming, and answers from before it was recorded or while
	// recording was off.
	Meta *AnswerMeta
	// Feedback is how the person rated an answer; nil when they did not.
	Feedback *Feedback
}

// Store keeps conversations and messages: exactly what Service needs, so
// any database can back it. Implementations are safe for concurrent use,
// keep times to at least the millisecond, and return an error wrapping
// ErrNotFound when a conversation or message does not exist. Opening,
// migrating, readiness checks, crash recovery and closing belong to the
// implementation and its caller, not to this interface. The conformance
// suite in internal/store/storetest states the contract as tests; every
// implementation runs it.
type Store interface {
	// CreateConversation inserts c and, in the same transaction, its
	// first messages as AddMessages would: a conversation never appears
	// without the question it was started with, and a new conversation
	// costs one write.
	CreateConversation(ctx context.Context, c Conversation, msgs ...Message) error
	Conversation(ctx context.Context, id string) (Conversation, error)
	// ConversationsByVisitor lists up to limit (at least 1) of a visitor's
	// conversations, most recently updated first; of two updated in the
	// same instant, the one created later comes first.
	ConversationsByVisitor(ctx context.Context, visitorID string, limit int) ([]Conversation, error)
	// RenameConversation sets the title and touches UpdatedAt.
	RenameConversation(ctx context.Context, id, title string) error
	// DeleteConversation deletes a conversation and its messages.
	DeleteConversation(ctx context.Context, id string) error
	// DeleteConversationsByVisitor deletes every conversation of the
	// visitor, and their messages, and reports how many went.
	DeleteConversationsByVisitor(ctx context.Context, visitorID string) (int, error)
	// DeleteConversationsUntouchedSince deletes conversations last updated
	// before the given time, and their messages, for retention.
	DeleteConversationsUntouchedSince(ctx context.Context, before time.Time) (int, error)

	// Messages returns the conversation's messages in the order they were
	// added, hidden versions and other branches included.
	Messages(ctx context.Context, conversationID string) ([]Message, error)
	Message(ctx context.Context, id string) (Message, error)
	// LatestMessages returns the last limit (at least 1) shown messages
	// added before the message before (of all, when before is ""), oldest
	// first, with the hidden versions of the answers among them; more
	// reports whether shown messages come before them. A long
	// conversation's page shows its end, and earlier pages on demand.
	// An unknown conversation, or a before that is not one of its
	// messages, is an error wrapping ErrNotFound.
	LatestMessages(ctx context.Context, conversationID, before string, limit int) (msgs []Message, more bool, err error)
	// AddMessages inserts the messages in one transaction, in order, and
	// moves the conversation's UpdatedAt to the newest CreatedAt (never
	// back). A question added follows the latest question shown: the
	// conversation goes on along the branch shown (m.Follows is ignored).
	AddMessages(ctx context.Context, msgs ...Message) error
	// SaveAnswer updates an assistant message's content, state and error.
	SaveAnswer(ctx context.Context, id, content string, state State, errMsg string) error
	// SaveAnswersSoFar saves the text so far of answers being written, in
	// one transaction: one write per tick for every live answer, however
	// many, rather than one each. It touches only answers still
	// streaming, so it can never undo a final save that landed first; an
	// answer that no longer exists (its conversation deleted) is skipped.
	SaveAnswersSoFar(ctx context.Context, answers []AnswerSoFar) error
	// StreamingAnswers returns the ids of up to limit (at least 1)
	// answers saved as still being written, oldest first. With several
	// replicas, some of them may have lost their writer (see Relay.Orphans).
	StreamingAnswers(ctx context.Context, limit int) ([]string, error)
	// InterruptAnswers marks interrupted those of the answers ids that are
	// still streaming, keeping the text they saved, and reports how many
	// it marked. An answer that ended meanwhile keeps its ending.
	InterruptAnswers(ctx context.Context, ids []string) (int, error)
	// SaveFinalAnswer saves an ended answer: m.Content, m.State, m.Error
	// and m.Meta of assistant message m.ID, in one write.
	SaveFinalAnswer(ctx context.Context, m Message) error
	// SaveReasoning sets an assistant message's Reasoning and ThoughtFor.
	SaveReasoning(ctx context.Context, id, reasoning string, thoughtFor time.Duration) error
	// AddAnswerVersion adds answer, a new version of the answer to the
	// question answer.ReplyTo, and makes it the shown one, hiding the other
	// versions, in one transaction: a failure leaves the conversation as it
	// was. It touches the conversation's UpdatedAt, as AddMessages does.
	AddAnswerVersion(ctx context.Context, answer Message) error
	// ShowAnswer makes answer id the shown version of its question's
	// answer, hiding the other versions.
	ShowAnswer(ctx context.Context, id string) error
	// AddQuestionVersion adds question as a new version of question of
	// (it follows the question of follows), with answer, its answer, and
	// shows them: the other versions of the question, and everything that
	// came after them, are hidden, in one transaction. It touches the
	// conversation's UpdatedAt. An of that is not a question of the
	// conversation is an error wrapping ErrNotFound, and nothing changes.
	AddQuestionVersion(ctx context.Context, of string, question, answer Message) error
	// ShowQuestion makes question id the shown version of its question:
	// the conversation shows it and the branch that follows it (with the
	// versions of answers and questions that were shown on it), and hides
	// the other versions and what follows them.
	ShowQuestion(ctx context.Context, id string) error

	// SetFeedback sets assistant message id's Feedback (nil clears it) in
	// one write, touching nothing else: rating an answer is not activity
	// that reorders conversations.
	SetFeedback(ctx context.Context, id string, f *Feedback) error

	// SearchConversations returns up to limit (at least 1) of the
	// visitor's conversations, and never another's, whose title, or one
	// of whose shown messages, holds every word of query (a word of the query matches a
	// word it begins: "deploy" finds "deployment"), most recently updated
	// first. A word is a run of letters and digits; everything else in
	// query, quotes and operators included, only separates words, and a
	// query without words finds nothing. An answer still being written is
	// found once it ends.
	SearchConversations(ctx context.Context, visitorID, query string, limit int) ([]SearchHit, error)
}

// SearchHit is a conversation a search found, with where it matched.
type SearchHit struct {
	Conversation Conversation
	// Title is the conversation's title with the words that matched
	// marked (none when only its messages matched).
	Title Marked
	// Passage is a short passage around the best match among the
	// conversation's messages, the matches marked, and MessageID the
	// message it comes from; both empty when only the title matched.
	Passage   Marked
	MessageID string
}

// Marked is text in pieces, in order, the pieces a search matched marked.
type Marked []MarkedText

// MarkedText is one piece of Marked text.
type MarkedText struct {
	Text  string
	Match bool
}

// AnswerSoFar is what is saved, every tick, of an answer being written.
type AnswerSoFar struct {
	ID        string
	Content   string
	Reasoning string
}

// PromptMessage is one message of the request sent to a model.
type PromptMessage struct {
	Role    Role
	Content string
}

// Request is what the Service asks a Provider to answer.
type Request struct {
	// Messages starts with the system message, then the history, oldest
	// first, ending with the person's question.
	Messages []PromptMessage
	// MaxTokens caps the answer's length; 0 means the provider's default.
	MaxTokens int
	// OnReasoning, when set, receives a reasoning model's thinking, in
	// order, from the goroutine that called Stream, apart from the answer
	// text given to onDelta. Providers whose models do not think never
	// call it; when it is nil, thinking is dropped.
	OnReasoning func(text string) `json:"-"`
}

// Usage is what the provider reports it spent, when it reports it.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	// StoppedAtLength: the model stopped because it reached its token
	// limit (finish_reason "length"), not because it was done.
	StoppedAtLength bool
}

// Provider produces an answer as a stream of text deltas.
//
// Stream calls onDelta for every piece of text, in order, from the calling
// goroutine, and returns when the answer is complete (nil error), the context
// is cancelled (the context's error), or the model fails (a *ProviderError).
// Cancelling ctx must end the upstream request promptly.
type Provider interface {
	Stream(ctx context.Context, req Request, onDelta func(text string)) (Usage, error)
	// Describe says which provider and model answer, for logs and the page.
	Describe() ProviderInfo
}

// ProviderInfo describes a provider for people; it never holds a secret.
type ProviderInfo struct {
	Name    string // "offline" or "openai-compatible"
	Model   string // e.g. "gpt-4o-mini"; empty offline
	Offline bool
}
