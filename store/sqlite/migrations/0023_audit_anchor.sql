-- The anchor of the audit log's hash chain after retention removed its oldest records
-- (RETENTION_AUDIT): the sequence number and hash of the newest record removed, which
-- `admin audit verify` starts from. One row at most.
CREATE TABLE audit_anchor (
    id        INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq       INTEGER NOT NULL,
    hash      TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    pruned_at INTEGER NOT NULL
) STRICT;
