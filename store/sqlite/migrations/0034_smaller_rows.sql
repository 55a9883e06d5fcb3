-- Smaller rows: every index of the tickets table is kept by every filing and every change, and
-- takes room on disk for every ticket. docs/SQLITE-INDEXES.md names the query each index serves
-- and TestQueryPlans checks that they use it.
--
-- tickets_unit (unit_id, created_at, id) served a unit's tickets newest first, which no caller
-- lists any more (the officials' lists are queues, in deadline order); a store caller that still
-- asks gets the unit's tickets through tickets_unit_state_due and a sort.
--
-- Ticket documents are written compactly from now on (zero times, false flags, the app channel
-- and an event's public visibility are left out: store/sqlite/ticket_row.go); existing documents
-- read back the same and are compacted when next written. They are not rewritten here: the room
-- a rewrite frees stays inside the pages of the rows (only VACUUM returns it), so it would cost a
-- rewrite of every ticket for next to nothing.

DROP INDEX tickets_unit;

-- The statistics' covering indexes held every fact, but their queries read only the running
-- facts (overdue counts, countRunning: is_running = 1) and the resolved ones (percentiles,
-- scannedRanks and ResolveTimes: is_resolved = 1), with that condition written verbatim, as a
-- partial index requires. Partial, they leave out the rest: the running facts are the few open
-- tickets (stats_facts_running held 134 bytes per ticket for them), the resolved most.
DROP INDEX stats_facts_running;
CREATE INDEX stats_facts_running ON stats_facts
    (created_day, due_at, boundary_set, area_code, unit_id, category, grp, channel) WHERE is_running = 1;
DROP INDEX stats_facts_resolved;
CREATE INDEX stats_facts_resolved ON stats_facts
    (created_day, resolve_ms, boundary_set, area_code, unit_id, category, grp, channel) WHERE is_resolved = 1;

-- Finished push messages (sent, dropped, dead) are deleted 90 days after done_at by the
-- retention worker's purge (PurgeExpired), as the MongoDB store's TTL index does; this index
-- finds them without reading the outbox. Queued messages have no done_at and are not in it.
CREATE INDEX push_outbox_done ON push_outbox (done_at) WHERE done_at IS NOT NULL;
