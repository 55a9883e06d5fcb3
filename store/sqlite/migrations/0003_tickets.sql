-- Tickets are one JSON document each (history inside, DESIGN.md §3) plus the columns that are
-- looked up, compared-and-set or listed by. The (x, created_at, id) indexes serve the newest-first
-- keyset pages of FindTickets without a sort.

CREATE TABLE tickets (
    id              TEXT    NOT NULL PRIMARY KEY,
    idempotency_key TEXT    NOT NULL,
    reporter_id     TEXT    NOT NULL,
    unit_id         TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    doc             TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX tickets_idempotency_key ON tickets (idempotency_key);
CREATE INDEX tickets_reporter ON tickets (reporter_id, created_at, id);
CREATE INDEX tickets_unit ON tickets (unit_id, created_at, id);
CREATE INDEX tickets_created ON tickets (created_at, id);

CREATE TABLE sequences (
    name  TEXT    NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
