package pgstore

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store/record"
)

// ShowAnswer makes the assistant message id the shown version of its
// question's answer, hiding the others, in one transaction, so a reader
// never sees two versions shown or none. A missing id, or one of a user
// message, is an error wrapping chat.ErrNotFound.
func (s *Store) ShowAnswer(ctx context.Context, id string) (err error) {
	defer s.noteWrite(&err)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var conversationID, replyTo string
		err := tx.QueryRow(ctx, `SELECT conversation_id, reply_to FROM messages WHERE id = $1 AND role = 'assistant'`,
			id).Scan(&conversationID, &replyTo)
		if notFound(err) {
			return fmt.Errorf("assistant message %q: %w", id, chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if replyTo == "" {
			_, err = tx.Exec(ctx, `UPDATE messages SET hidden = false WHERE id = $1 AND hidden`, id)
			return err
		}
		// Only the rows that change are written: an update in PostgreSQL
		// writes a new row version even when nothing changed.
		_, err = tx.Exec(ctx, `
			UPDATE messages SET hidden = (id <> $1)
			WHERE conversation_id = $2 AND reply_to = $3 AND role = 'assistant' AND hidden <> (id <> $1)`,
			id, conversationID, replyTo)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: show answer: %w", err)
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
		return fmt.Errorf("pgstore: add question version: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := touchConversation(ctx, tx, question.ConversationID, newest); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT follows FROM messages WHERE id = $1 AND conversation_id = $2 AND role = 'user'`,
			of, question.ConversationID).Scan(&question.Follows)
		if notFound(err) {
			return fmt.Errorf("question %q: %w", of, chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE messages SET hidden = true
			WHERE conversation_id = $1 AND follows = $2 AND role = 'user' AND NOT hidden`,
			question.ConversationID, question.Follows); err != nil {
			return fmt.Errorf("hide the others: %w", err)
		}
		question.Hidden, answer.Hidden = false, false
		b := &pgx.Batch{}
		if err := queueInserts(b, false, question, answer); err != nil {
			return err
		}
		if err := runBatch(ctx, tx, b, nil); err != nil {
			return err
		}
		return rebranch(ctx, tx, question.ConversationID)
	})
	if err != nil {
		return fmt.Errorf("pgstore: add question version: %w", err)
	}
	return nil
}

// ShowQuestion makes the question id the shown version of its question,
// hiding its other versions, and shows the branch that follows it, in one
// transaction. A missing id, or one of an answer, is an error wrapping
// chat.ErrNotFound.
func (s *Store) ShowQuestion(ctx context.Context, id string) (err error) {
	defer s.noteWrite(&err)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var conversationID, follows string
		err := tx.QueryRow(ctx, `SELECT conversation_id, follows FROM messages WHERE id = $1 AND role = 'user'`,
			id).Scan(&conversationID, &follows)
		if notFound(err) {
			return fmt.Errorf("question %q: %w", id, chat.ErrNotFound)
		}
		if err != nil {
			return err
		}
		// The conversation's row lock orders this against a question being
		// added meanwhile, as every writer of the conversation takes it.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE`, conversationID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE messages SET hidden = (id <> $1)
			WHERE conversation_id = $2 AND follows = $3 AND role = 'user' AND hidden <> (id <> $1)`,
			id, conversationID, follows); err != nil {
			return err
		}
		return rebranch(ctx, tx, conversationID)
	})
	if err != nil {
		return fmt.Errorf("pgstore: show question: %w", err)
	}
	return nil
}

// rebranch sets off_branch for a conversation's messages after its shown
// versions changed. The questions shown are found by walking down from the
// first, through the shown version of each; a message is on the branch
// shown when the question it follows (for a question) or answers (for an
// answer) is shown. Only the rows whose mark changes are written. It
// costs one pass over the conversation, paid when a version is added or
// shown, never when a page is read.
func rebranch(ctx context.Context, tx pgx.Tx, conversationID string) error {
	_, err := tx.Exec(ctx, `
		WITH RECURSIVE shown (id) AS (
			SELECT id FROM messages
			WHERE conversation_id = $1 AND role = 'user' AND follows = '' AND NOT hidden
			UNION ALL
			SELECT m.id FROM messages AS m JOIN shown ON m.follows = shown.id
			WHERE m.conversation_id = $1 AND m.role = 'user' AND NOT m.hidden
		),
		want AS (
			SELECT seq, CASE role
				WHEN 'user' THEN follows <> '' AND follows NOT IN (SELECT id FROM shown)
				ELSE reply_to <> '' AND reply_to NOT IN (SELECT id FROM shown)
			END AS off
			FROM messages WHERE conversation_id = $1
		)
		UPDATE messages AS m SET off_branch = want.off
		FROM want WHERE m.seq = want.seq AND m.off_branch <> want.off`, conversationID)
	if err != nil {
		return fmt.Errorf("rebranch: %w", err)
	}
	return nil
}

// qLatestPage is the page of LatestMessages: the shown messages before
// seq $2, and the hidden versions of the answers and questions among
// them, in order, each row's seq last.
const qLatestPage = `
	WITH page AS (
		SELECT seq, id, role, reply_to, follows FROM messages
		WHERE conversation_id = $1 AND NOT hidden AND NOT off_branch AND seq < $2
		ORDER BY seq DESC LIMIT $3
	)
	SELECT ` + messageColumns + `, seq FROM messages
	WHERE conversation_id = $1 AND (
		seq IN (SELECT seq FROM page)
		OR (hidden AND NOT off_branch AND role = 'assistant' AND reply_to <> ''
			AND reply_to IN (SELECT id FROM page UNION SELECT reply_to FROM page))
		OR (hidden AND NOT off_branch AND role = 'user'
			AND follows IN (SELECT follows FROM page WHERE role = 'user')))
	ORDER BY seq`

// LatestMessages returns the last limit shown messages before the message
// before (of all, when before is ""), oldest first, with the hidden
// versions among them, and whether shown messages come before them; see
// chat.Store. messages_conversation_seq serves both queries, so a page of
// a long conversation costs what a page of a short one does.
func (s *Store) LatestMessages(ctx context.Context, conversationID, before string, limit int) ([]chat.Message, bool, error) {
	limit = max(limit, 1)
	bound := int64(math.MaxInt64)
	if before != "" {
		err := s.pool.QueryRow(ctx, `SELECT seq FROM messages WHERE id = $1 AND conversation_id = $2`,
			before, conversationID).Scan(&bound)
		if notFound(err) {
			return nil, false, fmt.Errorf("pgstore: latest messages: message %q of conversation %q: %w", before, conversationID, chat.ErrNotFound)
		}
		if err != nil {
			return nil, false, fmt.Errorf("pgstore: latest messages: %w", err)
		}
	}
	rows, err := s.pool.Query(ctx, qLatestPage, conversationID, bound, limit)
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: latest messages: %w", err)
	}
	ms, first, err := record.ScanPage(rows, bound)
	rows.Close()
	if err == nil {
		err = s.resolvePrompts(ctx, ms)
	}
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: latest messages: %w", err)
	}
	if len(ms) == 0 {
		if _, err := s.Conversation(ctx, conversationID); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	}
	var more bool
	err = s.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 AND NOT hidden AND NOT off_branch AND seq < $2)`,
		conversationID, first).Scan(&more)
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: latest messages: %w", err)
	}
	return ms, more, nil
}
