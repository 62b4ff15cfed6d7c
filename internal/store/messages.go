package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// messageColumns are the columns record.ScanMessage reads and insertMessages
// writes; record.ScanMessage also reads off_branch, which follows them.
const messageColumns = `id, conversation_id, role, content, state, error, reply_to, hidden, created_at, updated_at, meta, reasoning, thought_ms, feedback, feedback_reason, feedback_comment, feedback_at, follows`

// selectColumns is what queries select for record.ScanMessage.
const selectColumns = messageColumns + `, off_branch`

// Messages returns the conversation's messages in the order they were added,
// hidden answer versions included: which to show is the caller's choice.
// An unknown conversation is an error wrapping chat.ErrNotFound, so callers
// can tell it from one that has no messages yet.
func (s *Store) Messages(ctx context.Context, conversationID string) ([]chat.Message, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+selectColumns+` FROM messages
		WHERE conversation_id = ?
		ORDER BY seq`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	defer rows.Close()
	var ms []chat.Message
	for rows.Next() {
		m, err := record.ScanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list messages: %w", err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	rows.Close() // its connection may be needed to read a prompt
	if err := s.resolvePrompts(ctx, ms); err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
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
	row := s.db.QueryRowContext(ctx,
		`SELECT `+selectColumns+` FROM messages WHERE id = ?`, id)
	m, err := record.ScanMessage(row)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Message{}, fmt.Errorf("store: message %q: %w", id, chat.ErrNotFound)
	}
	if err != nil {
		return chat.Message{}, fmt.Errorf("store: get message: %w", err)
	}
	if err := s.resolvePrompts(ctx, []chat.Message{m}); err != nil {
		return chat.Message{}, fmt.Errorf("store: get message: %w", err)
	}
	return m, nil
}

// AddMessages inserts msgs in one transaction, in the order given, and moves
// each affected conversation's UpdatedAt to its newest message's CreatedAt.
// A missing conversation is an error wrapping chat.ErrNotFound and nothing is
// inserted.
func (s *Store) AddMessages(ctx context.Context, msgs ...chat.Message) (err error) {
	defer s.noteWrite(&err)
	if len(msgs) == 0 {
		return nil
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.addMessages(ctx, tx, msgs)
	})
	if err != nil {
		return fmt.Errorf("store: add messages: %w", err)
	}
	return nil
}

func (s *Store) addMessages(ctx context.Context, tx *sql.Tx, msgs []chat.Message) error {
	newest, order := record.NewestByConversation(msgs)
	for _, id := range order {
		if err := s.touchConversation(ctx, tx, id, newest[id]); err != nil {
			return err
		}
	}
	return s.insertMessages(ctx, tx, true, msgs...)
}

// AddAnswerVersion inserts answer, a new version of the answer to the
// question answer.ReplyTo, shown, and hides every other version, in one
// transaction; it moves the conversation's UpdatedAt as AddMessages does. A
// missing conversation, or a question that is not a user message of that
// conversation, is an error wrapping chat.ErrNotFound, and nothing changes.
func (s *Store) AddAnswerVersion(ctx context.Context, answer chat.Message) (err error) {
	defer s.noteWrite(&err)
	if err := record.CheckAnswerVersion(answer); err != nil {
		return fmt.Errorf("store: add answer version: %w", err)
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.touchConversation(ctx, tx, answer.ConversationID, answer.CreatedAt); err != nil {
			return err
		}
		var question int
		err := tx.QueryRowContext(ctx, `
			SELECT 1 FROM messages WHERE id = ? AND conversation_id = ? AND role = 'user'`,
			answer.ReplyTo, answer.ConversationID).Scan(&question)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("question %q: %w", answer.ReplyTo, chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE messages SET hidden = 1
			WHERE conversation_id = ? AND reply_to = ? AND role = 'assistant'`,
			answer.ConversationID, answer.ReplyTo); err != nil {
			return fmt.Errorf("hide the others: %w", err)
		}
		answer.Hidden = false
		return s.insertMessages(ctx, tx, false, answer)
	})
	if err != nil {
		return fmt.Errorf("store: add answer version: %w", err)
	}
	return nil
}

// touchConversation moves the conversation's UpdatedAt to t, never back: a
// caller's clock or ordering may hand us an older message. Touching first
// doubles as the existence check, with a clearer error than the foreign
// key's.
func (s *Store) touchConversation(ctx context.Context, tx *sql.Tx, id string, t time.Time) error {
	st, err := s.prepared(qTouchConversation)
	if err != nil {
		return fmt.Errorf("touch conversation: %w", err)
	}
	res, err := tx.StmtContext(ctx, st).ExecContext(ctx, record.Millis(t), id)
	if err != nil {
		return fmt.Errorf("touch conversation: %w", err)
	}
	if err := found(res, nil, "conversation", id); err != nil {
		return err
	}
	return nil
}

// insertMessages inserts msgs in order. With onShownBranch, each question
// follows the latest question shown (the previous insert of the loop is
// seen, so a batch of turns chains); without, m.Follows is kept.
func (s *Store) insertMessages(ctx context.Context, tx *sql.Tx, onShownBranch bool, msgs ...chat.Message) error {
	insert, err := s.prepared(qInsertMessage)
	if err != nil {
		return err
	}
	latest, err := s.prepared(qLatestShownQuestion)
	if err != nil {
		return err
	}
	stmt := tx.StmtContext(ctx, insert)
	for _, m := range msgs {
		if m.Role == chat.RoleUser && onShownBranch {
			if err := tx.StmtContext(ctx, latest).QueryRowContext(ctx, m.ConversationID).Scan(&m.Follows); err != nil {
				return fmt.Errorf("insert message %q: %w", m.ID, err)
			}
		}
		meta, prompts, err := record.EncodeMeta(m.Meta)
		if err != nil {
			return fmt.Errorf("insert message %q: %w", m.ID, err)
		}
		// Not recorded as stored (the transaction is the caller's): a
		// message inserted with its meta is rare, and the next final save
		// records it.
		if err := s.storePrompts(ctx, tx, prompts); err != nil {
			return fmt.Errorf("insert message %q: %w", m.ID, err)
		}
		rating, reason, comment, ratedAt := record.FeedbackColumns(m.Feedback)
		_, err = stmt.ExecContext(ctx, m.ID, m.ConversationID, string(m.Role), m.Content,
			string(m.State), m.Error, m.ReplyTo, m.Hidden, record.Millis(m.CreatedAt), record.Millis(m.UpdatedAt), meta,
			m.Reasoning, m.ThoughtFor.Milliseconds(), rating, reason, comment, ratedAt, m.Follows)
		if err != nil {
			return fmt.Errorf("insert message %q: %w", m.ID, err)
		}
	}
	return nil
}

// SaveAnswersSoFar saves the text so far of every answer being written,
// soFarRows answers to a write, with one prepared UPDATE: SQLite has
// one writer, and a commit per answer per tick would queue thousands of
// them behind each other (and behind the questions being asked) once
// thousands of answers stream at once. One transaction for all of them
// would hold the writer for as long as it takes to write them all, and
// an answer ending meanwhile would wait that long for its final save: the
// chunks let it in between.
//
// Up to soFarInFlight chunks wait for the writer at once, which commits
// those that are waiting together. One after the other, each chunk costs
// two wake-ups (the writer's, then the saver's) on top of its writing, and
// with both cores saturated by thousands of live answers a wake-up can
// wait tens of milliseconds for a core: in the 9,000-answer hold the 90
// chunks of a tick sometimes took longer than their 5 s deadline.
func (s *Store) SaveAnswersSoFar(ctx context.Context, answers []chat.AnswerSoFar) (err error) {
	defer s.noteWrite(&err)
	if len(answers) <= soFarRows {
		return s.saveAnswersSoFar(ctx, answers)
	}
	slots := make(chan struct{}, soFarInFlight)
	errs := make(chan error, (len(answers)+soFarRows-1)/soFarRows)
	var wg sync.WaitGroup
	for len(answers) > 0 && ctx.Err() == nil {
		n := min(len(answers), soFarRows)
		chunk := answers[:n]
		answers = answers[n:]
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			errs <- s.saveAnswersSoFar(ctx, chunk)
		})
	}
	wg.Wait()
	close(errs)
	// A failure to write (a full disk) is returned rather than a write
	// that ran out of time, whatever order they came in: CheckWrites, and
	// so /readyz, learn of failures from what is returned, and take no
	// notice of time running out.
	var late error
	for err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			late = cmp.Or(late, err)
		default:
			return err
		}
	}
	return cmp.Or(late, ctx.Err())
}

// soFarRows is how many answers one write of SaveAnswersSoFar saves: a
// few milliseconds of writing. soFarInFlight is how many such chunks
// wait for the writer at once: a final save or a new question that comes
// meanwhile waits for at most that many.
const (
	soFarRows     = 100
	soFarInFlight = 4
)

func (s *Store) saveAnswersSoFar(ctx context.Context, answers []chat.AnswerSoFar) error {
	update, err := s.prepared(qSaveAnswerSoFar)
	if err != nil {
		return fmt.Errorf("store: save answers so far: %w", err)
	}
	now := record.Millis(s.now())
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt := tx.StmtContext(ctx, update)
		for _, a := range answers {
			if _, err := stmt.ExecContext(ctx, a.Content, a.Reasoning, now, a.ID); err != nil {
				return fmt.Errorf("answer %q: %w", a.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save answers so far: %w", err)
	}
	return nil
}

// SaveAnswer overwrites an assistant message's content, state and error and
// stamps its UpdatedAt, in a single indexed UPDATE.
func (s *Store) SaveAnswer(ctx context.Context, id, content string, state chat.State, errMsg string) (err error) {
	defer s.noteWrite(&err)
	res, err := s.exec(ctx, `
		UPDATE messages SET content = ?, state = ?, error = ?, updated_at = ?
		WHERE id = ? AND role = 'assistant'`,
		content, string(state), errMsg, record.Millis(s.now()), id)
	if err := found(res, err, "assistant message", id); err != nil {
		return fmt.Errorf("store: save answer: %w", err)
	}
	return nil
}

// SaveReasoning sets an assistant message's thinking and how long the
// model thought. Like SaveAnswer it is a single indexed UPDATE.
func (s *Store) SaveReasoning(ctx context.Context, id, reasoning string, thoughtFor time.Duration) (err error) {
	defer s.noteWrite(&err)
	res, err := s.exec(ctx, `
		UPDATE messages SET reasoning = ?, thought_ms = ?
		WHERE id = ? AND role = 'assistant'`,
		reasoning, thoughtFor.Milliseconds(), id)
	if err := found(res, err, "assistant message", id); err != nil {
		return fmt.Errorf("store: save reasoning: %w", err)
	}
	return nil
}

// InterruptStreaming marks every message still streaming as interrupted.
// It is meant for start-up, when no answer can really be streaming: any such
// row was left by a process that died mid-answer.
func (s *Store) InterruptStreaming(ctx context.Context) (_ int, err error) {
	defer s.noteWrite(&err)
	res, err := s.exec(ctx, `
		UPDATE messages SET state = ?, updated_at = ?
		WHERE state = ?`,
		string(chat.StateInterrupted), record.Millis(s.now()), string(chat.StateStreaming))
	if err != nil {
		return 0, fmt.Errorf("store: interrupt streaming: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: interrupt streaming: %w", err)
	}
	return int(n), nil
}

// ShowAnswer makes the assistant message id the shown version of its
// question's answer: it clears Hidden on id and sets it on every other answer
// with the same ReplyTo, in one transaction, so a reader never sees two
// versions shown or none. An answer with no ReplyTo has no versions; only it
// is changed. A missing id, or one of a user message, is an error wrapping
// chat.ErrNotFound.
func (s *Store) ShowAnswer(ctx context.Context, id string) (err error) {
	defer s.noteWrite(&err)
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var conversationID, replyTo string
		err := tx.QueryRowContext(ctx, `
			SELECT conversation_id, reply_to FROM messages
			WHERE id = ? AND role = 'assistant'`, id).Scan(&conversationID, &replyTo)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("assistant message %q: %w", id, chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if replyTo == "" {
			_, err = tx.ExecContext(ctx, `UPDATE messages SET hidden = 0 WHERE id = ?`, id)
			return err
		}
		// conversation_id is redundant (message ids are unique) but lets the
		// update use messages_conversation_reply_to.
		_, err = tx.ExecContext(ctx, `
			UPDATE messages SET hidden = (id <> ?)
			WHERE conversation_id = ? AND reply_to = ? AND role = 'assistant'`,
			id, conversationID, replyTo)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: show answer: %w", err)
	}
	return nil
}

// AddQuestionVersion inserts question as a new version of question of, and
// answer as its answer, both shown, and hides the other versions of the
// question and the branches after them, in one transaction; it moves the
// conversation's UpdatedAt as AddMessages does. An of that is not a
// question of the conversation is an error wrapping chat.ErrNotFound, and
// nothing changes.
func (s *Store) AddQuestionVersion(ctx context.Context, of string, question, answer chat.Message) (err error) {
	defer s.noteWrite(&err)
	newest, err := record.CheckQuestionVersion(question, answer)
	if err != nil {
		return fmt.Errorf("store: add question version: %w", err)
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.touchConversation(ctx, tx, question.ConversationID, newest); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `
			SELECT follows FROM messages WHERE id = ? AND conversation_id = ? AND role = 'user'`,
			of, question.ConversationID).Scan(&question.Follows)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("question %q: %w", of, chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE messages SET hidden = 1
			WHERE conversation_id = ? AND follows = ? AND role = 'user'`,
			question.ConversationID, question.Follows); err != nil {
			return fmt.Errorf("hide the others: %w", err)
		}
		question.Hidden, answer.Hidden = false, false
		if err := s.insertMessages(ctx, tx, false, question, answer); err != nil {
			return err
		}
		return rebranch(ctx, tx, question.ConversationID)
	})
	if err != nil {
		return fmt.Errorf("store: add question version: %w", err)
	}
	return nil
}

// ShowQuestion makes the question id the shown version of its question,
// hiding its other versions, and shows the branch that follows it, in one
// transaction. A missing id, or one of an answer, is an error wrapping
// chat.ErrNotFound.
func (s *Store) ShowQuestion(ctx context.Context, id string) (err error) {
	defer s.noteWrite(&err)
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var conversationID, follows string
		err := tx.QueryRowContext(ctx, `
			SELECT conversation_id, follows FROM messages
			WHERE id = ? AND role = 'user'`, id).Scan(&conversationID, &follows)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("question %q: %w", id, chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE messages SET hidden = (id <> ?)
			WHERE conversation_id = ? AND follows = ? AND role = 'user'`,
			id, conversationID, follows); err != nil {
			return err
		}
		return rebranch(ctx, tx, conversationID)
	})
	if err != nil {
		return fmt.Errorf("store: show question: %w", err)
	}
	return nil
}

// rebranch sets off_branch for a conversation's messages after its shown
// versions changed. The questions shown are found by walking down from the
// first, through the shown version of each, along
// messages_conversation_follows; a message is on the branch shown when the
// question it follows (for a question) or answers (for an answer) is
// shown. A hidden version of a shown question's follower stays on the
// branch, hidden by its own flag, so the switcher can offer it. It costs
// one pass over the conversation, paid when a version is added or shown,
// never when a page is read.
func rebranch(ctx context.Context, tx *sql.Tx, conversationID string) error {
	_, err := tx.ExecContext(ctx, `
		WITH RECURSIVE shown(id) AS (
			SELECT id FROM messages
			WHERE conversation_id = ?1 AND role = 'user' AND follows = '' AND hidden = 0
			UNION ALL
			SELECT m.id FROM messages AS m JOIN shown ON m.follows = shown.id
			WHERE m.conversation_id = ?1 AND m.role = 'user' AND m.hidden = 0
		)
		UPDATE messages SET off_branch = CASE role
			WHEN 'user' THEN follows <> '' AND follows NOT IN (SELECT id FROM shown)
			ELSE reply_to <> '' AND reply_to NOT IN (SELECT id FROM shown)
		END
		WHERE conversation_id = ?1`, conversationID)
	if err != nil {
		return fmt.Errorf("rebranch: %w", err)
	}
	return nil
}

// StreamingAnswers returns the ids of up to limit answers saved as still
// being written, oldest first.
func (s *Store) StreamingAnswers(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id FROM messages WHERE state = ?
		ORDER BY created_at, id LIMIT ?`,
		string(chat.StateStreaming), max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("store: streaming answers: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: streaming answers: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: streaming answers: %w", err)
	}
	return ids, nil
}

// InterruptAnswers marks interrupted those of ids still streaming, in one
// transaction, and reports how many it marked.
func (s *Store) InterruptAnswers(ctx context.Context, ids []string) (_ int, err error) {
	if len(ids) == 0 {
		return 0, nil
	}
	defer s.noteWrite(&err)
	now := record.Millis(s.now())
	n := 0
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `
				UPDATE messages SET state = ?, updated_at = ?
				WHERE id = ? AND state = ?`,
				string(chat.StateInterrupted), now, id, string(chat.StateStreaming))
			if err != nil {
				return fmt.Errorf("interrupt answer %s: %w", id, err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("interrupt answer %s: %w", id, err)
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: interrupt answers: %w", err)
	}
	return n, nil
}
