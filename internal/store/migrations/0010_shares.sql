-- Read-only links to a conversation as it was when shared. The link's id is
-- its own random id, never the conversation's; the snapshot (title, fit
-- check answers, the shown messages as JSON) is copied, so later messages,
-- renames or regenerations do not reach the link. One link per
-- conversation: sharing again refreshes the snapshot under the same id.
-- Revoking deletes the row, as does deleting the conversation.
CREATE TABLE shares (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL UNIQUE REFERENCES conversations (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    fit_answers     TEXT NOT NULL DEFAULT '',
    messages        TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
