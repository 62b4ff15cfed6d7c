package chat

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// memStore is a hand-written in-memory Store for the service's tests; the
// SQLite store has its own tests against a real file.
type memStore struct {
	mu    sync.Mutex
	convs map[string]Conversation
	msgs  []Message
	saves int // SaveAnswer and SaveFinalAnswer calls
	// finalSaves counts SaveFinalAnswer calls; metas are the Meta of
	// each, in order.
	finalSaves int
	metas      []*AnswerMeta
	// failWrites, when set, fails every write that adds or shows a
	// message, as a full disk would.
	failWrites error
	// failSaves, when set, fails SaveAnswer, as a full disk would the
	// saves of an answer being written.
	failSaves error
	// beforeAdd, when set, is called by AddMessages before it writes, and
	// its error returned instead: a slow or failing disk.
	beforeAdd func(ctx context.Context) error
	// batches, when set, receives the ids of each SaveAnswersSoFar call
	// (dropped if nobody is reading).
	batches chan []string
	// failSoFarCall, when set, fails that call of SaveAnswersSoFar (the
	// first is 1), as a write that runs out of time.
	failSoFarCall, soFarCalls int
}

func (s *memStore) setFailSaves(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failSaves = err
}

func (s *memStore) setFailWrites(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failWrites = err
}

func newMemStore() *memStore { return &memStore{convs: map[string]Conversation{}} }

func (s *memStore) CreateConversation(ctx context.Context, c Conversation, msgs ...Message) error {
	if len(msgs) > 0 {
		// As in the real stores, the conversation is there only if its
		// messages are.
		if err := s.AddMessages(ctx, msgs...); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.convs[c.ID] = c
	return nil
}

func (s *memStore) Conversation(_ context.Context, id string) (Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return Conversation{}, fmt.Errorf("mem: %w", ErrNotFound)
	}
	return c, nil
}

// s.msgs keeps each message's own Hidden (is it the shown version?);
// branched works out what is on the branch shown, as the SQLite store's
// off_branch does.
func (s *memStore) branched() []Message {
	shown := map[string]bool{}
	on := func(m Message) bool {
		if m.Role == RoleUser {
			return m.Follows == "" || shown[m.Follows]
		}
		return m.ReplyTo == "" || shown[m.ReplyTo]
	}
	out := slices.Clone(s.msgs)
	for i, m := range out {
		if m.Role == RoleUser && !m.Hidden && on(m) {
			shown[m.ID] = true
		}
		out[i].Hidden = m.Hidden || !on(m)
	}
	return out
}

func (s *memStore) Messages(_ context.Context, id string) ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.branched() {
		if m.ConversationID == id {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *memStore) Message(_ context.Context, id string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.branched() {
		if m.ID == id {
			return m, nil
		}
	}
	return Message{}, fmt.Errorf("mem: %w", ErrNotFound)
}

func (s *memStore) AddMessages(ctx context.Context, msgs ...Message) error {
	if s.beforeAdd != nil {
		if err := s.beforeAdd(ctx); err != nil {
			return fmt.Errorf("mem: add messages: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWrites != nil {
		return fmt.Errorf("mem: add messages: %w", s.failWrites)
	}
	for _, m := range msgs {
		if m.Role == RoleUser {
			m.Follows = ""
			for _, b := range s.branched() {
				if b.ConversationID == m.ConversationID && b.Role == RoleUser && !b.Hidden {
					m.Follows = b.ID
				}
			}
		}
		s.msgs = append(s.msgs, m)
	}
	return nil
}

func (s *memStore) AddQuestionVersion(_ context.Context, of string, q, a Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWrites != nil {
		return fmt.Errorf("mem: add question version: %w", s.failWrites)
	}
	i := slices.IndexFunc(s.msgs, func(m Message) bool { return m.ID == of && m.Role == RoleUser })
	if i < 0 {
		return fmt.Errorf("mem: %w", ErrNotFound)
	}
	q.Follows = s.msgs[i].Follows
	for i := range s.msgs {
		if s.msgs[i].Role == RoleUser && s.msgs[i].ConversationID == q.ConversationID && s.msgs[i].Follows == q.Follows {
			s.msgs[i].Hidden = true
		}
	}
	q.Hidden, a.Hidden = false, false
	s.msgs = append(s.msgs, q, a)
	return nil
}

func (s *memStore) ShowQuestion(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.msgs, func(m Message) bool { return m.ID == id && m.Role == RoleUser })
	if i < 0 {
		return fmt.Errorf("mem: %w", ErrNotFound)
	}
	q := s.msgs[i]
	for i := range s.msgs {
		if s.msgs[i].Role == RoleUser && s.msgs[i].ConversationID == q.ConversationID && s.msgs[i].Follows == q.Follows {
			s.msgs[i].Hidden = s.msgs[i].ID != id
		}
	}
	return nil
}

func (s *memStore) SaveReasoning(_ context.Context, id, reasoning string, thoughtFor time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.msgs {
		if s.msgs[i].ID == id {
			s.msgs[i].Reasoning, s.msgs[i].ThoughtFor = reasoning, thoughtFor
			return nil
		}
	}
	return fmt.Errorf("mem: %w", ErrNotFound)
}

func (s *memStore) SaveAnswer(_ context.Context, id, content string, state State, errMsg string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves++
	if s.failSaves != nil {
		return fmt.Errorf("mem: save answer: %w", s.failSaves)
	}
	for i := range s.msgs {
		if s.msgs[i].ID == id {
			s.msgs[i].Content, s.msgs[i].State, s.msgs[i].Error = content, state, errMsg
			return nil
		}
	}
	return fmt.Errorf("mem: %w", ErrNotFound)
}

func (s *memStore) SaveAnswersSoFar(_ context.Context, answers []AnswerSoFar) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves += len(answers)
	if s.batches != nil {
		ids := make([]string, len(answers))
		for i, a := range answers {
			ids[i] = a.ID
		}
		select {
		case s.batches <- ids:
		default:
		}
	}
	if s.failSaves != nil {
		return fmt.Errorf("mem: save answers so far: %w", s.failSaves)
	}
	if s.soFarCalls++; s.soFarCalls == s.failSoFarCall {
		return fmt.Errorf("mem: save answers so far: %w", context.DeadlineExceeded)
	}
	for _, a := range answers {
		for i := range s.msgs {
			if s.msgs[i].ID == a.ID && s.msgs[i].State == StateStreaming {
				s.msgs[i].Content, s.msgs[i].Reasoning = a.Content, a.Reasoning
			}
		}
	}
	return nil
}

func (s *memStore) SaveFinalAnswer(_ context.Context, m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves++
	s.finalSaves++
	s.metas = append(s.metas, m.Meta)
	if s.failSaves != nil {
		return fmt.Errorf("mem: save final answer: %w", s.failSaves)
	}
	for i := range s.msgs {
		if s.msgs[i].ID == m.ID {
			s.msgs[i].Content, s.msgs[i].State, s.msgs[i].Error, s.msgs[i].Meta = m.Content, m.State, m.Error, m.Meta
			return nil
		}
	}
	return fmt.Errorf("mem: %w", ErrNotFound)
}

func (s *memStore) ConversationsByVisitor(_ context.Context, visitorID string, _ int) ([]Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Conversation
	for _, c := range s.convs {
		if c.VisitorID == visitorID {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *memStore) RenameConversation(_ context.Context, id, title string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return fmt.Errorf("mem: %w", ErrNotFound)
	}
	c.Title = title
	s.convs[id] = c
	return nil
}

func (s *memStore) DeleteConversation(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.convs[id]; !ok {
		return fmt.Errorf("mem: %w", ErrNotFound)
	}
	delete(s.convs, id)
	kept := s.msgs[:0]
	for _, m := range s.msgs {
		if m.ConversationID != id {
			kept = append(kept, m)
		}
	}
	s.msgs = kept
	return nil
}

func (s *memStore) DeleteConversationsByVisitor(ctx context.Context, visitorID string) (int, error) {
	cs, _ := s.ConversationsByVisitor(ctx, visitorID, 0)
	for _, c := range cs {
		s.DeleteConversation(ctx, c.ID)
	}
	return len(cs), nil
}

func (s *memStore) DeleteConversationsUntouchedSince(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	var old []string
	for id, c := range s.convs {
		if c.UpdatedAt.Before(before) {
			old = append(old, id)
		}
	}
	s.mu.Unlock()
	for _, id := range old {
		s.DeleteConversation(ctx, id)
	}
	return len(old), nil
}

func (s *memStore) ShowAnswer(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWrites != nil {
		return fmt.Errorf("mem: show answer: %w", s.failWrites)
	}
	replyTo := ""
	for _, m := range s.msgs {
		if m.ID == id {
			replyTo = m.ReplyTo
		}
	}
	for i := range s.msgs {
		if s.msgs[i].Role == RoleAssistant && s.msgs[i].ReplyTo == replyTo {
			s.msgs[i].Hidden = s.msgs[i].ID != id
		}
	}
	return nil
}

func (s *memStore) AddAnswerVersion(_ context.Context, answer Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWrites != nil {
		return fmt.Errorf("mem: add answer version: %w", s.failWrites)
	}
	for i := range s.msgs {
		if s.msgs[i].Role == RoleAssistant && s.msgs[i].ReplyTo == answer.ReplyTo {
			s.msgs[i].Hidden = true
		}
	}
	answer.Hidden = false
	s.msgs = append(s.msgs, answer)
	return nil
}

func (s *memStore) saveCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// scriptedProvider streams what the test sends on deltas until the channel
// is closed (then returns end), and records each request.
type scriptedProvider struct {
	deltas chan string
	// thoughts, when made, carries thinking, given to req.OnReasoning.
	thoughts chan string
	end      error
	usage    Usage // reported when the deltas end
	requests chan Request
	// cancelled receives the context's cause when the stream was cancelled.
	cancelled chan error
}

func newScriptedProvider() *scriptedProvider {
	return &scriptedProvider{
		deltas:    make(chan string),
		requests:  make(chan Request, 10),
		cancelled: make(chan error, 10),
	}
}

func (p *scriptedProvider) Describe() ProviderInfo {
	return ProviderInfo{Name: "scripted", Model: "test"}
}

func (p *scriptedProvider) Stream(ctx context.Context, req Request, onDelta func(string)) (Usage, error) {
	p.requests <- req
	for {
		select {
		case d, ok := <-p.deltas:
			if !ok {
				return p.usage, p.end
			}
			onDelta(d)
		case th := <-p.thoughts:
			if req.OnReasoning != nil {
				req.OnReasoning(th)
			}
		case <-ctx.Done():
			p.cancelled <- context.Cause(ctx)
			return Usage{}, ctx.Err()
		}
	}
}

func (s *memStore) LatestMessages(ctx context.Context, conversationID, before string, limit int) ([]Message, bool, error) {
	all, err := s.Messages(ctx, conversationID)
	if err != nil {
		return nil, false, err
	}
	if _, err := s.Conversation(ctx, conversationID); err != nil {
		return nil, false, err
	}
	end := len(all)
	if before != "" {
		end = -1
		for i, m := range all {
			if m.ID == before {
				end = i
			}
		}
		if end < 0 {
			return nil, false, fmt.Errorf("mem: %w", ErrNotFound)
		}
	}
	start, n := end, 0
	for start > 0 && n < max(limit, 1) {
		start--
		if !all[start].Hidden {
			n++
		}
	}
	more := false
	for _, m := range all[:start] {
		more = more || !m.Hidden
	}
	// Hidden versions are left out: the service's tests do not page.
	return Visible(all[start:end]), more, nil
}

func (s *memStore) SetFeedback(_ context.Context, id string, f *Feedback) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWrites != nil {
		return fmt.Errorf("mem: set feedback: %w", s.failWrites)
	}
	for i := range s.msgs {
		if s.msgs[i].ID == id && s.msgs[i].Role == RoleAssistant {
			s.msgs[i].Feedback = f
			return nil
		}
	}
	return fmt.Errorf("mem: %w", ErrNotFound)
}

// SearchConversations finds the visitor's conversations whose title holds
// query, as is: enough for the service's tests, which do not test search.
func (s *memStore) SearchConversations(_ context.Context, visitorID, query string, limit int) ([]SearchHit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SearchHit
	for _, c := range s.convs {
		if c.VisitorID == visitorID && query != "" && strings.Contains(c.Title, query) && len(out) < limit {
			out = append(out, SearchHit{Conversation: c, Title: Marked{{Text: c.Title}}})
		}
	}
	return out, nil
}

func (s *memStore) StreamingAnswers(_ context.Context, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, m := range s.msgs {
		if m.Role == RoleAssistant && m.State == StateStreaming && len(ids) < max(limit, 1) {
			ids = append(ids, m.ID)
		}
	}
	return ids, nil
}

func (s *memStore) InterruptAnswers(_ context.Context, ids []string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range ids {
		for i := range s.msgs {
			if s.msgs[i].ID == id && s.msgs[i].State == StateStreaming {
				s.msgs[i].State = StateInterrupted
				n++
			}
		}
	}
	return n, nil
}
