package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// This file is what the Service does when several replicas share a Relay
// (Config.Relay): follow an answer another replica writes, stop it from
// here, and clean up after a replica that died.

// mirrored returns this replica's mirror of answer answerID, which another
// replica writes, starting it if none runs; nil when no replica writes it
// (or there is no Relay). A mirror lives while its answer is written, and
// KeepFinished after, like a local answer, so watchers that reconnect in
// the meantime find it here without asking Redis again.
func (s *Service) mirrored(answerID, conversationID string) *liveAnswer {
	if s.cfg.Relay == nil {
		return nil
	}
	s.mu.Lock()
	if a := s.mirrors[answerID]; a != nil {
		s.mu.Unlock()
		if a.conversationID != conversationID {
			return nil
		}
		return a
	}
	s.mu.Unlock()

	ctx, cancel := context.WithCancelCause(s.ctx)
	a := newLiveAnswer(Message{ConversationID: conversationID}, cancel)
	lost := make(chan struct{})
	err := s.cfg.Relay.Mirror(ctx, answerID, mirrorFeed{a}, func() { close(lost) })
	if err != nil {
		cancel(nil)
		if !errors.Is(err, ErrNotLive) {
			s.log.Warn("follow an answer another replica writes", "answer", answerID, "err", err)
		}
		return nil
	}
	s.mu.Lock()
	if b := s.mirrors[answerID]; b != nil {
		// Another watcher started one meanwhile: use it.
		s.mu.Unlock()
		cancel(nil)
		if b.conversationID != conversationID {
			return nil
		}
		return b
	}
	s.mirrors[answerID] = a
	s.mu.Unlock()
	go s.keepMirror(answerID, a, lost)
	return a
}

// keepMirror ends a mirror: when its answer ends, or when its writer is
// lost, in which case the answer is shown as the database has it,
// interrupted, as a restart would show it. It forgets the mirror
// KeepFinished later.
func (s *Service) keepMirror(answerID string, a *liveAnswer, lost <-chan struct{}) {
	select {
	case <-a.done:
	case <-lost:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		m, err := s.store.Message(ctx, answerID)
		cancel()
		if err != nil {
			m = Message{ID: answerID, ConversationID: a.conversationID, Role: RoleAssistant, Content: a.snapshot()}
		}
		if m.State == StateStreaming || err != nil {
			m = notLive(m)
		}
		a.finish(m)
	case <-s.ctx.Done():
		// This replica is going away, not the answer: its watchers here
		// are cut off with the server and reconnect to another replica,
		// which goes on from their offset. Ending the mirror would tell
		// them, wrongly, that the answer ended.
		return
	}
	time.AfterFunc(s.cfg.KeepFinished, func() {
		s.mu.Lock()
		if s.mirrors[answerID] == a {
			delete(s.mirrors, answerID)
		}
		s.mu.Unlock()
		a.cancel(nil)
	})
}

// stopElsewhere stops an answer another replica writes and waits, bounded
// by ctx, for its ending to reach this one.
func (s *Service) stopElsewhere(ctx context.Context, conversationID, answerID string) error {
	// The visitor owns the conversation; the answer must be one of its
	// own, or anyone could stop anyone's answer by its id.
	m, err := s.store.Message(ctx, answerID)
	if errors.Is(err, ErrNotFound) || err == nil && (m.ConversationID != conversationID || m.Role != RoleAssistant) {
		return nil // as for an answer that is not live: nothing to stop
	} else if err != nil {
		return fmt.Errorf("chat: stop %s: %w", answerID, err)
	}
	if m.State != StateStreaming {
		return nil
	}
	a := s.mirrored(answerID, conversationID)
	if a == nil {
		return nil // nobody writes it: it has already ended
	}
	if err := s.cfg.Relay.Stop(ctx, answerID); err != nil {
		return fmt.Errorf("chat: stop %s on another replica: %w", answerID, err)
	}
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("chat: stop: %w", ctx.Err())
	}
}

// sweepOrphans marks interrupted, every SweepEvery, the answers saved as
// streaming whose writer died: its lease lapsed, so nothing will ever
// save them again. Each is left with the text saved before the writer
// died, and can be tried again. A writer that is only slow keeps its
// lease, and its answers.
func (s *Service) sweepOrphans() {
	defer close(s.sweepDone)
	t := time.NewTicker(s.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopSweep:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.SweepEvery)
		n, err := s.interruptOrphans(ctx)
		cancel()
		if err != nil {
			s.log.Warn("look for answers whose replica died", "err", err)
		} else if n > 0 {
			s.log.Warn("answers whose replica died are marked interrupted", "count", n)
		}
	}
}

// sweepBatch bounds the answers looked at in one sweep.
const sweepBatch = 5000

func (s *Service) interruptOrphans(ctx context.Context) (int, error) {
	ids, err := s.store.StreamingAnswers(ctx, sweepBatch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	orphans, err := s.cfg.Relay.Orphans(ctx, ids)
	if err != nil || len(orphans) == 0 {
		return 0, err
	}
	return s.store.InterruptAnswers(ctx, orphans)
}

// stopAnswersElsewhere asks the replicas writing the conversation's
// answers to stop them, without waiting: it is about to be deleted, and
// an answer nobody can read should not go on costing tokens. Their saves
// then find nothing to save into, which they expect.
func (s *Service) stopAnswersElsewhere(ctx context.Context, conversationID string) {
	if s.cfg.Relay == nil {
		return
	}
	msgs, err := s.store.Messages(ctx, conversationID)
	if err != nil {
		return // the delete that follows reports it
	}
	for _, m := range msgs {
		if m.Role == RoleAssistant && m.State == StateStreaming && s.live(m.ID) == nil {
			if err := s.cfg.Relay.Stop(ctx, m.ID); err != nil {
				s.log.Warn("stop an answer of a deleted conversation on another replica", "answer", m.ID, "err", err)
			}
		}
	}
}

var errStillWriting = Errorf(ECONFLICT, "An answer is still being written. Wait for it to finish, or stop it, then send your message.")

// writtenElsewhere refuses a new answer in a conversation while another
// replica writes one there: this replica's own check (reserve) knows only
// its own answers, and two answers written into one conversation at once
// would interleave its history.
func (s *Service) writtenElsewhere(conversationID string, msgs []Message) error {
	if s.cfg.Relay == nil {
		return nil
	}
	for _, m := range msgs {
		if m.Role != RoleAssistant || m.State != StateStreaming || s.live(m.ID) != nil {
			continue
		}
		if a := s.mirrored(m.ID, conversationID); a != nil && !isFinished(a) {
			return errStillWriting
		}
	}
	return nil
}

// isFinished reports whether a live answer or mirror has ended.
func isFinished(a *liveAnswer) bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// announceWait bounds how long a question waits, once stored, for its
// answer to be announced to the other replicas. Redis answers in a
// millisecond when it is well; a Redis that is down must not stop this
// replica from answering, only other replicas from following it.
const announceWait = 2 * time.Second

// awaitAnnounced waits, up to announceWait, until the other replicas can
// follow the answer feed carries, when the Relay says when that is: the
// person is told their question was taken only then, so the page that
// follows finds the answer live on whichever replica it lands.
func awaitAnnounced(ctx context.Context, feed Feed) {
	a, ok := feed.(interface{ Announced() <-chan struct{} })
	if !ok {
		return
	}
	t := time.NewTimer(announceWait)
	defer t.Stop()
	select {
	case <-a.Announced():
	case <-t.C:
	case <-ctx.Done():
	}
}
