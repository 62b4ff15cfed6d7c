-- How each answer was made (chat.AnswerMeta as JSON: provider, timings,
-- tokens, the messages sent), written once with the answer's final text.
-- Empty for questions, answers still streaming, and older answers.
ALTER TABLE messages ADD COLUMN meta TEXT NOT NULL DEFAULT '';
