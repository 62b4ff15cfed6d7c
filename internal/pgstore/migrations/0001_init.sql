-- The schema the SQLite store reaches after its migrations 0001 to 0011,
-- written for PostgreSQL in one step. Times are integer Unix milliseconds,
-- UTC, as there: the store keeps milliseconds, and both stores read and
-- write them the same way.

-- seq orders a visitor's list where updated_at ties: the conversation
-- created later comes first (SQLite's rowid).
CREATE TABLE conversations (
    id          text PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    visitor_id  text NOT NULL,
    title       text NOT NULL DEFAULT '',
    -- The role-fit check's answers as a JSON object; '' for none.
    fit_answers text NOT NULL DEFAULT '',
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL,
    -- The title's words, normalised by the store (see search.go).
    search      tsvector NOT NULL DEFAULT ''
);

-- A visitor's list, newest first, and the count of it.
CREATE INDEX conversations_visitor_updated ON conversations (visitor_id, updated_at DESC, seq DESC);
-- The retention sweep.
CREATE INDEX conversations_updated ON conversations (updated_at);
CREATE INDEX conversations_search ON conversations USING gin (search);

-- seq, not created_at, orders a conversation: two messages saved in the same
-- millisecond (a question and its answer placeholder) keep their order.
CREATE TABLE messages (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               text NOT NULL UNIQUE,
    conversation_id  text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role             text NOT NULL CHECK (role IN ('user', 'assistant')),
    content          text NOT NULL,
    state            text NOT NULL,
    error            text NOT NULL DEFAULT '',
    -- An answer's question; answers to one question are its versions.
    reply_to         text NOT NULL DEFAULT '',
    -- A question's predecessor on its branch; questions that follow the
    -- same one are versions of one another.
    follows          text NOT NULL DEFAULT '',
    hidden           boolean NOT NULL DEFAULT false,
    -- After a version not shown; kept in step when versions change, so a
    -- page of the branch shown is one indexed query.
    off_branch       boolean NOT NULL DEFAULT false,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    -- chat.AnswerMeta as JSON, written with the final text; '' for none.
    meta             text NOT NULL DEFAULT '',
    reasoning        text NOT NULL DEFAULT '',
    thought_ms       bigint NOT NULL DEFAULT 0,
    feedback         text NOT NULL DEFAULT '',
    feedback_reason  text NOT NULL DEFAULT '',
    feedback_comment text NOT NULL DEFAULT '',
    feedback_at      bigint NOT NULL DEFAULT 0,
    -- The words of a message that will not change; NULL while an answer
    -- streams, so the save every second costs no indexing (search.go).
    search           tsvector
);

CREATE INDEX messages_conversation_seq ON messages (conversation_id, seq);
CREATE INDEX messages_conversation_reply_to ON messages (conversation_id, reply_to);
CREATE INDEX messages_conversation_follows ON messages (conversation_id, follows);
-- The answers being written, oldest first: few rows however large the table.
CREATE INDEX messages_streaming ON messages (created_at, id) WHERE state = 'streaming';
-- The operator's export of every rated answer.
CREATE INDEX messages_feedback_at ON messages (feedback_at, id) WHERE feedback <> '';
CREATE INDEX messages_search ON messages USING gin (search);

-- Tokens spent per UTC day, shared by every replica: AddTokens adds in one
-- upsert, so two replicas' spending never overwrites each other.
CREATE TABLE token_spend (
    day    date PRIMARY KEY,
    tokens bigint NOT NULL
);

-- One row readiness rewrites while writes have been failing.
CREATE TABLE write_check (
    id         integer PRIMARY KEY CHECK (id = 1),
    checked_at bigint NOT NULL
);

-- Read-only links: a snapshot, one per conversation, under an id of its own.
CREATE TABLE shares (
    id              text PRIMARY KEY,
    conversation_id text NOT NULL UNIQUE REFERENCES conversations (id) ON DELETE CASCADE,
    title           text NOT NULL,
    fit_answers     text NOT NULL DEFAULT '',
    messages        text NOT NULL,
    created_at      bigint NOT NULL
);
