-- Each patient's course, SQLite: nothing to change. PostgreSQL keeps every patient's course assembled on write
-- (../postgres/0010), because there assembling it on each read cost as much as the read's audit event; SQLite
-- runs in the server's process, where the timeline's one statement assembles the course on read within the
-- timeline target (docs/performance.md). The file exists so that both engines keep the same migration names.
SELECT 1;
