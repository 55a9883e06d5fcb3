-- Officials' workflow: queue, SLA worker, nearby duplicates, leases and the audit log.
--
-- Tickets gain columns derived from their document on every write, so that queues
-- (due_at, id order), the SLA worker (next_check_at) and the duplicate search (lat/lng box) are
-- index lookups. due_at uses the same encoding as the other time columns (unix ms; a zero
-- time.Time is -62135596800000, which sorts first); next_check_at is 0 when nothing is scheduled.
-- state and unit_id already exist.

ALTER TABLE tickets ADD COLUMN category      TEXT    NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN area_code     TEXT    NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN due_at        INTEGER NOT NULL DEFAULT -62135596800000;
ALTER TABLE tickets ADD COLUMN next_check_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN lat           REAL    NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN lng           REAL    NOT NULL DEFAULT 0;

-- Backfill from the documents written by earlier versions. Their documents have no due_at or
-- next_check_at (they decode as zero times), but a document that has them is converted from
-- its RFC 3339 text, so the columns always agree with what the document decodes to.
UPDATE tickets SET
    category      = COALESCE(json_extract(doc, '$.category'), ''),
    area_code     = COALESCE(json_extract(doc, '$.area_code'), ''),
    lat           = COALESCE(json_extract(doc, '$.location.lat'), 0),
    lng           = COALESCE(json_extract(doc, '$.location.lng'), 0),
    due_at        = COALESCE(CAST(round(unixepoch(json_extract(doc, '$.due_at'), 'subsec') * 1000) AS INTEGER),
                             -62135596800000),
    next_check_at = max(COALESCE(CAST(round(unixepoch(json_extract(doc, '$.next_check_at'), 'subsec') * 1000) AS INTEGER), 0), 0);

-- Queues: per unit, and across units (IOC), in deadline order with the keyset tiebreaker.
CREATE INDEX tickets_unit_due ON tickets (unit_id, due_at, id);
CREATE INDEX tickets_due ON tickets (due_at, id);
-- The SLA worker only ever looks at scheduled tickets.
CREATE INDEX tickets_next_check ON tickets (next_check_at, id) WHERE next_check_at > 0;
-- Nearby duplicates: a latitude range narrows the box, the longitude is checked in the index.
CREATE INDEX tickets_lat_lng ON tickets (lat, lng);

-- A lease lets one server instance at a time run a periodic job.
CREATE TABLE leases (
    name       TEXT    NOT NULL PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The append-only audit log, read newest first.
CREATE TABLE audit_log (
    id         TEXT    NOT NULL PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   TEXT    NOT NULL,
    actor_role TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    ticket_id  TEXT    NOT NULL DEFAULT '',
    subject_id TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_ticket ON audit_log (ticket_id, at, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at, id);
