package sqlite

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/models"
)

// edgeDurations are resolve durations at and around bucket edges (a bucket is the digit count
// and two leading digits; below 100 ms, one bucket), and the ties of a round figure.
var edgeDurations = []int64{0, 1, 99, 100, 101, 109, 110, 999, 1_000, 1_099, 1_100, 9_999, 10_000, 3_599_999,
	3_600_000, 3_600_001, 9_999_999, 10_000_000, 30_600_000, 30_600_000, 30_600_000, 99_999_999, 100_000_000}

// randomDuration draws from a mix of edges, heavy ties and a spread over ten orders of magnitude.
func randomDuration(rng *rand.Rand) int64 {
	switch rng.IntN(4) {
	case 0:
		return edgeDurations[rng.IntN(len(edgeDurations))]
	case 1:
		return int64(rng.IntN(4)) * 3_600_000 // whole hours: many ties
	}
	return int64(rng.Float64() * float64(int64(1)<<rng.IntN(34)))
}

// The ranks found through the bucket counts equal those of a brute-force sort of the matching
// durations, for random facts rewritten many times (resolved, reopened, durations changed,
// stale versions), for periods of every shape (open ends, single days, whole months, month
// edges, partial months read as the month less its other days, leap days, periods without
// facts), filtered by one dimension (read through its bucket counts) and by several (read by
// sorting), at every rank of small sets and at each bucket's first and last rank; also after the
// bucket counts are lost (the ranks are then read by sorting) and rebuilt. The facts' rewrites
// move resolved facts between areas, units, groups and channels.
func TestResolveRanksEqualBruteForce(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "ranks.db"))
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(7, 8))
	start := time.Date(2024, time.January, 20, 0, 0, 0, 0, time.UTC) // through February 29th, 2024
	current := writeRewrittenFacts(t, s, rng, start)
	queries := rankQueries(rng, start)

	checkRanks(t, s, current, queries, "after the writes", true)
	checkBucketCounts(t, s)
	if _, err := s.exec(ctx, `DELETE FROM stats_resolve_months`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.exec(ctx, `DELETE FROM stats_resolve_days`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.exec(ctx, `DELETE FROM stats_resolve_by`); err != nil {
		t.Fatal(err)
	}
	checkRanks(t, s, current, queries, "without bucket counts", false)
	if err := s.RebuildRollups(ctx); err != nil {
		t.Fatal(err)
	}
	checkRanks(t, s, current, queries, "after rebuilding the rollups", true)
	checkBucketCounts(t, s)
}

// writeRewrittenFacts puts 4,000 random facts of 1,500 tickets created in the 75 days from
// start: later versions resolved, reopened or with changed durations, and stale versions. It
// returns the current fact of each ticket.
func writeRewrittenFacts(t *testing.T, s *Store, rng *rand.Rand, start time.Time) map[string]models.TicketFact {
	t.Helper()
	states := []models.State{models.StateReceived, models.StateInProgress, models.StateResolved, models.StateClosed,
		models.StateClosed, models.StateRejected}
	current := map[string]models.TicketFact{}
	for i := range 4000 {
		id := fmt.Sprintf("t%04d", rng.IntN(1500))
		old, seen := current[id]
		f := models.TicketFact{TicketID: id, Version: old.Version + 1 - rng.IntN(3), BoundarySet: "b",
			AreaCode: fmt.Sprint("a", rng.IntN(3)), UnitID: fmt.Sprint("u", rng.IntN(3)), Category: "c",
			Group: models.Group(fmt.Sprint("g", rng.IntN(2))), State: states[rng.IntN(len(states))],
			OnTimeClass: models.OnTime, ResolveMs: randomDuration(rng),
			Channel: []models.Channel{"", models.ChannelApp, models.ChannelHotline}[i%3]}
		if seen {
			f.CreatedDay, f.CreatedAt = old.CreatedDay, old.CreatedAt
			if rng.IntN(2) == 0 {
				f.ResolveMs = old.ResolveMs // rated or closed: same duration
			}
		} else {
			f.Version = 1
			f.CreatedAt = start.AddDate(0, 0, rng.IntN(75))
			f.CreatedDay = f.CreatedAt.Format(time.DateOnly)
		}
		f.SetIndicators()
		if err := s.PutFact(t.Context(), &f); err != nil {
			t.Fatalf("PutFact %d: %v", i, err)
		}
		if f.Version >= old.Version {
			current[id] = f
		}
	}
	return current
}

// rankQueries are periods of every shape around the facts' days, some filtered, and 30 random
// periods.
func rankQueries(rng *rand.Rand, start time.Time) []models.StatsQuery {
	queries := []models.StatsQuery{
		{}, {From: "2024-02-01"}, {To: "2024-02-29"}, {To: "2024-02-15"}, {From: "2024-01-31"},
		{From: "2024-02-01", To: "2024-02-29"}, {From: "2024-01-01", To: "2024-03-31"},
		{From: "2024-01-31", To: "2024-03-01"}, {From: "2024-02-29", To: "2024-02-29"},
		{From: "2024-02-10", To: "2024-02-20"}, {From: "2024-01-25", To: "2024-03-10"},
		{From: "2024-02-01", To: "2024-03-15"}, {From: "2024-01-15", To: "2024-02-29"},
		{From: "2023-12-01", To: "2023-12-31"}, {From: "2024-06-01"}, {To: "2024-01-01"},
		{From: "2024-01-03", To: "2024-02-27"}, {From: "2024-02-02", To: "2024-02-28"}, {From: "2024-01-02", To: "2024-03-30"},
		{From: "2024-02-01", To: "2024-02-29", Area: "a1"}, {From: "2024-02-10", Unit: "u2", Group: "g1"},
		// One dimension: through its bucket counts.
		{Group: "g0"}, {From: "2024-02-03", To: "2024-02-27", Unit: "u1"}, {Area: "a2", BoundarySet: "b"},
		{From: "2024-01-25", To: "2024-03-10", Group: "g1"}, {Category: "c", To: "2024-02-15"},
		{Channel: models.ChannelApp, From: "2024-02-10"}, {Channel: models.ChannelHotline, From: "2024-01-31", To: "2024-03-01"},
		{From: "2024-02-01", To: "2024-02-29", Area: "a0", BoundarySet: "b"}, {From: "2024-01-02", To: "2024-03-30", Unit: "u0"},
		{From: "2024-02-29", To: "2024-02-29", Unit: "u2"}, {From: "2024-06-01", Group: "g1"}, {Unit: "no-such-unit"},
	}
	for range 30 {
		a, b := start.AddDate(0, 0, rng.IntN(90)-5), start.AddDate(0, 0, rng.IntN(90)-5)
		if b.Before(a) {
			a, b = b, a
		}
		queries = append(queries, models.StatsQuery{From: a.Format(time.DateOnly), To: b.Format(time.DateOnly)})
	}
	return queries
}

// checkRanks compares, for each query, ResolveRanks (and, when bucketed, the bucketed path
// itself) with a sort of the current facts' durations.
func checkRanks(t *testing.T, s *Store, current map[string]models.TicketFact, queries []models.StatsQuery, when string, bucketed bool) {
	t.Helper()
	ctx := t.Context()
	for _, q := range queries {
		want := resolvedDurations(maps.Values(current), q)
		ranks := ranksToCheck(want)
		_, _, oneDim := resolveDim(q)
		if len(ranks) == 0 {
			if bucketed && (periodOnly(q) || oneDim) {
				// No durations: the bucket counts hold none either.
				if _, err := s.bucketedRanks(ctx, q, []int{1}); !errors.Is(err, errBucketsDrift) {
					t.Errorf("%s: %+v has no durations, yet rank 1 gave %v", when, q, err)
				}
			}
			continue
		}
		wantAt := make([]int64, len(ranks))
		for i, r := range ranks {
			wantAt[i] = want[r-1]
		}
		got, err := s.ResolveRanks(ctx, q, ranks)
		if err != nil {
			t.Fatalf("%s: ResolveRanks(%+v): %v", when, q, err)
		}
		if diff := cmp.Diff(wantAt, got); diff != "" {
			t.Errorf("%s: ResolveRanks(%+v) differs from the sort (-want +got):\n%s", when, q, diff)
		}
		if bucketed && (periodOnly(q) || oneDim) {
			// The bucketed path itself, not the sorting fallback, gave the answer.
			got, err := s.bucketedRanks(ctx, q, ranks)
			if err != nil {
				t.Fatalf("%s: bucketedRanks(%+v): %v", when, q, err)
			}
			if diff := cmp.Diff(wantAt, got); diff != "" {
				t.Errorf("%s: bucketedRanks(%+v) differs from the sort (-want +got):\n%s", when, q, diff)
			}
		}
	}
}

// ranksToCheck lists every rank of a small sorted set, else the first and last rank of each
// bucket (where the bucket sums hand over to the next bucket) plus the median and the 90th
// percentile.
func ranksToCheck(sorted []int64) []int {
	n := len(sorted)
	if n <= 60 {
		var all []int
		for r := 1; r <= n; r++ {
			all = append(all, r)
		}
		return all
	}
	ranks := []int{(n + 1) / 2, (9*n + 9) / 10}
	for i := range sorted {
		if i == 0 || i == n-1 || bucketOf(sorted[i]) != bucketOf(sorted[i-1]) || bucketOf(sorted[i]) != bucketOf(sorted[i+1]) {
			ranks = append(ranks, i+1)
		}
	}
	return ranks
}

// bucketOf mirrors bucketExpr, for choosing ranks at bucket edges.
func bucketOf(ms int64) int64 {
	if ms < 100 {
		return 0
	}
	lead := ms
	for lead >= 100 {
		lead /= 10
	}
	return int64(len(fmt.Sprint(ms)))*100 + lead
}

// checkBucketCounts compares the bucket counts kept by PutFact (or rebuilt) with a recount of
// the facts.
func checkBucketCounts(t *testing.T, s *Store) {
	t.Helper()
	for _, c := range []struct{ kept, recount string }{
		{`SELECT created_day, bucket, n FROM stats_resolve_days ORDER BY 1, 2`,
			`SELECT created_day, ` + bucketExpr + `, COUNT(*) FROM stats_facts WHERE is_resolved = 1 GROUP BY 1, 2 ORDER BY 1, 2`},
		{`SELECT month, bucket, n FROM stats_resolve_months ORDER BY 1, 2`,
			`SELECT substr(created_day, 1, 7), ` + bucketExpr + `, COUNT(*) FROM stats_facts WHERE is_resolved = 1
			GROUP BY 1, 2 ORDER BY 1, 2`},
	} {
		kept, recount := tableRows(t, s, c.kept), tableRows(t, s, c.recount)
		if len(recount) == 0 {
			t.Fatal("no resolved facts")
		}
		if diff := cmp.Diff(recount, kept); diff != "" {
			t.Errorf("%s differs from the recount (-recount +kept):\n%s", c.kept, diff)
		}
	}
	checkDimensionRollups(t, s)
}

// checkDimensionRollups compares the rollups per dimension (stats_days_by, stats_resolve_by)
// with a recount of the facts, one dimension at a time.
func checkDimensionRollups(t *testing.T, s *Store) {
	t.Helper()
	for _, d := range []struct{ dim, value string }{{"area", "boundary_set || char(31) || area_code"}, {"unit", "unit_id"},
		{"category", "category"}, {"group", "grp"}, {"channel", "channel"}} {
		for _, c := range []struct{ kept, recount string }{
			{`SELECT value, created_day, channel, ` + rollupColumns + `, running FROM stats_days_by WHERE dim = '` + d.dim + `' ORDER BY 1, 2, 3`,
				`SELECT ` + d.value + `, created_day, channel, COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected), SUM(is_on_time),
				SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved), SUM(is_on_time_e2e),
				SUM(is_running) FROM stats_facts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`},
			{`SELECT value, month, bucket, n FROM stats_resolve_by WHERE dim = '` + d.dim + `' ORDER BY 1, 2, 3`,
				`SELECT ` + d.value + `, substr(created_day, 1, 7), ` + bucketExpr + `, COUNT(*) FROM stats_facts
				WHERE is_resolved = 1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`},
		} {
			kept, recount := allRows(t, s, c.kept), allRows(t, s, c.recount)
			if len(recount) == 0 {
				t.Fatalf("no facts for %s", c.kept)
			}
			if diff := cmp.Diff(recount, kept); diff != "" {
				t.Errorf("%s differs from the recount (-recount +kept):\n%s", c.kept, diff)
			}
		}
	}
}

func tableRows(t *testing.T, s *Store, q string) []string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var period string
		var bucket, n int64
		if err := rows.Scan(&period, &bucket, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(period, " ", bucket, " ", n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The bucket of a duration increases with the duration, across digit counts and at the 100 ms
// floor, as SQLite computes it (the ranks rely on that order).
func TestBucketsIncreaseWithDuration(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "buckets.db"))
	t.Cleanup(func() { s.Close() })
	values := []int64{-1, 0, 99, 100}
	for p := int64(100); p < 1e17; p *= 10 {
		values = append(values, p-1, p, p+1, 2*p-1, 2*p, 5*p, 10*p-1)
	}
	slices.Sort(values)
	prev := int64(-1)
	for _, v := range values {
		var b int64
		if err := s.r.QueryRowContext(t.Context(), `SELECT `+bucketExpr+` FROM (SELECT ? AS resolve_ms)`, v).Scan(&b); err != nil {
			t.Fatal(err)
		}
		if b < prev {
			t.Errorf("bucket of %d is %d, below %d of a shorter duration", v, b, prev)
		}
		if v >= 0 && b != bucketOf(v) {
			t.Errorf("bucket of %d is %d, want %d", v, b, bucketOf(v))
		}
		prev = b
	}
}

// nth agrees with a sort at every rank, on values with many ties, few distinct values, runs
// in order and reversed.
func TestNthEqualsSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 2, 3, 7, 100, 1000} {
		for _, distinct := range []int{1, 2, 5, 1 << 30} {
			vs := make([]int64, n)
			for i := range vs {
				vs[i] = int64(rng.IntN(distinct)) - 1
			}
			for _, order := range []string{"random", "ascending", "descending"} {
				in := slices.Clone(vs)
				switch order {
				case "ascending":
					slices.Sort(in)
				case "descending":
					slices.Sort(in)
					slices.Reverse(in)
				}
				sorted := slices.Sorted(slices.Values(in))
				for k := range n {
					if got := nth(in, k); got != sorted[k] {
						t.Fatalf("n %d, %d distinct, %s: nth(%d) = %d, want %d", n, distinct, order, k, got, sorted[k])
					}
				}
			}
		}
	}
}

func TestParseInts(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int64
	}{
		{"", []int64{}},
		{"0", []int64{0}},
		{"817:5,0:-3,1999:12", []int64{817, 5, 0, -3, 1999, 12}},
		{"9223372036854775807,-9223372036854775807", []int64{9223372036854775807, -9223372036854775807}},
	} {
		if diff := cmp.Diff(c.want, parseInts(c.in)); diff != "" {
			t.Errorf("parseInts(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

// resolvedDurations is the brute-force answer: the sorted durations of the resolved facts q
// matches.
func resolvedDurations(facts iter.Seq[models.TicketFact], q models.StatsQuery) []int64 {
	var out []int64
	for f := range facts {
		if f.IsResolved == 1 && q.Matches(&f) {
			out = append(out, f.ResolveMs)
		}
	}
	slices.Sort(out)
	return out
}
