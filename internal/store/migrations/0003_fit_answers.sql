-- A conversation can start from the role-fit check: its answers (question id
-- to option id, as a JSON object) are kept with it, so a reload shows the
-- result card again. Empty for ordinary conversations.
ALTER TABLE conversations ADD COLUMN fit_answers TEXT NOT NULL DEFAULT '';
