-- Answer versions: an assistant message records the question it answers
-- (reply_to, a message id), and every answer to one question but the shown
-- one is hidden. Before this, "retry" appended a new answer after a failed
-- one; the backfill below turns those into versions.

ALTER TABLE messages ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));

-- An answer's question is the nearest user message before it. An answer with
-- no question before it (none exists today) keeps reply_to = '' and is left
-- shown. The lookup walks messages_conversation_seq backwards.
UPDATE messages
SET reply_to = coalesce((
    SELECT q.id FROM messages AS q
    WHERE q.conversation_id = messages.conversation_id
      AND q.role = 'user'
      AND q.seq < messages.seq
    ORDER BY q.seq DESC
    LIMIT 1), '')
WHERE role = 'assistant';

-- The versions of one answer, for hiding and showing them. Created before the
-- next UPDATE, which uses it.
CREATE INDEX messages_conversation_reply_to ON messages (conversation_id, reply_to);

-- The newest answer to each question is the one shown; older ones were the
-- failures a retry replaced.
UPDATE messages
SET hidden = 1
WHERE role = 'assistant'
  AND reply_to <> ''
  AND EXISTS (
    SELECT 1 FROM messages AS newer
    WHERE newer.conversation_id = messages.conversation_id
      AND newer.reply_to = messages.reply_to
      AND newer.role = 'assistant'
      AND newer.seq > messages.seq);

-- The retention scan deletes conversations by updated_at alone.
CREATE INDEX conversations_updated ON conversations (updated_at);
