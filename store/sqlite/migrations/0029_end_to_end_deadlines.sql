-- End-to-end deadlines in the statistics.
--
-- A ticket keeps, besides the deadline of the unit holding it (restarted by a transfer), an
-- end-to-end deadline from filing that transfers never move (the document key e2e_due_at,
-- with e2e_added and unit_holds: read by no SQL, so no column on tickets). Its fact records
-- that deadline, the class of the resolution against it and its indicator, and the rollups sum
-- the indicator beside on_time, so GET /v1/stats/summary can show both.
--
-- Facts written before have no end-to-end deadline: as app.TicketFact judges such a ticket by
-- its unit's class, their indicator starts as is_on_time (and the rollups' sums likewise), so
-- the figures agree with a rebuild (`phananh admin stats rebuild`).
ALTER TABLE stats_facts ADD COLUMN e2e_due_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_facts ADD COLUMN e2e_class TEXT NOT NULL DEFAULT '';
ALTER TABLE stats_facts ADD COLUMN is_on_time_e2e INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_daily ADD COLUMN on_time_e2e INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_days ADD COLUMN on_time_e2e INTEGER NOT NULL DEFAULT 0;

UPDATE stats_facts SET is_on_time_e2e = is_on_time,
    e2e_class = CASE WHEN is_resolved = 0 THEN '' WHEN is_on_time = 1 THEN 'on_time' ELSE 'late' END;
UPDATE stats_daily SET on_time_e2e = on_time;
UPDATE stats_days SET on_time_e2e = on_time;
