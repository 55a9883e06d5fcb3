-- Rollups per filter dimension, for statistics filtered by the period and one of area, unit,
-- category, group or channel.
--
-- Measured at 1,000,000 tickets before this: the summary of a year filtered by one area took 55
-- ms p50, by one group 112 ms (medians of three runs on a shared machine; bench/RESULTS.md,
-- "Filtered year summaries"; after: 5-6 ms). It summed the year's
-- stats_daily rows (keyed by day and every dimension: ~240,000 rows a year, one to a few
-- tickets each), counted the overdue facts from every running fact of the year, and read every
-- resolved fact of the year (~125,000) through stats_facts_resolved to select the two
-- percentiles, as the resolve-duration bucket counts of 0012 have no dimensions.
--
-- In both tables dim is 'area' (value: boundary set, char(31), area code, as the figures per
-- area key them), 'unit', 'category', 'group' or 'channel', and every fact is in one row of each
-- dimension.
--
-- stats_days_by: the stats_daily counters and the running facts per dimension, value and filing
-- day (stats_days per dimension). A year filtered by one dimension sums 365 rows; Overdue is the
-- running facts less those whose deadline is still ahead, as for stats_days.
--
-- stats_resolve_by: the resolved facts per dimension, value, filing month and bucket (the bucket
-- of 0012). Keyed by month, not day: per day most rows would hold one duration (a row per
-- resolved fact and dimension). A year sums a dozen months of at most a few hundred buckets; the
-- days of partial months are counted from stats_facts_resolved, and the durations of the bucket
-- holding a rank are read from it one filing day at a time, within the bucket's range of
-- resolve_ms.
--
-- The store keeps both with the other rollups (PutFact, RebuildRollups); rows whose count falls
-- to 0 are deleted.
CREATE TABLE stats_days_by (
    dim           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    created_day   TEXT    NOT NULL,
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
    on_time_e2e   INTEGER NOT NULL,
    running       INTEGER NOT NULL,
    PRIMARY KEY (dim, value, created_day)
) STRICT, WITHOUT ROWID;

INSERT INTO stats_days_by (dim, value, created_day, received, open, resolved, rejected, on_time, late_ext, rated,
    satisfied, reopened, ever_resolved, on_time_e2e, running)
SELECT d.dim,
    CASE d.dim WHEN 'area' THEN boundary_set || char(31) || area_code WHEN 'unit' THEN unit_id
        WHEN 'category' THEN category WHEN 'group' THEN grp ELSE channel END,
    created_day, COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext),
    SUM(is_rated), SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved), SUM(is_on_time_e2e), SUM(is_running)
FROM stats_facts,
    (SELECT 'area' AS dim UNION ALL SELECT 'unit' UNION ALL SELECT 'category' UNION ALL SELECT 'group'
        UNION ALL SELECT 'channel') AS d
GROUP BY 1, 2, 3;

CREATE TABLE stats_resolve_by (
    dim    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    month  TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (dim, value, month, bucket)
) STRICT, WITHOUT ROWID;

INSERT INTO stats_resolve_by (dim, value, month, bucket, n)
SELECT d.dim,
    CASE d.dim WHEN 'area' THEN boundary_set || char(31) || area_code WHEN 'unit' THEN unit_id
        WHEN 'category' THEN category WHEN 'group' THEN grp ELSE channel END,
    substr(created_day, 1, 7),
    CASE WHEN resolve_ms < 100 THEN 0 ELSE length(resolve_ms) * 100 + CAST(substr(resolve_ms, 1, 2) AS INTEGER) END,
    COUNT(*)
FROM stats_facts,
    (SELECT 'area' AS dim UNION ALL SELECT 'unit' UNION ALL SELECT 'category' UNION ALL SELECT 'group'
        UNION ALL SELECT 'channel') AS d
WHERE is_resolved = 1
GROUP BY 1, 2, 3, 4;
