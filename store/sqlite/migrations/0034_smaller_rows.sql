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
