-- The search indexes take in new text in batches. FTS5 writes a new
-- segment of its index, and rewrites its own bookkeeping, in every
-- transaction that adds to it: about half of the pages a new conversation
-- wrote to the database's log, and two thirds of a final answer's. Writes now
-- only note which rows the indexes have yet to take in; the store indexes
-- all of them in one transaction, a second after a write at most, and
-- before every search, so a search still finds every write made before it
-- (see internal/store/indexing.go). What is noted is on disk with the write
-- itself, so a crash loses nothing: the next start indexes it.
--
-- kind is 'c' for a conversation's title (row is its rowid), 'm' for a
-- message (row is its seq). A row is indexed as it is when the store gets
-- to it: removed from the index, and added again if it still exists and is
-- not streaming. Deleting still removes a row from the index at once, so a
-- deleted conversation is never found, even for the second before.

CREATE TABLE search_pending (
    kind TEXT NOT NULL CHECK (kind IN ('c', 'm')),
    row  INTEGER NOT NULL,
    PRIMARY KEY (kind, row)
) WITHOUT ROWID;

DROP TRIGGER conversation_search_insert;
DROP TRIGGER conversation_search_rename;
DROP TRIGGER message_search_insert;
DROP TRIGGER message_search_update;

CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN
    INSERT OR IGNORE INTO search_pending (kind, row) VALUES ('c', new.rowid);
END;

CREATE TRIGGER conversation_search_rename AFTER UPDATE OF title ON conversations BEGIN
    INSERT OR IGNORE INTO search_pending (kind, row) VALUES ('c', new.rowid);
END;

-- As before, an answer being written is not indexed: its saves every
-- second note nothing (the WHEN is false while it streams).
CREATE TRIGGER message_search_insert AFTER INSERT ON messages
WHEN new.state <> 'streaming' BEGIN
    INSERT OR IGNORE INTO search_pending (kind, row) VALUES ('m', new.seq);
END;

CREATE TRIGGER message_search_update AFTER UPDATE OF content, state ON messages
WHEN old.state <> 'streaming' OR new.state <> 'streaming' BEGIN
    INSERT OR IGNORE INTO search_pending (kind, row) VALUES ('m', new.seq);
END;
