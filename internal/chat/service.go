package chat

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// Config bounds what one answer may cost. Zero fields take the values of
// DefaultConfig, except Retries, for which 0 means none.
type Config struct {
	MaxQuestionChars  int           // longest question accepted, in characters
	HistoryTokens     int           // budget for earlier turns sent to the model
	MaxAnswerTokens   int           // cap on an answer's length
	MaxGeneration     time.Duration // cap on an answer's duration, watched or not
	FirstTokenTimeout time.Duration // give up if the model has not started by then
	StallTimeout      time.Duration // give up if the model goes quiet mid-answer
	SaveEvery         time.Duration // how often the text so far is saved
	// StoreWait bounds how long a question waits to be stored. Past it
	// the person is told Rolefit is too busy, at once, rather than left
	// waiting on a request that may outlive the server's write deadline.
	StoreWait time.Duration
	// KeepFinished is how long a finished answer stays in memory, for a
	// watcher that reconnects just after its end; later ones read the
	// saved answer, which is the same. What it costs is the answers that
	// end in that time: at 200 chats at once, one answer ending every few
	// milliseconds, 30 s kept about 5,000 of them, and over 15 rounds the
	// server's peak memory was 74-83 MiB (64 MiB with 5 s; 47 MiB after
	// one round).
	KeepFinished time.Duration

	// Retries is how many times an answer that failed before its first
	// token is tried again (rate limits, server errors, unreachable). After
	// the first token nothing is retried: the person is already reading.
	Retries int
	// Observer, if set, hears about every answer (metrics).
	Observer Observer
	// Budget, if set, caps what the model may spend.
	Budget Budget

	// UnknownCitations, if set, returns the cited sections of an answer
	// that do not exist; a finished answer that has any is logged, since a
	// model inventing sources should be noticed.
	UnknownCitations func(answer string) []string
	// CitedSections, if set, returns the known sections an answer cites,
	// for the record of how it was made.
	CitedSections func(answer string) []string
	// NoAnswerMeta turns off recording how each answer was made (the
	// setting ANSWER_DETAILS=off).
	NoAnswerMeta bool
	// Shares, if set, keeps read-only links to conversations; without it
	// nothing can be shared.
	Shares ShareStore

	// Relay, if set, carries live answers between replicas: any replica
	// can then show, resume and stop an answer another writes, and the
	// answers of a replica that died are marked interrupted. Without it,
	// answers live in this process alone, which is right for one replica.
	Relay Relay
	// SweepEvery is how often, with a Relay, the answers saved as
	// streaming are checked for a writer that died.
	SweepEvery time.Duration
}

// DefaultConfig returns the limits Rolefit runs with unless told otherwise.
// It is the one place they are written: the settings (internal/config)
// start from it, and NewService fills zero fields from it.
func DefaultConfig() Config {
	return Config{
		MaxQuestionChars:  4000,
		HistoryTokens:     6000,
		MaxAnswerTokens:   1500,
		MaxGeneration:     5 * time.Minute,
		FirstTokenTimeout: 60 * time.Second,
		StallTimeout:      60 * time.Second,
		SaveEvery:         time.Second,
		StoreWait:         10 * time.Second,
		KeepFinished:      5 * time.Second,
		SweepEvery:        5 * time.Second,
		Retries:           2,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	orDefault := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	orDefaultDuration := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	orDefault(&c.MaxQuestionChars, d.MaxQuestionChars)
	orDefault(&c.HistoryTokens, d.HistoryTokens)
	orDefault(&c.MaxAnswerTokens, d.MaxAnswerTokens)
	orDefaultDuration(&c.MaxGeneration, d.MaxGeneration)
	orDefaultDuration(&c.FirstTokenTimeout, d.FirstTokenTimeout)
	orDefaultDuration(&c.StallTimeout, d.StallTimeout)
	orDefaultDuration(&c.SaveEvery, d.SaveEvery)
	orDefaultDuration(&c.StoreWait, d.StoreWait)
	orDefaultDuration(&c.KeepFinished, d.KeepFinished)
	orDefaultDuration(&c.SweepEvery, d.SweepEvery)
	c.Retries = max(c.Retries, 0)
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// Service answers questions: it stores them, has the provider generate the
// answer in a goroutine it owns, and lets any number of watchers follow that
// answer. Generation is deliberately detached from the HTTP request that
// asked: a reload or a dropped connection must not cost the person their
// answer. Only Stop, the caps in Config, and Shutdown end it early.
type Service struct {
	store    Store
	provider Provider
	system   string
	cfg      Config
	log      *slog.Logger
	now      func() time.Time

	ctx    context.Context // parent of every generation
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup

	stopSaver chan struct{} // closed by Shutdown once every answer is saved
	saverDone chan struct{}
	saveChunk int           // answers saved together by saveLive (liveSaveChunk)
	stopSweep chan struct{} // closed when Shutdown begins
	sweepDone chan struct{}

	stopOnce sync.Once

	mu        sync.Mutex
	lastStamp time.Time // see stamp
	closing   bool
	answers   map[string]*liveAnswer // by assistant message id
	stored    uint64                 // answers ever added to answers: see liveAnswer.order
	// unsaved holds the answers whose final save failed, by id, for as
	// long as it fails: their text exists nowhere else, so they outlive
	// KeepFinished, and saveProgress keeps trying.
	unsaved map[string]*liveAnswer
	busy    map[string]bool // conversations with an answer streaming
	// mirrors are the answers other replicas write that watchers here
	// follow, by id, each filled by the Relay (see mirrored).
	mirrors map[string]*liveAnswer
}

// NewService returns a Service. systemPrompt is sent as the first message of
// every request; the person's words never go into it.
func NewService(store Store, provider Provider, systemPrompt string, cfg Config, log *slog.Logger) *Service {
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &Service{
		store:    store,
		provider: provider,
		system:   systemPrompt,
		cfg:      cfg.withDefaults(),
		log:      log,
		now:      time.Now,
		ctx:      ctx,
		cancel:   cancel,
		answers:  make(map[string]*liveAnswer),
		unsaved:  make(map[string]*liveAnswer),
		busy:     make(map[string]bool),
		mirrors:  make(map[string]*liveAnswer),

		stopSaver: make(chan struct{}),
		saverDone: make(chan struct{}),
		saveChunk: liveSaveChunk,
		stopSweep: make(chan struct{}),
		sweepDone: make(chan struct{}),
	}
	go s.saveProgress()
	if s.cfg.Relay != nil {
		// A Stop pressed on another replica reaches this one through the
		// relay; the answer ends here as if stopped here.
		s.cfg.Relay.OnStop(func(answerID string) {
			s.mu.Lock()
			a := s.answers[answerID]
			s.mu.Unlock()
			if a != nil {
				a.cancel(errStopped)
			}
		})
		go s.sweepOrphans()
	}
	return s
}

// Provider describes the model that answers.
func (s *Service) Provider() ProviderInfo { return s.provider.Describe() }

// Turn is a question and the answer started for it.
type Turn struct {
	Question Message
	Answer   Message
}

// Start begins a new conversation with its first question.
func (s *Service) Start(ctx context.Context, visitorID, question string) (Conversation, Turn, error) {
	question, err := CleanQuestion(question, s.cfg.MaxQuestionChars)
	if err != nil {
		return Conversation{}, Turn{}, err
	}
	if visitorID == "" {
		return Conversation{}, Turn{}, fmt.Errorf("chat: start: no visitor id")
	}
	now := s.stamp()
	c := Conversation{ID: newID(), VisitorID: visitorID, Title: titleFrom(question), CreatedAt: now, UpdatedAt: now}
	turn, err := s.ask(ctx, c, nil, question, true)
	if err != nil {
		return Conversation{}, Turn{}, err
	}
	return c, turn, nil
}

// Ask adds a question to a conversation and starts its answer.
func (s *Service) Ask(ctx context.Context, visitorID, conversationID, question string) (Turn, error) {
	question, err := CleanQuestion(question, s.cfg.MaxQuestionChars)
	if err != nil {
		return Turn{}, err
	}
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Turn{}, err
	}
	history, err := s.store.Messages(ctx, c.ID)
	if err != nil {
		return Turn{}, fmt.Errorf("chat: ask: %w", err)
	}
	if err := s.writtenElsewhere(c.ID, history); err != nil {
		return Turn{}, err
	}
	return s.ask(ctx, c, history, question, false)
}

// ask stores a question and its empty answer, and starts the answer. The
// conversation itself is stored too when isNew.
func (s *Service) ask(ctx context.Context, c Conversation, history []Message, question string, isNew bool) (Turn, error) {
	if err := s.allowed(); err != nil {
		return Turn{}, err
	}
	if err := s.reserve(c.ID); err != nil {
		return Turn{}, err
	}
	now := s.stamp()
	q := Message{ID: newID(), ConversationID: c.ID, Role: RoleUser, Content: question, State: StateDone, CreatedAt: now, UpdatedAt: now}
	a := Message{ID: newID(), ConversationID: c.ID, Role: RoleAssistant, State: StateStreaming, ReplyTo: q.ID, CreatedAt: now, UpdatedAt: now}
	req, sent := s.request(append(history, q))
	err := s.begin(ctx, a, req, sent, func(ctx context.Context) error {
		if isNew {
			return s.store.CreateConversation(ctx, c, q, a)
		}
		return s.store.AddMessages(ctx, q, a)
	})
	if err != nil {
		s.release(c.ID)
		return Turn{}, fmt.Errorf("chat: ask: %w", err)
	}
	return Turn{Question: q, Answer: a}, nil
}

// Regenerate answers the latest question again. The previous answer is kept
// as an earlier version (hidden, but one SelectVersion away); Regenerate
// returns it with the new one.
func (s *Service) Regenerate(ctx context.Context, visitorID, conversationID, answerID string) (old, answer Message, err error) {
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Message{}, Message{}, err
	}
	msgs, err := s.store.Messages(ctx, c.ID)
	if err != nil {
		return Message{}, Message{}, fmt.Errorf("chat: regenerate: %w", err)
	}
	visible := Visible(s.withLive(c.ID, msgs))
	i := len(visible) - 1
	if i < 1 || visible[i].ID != answerID || visible[i].Role != RoleAssistant || visible[i-1].Role != RoleUser {
		return Message{}, Message{}, Errorf(ECONFLICT, "Only the latest answer can be regenerated.")
	}
	old, question := visible[i], visible[i-1]
	if !old.State.Final() {
		return Message{}, Message{}, Errorf(ECONFLICT, "This answer is still being written.")
	}
	if err := s.allowed(); err != nil {
		return Message{}, Message{}, err
	}
	if err := s.reserve(c.ID); err != nil {
		return Message{}, Message{}, err
	}
	now := s.stamp()
	answer = Message{ID: newID(), ConversationID: c.ID, Role: RoleAssistant, State: StateStreaming, ReplyTo: question.ID, CreatedAt: now, UpdatedAt: now}
	req, sent := s.request(visible[:i])
	err = s.begin(ctx, answer, req, sent, func(ctx context.Context) error {
		return s.store.AddAnswerVersion(ctx, answer)
	})
	if err != nil {
		s.release(c.ID)
		return Message{}, Message{}, fmt.Errorf("chat: regenerate: %w", err)
	}
	old.Hidden = true
	return old, answer, nil
}

// continueInstruction is what the model is told, after the answer it cut
// at its length limit, to have it go on.
const continueInstruction = "Continue exactly where your previous answer stopped. " +
	"Do not repeat anything you already wrote, and do not start over: write only what comes next."

// CanContinue reports whether m is an answer the model (or Rolefit's
// length cap) cut at the length limit, with some text to go on from. It
// reads the ending recorded with the answer; for an answer recorded
// without it (ANSWER_DETAILS=off), the message it was cut with.
func CanContinue(m Message) bool {
	if m.Role != RoleAssistant || m.State != StateStopped || m.Content == "" {
		return false
	}
	if m.Meta != nil {
		return m.Meta.Ending == EndLength
	}
	return m.Error == lengthCutMessage || m.Error == capCutMessage
}

// Continue asks the model to go on with the latest answer, which it cut
// at its length limit: it is sent the history, the cut answer, and an
// instruction to continue without repeating. The new text is appended to
// the same answer (same id; the stream's offsets go on from the cut text),
// saved as any answer is. It returns the answer, streaming again.
func (s *Service) Continue(ctx context.Context, visitorID, conversationID, answerID string) (Message, error) {
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Message{}, err
	}
	msgs, err := s.store.Messages(ctx, c.ID)
	if err != nil {
		return Message{}, fmt.Errorf("chat: continue: %w", err)
	}
	visible := Visible(s.withLive(c.ID, msgs))
	i := len(visible) - 1
	if i < 1 || visible[i].ID != answerID || visible[i].Role != RoleAssistant || visible[i-1].Role != RoleUser {
		return Message{}, Errorf(ECONFLICT, "Only the latest answer can be continued.")
	}
	cut := visible[i]
	if !cut.State.Final() {
		return Message{}, Errorf(ECONFLICT, "This answer is still being written.")
	}
	if !CanContinue(cut) {
		return Message{}, Errorf(ECONFLICT, "Only an answer cut at the length limit can be continued.")
	}
	if err := s.allowed(); err != nil {
		return Message{}, err
	}
	if err := s.reserve(c.ID); err != nil {
		return Message{}, err
	}
	req, sent := s.request(visible[:i])
	req.Messages = append(req.Messages,
		PromptMessage{Role: RoleAssistant, Content: cut.Content},
		PromptMessage{Role: RoleUser, Content: continueInstruction})
	m := cut
	m.State, m.Error, m.UpdatedAt = StateStreaming, "", s.stamp()
	err = s.begin(ctx, m, req, sent, func(ctx context.Context) error {
		return s.store.SaveAnswer(ctx, cut.ID, cut.Content, StateStreaming, "")
	})
	if err != nil {
		s.release(c.ID)
		return Message{}, fmt.Errorf("chat: continue: %w", err)
	}
	m.Meta = nil // recorded again when it ends
	return m, nil
}

// SelectVersion shows another version of an answer instead of the current
// one; the shown version is the one later questions are asked with.
func (s *Service) SelectVersion(ctx context.Context, visitorID, conversationID, answerID string) error {
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return err
	}
	m, err := s.store.Message(ctx, answerID)
	if err != nil {
		return fmt.Errorf("chat: select version: %w", err)
	}
	if m.ConversationID != c.ID || m.Role != RoleAssistant {
		return fmt.Errorf("chat: select version %s: %w", answerID, ErrNotFound)
	}
	s.mu.Lock()
	busy := s.busy[c.ID]
	s.mu.Unlock()
	if busy {
		return Errorf(ECONFLICT, "Wait for the current answer to finish before switching versions.")
	}
	if err := s.store.ShowAnswer(ctx, answerID); err != nil {
		return fmt.Errorf("chat: select version: %w", err)
	}
	return nil
}

// EditQuestion asks question questionID again with the text given: the
// edited question is a new version of it, and the conversation branches
// there. The earlier version and everything after it stay, hidden, one
// SelectQuestion away. The model is asked with the branch shown up to the
// question, so the answer reads as if the question had been asked this way
// the first time.
func (s *Service) EditQuestion(ctx context.Context, visitorID, conversationID, questionID, text string) (Turn, error) {
	text, err := CleanQuestion(text, s.cfg.MaxQuestionChars)
	if err != nil {
		return Turn{}, err
	}
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Turn{}, err
	}
	msgs, err := s.store.Messages(ctx, c.ID)
	if err != nil {
		return Turn{}, fmt.Errorf("chat: edit question: %w", err)
	}
	if err := s.writtenElsewhere(c.ID, msgs); err != nil {
		return Turn{}, err
	}
	visible := Visible(msgs)
	i := slices.IndexFunc(visible, func(m Message) bool { return m.ID == questionID && m.Role == RoleUser })
	if i < 0 {
		// A question on a branch not shown is edited once it is shown.
		return Turn{}, fmt.Errorf("chat: edit question %s: %w", questionID, ErrNotFound)
	}
	if err := s.allowed(); err != nil {
		return Turn{}, err
	}
	if err := s.reserve(c.ID); err != nil {
		return Turn{}, err
	}
	now := s.stamp()
	q := Message{ID: newID(), ConversationID: c.ID, Role: RoleUser, Content: text, State: StateDone, CreatedAt: now, UpdatedAt: now}
	a := Message{ID: newID(), ConversationID: c.ID, Role: RoleAssistant, State: StateStreaming, ReplyTo: q.ID, CreatedAt: now, UpdatedAt: now}
	q.Follows = visible[i].Follows
	req, sent := s.request(append(visible[:i:i], q))
	err = s.begin(ctx, a, req, sent, func(ctx context.Context) error {
		return s.store.AddQuestionVersion(ctx, questionID, q, a)
	})
	if err != nil {
		s.release(c.ID)
		return Turn{}, fmt.Errorf("chat: edit question: %w", err)
	}
	return Turn{Question: q, Answer: a}, nil
}

// SelectQuestion shows another version of a question, and the branch of
// the conversation that follows it, instead of the current one; the branch
// shown is the one later questions are asked with.
func (s *Service) SelectQuestion(ctx context.Context, visitorID, conversationID, questionID string) error {
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return err
	}
	m, err := s.store.Message(ctx, questionID)
	if err != nil {
		return fmt.Errorf("chat: select question: %w", err)
	}
	if m.ConversationID != c.ID || m.Role != RoleUser {
		return fmt.Errorf("chat: select question %s: %w", questionID, ErrNotFound)
	}
	s.mu.Lock()
	busy := s.busy[c.ID]
	s.mu.Unlock()
	if busy {
		return Errorf(ECONFLICT, "Wait for the current answer to finish before switching versions.")
	}
	if err := s.store.ShowQuestion(ctx, questionID); err != nil {
		return fmt.Errorf("chat: select question: %w", err)
	}
	return nil
}

// Visible returns the messages a person sees: the branch shown, with the
// shown version of each question and answer.
func Visible(msgs []Message) []Message {
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		if !m.Hidden {
			out = append(out, m)
		}
	}
	return out
}

// Stop ends an answer early and waits (bounded by ctx) until what was
// written so far is saved. Stopping a finished answer does nothing.
func (s *Service) Stop(ctx context.Context, visitorID, conversationID, answerID string) error {
	if _, err := s.owned(ctx, visitorID, conversationID); err != nil {
		return err
	}
	a := s.live(answerID)
	if a == nil && s.cfg.Relay != nil {
		// Another replica may be writing it: ask it to stop, and wait
		// for the ending here, where the person waits.
		return s.stopElsewhere(ctx, conversationID, answerID)
	}
	if a == nil || a.conversationID != conversationID {
		return nil
	}
	a.cancel(errStopped)
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("chat: stop: %w", ctx.Err())
	}
}

// Wait blocks until the answer is finished and saved, or ctx is done.
func (s *Service) Wait(ctx context.Context, answerID string) error {
	a := s.live(answerID)
	if a == nil {
		return nil
	}
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Conversation returns a conversation the visitor owns and its messages. An
// answer still being generated carries the text so far.
func (s *Service) Conversation(ctx context.Context, visitorID, conversationID string) (Conversation, []Message, error) {
	c, err := s.owned(ctx, visitorID, conversationID)
	if err != nil {
		return Conversation{}, nil, err
	}
	msgs, err := s.store.Messages(ctx, c.ID)
	if err != nil {
		return Conversation{}, nil, fmt.Errorf("chat: conversation: %w", err)
	}
	return c, s.withLive(c.ID, msgs), nil
}

// withLive replaces, in a conversation's saved messages, each answer the
// database holds as streaming with what this process knows of it: the text
// so far or the ending of an answer it is generating, or, when it
// generates none, interrupted. Such a row was left by another process or
// by a save that failed, and will never grow: showing it as streaming
// would have the page wait for it forever.
func (s *Service) withLive(conversationID string, msgs []Message) []Message {
	for i, m := range msgs {
		if m.State != StateStreaming {
			continue
		}
		a := s.live(m.ID)
		if a == nil {
			s.mu.Lock()
			starting := s.busy[conversationID] // saved, and about to be launched
			s.mu.Unlock()
			if starting {
				continue
			}
			if a = s.mirrored(m.ID, conversationID); a == nil {
				msgs[i] = notLive(m)
				continue
			}
		}
		a.mu.Lock()
		if a.final != nil {
			msgs[i] = *a.final
		} else {
			msgs[i].Content = string(a.text)
			msgs[i].Reasoning, msgs[i].ThoughtFor = string(a.reasoning), a.thoughtFor
		}
		a.mu.Unlock()
	}
	return msgs
}

// notLive is how an answer saved as streaming, that nothing generates, is
// shown.
func notLive(m Message) Message {
	m.State = StateInterrupted
	m.Error = "Rolefit stopped writing this answer before it was finished."
	return m
}

// Follow returns a Progress for one answer of a conversation the visitor
// owns, live or finished.
func (s *Service) Follow(ctx context.Context, visitorID, conversationID, answerID string) (*Progress, error) {
	if _, err := s.owned(ctx, visitorID, conversationID); err != nil {
		return nil, err
	}
	if a := s.live(answerID); a != nil && a.conversationID == conversationID {
		return &Progress{live: a}, nil
	}
	m, err := s.store.Message(ctx, answerID)
	if err != nil {
		return nil, fmt.Errorf("chat: follow: %w", err)
	}
	if m.ConversationID != conversationID || m.Role != RoleAssistant {
		return nil, fmt.Errorf("chat: follow %s: %w", answerID, ErrNotFound)
	}
	// Another replica may be writing it.
	if m.State == StateStreaming {
		if a := s.mirrored(answerID, conversationID); a != nil {
			return &Progress{live: a}, nil
		}
	}
	// A saved answer with no live generator will never grow: treat it as
	// final, and as interrupted if it was left marked streaming.
	if m.State == StateStreaming {
		m = notLive(m)
	}
	return &Progress{saved: m}, nil
}

// Shutdown stops accepting questions, lets answers in flight finish until
// ctx is done, then cancels the rest and waits for them to be saved.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	already := s.closing
	s.closing = true
	s.mu.Unlock()
	if !already {
		close(s.stopSweep)
	}
	if s.cfg.Relay != nil {
		<-s.sweepDone
	}
	finished := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		s.cancel(errShutdown)
		<-finished
	}
	s.stopOnce.Do(func() { close(s.stopSaver) })
	<-s.saverDone
	// A last try for the answers whose save failed: after this, their
	// text is lost.
	if n := s.saveUnsaved(); n > 0 {
		s.log.Error("answers lost: they could not be saved before shutdown", "count", n)
	}
	return nil
}

// ShuttingDown reports whether Shutdown has begun: new questions are
// refused from then on, so the instance is no longer ready for traffic.
func (s *Service) ShuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// owned loads a conversation and checks the visitor owns it. Someone else's
// conversation is reported exactly like one that does not exist, so ids
// cannot be probed.
func (s *Service) owned(ctx context.Context, visitorID, conversationID string) (Conversation, error) {
	c, err := s.store.Conversation(ctx, conversationID)
	if err != nil {
		return Conversation{}, fmt.Errorf("chat: load conversation: %w", err)
	}
	if visitorID == "" || c.VisitorID != visitorID {
		return Conversation{}, fmt.Errorf("chat: conversation %s: %w", conversationID, ErrNotFound)
	}
	return c, nil
}

// reserve marks a conversation as having an answer streaming: two answers
// writing into one conversation at once would interleave its history.
func (s *Service) reserve(conversationID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return Errorf(EUNAVAILABLE, "Rolefit is restarting. Please send your message again in a moment.")
	}
	if s.busy[conversationID] {
		return errStillWriting
	}
	s.busy[conversationID] = true
	return nil
}

func (s *Service) release(conversationID string) {
	s.mu.Lock()
	delete(s.busy, conversationID)
	s.mu.Unlock()
}

func (s *Service) live(answerID string) *liveAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.answers[answerID]; a != nil {
		return a
	}
	return s.unsaved[answerID]
}

// begin starts generating answer m at once, and meanwhile has write store
// it (with its question): the model is asked while the database writes, so
// the time to the first token owes nothing to the disk. Until write
// returns, the answer is known to nobody: no watcher can follow it and
// nothing of it is saved. If write fails, the request to the model is
// cancelled and the error returned, as if the answer had never begun; what
// a crash may lose is unchanged, since the person is told the question was
// taken only once it is stored.
func (s *Service) begin(ctx context.Context, m Message, req Request, history []HistoryTurn, write func(context.Context) error) error {
	genCtx, cancel := context.WithCancelCause(s.ctx)
	a := newLiveAnswer(m, cancel)
	if s.cfg.Relay != nil {
		// Announced before the first token, so no change of it is
		// missed; an answer whose question then fails to be stored is
		// never looked for, and its record expires.
		a.feed = s.cfg.Relay.Publish(m)
	}
	s.wg.Add(1)
	go s.generate(genCtx, a, m, req, history)
	// The model is the slowest part of an answer: let the generator send
	// it the question before this goroutine starts the write. Without the
	// yield it often waited behind the write, and the write's wake-up of
	// the store's writer, for 0.1 to 1.7 ms before asking the model.
	runtime.Gosched()
	writeCtx, cancelWrite := context.WithTimeoutCause(ctx, s.cfg.StoreWait, errStoreBusy)
	err := write(writeCtx)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(writeCtx), errStoreBusy) {
		err = fmt.Errorf("%w (%w)", errBusy, err)
	}
	cancelWrite()
	if err == nil {
		awaitAnnounced(ctx, a.feed)
	}
	if err != nil {
		cancel(errNotStored)
	} else {
		s.mu.Lock()
		s.stored++
		a.order = s.stored
		s.answers[m.ID] = a
		s.mu.Unlock()
	}
	a.storedAs(err)
	return err
}

// saveProgress saves the text so far of every answer being written, every
// SaveEvery, so a crash loses at most that much. One loop serves all
// answers, and saves them all in one write: saving per delta would put the
// disk on the hot path, a saver per answer would cost a goroutine each, and
// a write per answer would queue thousands behind SQLite's one writer.
func (s *Service) saveProgress() {
	defer close(s.saverDone)
	t := time.NewTicker(s.cfg.SaveEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopSaver:
			return
		case <-t.C:
		}
		s.saveLive()
		s.saveUnsaved()
	}
}

// saveLive saves the answers being written that grew since their last
// save, in one write for up to liveSaveChunk of them. A final save that
// lands first is never undone: the store only touches answers still
// streaming.
//
// The answers go in the order they were stored, not the map's: answers
// stored one after the other have their rows side by side, so each write
// changes a few pages of the database instead of one page per answer. With
// 9,000 answers of 1 to 1.6 KB live that makes a tick's saves two and a
// half times cheaper
// (BenchmarkSaveAnswersSoFar in internal/store).
func (s *Service) saveLive() {
	type liveID struct {
		id string
		a  *liveAnswer
	}
	s.mu.Lock()
	live := make([]liveID, 0, len(s.answers))
	for id, a := range s.answers {
		live = append(live, liveID{id, a})
	}
	s.mu.Unlock()
	slices.SortFunc(live, func(x, y liveID) int { return cmp.Compare(x.a.order, y.a.order) })

	var changed []AnswerSoFar
	var grown []*liveAnswer
	var sizes [][2]int
	for _, l := range live {
		a := l.a
		a.mu.Lock()
		if a.final == nil && (len(a.text) != a.savedLen || len(a.reasoning) != a.savedReasoning) {
			changed = append(changed, AnswerSoFar{ID: l.id, Content: frozen(a.text), Reasoning: frozen(a.reasoning)})
			grown, sizes = append(grown, a), append(sizes, [2]int{len(a.text), len(a.reasoning)})
		}
		a.mu.Unlock()
	}
	for len(changed) > 0 {
		n := min(len(changed), s.saveChunk)
		if err := s.saveSoFar(changed[:n], grown[:n], sizes[:n]); err != nil {
			s.log.Warn("save answers so far", "answers_left", len(changed), "err", err)
			return // the rest at the next tick
		}
		changed, grown, sizes = changed[n:], grown[n:], sizes[n:]
	}
}

// liveSaveChunk is how many answers saveLive saves in one call to the
// store, each call with a deadline of its own (saveSoFarTimeout). With
// thousands of answers live and both cores saturated, one save of all of
// them, under one deadline, sometimes ran out of time and was dropped
// whole, so the next tick began again with as many; now each call's
// answers count as saved as soon as it returns, and a tick that runs out
// of time leaves only the rest to the next.
const liveSaveChunk = 1000

const saveSoFarTimeout = 5 * time.Second

// saveSoFar saves changed, and records their sizes as saved in grown.
func (s *Service) saveSoFar(changed []AnswerSoFar, grown []*liveAnswer, sizes [][2]int) error {
	ctx, cancel := context.WithTimeout(context.Background(), saveSoFarTimeout)
	defer cancel()
	if err := s.store.SaveAnswersSoFar(ctx, changed); err != nil {
		return err
	}
	for i, a := range grown {
		a.mu.Lock()
		a.savedLen, a.savedReasoning = sizes[i][0], sizes[i][1]
		a.mu.Unlock()
	}
	return nil
}

// frozen returns the bytes of an append-only buffer as a string without
// copying them. It is safe only because text and reasoning are never
// changed below their length, only appended to (a reallocation leaves the
// old array as it was): the string cannot change under its reader. With
// thousands of answers saved each second, copying each one's text every
// tick would be most of the saver's garbage.
func frozen(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func newID() string { return rand.Text() }

// stamp returns the time to record a new conversation or message with. It
// never repeats a millisecond (the store's precision), so "most recent
// first" is the order things happened in, even for two in the same instant.
func (s *Service) stamp() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.now().Truncate(time.Millisecond)
	if !t.After(s.lastStamp) {
		t = s.lastStamp.Add(time.Millisecond)
	}
	s.lastStamp = t
	return t
}
