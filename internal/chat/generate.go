package chat

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Why a generation's context was cancelled, read back with context.Cause.
var (
	errStopped       = errors.New("stopped by the person")
	errDeleted       = errors.New("conversation deleted")
	errTooLong       = errors.New("generation time cap reached")
	errTooManyTokens = errors.New("answer length cap reached")
	errNoFirstToken  = errors.New("no first token in time")
	errStalled       = errors.New("stream stalled")
	errShutdown      = errors.New("server shutting down")
	errNotStored     = errors.New("the question could not be stored")
	errStoreBusy     = errors.New("the database took too long to store the question")
)

// errBusy is what a person is told when their question could not be
// stored in time: the database is overloaded, and trying again soon is
// the remedy.
var errBusy = &Error{Code: ELIMIT, Message: "Rolefit is too busy to take your question right now. Please send it again in a moment."}

// generate runs one answer to its end: it has the provider stream it (with
// retries), decides from the cause how it ended, saves it and reports it.
// It is the only writer of the answer; watchers read through Progress.
func (s *Service) generate(ctx context.Context, a *liveAnswer, m Message, req Request, history []HistoryTurn) {
	defer s.wg.Done()
	defer a.cancel(nil)
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, s.cfg.MaxGeneration, errTooLong)
	defer cancelTimeout()

	run := s.stream(ctx, a, req)
	if err := a.waitStored(); err != nil {
		// The person was told their question was not taken: there is
		// nothing to save or show. What the model spent still counts.
		s.report(req, m, run, ending{state: StateStopped, cause: errNotStored})
		return
	}
	final := m
	final.Content = a.snapshot()
	final.Reasoning, final.ThoughtFor = a.reasoningSnapshot(), run.thoughtFor
	end := decideEnding(ctx, run.err, final.Content != "")
	end = atLengthLimit(end, run, final.Content != "")
	final.State, final.Error = end.state, end.message
	final.UpdatedAt = s.now()
	if !s.cfg.NoAnswerMeta {
		final.Meta = s.answerMeta(req, history, run, end, final.Content)
	}
	final = s.saveFinal(a, final)
	// Reported before the conversation is free again, so a question sent
	// the instant this answer ends already sees what it cost; and before
	// anyone hears of the end, so a person (or a test) who sees the end and
	// then looks at the log or /metrics finds the answer there.
	s.report(req, final, run, end)

	s.release(m.ConversationID)
	a.finish(final)
	time.AfterFunc(s.cfg.KeepFinished, func() {
		s.mu.Lock()
		delete(s.answers, m.ID)
		s.mu.Unlock()
	})
}

// streamRun is how the model's part of one answer went.
type streamRun struct {
	usage      Usage
	err        error // the last attempt's
	retries    int
	begin      time.Time
	firstToken time.Duration // 0 if no text came
	// firstThought is when the first thinking came (0 if none), and
	// thought how many bytes of it: a reasoning model's thinking is kept
	// out of the answer, but it is the model at work.
	firstThought time.Duration
	thought      int
	thoughtFor   time.Duration // from the start to the last thinking
}

// stream has the provider write the answer into a. What fails before the
// first token is tried again, within the first-token timeout, telling the
// person meanwhile; after it nothing is, the person is already reading.
func (s *Service) stream(ctx context.Context, a *liveAnswer, req Request) streamRun {
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
	defer watchdog.Stop()
	run := streamRun{begin: s.now()}
	s.cfg.Observer.AnswerStarted()
	maxBytes := maxAnswerBytes(s.cfg.MaxAnswerTokens)
	// Providers call onDelta from the goroutine that called Stream, so
	// run, size and capped need no lock.
	size, capped, answering, thinking := 0, false, false, false
	// Thinking is not answer text, but it is the model at work: it keeps
	// the silence timers quiet and counts against the length cap. It is
	// kept apart from the text and saved with the answer at its end.
	req.OnReasoning = func(thought string) {
		if thought == "" || capped {
			return
		}
		if !thinking {
			thinking = true
			run.firstThought = s.now().Sub(run.begin)
			started.Store(true)
			a.setStatus("")
		}
		watchdog.Reset(s.cfg.StallTimeout)
		if room := maxBytes - size - run.thought; len(thought) > room {
			thought, capped = cutUTF8(thought, max(room, 0)), true
		}
		run.thought += len(thought)
		run.thoughtFor = s.now().Sub(run.begin)
		a.appendReasoning(thought)
		if capped {
			a.cancel(errTooManyTokens)
		}
	}
	onDelta := func(delta string) {
		// After the cap, a provider may still deliver what it had read
		// before it noticed the cancellation: it is dropped.
		if delta == "" || capped {
			return
		}
		if !answering {
			answering = true
			started.Store(true)
			run.firstToken = s.now().Sub(run.begin)
			s.cfg.Observer.FirstToken(run.firstToken)
			a.setStatus("")
		}
		watchdog.Reset(s.cfg.StallTimeout)
		if room := maxBytes - size - run.thought; len(delta) > room {
			// One delta can be any size: cut it, so the cap holds in
			// memory, on disk and on the page whatever the server sends.
			delta, capped = cutUTF8(delta, max(room, 0)), true
		}
		if delta != "" {
			size = a.append(delta)
		}
		if capped {
			a.cancel(errTooManyTokens)
		}
	}
	run.usage, run.err = s.provider.Stream(ctx, req, onDelta)
	for ; run.err != nil && !started.Load() && ctx.Err() == nil && run.retries < s.cfg.Retries; run.retries++ {
		wait, ok := retryDelay(run.err, run.retries)
		if !ok {
			break
		}
		a.setStatus(fmt.Sprintf("The model service did not answer; trying again (%d of %d)…", run.retries+1, s.cfg.Retries))
		if !sleep(ctx, wait) {
			break
		}
		run.usage, run.err = s.provider.Stream(ctx, req, onDelta)
	}
	return run
}

// sleep waits for d, or until ctx ends; it reports whether ctx is still
// live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return ctx.Err() == nil
}

// ending is how an answer ended: its final state, what the person is told,
// and, when the model failed, the kind of failure.
type ending struct {
	state   State
	message string
	failure FailureKind // "" unless the model failed
	// cause says, for the log, why an answer ended early: the reason it
	// was cancelled, or the model's error. Nil when it finished.
	cause error
}

// decideEnding turns how a generation ended (err from the provider, and
// the cause of ctx's cancellation, which is read first: a stop or a cap is
// not the model's fault) into the answer's ending. partial says whether
// some of the answer arrived, and is kept.
func decideEnding(ctx context.Context, err error, partial bool) ending {
	if err == nil {
		return ending{state: StateDone}
	}
	if ctx.Err() != nil {
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, errStopped):
			return ending{state: StateStopped, cause: cause}
		case errors.Is(cause, errDeleted):
			// Nobody will read it: the conversation is going. Not a failure.
			return ending{state: StateStopped, cause: cause}
		case errors.Is(cause, errTooLong):
			return ending{state: StateStopped, message: "The answer took longer than allowed and was cut short.", cause: cause}
		case errors.Is(cause, errTooManyTokens):
			return ending{state: StateStopped, message: "The answer reached its length limit.", cause: cause}
		case errors.Is(cause, errNoFirstToken):
			return ending{state: StateError, message: "The model did not start answering in time. Please try again.",
				failure: FailTimeout, cause: cause}
		case errors.Is(cause, errStalled):
			return ending{state: StateError, message: "The model stopped sending text partway through. What arrived is kept; you can try again.",
				failure: FailTimeout, cause: cause}
		case errors.Is(cause, errShutdown):
			return ending{state: StateInterrupted, message: "Rolefit restarted before this answer was finished.", cause: cause}
		}
	}
	var pe *ProviderError
	if errors.As(err, &pe) {
		return ending{state: StateError, message: failureMessage(pe, partial), failure: pe.Kind, cause: err}
	}
	return ending{state: StateError, message: "Something went wrong while answering. Please try again.",
		failure: FailUnknown, cause: err}
}

// atLengthLimit says, of an answer the model ended at a length limit (its
// own, finish_reason length, or Rolefit's cap), whether it was cut
// mid-answer or spent the limit thinking and never answered.
func atLengthLimit(end ending, run streamRun, partial bool) ending {
	thoughtOnly := !partial && run.thought > 0
	switch {
	case end.state == StateDone && run.usage.StoppedAtLength && thoughtOnly:
		return ending{state: StateStopped, message: thinkingCutMessage}
	case end.state == StateDone && run.usage.StoppedAtLength:
		return ending{state: StateStopped, message: "The answer was cut at the length limit."}
	case errors.Is(end.cause, errTooManyTokens) && thoughtOnly:
		end.message = thinkingCutMessage
	}
	return end
}

const thinkingCutMessage = "The model was still thinking when it reached its length limit, so no answer came. " +
	"Please try again, or ask a narrower question."

// report tells the budget, the log and the observer what the answer cost
// and how it ended. Only a failure of the model is logged as one.
func (s *Service) report(req Request, final Message, run streamRun, end ending) {
	r := AnswerReport{State: final.State, Duration: s.now().Sub(run.begin), Retries: run.retries, Failure: end.failure}
	// Not every server reports usage: estimate, so budgets still hold.
	r.PromptTokens, r.CompletionTokens, r.Estimated = spentTokens(req, final.Content, run.usage)
	if s.cfg.Budget != nil {
		s.cfg.Budget.Spend(r.PromptTokens+r.CompletionTokens, s.now())
	}

	attrs := []any{"answer", final.ID, "state", final.State, "bytes", len(final.Content),
		"first_token_ms", run.firstToken.Milliseconds(), "first_thought_ms", run.firstThought.Milliseconds(),
		"thought_bytes", run.thought, "duration_ms", r.Duration.Milliseconds(),
		"tokens", r.PromptTokens + r.CompletionTokens, "retries", run.retries}
	if s.cfg.UnknownCitations != nil {
		if unknown := s.cfg.UnknownCitations(final.Content); len(unknown) > 0 {
			attrs = append(attrs, "unknown_citations", len(unknown), "unknown_sections", unknown)
		}
	}
	switch {
	case end.failure == FailUnauthorized:
		s.log.Error("the model service refused the credentials: check OPENAI_API_KEY and OPENAI_BASE_URL", append(attrs, "err", end.cause)...)
	case end.failure != "":
		s.log.Warn("answer failed", append(attrs, "err", end.cause)...)
	case end.cause != nil:
		s.log.Info("answer finished", append(attrs, "reason", end.cause.Error())...)
	default:
		s.log.Info("answer finished", attrs...)
	}
	s.cfg.Observer.AnswerFinished(r)
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
	case FailModelNotPulled:
		return fmt.Sprintf("The model this assistant is set up to use is not downloaded on its Ollama server. "+
			"Whoever runs this Rolefit can fetch it with `ollama pull %s`.", pe.Model)
	case FailContentFilter:
		if partial {
			return "The model service's content filter stopped this answer partway through. What arrived is kept; you can try again or ask in other words."
		}
		return "The model service's content filter blocked this answer. Try rephrasing the question."
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
