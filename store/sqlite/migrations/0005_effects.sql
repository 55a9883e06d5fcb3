-- Derived effects (DESIGN.md §3): a ticket's applied_version says up to which version its
-- statistics facts, outbox entries, change-feed entry and audit record are done. It lives in the
-- document and, from now on, in a column kept equal to it on every write (CreateTicket,
-- UpdateTicket and MarkApplied), so that the sweeper's list of tickets with
-- applied_version < version is an index scan of a partial index: in steady state almost no
-- ticket is pending and the index stays nearly empty.

ALTER TABLE tickets ADD COLUMN applied_version INTEGER NOT NULL DEFAULT 0;

-- Backfill from the documents written by earlier versions (they all carry applied_version; a
-- document without it decodes as 0, and so is the column).
UPDATE tickets SET applied_version = COALESCE(json_extract(doc, '$.applied_version'), 0);

-- The sweeper reads pending tickets oldest update first, with id as the tiebreaker.
CREATE INDEX tickets_unapplied ON tickets (updated_at, id) WHERE applied_version < version;
