-- How the person rated an answer: feedback is '' (none), 'up' or 'down';
-- a thumbs down's optional reason (a choice) and comment (free text); and
-- when, in Unix milliseconds (0 for none). Written in one UPDATE when
-- given. The index serves the operator's export of every rated answer.
ALTER TABLE messages ADD COLUMN feedback TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN feedback_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN feedback_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN feedback_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_feedback_at ON messages (feedback_at, id) WHERE feedback <> '';
