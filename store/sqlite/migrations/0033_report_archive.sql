-- The periodic reports made on schedule: one per period and view (id "2026-11-unit"), with the
-- report's figures as they were when it was made (data: the app's JSON encoding).
CREATE TABLE report_archive (
    id           TEXT    NOT NULL PRIMARY KEY,
    period       TEXT    NOT NULL,
    by_dim       TEXT    NOT NULL,
    generated_at INTEGER NOT NULL,
    data         BLOB    NOT NULL
) STRICT;
