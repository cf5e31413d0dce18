-- Procedure amendments, PostgreSQL: a recorded procedure is never edited in place; a correction is appended here
-- with its reason, author and time, numbered from 1 per procedure, and the procedure's version is raised. Same
-- file name in ../sqlite.

CREATE TABLE procedure_amendments (
    id uuid PRIMARY KEY,
    procedure_id uuid NOT NULL REFERENCES procedures (id),
    number bigint NOT NULL CHECK (number >= 1),
    reason text NOT NULL,
    correction text NOT NULL,
    amended_by uuid NOT NULL REFERENCES users (id),
    amended_at timestamptz NOT NULL,
    UNIQUE (procedure_id, number)
);
