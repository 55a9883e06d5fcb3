-- Daily statistics rollups and covering indexes for the statistics reads (issue 7).
--
-- With 1,000,000 facts, a one-year summary summed ~330,000 fact rows (580 ms p50). stats_daily
-- holds the sums of the 0/1 indicators per (filing day, area, unit, category, group), the
-- dimensions the statistics filter and group by. PutFact adjusts the row of the old and of the new
-- fact in the same transaction that rewrites the fact, so a rollup row always equals a recount of
-- its facts; rows whose count falls to 0 are deleted. `phananh admin stats rebuild` recomputes
-- the table from the facts.
--
-- What cannot be pre-summed still reads the facts, through covering indexes so that no table row
-- is fetched: "overdue now" (running facts with a deadline before now) and the resolve durations
-- of the percentiles.
CREATE TABLE stats_daily (
    created_day   TEXT    NOT NULL,
    area_code     TEXT    NOT NULL,
    unit_id       TEXT    NOT NULL,
    category      TEXT    NOT NULL,
    grp           TEXT    NOT NULL,
    received      INTEGER NOT NULL,
    open          INTEGER NOT NULL,
    resolved      INTEGER NOT NULL,
    rejected      INTEGER NOT NULL,
    on_time       INTEGER NOT NULL,
    late_ext      INTEGER NOT NULL,
    rated         INTEGER NOT NULL,
    satisfied     INTEGER NOT NULL,
    reopened      INTEGER NOT NULL,
    ever_resolved INTEGER NOT NULL,
    PRIMARY KEY (created_day, area_code, unit_id, category, grp)
) STRICT, WITHOUT ROWID;

INSERT INTO stats_daily (created_day, area_code, unit_id, category, grp, received, open, resolved, rejected,
    on_time, late_ext, rated, satisfied, reopened, ever_resolved)
SELECT created_day, area_code, unit_id, category, grp, COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected),
    SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved)
FROM stats_facts GROUP BY 1, 2, 3, 4, 5;

DROP INDEX stats_facts_running_due;
CREATE INDEX stats_facts_running ON stats_facts (is_running, created_day, due_at, area_code, unit_id, category, grp);
CREATE INDEX stats_facts_resolved ON stats_facts (is_resolved, created_day, resolve_ms, area_code, unit_id, category, grp);

-- Queues (measured at 1,000,000 tickets, bench/run.sh): a queue lists open tickets in deadline
-- order, but tickets_unit_due (unit_id, due_at, id) walks every ticket of the unit, closed ones
-- included, from the oldest deadline on, checking each row's state: a unit's first page took
-- seconds once most of its tens of thousands of tickets were closed. Partial indexes of the open
-- tickets serve the default queue (all open states; the store writes that condition verbatim,
-- as SQLite requires) in deadline order without a sort, and the counts per state of a unit are
-- a covering index scan.
CREATE INDEX tickets_open_unit_due ON tickets (unit_id, due_at, id)
    WHERE state IN ('received', 'assigned', 'in_progress', 'awaiting_info');
CREATE INDEX tickets_open_due ON tickets (due_at, id)
    WHERE state IN ('received', 'assigned', 'in_progress', 'awaiting_info');
CREATE INDEX tickets_unit_state_due ON tickets (unit_id, state, due_at, id);

-- Counts per state of a queue (every state, closed ones included) were a scan of all the unit's
-- tickets: 140,000 index entries for a busy ward's police at 1,000,000 tickets. ticket_counts
-- holds them per (unit, area, category, state), kept exact by triggers in the transaction of
-- every ticket write; queues filtered by nothing else read it instead (rows may fall to 0 and
-- stay; readers skip them).
CREATE TABLE ticket_counts (
    unit_id   TEXT    NOT NULL,
    area_code TEXT    NOT NULL,
    category  TEXT    NOT NULL,
    state     TEXT    NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (unit_id, area_code, category, state)
) STRICT, WITHOUT ROWID;

INSERT INTO ticket_counts (unit_id, area_code, category, state, n)
SELECT unit_id, area_code, category, state, COUNT(*) FROM tickets GROUP BY 1, 2, 3, 4;

CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (unit_id, area_code, category, state, n)
    VALUES (NEW.unit_id, NEW.area_code, NEW.category, NEW.state, 1)
    ON CONFLICT (unit_id, area_code, category, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_count_update AFTER UPDATE OF unit_id, area_code, category, state ON tickets
WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.area_code IS NOT NEW.area_code
    OR OLD.category IS NOT NEW.category OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE ticket_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND area_code = OLD.area_code
        AND category = OLD.category AND state = OLD.state;
    INSERT INTO ticket_counts (unit_id, area_code, category, state, n)
    VALUES (NEW.unit_id, NEW.area_code, NEW.category, NEW.state, 1)
    ON CONFLICT (unit_id, area_code, category, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_count_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1 WHERE unit_id = OLD.unit_id AND area_code = OLD.area_code
        AND category = OLD.category AND state = OLD.state;
END;
