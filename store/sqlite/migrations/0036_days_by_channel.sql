-- The rollups per dimension (stats_days_by, 0035) also keyed by channel, so that the summary of
-- a period filtered by one dimension breaks down by channel from them.
--
-- Measured through the HTTP API at 1,000,000 tickets (bench/run.sh) before this: GET
-- /v1/stats/summary for a year filtered by one unit took 56 ms p99, by one area 56 ms, by one
-- category 43 ms, by one group 189 ms. The summary's counts and percentiles came from the
-- rollups of 0035 in a few ms; its by_channel, a second query grouped by channel under the same
-- filter, summed the year's stats_daily rows of every dimension and, for a group, most of them.
--
-- A row now holds the facts of one dimension value, filing day and channel. Most days a value
-- has facts of one or two channels, so a year filtered by one dimension still sums a few hundred
-- rows; grouped by channel, it groups those same rows. Every fact is in one row of each dimension,
-- as before; the rows are recounted from the facts.
CREATE TABLE stats_days_by_channel (
    dim           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    created_day   TEXT    NOT NULL,
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
    on_time_e2e   INTEGER NOT NULL,
    running       INTEGER NOT NULL,
    PRIMARY KEY (dim, value, created_day, channel)
) STRICT, WITHOUT ROWID;

INSERT INTO stats_days_by_channel (dim, value, created_day, channel, received, open, resolved, rejected, on_time,
    late_ext, rated, satisfied, reopened, ever_resolved, on_time_e2e, running)
SELECT d.dim,
    CASE d.dim WHEN 'area' THEN boundary_set || char(31) || area_code WHEN 'unit' THEN unit_id
        WHEN 'category' THEN category WHEN 'group' THEN grp ELSE channel END,
    created_day, channel, COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext),
    SUM(is_rated), SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved), SUM(is_on_time_e2e), SUM(is_running)
FROM stats_facts,
    (SELECT 'area' AS dim UNION ALL SELECT 'unit' UNION ALL SELECT 'category' UNION ALL SELECT 'group'
        UNION ALL SELECT 'channel') AS d
GROUP BY 1, 2, 3, 4;

DROP TABLE stats_days_by;
ALTER TABLE stats_days_by_channel RENAME TO stats_days_by;
