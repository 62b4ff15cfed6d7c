-- Tokens spent per UTC day, for DAILY_TOKEN_BUDGET. Kept on disk so that a
-- restart does not hand out the day's budget a second time.
CREATE TABLE token_spend (
    day    TEXT PRIMARY KEY, -- YYYY-MM-DD, UTC
    tokens INTEGER NOT NULL
);
