-- The percentiles of a summary filtered by one dimension (area, unit, category, group or
-- channel) read the durations of the bucket that holds each rank from stats_facts_resolved, one
-- seek per filing day of the period, within the bucket's range of resolve_ms: 365 seeks and about
-- 12,000 index entries for a year at 1,000,000 tickets, twice (the median and the 90th
-- percentile). BenchmarkSummaryParts put those two reads at 8 to 10 ms of a year's 10 to 12 ms by
-- one unit or group; through the API a year by group took 21.2 ms p99 (p50 12.5).
--
-- With the dimensions in the index of the buckets, the durations of a bucket come from one range
-- of it (the bucket, then the period), filtered in the index, for every filter. It costs the
-- dimensions' bytes once more per resolved fact.
DROP INDEX stats_facts_resolve_bucket;
CREATE INDEX stats_facts_resolve_bucket ON stats_facts (
    (CASE WHEN resolve_ms < 100 THEN 0 ELSE length(resolve_ms) * 100 + CAST(substr(resolve_ms, 1, 2) AS INTEGER) END),
    created_day, resolve_ms, boundary_set, area_code, unit_id, category, grp, channel) WHERE is_resolved = 1;
