-- Rollups for the statistics summary without a sort (issue 7).
--
-- Measured at 1,000,000 tickets after 0011: the summary of one month took 40 ms p50, of one year
-- 700 ms, almost all of it the two exact percentiles of the resolve durations (each a sort of the
-- period's durations: ~33,000 for a month, ~350,000 for a year), then the sum of ~110,000
-- stats_daily rows (a year of (day, area, unit, category, group) rows).
--
-- stats_days: the stats_daily counters per filing day only, for summaries filtered by nothing
-- but the period (a year is 365 rows), and the running facts (is_running). Overdue then is the
-- running facts less those whose deadline is still ahead, which stats_facts_running_by_due
-- counts: far fewer than the period's running facts when most are overdue (the old count scanned
-- every running fact of the period: ~13,000 for a year of the benchmark data), and bounded by
-- the deadlines ahead (recent filings) whatever the period's length.
--
-- stats_resolve_days and stats_resolve_months: how many resolved facts of a filing day (of a
-- filing month, 'YYYY-MM') have their resolve duration in each bucket. A bucket is the number of
-- decimal digits and the two leading digits of resolve_ms (under 100 ms: bucket 0), so buckets
-- increase with the duration and each spans at most 10 % of its values. The store finds the
-- bucket holding a rank by summing the bucket counts of the period's whole months and of its
-- partial months (their days, or the month less its other days, whichever are fewer): a year is
-- about 12 months and at most half a month of days at each end, of a few hundred buckets each.
-- Then it reads only that bucket's durations in the period through stats_facts_resolve_bucket
-- (~11,000 for the year of the benchmark data), using the same expression (SQLite uses an index
-- on an expression only for a query with that expression).
--
-- All three are kept by PutFact in the transaction that rewrites the fact, like stats_daily;
-- rows whose count falls to 0 are deleted; `phananh admin stats rebuild` recomputes them.
CREATE TABLE stats_days (
    created_day   TEXT    NOT NULL PRIMARY KEY,
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
    running       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO stats_days (created_day, received, open, resolved, rejected, on_time, late_ext, rated, satisfied,
    reopened, ever_resolved, running)
SELECT created_day, SUM(received), SUM(open), SUM(resolved), SUM(rejected), SUM(on_time), SUM(late_ext), SUM(rated),
    SUM(satisfied), SUM(reopened), SUM(ever_resolved), 0
FROM stats_daily GROUP BY 1;

UPDATE stats_days SET running = (SELECT COUNT(*) FROM stats_facts
    WHERE is_running = 1 AND stats_facts.created_day = stats_days.created_day);

CREATE INDEX stats_facts_running_by_due ON stats_facts (due_at, created_day) WHERE is_running = 1;

CREATE TABLE stats_resolve_days (
    created_day TEXT    NOT NULL,
    bucket      INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (created_day, bucket)
) STRICT, WITHOUT ROWID;

CREATE TABLE stats_resolve_months (
    month  TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (month, bucket)
) STRICT, WITHOUT ROWID;

CREATE INDEX stats_facts_resolve_bucket ON stats_facts (
    (CASE WHEN resolve_ms < 100 THEN 0 ELSE length(resolve_ms) * 100 + CAST(substr(resolve_ms, 1, 2) AS INTEGER) END),
    created_day, resolve_ms) WHERE is_resolved = 1;

INSERT INTO stats_resolve_days (created_day, bucket, n)
SELECT created_day,
    CASE WHEN resolve_ms < 100 THEN 0 ELSE length(resolve_ms) * 100 + CAST(substr(resolve_ms, 1, 2) AS INTEGER) END,
    COUNT(*)
FROM stats_facts WHERE is_resolved = 1 GROUP BY 1, 2;

INSERT INTO stats_resolve_months (month, bucket, n)
SELECT substr(created_day, 1, 7), bucket, SUM(n) FROM stats_resolve_days GROUP BY 1, 2;
