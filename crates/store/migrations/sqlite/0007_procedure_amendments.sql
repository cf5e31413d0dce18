-- Procedure amendments, SQLite: a recorded procedure is never edited in place; a correction is appended here with
-- its reason, author and time, numbered from 1 per procedure, and the procedure's version is raised. Same file
-- name in ../postgres.

CREATE TABLE procedure_amendments (
    id BLOB PRIMARY KEY,
    procedure_id BLOB NOT NULL REFERENCES procedures (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    reason TEXT NOT NULL,
    correction TEXT NOT NULL,
    amended_by BLOB NOT NULL REFERENCES users (id),
    amended_at TEXT NOT NULL,
    UNIQUE (procedure_id, number)
);
