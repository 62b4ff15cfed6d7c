-- Times are integer Unix milliseconds, UTC (see toMillis in store.go).

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A visitor's conversation list, newest first.
CREATE INDEX conversations_visitor_updated ON conversations (visitor_id, updated_at);

-- seq, not created_at, orders a conversation: two messages saved in the same
-- millisecond (a question and its answer placeholder) keep their order.
CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT NOT NULL,
    state           TEXT NOT NULL,
    error           TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX messages_conversation_seq ON messages (conversation_id, seq);

-- The crash-recovery scan at start-up looks for state = 'streaming'.
CREATE INDEX messages_state ON messages (state);
