-- A reasoning model's thinking, kept apart from the answer's text, and how
-- long the model thought.
ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN thought_ms INTEGER NOT NULL DEFAULT 0;
