package chat

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
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
	KeepFinished      time.Duration // how long a finished answer stays in memory

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
		KeepFinished:      30 * time.Second,
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
	orDefaultDuration(&c.KeepFinished, d.KeepFinished)
	c.Retries = max(c.Retries, 0)
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// Why a generation's context was cancelled, read back with context.Cause.
var (
	errStopped       = errors.New("stopped by the person")
	errTooLong       = errors.New("generation time cap reached")
	errTooManyTokens = errors.New("answer length cap reached")
	errNoFirstToken  = errors.New("no first token in time")
	errStalled       = errors.New("stream stalled")
	errShutdown      = errors.New("server shutting down")
)

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

	stopOnce sync.Once

	mu        sync.Mutex
	lastStamp time.Time // see stamp
	closing   bool
	answers   map[string]*liveAnswer // by assistant message id
	busy      map[string]bool        // conversations with an answer streaming
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
		busy:     make(map[string]bool),

		stopSaver: make(chan struct{}),
		saverDone: make(chan struct{}),
	}
	go s.saveProgress()
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
	if err := s.store.CreateConversation(ctx, c); err != nil {
		return Conversation{}, Turn{}, fmt.Errorf("chat: start: %w", err)
	}
	turn, err := s.ask(ctx, c, nil, question)
	return c, turn, err
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
	return s.ask(ctx, c, history, question)
}

func (s *Service) ask(ctx context.Context, c Conversation, history []Message, question string) (Turn, error) {
	if err := s.allowed(); err != nil {
		return Turn{}, err
	}
	if err := s.reserve(c.ID); err != nil {
		return Turn{}, err
	}
	now := s.stamp()
	q := Message{ID: newID(), ConversationID: c.ID, Role: RoleUser, Content: question, State: StateDone, CreatedAt: now, UpdatedAt: now}
	a := Message{ID: newID(), ConversationID: c.ID, Role: RoleAssistant, State: StateStreaming, ReplyTo: q.ID, CreatedAt: now, UpdatedAt: now}
	if err := s.store.AddMessages(ctx, q, a); err != nil {
		s.release(c.ID)
		return Turn{}, fmt.Errorf("chat: ask: %w", err)
	}
	s.launch(a, s.request(append(history, q)))
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
	visible := Visible(msgs)
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
	if err := s.store.AddAnswerVersion(ctx, answer); err != nil {
		s.release(c.ID)
		return Message{}, Message{}, fmt.Errorf("chat: regenerate: %w", err)
	}
	old.Hidden = true
	s.launch(answer, s.request(visible[:i]))
	return old, answer, nil
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

// Visible returns the messages a person sees: every question, and the shown
// version of each answer.
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
	for i, m := range msgs {
		if m.State != StateStreaming {
			continue
		}
		if a := s.live(m.ID); a != nil {
			a.mu.Lock()
			if a.final != nil {
				msgs[i] = *a.final
			} else {
				msgs[i].Content = string(a.text)
			}
			a.mu.Unlock()
		}
	}
	return c, msgs, nil
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
	// A saved answer with no live generator will never grow: treat it as
	// final even if a crash left it marked streaming.
	return &Progress{saved: m}, nil
}

// Shutdown stops accepting questions, lets answers in flight finish until
// ctx is done, then cancels the rest and waits for them to be saved.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
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
	return nil
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
		return Errorf(ECONFLICT, "Rolefit is restarting. Please send your message again in a moment.")
	}
	if s.busy[conversationID] {
		return Errorf(ECONFLICT, "An answer is still being written. Wait for it to finish, or stop it, then send your message.")
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
	return s.answers[answerID]
}

func (s *Service) launch(m Message, req Request) {
	ctx, cancel := context.WithCancelCause(s.ctx)
	a := newLiveAnswer(m.ConversationID, cancel)
	s.mu.Lock()
	s.answers[m.ID] = a
	s.mu.Unlock()
	s.wg.Add(1)
	go s.generate(ctx, a, m, req)
}

// generate runs one answer to its end and saves it. It is the only writer of
// the answer; watchers read through Progress.
func (s *Service) generate(ctx context.Context, a *liveAnswer, m Message, req Request) {
	defer s.wg.Done()
	defer a.cancel(nil)
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, s.cfg.MaxGeneration, errTooLong)
	defer cancelTimeout()

	// One timer watches for silence: first for the first token, then, reset
	// on every delta, for a stall mid-answer.
	var started atomic.Bool
	watchdog := time.AfterFunc(s.cfg.FirstTokenTimeout, func() {
		if started.Load() {
			a.cancel(errStalled)
		} else {
			a.cancel(errNoFirstToken)
		}
	})
	begin := s.now()
	s.cfg.Observer.AnswerStarted()
	var firstToken time.Duration
	maxBytes := s.cfg.MaxAnswerTokens * bytesPerToken
	onDelta := func(delta string) {
		if delta == "" {
			return
		}
		if !started.Load() {
			started.Store(true)
			firstToken = s.now().Sub(begin)
			s.cfg.Observer.FirstToken(firstToken)
			a.setStatus("")
		}
		watchdog.Reset(s.cfg.StallTimeout)
		if a.append(delta) > maxBytes {
			a.cancel(errTooManyTokens)
		}
	}
	usage, err := s.provider.Stream(ctx, req, onDelta)
	retries := 0
	// Retry only what failed before the first token, within the first-token
	// timeout (the watchdog keeps running), telling the person meanwhile.
	for ; err != nil && !started.Load() && ctx.Err() == nil && retries < s.cfg.Retries; retries++ {
		wait, ok := retryDelay(err, retries)
		if !ok {
			break
		}
		a.setStatus(fmt.Sprintf("The model service did not answer; trying again (%d of %d)…", retries+1, s.cfg.Retries))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		if ctx.Err() != nil {
			break
		}
		usage, err = s.provider.Stream(ctx, req, onDelta)
	}
	watchdog.Stop()

	final := m
	final.Content = a.snapshot()
	final.State, final.Error = s.outcome(ctx, err, final.Content != "")
	final.UpdatedAt = s.now()
	// The generation context may be cancelled by now; the final save must
	// still happen, so it gets its own short deadline. Holding saveMu keeps
	// a partial save from landing after it.
	a.saveMu.Lock()
	saveCtx, cancelSave := context.WithTimeout(context.Background(), 10*time.Second)
	if serr := s.store.SaveAnswer(saveCtx, m.ID, final.Content, final.State, final.Error); serr != nil {
		s.log.Error("save answer", "answer", m.ID, "err", serr)
	}
	cancelSave()
	a.finalSaved = true
	a.saveMu.Unlock()

	// Spend before the conversation is free again, so a question sent the
	// instant this answer ends already sees what it cost.
	report := AnswerReport{State: final.State, Duration: s.now().Sub(begin), Retries: retries,
		PromptTokens: usage.PromptTokens, CompletionTokens: usage.CompletionTokens}
	if report.PromptTokens == 0 && report.CompletionTokens == 0 {
		// Not every server reports usage: estimate, so budgets still hold.
		for _, pm := range req.Messages {
			report.PromptTokens += estimateTokens(pm.Content)
		}
		if len(final.Content) > 0 {
			report.CompletionTokens = estimateTokens(final.Content)
		}
		report.Estimated = true
	}
	var failure *ProviderError
	if errors.As(err, &failure) && final.State == StateError {
		report.Failure = failure.Kind
	} else if final.State == StateError {
		report.Failure = FailUnknown
		if c := context.Cause(ctx); errors.Is(c, errNoFirstToken) || errors.Is(c, errStalled) {
			report.Failure = FailTimeout // the watchdog's doing
		}
	}
	if s.cfg.Budget != nil {
		s.cfg.Budget.Spend(report.PromptTokens+report.CompletionTokens, s.now())
	}

	// The log line and the observers come before anyone hears of the end,
	// so a person (or a test) who sees the end and then looks at the log
	// or /metrics finds the answer there.
	attrs := []any{"answer", m.ID, "state", final.State, "bytes", len(final.Content),
		"first_token_ms", firstToken.Milliseconds(), "duration_ms", report.Duration.Milliseconds(),
		"tokens", report.PromptTokens + report.CompletionTokens, "retries", retries}
	if s.cfg.UnknownCitations != nil {
		if unknown := s.cfg.UnknownCitations(final.Content); len(unknown) > 0 {
			attrs = append(attrs, "unknown_citations", len(unknown), "unknown_sections", unknown)
		}
	}
	var pe *ProviderError
	switch {
	case errors.As(err, &pe) && pe.Kind == FailUnauthorized:
		s.log.Error("the model service refused the credentials: check OPENAI_API_KEY and OPENAI_BASE_URL", append(attrs, "err", err)...)
	case final.State == StateError:
		s.log.Warn("answer failed", append(attrs, "err", err)...)
	default:
		s.log.Info("answer finished", attrs...)
	}
	s.cfg.Observer.AnswerFinished(report)

	s.release(m.ConversationID)
	a.finish(final)
	time.AfterFunc(s.cfg.KeepFinished, func() {
		s.mu.Lock()
		delete(s.answers, m.ID)
		s.mu.Unlock()
	})
}

// saveProgress saves the text so far of every answer being written, every
// SaveEvery, so a crash loses at most that much. One loop serves all
// answers: saving per delta would put the disk on the hot path, and a
// saver per answer would cost a goroutine each.
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
		s.mu.Lock()
		live := make(map[string]*liveAnswer, len(s.answers))
		for id, a := range s.answers {
			live[id] = a
		}
		s.mu.Unlock()
		for id, a := range live {
			s.savePartial(id, a)
		}
	}
}

func (s *Service) savePartial(id string, a *liveAnswer) {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	if a.finalSaved {
		return
	}
	a.mu.Lock()
	if len(a.text) == a.savedLen {
		a.mu.Unlock()
		return
	}
	text := string(a.text)
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.SaveAnswer(ctx, id, text, StateStreaming, ""); err != nil {
		s.log.Warn("save partial answer", "answer", id, "err", err)
		return
	}
	a.savedLen = len(text)
}

// outcome turns how a generation ended into the answer's final state and
// the explanation shown to the person.
func (s *Service) outcome(ctx context.Context, err error, partial bool) (State, string) {
	if err == nil {
		return StateDone, ""
	}
	if ctx.Err() != nil {
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, errStopped):
			return StateStopped, ""
		case errors.Is(cause, errDeleted):
			// Nobody will read it: the conversation is going. Not a failure.
			return StateStopped, ""
		case errors.Is(cause, errTooLong):
			return StateStopped, "The answer took longer than allowed and was cut short."
		case errors.Is(cause, errTooManyTokens):
			return StateStopped, "The answer reached its length limit."
		case errors.Is(cause, errNoFirstToken):
			return StateError, "The model did not start answering in time. Please try again."
		case errors.Is(cause, errStalled):
			return StateError, "The model stopped sending text partway through. What arrived is kept; you can try again."
		case errors.Is(cause, errShutdown):
			return StateInterrupted, "Rolefit restarted before this answer was finished."
		}
	}
	var pe *ProviderError
	if errors.As(err, &pe) {
		return StateError, failureMessage(pe, partial)
	}
	return StateError, "Something went wrong while answering. Please try again."
}

// failureMessage says what went wrong in words a person can act on. The
// upstream error itself is for the log: it may name hosts or settings.
// partial says whether some of the answer arrived (and is kept).
func failureMessage(pe *ProviderError, partial bool) string {
	switch pe.Kind {
	case FailUnauthorized:
		return "The assistant is not configured correctly: the model service refused its credentials. Please tell whoever runs this Rolefit."
	case FailModelNotFound:
		return "The model this assistant is set up to use was not found on the model service. Please tell whoever runs this Rolefit."
	case FailRateLimited:
		if pe.RetryAfter > 0 {
			return fmt.Sprintf("The model service is receiving too many requests. Please try again in %s.", roundUp(pe.RetryAfter))
		}
		return "The model service is receiving too many requests. Please try again in a minute."
	case FailUnavailable:
		return "The model service is having problems right now. Please try again in a moment."
	case FailUnreachable:
		return "Rolefit could not reach the model service. Please try again in a moment."
	case FailTimeout:
		return "The model service took too long to answer. Please try again."
	case FailCut:
		return "The connection to the model was lost partway through. What arrived is kept; you can try again."
	case FailModelError:
		if partial {
			return "The model service reported an error partway through the answer. What arrived is kept; you can try again."
		}
		return "The model service reported an error before answering. Please try again."
	default:
		if partial {
			return "The model service sent a reply Rolefit could not read partway through. What arrived is kept; you can try again."
		}
		return "The model service sent a reply Rolefit could not read. Please try again."
	}
}

func roundUp(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs == 1 {
		return "1 second"
	}
	return fmt.Sprintf("%d seconds", secs)
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
