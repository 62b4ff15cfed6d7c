-- Question versions: editing a question asks it again as a new version of
-- it, and the conversation branches there. A question records the question
-- it follows on its branch (follows, a message id; '' for a conversation's
-- first question): questions that follow the same one are versions of one
-- another, and every one but the shown one is hidden, as answer versions
-- are. off_branch marks the messages that come after a version not shown
-- (their question, or the question they follow, is not on the branch
-- shown); the store keeps it in step whenever a version is added or shown,
-- so reading the shown branch stays one indexed query. Before this,
-- conversations were straight lines: each question follows the one before
-- it, and nothing is off the branch shown.

ALTER TABLE messages ADD COLUMN follows TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN off_branch INTEGER NOT NULL DEFAULT 0 CHECK (off_branch IN (0, 1));

-- The lookup walks messages_conversation_seq backwards, as 0002's did.
UPDATE messages
SET follows = coalesce((
    SELECT q.id FROM messages AS q
    WHERE q.conversation_id = messages.conversation_id
      AND q.role = 'user'
      AND q.seq < messages.seq
    ORDER BY q.seq DESC
    LIMIT 1), '')
WHERE role = 'user';

-- The versions of one question, and the walk down the shown branch.
CREATE INDEX messages_conversation_follows ON messages (conversation_id, follows);
