package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// messageColumns are what record.ScanMessage reads: off_branch last.
const messageColumns = `id, conversation_id, role, content, state, error, reply_to, hidden, created_at, updated_at, meta, reasoning, thought_ms, feedback, feedback_reason, feedback_comment, feedback_at, follows, off_branch`

// qInsertMessage inserts one message. With $19, a question follows the
// latest question shown (an insert earlier in the same transaction is
// seen, so a batch of turns chains); without, $18 is kept. $20 is the
// words search finds it by, NULL while it streams (search.go).
const qInsertMessage = `
	INSERT INTO messages (id, conversation_id, role, content, state, error, reply_to, hidden, created_at, updated_at,
		meta, reasoning, thought_ms, feedback, feedback_reason, feedback_comment, feedback_at, follows, search)
	VALUES ($1, $2, $3::text, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
		CASE WHEN $19::boolean AND $3::text = 'user' THEN coalesce((
			SELECT id FROM messages
			WHERE conversation_id = $2 AND role = 'user' AND NOT hidden AND NOT off_branch
			ORDER BY seq DESC LIMIT 1), '')
		ELSE $18 END,
		array_to_tsvector($20::text[]))`

// qTouchConversation moves a conversation's UpdatedAt forward, never back:
// a caller's clock or ordering may hand us an older message. Touching
// first doubles as the existence check, and its row lock orders the
// writers of one conversation, so "the latest question shown" is not read
// by two of them at once.
const qTouchConversation = `UPDATE conversations SET updated_at = GREATEST(updated_at, $1) WHERE id = $2`

// Messages returns the conversation's messages in the order they were
// added, hidden versions and other branches included. An unknown
// conversation is an error wrapping chat.ErrNotFound, so callers can tell
// it from one that has no messages yet.
func (s *Store) Messages(ctx context.Context, conversationID string) ([]chat.Message, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = $1 ORDER BY seq`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list messages: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Message, error) { return record.ScanMessage(r) })
	if err == nil {
		err = s.resolvePrompts(ctx, ms)
	}
	if err != nil {
		return nil, fmt.Errorf("pgstore: list messages: %w", err)
	}
	if len(ms) == 0 {
		// Only an empty result needs the second look.
		if _, err := s.Conversation(ctx, conversationID); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// Message returns the message with the given id, or an error wrapping
// chat.ErrNotFound.
func (s *Store) Message(ctx context.Context, id string) (chat.Message, error) {
	m, err := record.ScanMessage(s.pool.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, id))
	if notFound(err) {
		return chat.Message{}, fmt.Errorf("pgstore: message %q: %w", id, chat.ErrNotFound)
	}
	if err == nil {
		err = s.resolvePrompts(ctx, []chat.Message{m})
	}
	if err != nil {
		return chat.Message{}, fmt.Errorf("pgstore: get message: %w", err)
	}
	return m, nil
}

// AddMessages inserts msgs in one transaction, in the order given, and moves
// each affected conversation's UpdatedAt to its newest message's CreatedAt,
// in one round trip. A missing conversation is an error wrapping
// chat.ErrNotFound and nothing is inserted.
func (s *Store) AddMessages(ctx context.Context, msgs ...chat.Message) (err error) {
	defer s.noteWrite(&err)
	if len(msgs) == 0 {
		return nil
	}
	b, touched, err := messagesBatch(msgs)
	if err != nil {
		return fmt.Errorf("pgstore: add messages: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return runBatch(ctx, tx, b, touched)
	})
	if err != nil {
		return fmt.Errorf("pgstore: add messages: %w", err)
	}
	return nil
}

// messagesBatch is AddMessages' batch: it touches each conversation of
// msgs (touched, in the order of the batch's first statements), then
// inserts the messages.
func messagesBatch(msgs []chat.Message) (b *pgx.Batch, touched []string, err error) {
	newest, order := record.NewestByConversation(msgs)
	b = &pgx.Batch{}
	for _, id := range order {
		b.Queue(qTouchConversation, record.Millis(newest[id]), id)
	}
	if err := queueInserts(b, true, msgs...); err != nil {
		return nil, nil, err
	}
	return b, order, nil
}

// runBatch sends b, whose first len(touched) statements touch those
// conversations, and reads every result: the first failure is the error.
func runBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch, touched []string) error {
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for i := range b.Len() {
		tag, err := br.Exec()
		if i < len(touched) && err == nil && tag.RowsAffected() == 0 {
			return fmt.Errorf("conversation %q: %w", touched[i], chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
	}
	return br.Close()
}

// queueInserts queues the insert of each message.
func queueInserts(b *pgx.Batch, onShownBranch bool, msgs ...chat.Message) error {
	for _, m := range msgs {
		meta, prompts, err := record.EncodeMeta(m.Meta)
		if err != nil {
			return fmt.Errorf("insert message %q: %w", m.ID, err)
		}
		// A message inserted with its meta is rare: its prompt is stored
		// whether or not the database has it.
		for _, p := range prompts {
			b.Queue(qStorePrompt, p.Hash, p.Text)
		}
		rating, reason, comment, ratedAt := record.FeedbackColumns(m.Feedback)
		b.Queue(qInsertMessage, m.ID, m.ConversationID, string(m.Role), m.Content,
			string(m.State), m.Error, m.ReplyTo, m.Hidden, record.Millis(m.CreatedAt), record.Millis(m.UpdatedAt), meta,
			m.Reasoning, m.ThoughtFor.Milliseconds(), rating, reason, comment, ratedAt, m.Follows,
			onShownBranch, indexWords(m.Content, m.State))
	}
	return nil
}

// AddAnswerVersion inserts answer, a new version of the answer to the
// question answer.ReplyTo, shown, and hides every other version, in one
// transaction; it moves the conversation's UpdatedAt as AddMessages does.
// A missing conversation, or a question that is not a user message of
// that conversation, is an error wrapping chat.ErrNotFound, and nothing
// changes.
func (s *Store) AddAnswerVersion(ctx context.Context, answer chat.Message) (err error) {
	defer s.noteWrite(&err)
	if err := record.CheckAnswerVersion(answer); err != nil {
		return fmt.Errorf("pgstore: add answer version: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := touchConversation(ctx, tx, answer.ConversationID, answer.CreatedAt); err != nil {
			return err
		}
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2 AND role = 'user'`,
			answer.ReplyTo, answer.ConversationID).Scan(&one)
		if notFound(err) {
			return fmt.Errorf("question %q: %w", answer.ReplyTo, chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE messages SET hidden = true
			WHERE conversation_id = $1 AND reply_to = $2 AND role = 'assistant' AND NOT hidden`,
			answer.ConversationID, answer.ReplyTo); err != nil {
			return fmt.Errorf("hide the others: %w", err)
		}
		answer.Hidden = false
		b := &pgx.Batch{}
		if err := queueInserts(b, false, answer); err != nil {
			return err
		}
		return runBatch(ctx, tx, b, nil)
	})
	if err != nil {
		return fmt.Errorf("pgstore: add answer version: %w", err)
	}
	return nil
}

func touchConversation(ctx context.Context, tx pgx.Tx, id string, t time.Time) error {
	tag, err := tx.Exec(ctx, qTouchConversation, record.Millis(t), id)
	if err != nil {
		return fmt.Errorf("touch conversation: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("conversation %q: %w", id, chat.ErrNotFound)
	}
	return nil
}

// SaveAnswersSoFar saves the text so far of every answer being written in
// one statement, however many: one round trip and one commit per tick for
// a replica's whole load. Only answers still streaming are touched, so a
// final save that landed first is never undone; ids that no longer exist
// match nothing. The ids go sorted, so two writers lock rows in the same
// order.
func (s *Store) SaveAnswersSoFar(ctx context.Context, answers []chat.AnswerSoFar) (err error) {
	if len(answers) == 0 {
		return nil
	}
	defer s.noteWrite(&err)
	sorted := slices.Clone(answers)
	slices.SortFunc(sorted, func(a, b chat.AnswerSoFar) int { return strings.Compare(a.ID, b.ID) })
	ids := make([]string, len(sorted))
	contents := make([]string, len(sorted))
	reasonings := make([]string, len(sorted))
	for i, a := range sorted {
		ids[i], contents[i], reasonings[i] = a.ID, a.Content, a.Reasoning
	}
	_, err = s.pool.Exec(ctx, `
		UPDATE messages AS m SET content = u.content, reasoning = u.reasoning, updated_at = $4
		FROM unnest($1::text[], $2::text[], $3::text[]) AS u (id, content, reasoning)
		WHERE m.id = u.id AND m.role = 'assistant' AND m.state = 'streaming'`,
		ids, contents, reasonings, record.Millis(s.now()))
	if err != nil {
		return fmt.Errorf("pgstore: save answers so far: %w", err)
	}
	return nil
}

// SaveAnswer overwrites an assistant message's content, state and error and
// stamps its UpdatedAt, in one UPDATE.
func (s *Store) SaveAnswer(ctx context.Context, id, content string, state chat.State, errMsg string) (err error) {
	defer s.noteWrite(&err)
	tag, err := s.pool.Exec(ctx, `
		UPDATE messages SET content = $1, state = $2, error = $3, updated_at = $4, search = array_to_tsvector($5::text[])
		WHERE id = $6 AND role = 'assistant'`,
		content, string(state), errMsg, record.Millis(s.now()), indexWords(content, state), id)
	if err != nil {
		return fmt.Errorf("pgstore: save answer: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: assistant message %q: %w", id, chat.ErrNotFound)
	}
	return nil
}

// SaveFinalAnswer saves an ended answer's content, state, error and how it
// was made, in one UPDATE.
func (s *Store) SaveFinalAnswer(ctx context.Context, m chat.Message) (err error) {
	defer s.noteWrite(&err)
	meta, prompts, err := record.EncodeMeta(m.Meta)
	if err != nil {
		return fmt.Errorf("pgstore: save final answer: %w", err)
	}
	const update = `
		UPDATE messages SET content = $1, state = $2, error = $3, meta = $4, updated_at = $5, search = array_to_tsvector($6::text[])
		WHERE id = $7 AND role = 'assistant'`
	args := []any{m.Content, string(m.State), m.Error, meta, record.Millis(s.now()), indexWords(m.Content, m.State), m.ID}
	var tag pgconn.CommandTag
	if fresh := s.prompts.New(prompts); len(fresh) == 0 {
		tag, err = s.pool.Exec(ctx, update, args...)
	} else {
		// The first answer with this prompt stores it, in the same
		// transaction: a meta never names a prompt the database lacks.
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			for _, p := range fresh {
				if _, err := tx.Exec(ctx, qStorePrompt, p.Hash, p.Text); err != nil {
					return fmt.Errorf("store the system prompt sent: %w", err)
				}
			}
			tag, err = tx.Exec(ctx, update, args...)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("pgstore: save final answer: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: assistant message %q: %w", m.ID, chat.ErrNotFound)
	}
	s.prompts.Add(prompts)
	return nil
}

const qStorePrompt = `INSERT INTO sent_prompts (hash, text) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING`

// resolvePrompts puts back the system prompts msgs' metas refer to,
// reading those this process has not seen from the database.
func (s *Store) resolvePrompts(ctx context.Context, msgs []chat.Message) error {
	if record.ResolvePrompts(msgs) {
		return nil
	}
	rows, err := s.pool.Query(ctx, `SELECT hash, text FROM sent_prompts WHERE hash = ANY($1)`, record.MissingPrompts(msgs))
	if err != nil {
		return fmt.Errorf("read the system prompts sent: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (record.SentPrompt, error) {
		var p record.SentPrompt
		err := r.Scan(&p.Hash, &p.Text)
		return p, err
	})
	if err != nil {
		return fmt.Errorf("read the system prompts sent: %w", err)
	}
	s.prompts.Add(found)
	if !record.ResolvePrompts(msgs) {
		return fmt.Errorf("the system prompt an answer was sent with is missing from the database")
	}
	return nil
}

// SaveReasoning sets an assistant message's thinking and how long the
// model thought.
func (s *Store) SaveReasoning(ctx context.Context, id, reasoning string, thoughtFor time.Duration) (err error) {
	defer s.noteWrite(&err)
	tag, err := s.pool.Exec(ctx, `
		UPDATE messages SET reasoning = $1, thought_ms = $2
		WHERE id = $3 AND role = 'assistant'`,
		reasoning, thoughtFor.Milliseconds(), id)
	if err != nil {
		return fmt.Errorf("pgstore: save reasoning: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: assistant message %q: %w", id, chat.ErrNotFound)
	}
	return nil
}

// InterruptStreaming marks every message still streaming as interrupted.
// It is meant for the start of a lone instance, when no answer can really
// be streaming. With several replicas on one database it would cut the
// others' answers: they use StreamingAnswers and InterruptAnswers for the
// answers whose writer is gone.
func (s *Store) InterruptStreaming(ctx context.Context) (_ int, err error) {
	defer s.noteWrite(&err)
	n, err := s.interrupt(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("pgstore: interrupt streaming: %w", err)
	}
	return n, nil
}

// StreamingAnswers returns the ids of up to limit answers saved as still
// being written, oldest first.
func (s *Store) StreamingAnswers(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id FROM messages WHERE state = 'streaming'
		ORDER BY created_at, id LIMIT $1`, max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("pgstore: streaming answers: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("pgstore: streaming answers: %w", err)
	}
	return ids, nil
}

// InterruptAnswers marks interrupted those of ids still streaming, keeping
// the text they saved, and reports how many it marked.
func (s *Store) InterruptAnswers(ctx context.Context, ids []string) (_ int, err error) {
	if len(ids) == 0 {
		return 0, nil
	}
	defer s.noteWrite(&err)
	sorted := slices.Sorted(slices.Values(ids))
	n, err := s.interrupt(ctx, sorted)
	if err != nil {
		return 0, fmt.Errorf("pgstore: interrupt answers: %w", err)
	}
	return n, nil
}

// interrupt marks interrupted the answers still streaming, of ids (all of
// them when ids is nil), and indexes their text for search, now that it
// will not change: the words are made here, as for every other message,
// so a second statement writes them, in the same transaction.
func (s *Store) interrupt(ctx context.Context, ids []string) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE messages SET state = 'interrupted', updated_at = $1
			WHERE state = 'streaming' AND ($2::text[] IS NULL OR id = ANY ($2::text[]))
			RETURNING id, content`, record.Millis(s.now()), ids)
		if err != nil {
			return err
		}
		var marked, words []string
		var id, content string
		_, err = pgx.ForEachRow(rows, []any{&id, &content}, func() error {
			marked = append(marked, id)
			words = append(words, strings.Join(searchWords(content), " "))
			return nil
		})
		if err != nil {
			return err
		}
		n = len(marked)
		if n == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `
			UPDATE messages AS m SET search = array_to_tsvector(string_to_array(u.words, ' '))
			FROM unnest($1::text[], $2::text[]) AS u (id, words)
			WHERE m.id = u.id`, marked, words)
		return err
	})
	return n, err
}
