-- The channel a report came through (the resident app, the web, the hotline, a walk-in, Zalo,
-- e-mail, Open311, other) and the official who filed it on a resident's behalf.
--
-- Ticket documents gain two optional keys, channel and filed_by. A document written before has
-- neither and reads back as channel "app": every report filed before channels existed came
-- through the resident app (or Open311, which did not record it either). No document is
-- rewritten.
--
-- The statistics facts gain the channel column (every existing fact: 'app', as its ticket reads
-- back), and the rollup per day, area, unit, category and group becomes one per channel too, so
-- that the figures filtered or grouped by channel come from the rollups like the others; it is
-- rebuilt from the facts. The covering indexes of "overdue now" and of the resolve durations
-- cover the channel as well.
ALTER TABLE stats_facts ADD COLUMN channel TEXT NOT NULL DEFAULT 'app';

DROP TABLE stats_daily;

CREATE TABLE stats_daily (
    created_day   TEXT    NOT NULL,
    boundary_set  TEXT    NOT NULL,
    area_code     TEXT    NOT NULL,
    unit_id       TEXT    NOT NULL,
    category      TEXT    NOT NULL,
    grp           TEXT    NOT NULL,
    channel       TEXT    NOT NULL,
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
    PRIMARY KEY (created_day, boundary_set, area_code, unit_id, category, grp, channel)
) STRICT, WITHOUT ROWID;

INSERT INTO stats_daily (created_day, boundary_set, area_code, unit_id, category, grp, channel, received, open,
    resolved, rejected, on_time, late_ext, rated, satisfied, reopened, ever_resolved)
SELECT created_day, boundary_set, area_code, unit_id, category, grp, channel, COUNT(*), SUM(is_open),
    SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied),
    SUM(is_reopened), SUM(is_ever_resolved)
FROM stats_facts GROUP BY 1, 2, 3, 4, 5, 6, 7;

DROP INDEX stats_facts_running;
CREATE INDEX stats_facts_running ON stats_facts
    (is_running, created_day, due_at, boundary_set, area_code, unit_id, category, grp, channel);
DROP INDEX stats_facts_resolved;
CREATE INDEX stats_facts_resolved ON stats_facts
    (is_resolved, created_day, resolve_ms, boundary_set, area_code, unit_id, category, grp, channel);
