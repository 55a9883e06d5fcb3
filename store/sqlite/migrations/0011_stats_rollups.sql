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

-- Queues (measured at 1,000,000 tickets, bench/run.sh): a unit's queue lists its open tickets
-- in deadline order, but tickets_unit_due (unit_id, due_at, id) walks every ticket of the unit,
-- closed ones included, from the oldest deadline on, checking each row's state: tens of
-- thousands of rows per page once most tickets are closed. With the state in the index, the
-- open tickets of the unit are read directly (one range per open state, then a small sort),
-- and the counts per state are a covering index scan. (The planner picks it once ANALYZE has
-- run on a large table; on a small one it keeps tickets_unit_due, which is then as good.)
CREATE INDEX tickets_unit_state_due ON tickets (unit_id, state, due_at, id);
