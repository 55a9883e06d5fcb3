-- Statistics key areas by (boundary set, area code).
--
-- The 2025 administrative reform reused area codes for other wards (longxuyen-2023 30292 is Bình
-- Khánh, longxuyen-2025 30292 is Bình Đức), so an area code names a ward only within its boundary
-- set. stats_facts has always carried the boundary set a ticket was routed under; the rollups
-- per area and the covering indexes of the by-area reads now carry it too, so that the figures
-- of one area never sum tickets of two wards that share a code.
--
-- stats_daily gains boundary_set in its key and is rebuilt from the facts (the rollup of the
-- previous shape cannot be split by set). stats_days and the resolve-duration buckets are not
-- per area and stay as they are.
DROP TABLE stats_daily;

CREATE TABLE stats_daily (
    created_day   TEXT    NOT NULL,
    boundary_set  TEXT    NOT NULL,
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
    PRIMARY KEY (created_day, boundary_set, area_code, unit_id, category, grp)
) STRICT, WITHOUT ROWID;

INSERT INTO stats_daily (created_day, boundary_set, area_code, unit_id, category, grp, received, open, resolved,
    rejected, on_time, late_ext, rated, satisfied, reopened, ever_resolved)
SELECT created_day, boundary_set, area_code, unit_id, category, grp, COUNT(*), SUM(is_open), SUM(is_resolved),
    SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied), SUM(is_reopened),
    SUM(is_ever_resolved)
FROM stats_facts GROUP BY 1, 2, 3, 4, 5, 6;

-- The covering indexes of "overdue now" and of the resolve durations (migration 0011) cover the
-- boundary set as well, so that by-area reads still fetch no table row.
DROP INDEX stats_facts_running;
CREATE INDEX stats_facts_running ON stats_facts
    (is_running, created_day, due_at, boundary_set, area_code, unit_id, category, grp);
DROP INDEX stats_facts_resolved;
CREATE INDEX stats_facts_resolved ON stats_facts
    (is_resolved, created_day, resolve_ms, boundary_set, area_code, unit_id, category, grp);
