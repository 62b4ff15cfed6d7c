package chat

import (
	"context"
	"errors"
	"time"
)

// unsavedMessage is what the person is told when an answer ended but could
// not be saved (a full disk): the truth, and that nothing is lost yet.
const unsavedMessage = "This answer could not be saved, so it would be lost if Rolefit restarted. " +
	"Rolefit keeps it and keeps trying to save it; you can also try again."

// finalSaveWait is how long an answer's final save may wait for the
// database. The person has all the text already and waits only for the
// answer to be called finished, so under a heavy load (thousands of live
// answers on one SQLite writer) waiting is better than saying it could
// not be saved; a full disk fails at once, whatever the wait.
const finalSaveWait = 30 * time.Second

// saveFinal saves the answer as it ended and returns the message to
// announce. The generation context may be cancelled by now; the final save
// must still happen, so it gets its own short deadline. A periodic save
// that lands after it changes nothing: the store saves only answers still
// streaming.
//
// When the save fails the answer is not announced as it ended but as an
// error saying it could not be saved: a "done" that a restart would turn
// into nothing is a lie. The real ending stays in memory, and
// saveProgress tries again to save it every SaveEvery.
func (s *Service) saveFinal(a *liveAnswer, final Message) Message {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), finalSaveWait)
	defer cancel()
	err := s.saveReasoning(ctx, final)
	if err == nil {
		err = s.store.SaveFinalAnswer(ctx, final)
	}
	if err == nil {
		return final
	}
	s.log.Error("save answer: kept in memory, and saved again until it works", "answer", final.ID, "err", err)
	ending := final
	a.unsaved = &ending
	s.mu.Lock()
	s.unsaved[final.ID] = a
	s.mu.Unlock()
	shown := final
	shown.State = StateError
	shown.Error = unsavedMessage
	if final.Error != "" {
		shown.Error = final.Error + " " + unsavedMessage
	}
	return shown
}

// saveUnsaved tries again to save the answers whose final save failed, and
// reports how many still are not saved. Once one is, it is shown as it
// really ended.
func (s *Service) saveUnsaved() (left int) {
	s.mu.Lock()
	pending := make(map[string]*liveAnswer, len(s.unsaved))
	for id, a := range s.unsaved {
		pending[id] = a
	}
	s.mu.Unlock()
	for id, a := range pending {
		if !s.retrySave(a) {
			left++
			continue
		}
		s.mu.Lock()
		delete(s.unsaved, id)
		s.mu.Unlock()
	}
	return left
}

// retrySave saves an answer's kept ending and reports whether it is done
// with (saved, or its conversation deleted).
func (s *Service) retrySave(a *liveAnswer) bool {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	m := a.unsaved
	if m == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.saveReasoning(ctx, *m)
	if err == nil {
		err = s.store.SaveFinalAnswer(ctx, *m)
	}
	if errors.Is(err, ErrNotFound) {
		return true // deleted meanwhile: nothing left to save it into
	}
	if err != nil {
		return false
	}
	s.log.Info("save answer: saved after an earlier failure", "answer", m.ID)
	a.unsaved = nil
	a.mu.Lock()
	a.final = m
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	return true
}

// saveReasoning saves the thinking of an answer that has some, before its
// ending: an answer saved as ended has all of itself saved.
func (s *Service) saveReasoning(ctx context.Context, m Message) error {
	if m.Reasoning == "" {
		return nil
	}
	return s.store.SaveReasoning(ctx, m.ID, m.Reasoning, m.ThoughtFor)
}
