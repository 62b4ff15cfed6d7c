-- The system prompts answers were sent with, each stored once: an answer's
-- meta names its prompt by the SHA-256 of the text instead of repeating
-- the text (about 9 KB) in every answer. Never deleted: they are few (one
-- per version of the prompt) and hold nobody's words.
CREATE TABLE sent_prompts (
    hash TEXT PRIMARY KEY,
    text TEXT NOT NULL
) WITHOUT ROWID;
