-- Full-text search over a visitor's own conversations: their titles and
-- the text of their messages, through SQLite's FTS5. Each index keeps its
-- own copy of the text, so a row is removed by its rowid alone (an
-- external-content index must be handed back the exact text it indexed,
-- and a mismatch corrupts it). The triggers keep both in step with every
-- write, whichever statement makes it.

CREATE VIRTUAL TABLE conversation_search USING fts5(
    title,
    conversation_id UNINDEXED, -- checked on every hit: see Search in search.go
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE message_search USING fts5(
    content,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_search (rowid, title, conversation_id) VALUES (new.rowid, new.title, new.id);
END;

CREATE TRIGGER conversation_search_rename AFTER UPDATE OF title ON conversations BEGIN
    DELETE FROM conversation_search WHERE rowid = old.rowid;
    INSERT INTO conversation_search (rowid, title, conversation_id) VALUES (new.rowid, new.title, new.id);
END;

CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversations BEGIN
    DELETE FROM conversation_search WHERE rowid = old.rowid;
END;

-- Only text that will not change is indexed. An answer being written is
-- saved every second; indexing each save would tokenize the whole answer
-- again every second. Its saves do not reach the index (the WHEN below is
-- false while it streams); it is indexed once, when it ends.
CREATE TRIGGER message_search_insert AFTER INSERT ON messages
WHEN new.state <> 'streaming' BEGIN
    INSERT INTO message_search (rowid, content) VALUES (new.seq, new.content);
END;

CREATE TRIGGER message_search_update AFTER UPDATE OF content, state ON messages
WHEN old.state <> 'streaming' OR new.state <> 'streaming' BEGIN
    DELETE FROM message_search WHERE rowid = old.seq;
    INSERT INTO message_search (rowid, content) SELECT new.seq, new.content WHERE new.state <> 'streaming';
END;

-- Deleting a conversation deletes its messages through the foreign key's
-- cascade, which fires this trigger too.
CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.seq;
END;

-- Existing databases: index what is already there. Answers left streaming
-- by a crash are indexed when start-up marks them interrupted.
INSERT INTO conversation_search (rowid, title, conversation_id) SELECT rowid, title, id FROM conversations;
INSERT INTO message_search (rowid, content) SELECT seq, content FROM messages WHERE state <> 'streaming';
