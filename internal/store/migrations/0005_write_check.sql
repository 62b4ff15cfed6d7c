-- One row that readiness rewrites, while writes have been failing, to see
-- whether the database takes writes again (see CheckWrites in writes.go).
CREATE TABLE write_check (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL
);
