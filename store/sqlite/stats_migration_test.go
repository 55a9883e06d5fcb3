package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/models"
)

// Migration 0012 builds its rollups from the facts of an existing database (version 11): the
// counters and running facts per day and the resolve-duration bucket counts per day and month
// equal a recount, the summary's statements use the indexes meant for them, and the ranks read
// through the buckets equal a sort.
func TestMigrate0012BuildsRollups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v11.db")
	db, _ := databaseAtVersion(t, path, 11, "0012")
	start := time.Date(2025, time.December, 20, 0, 0, 0, 0, time.UTC)
	facts := writeVersion11Facts(t, db, start)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path) // applies 0012
	t.Cleanup(func() { s.Close() })
	checkBucketCounts(t, s)
	kept := allRows(t, s, `SELECT created_day, `+rollupColumns+`, running FROM stats_days ORDER BY 1`)
	recount := allRows(t, s, `SELECT created_day, COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected),
		SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved),
		SUM(is_on_time_e2e), SUM(is_running) FROM stats_facts GROUP BY 1 ORDER BY 1`)
	if diff := cmp.Diff(recount, kept); diff != "" {
		t.Errorf("stats_days differs from the recount (-recount +kept):\n%s", diff)
	}
	checkRanksThroughBuckets(t, s, facts, start.AddDate(0, 0, 40))
	checkSummaryPlans(t, s)
}

// writeVersion11Facts writes 800 random facts created in the 70 days from start, and their
// stats_daily rows, as version 11 keeps them; it returns the facts.
func writeVersion11Facts(t *testing.T, db *sql.DB, start time.Time) []models.TicketFact {
	t.Helper()
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(11, 12))
	states := []models.State{models.StateReceived, models.StateInProgress, models.StateResolved, models.StateClosed,
		models.StateRejected}
	var facts []models.TicketFact
	for i := range 800 {
		created := start.AddDate(0, 0, rng.IntN(70))
		f := models.TicketFact{TicketID: fmt.Sprintf("t%04d", i), Version: 1, BoundarySet: "b", AreaCode: "a",
			UnitID: fmt.Sprint("u", rng.IntN(2)), Category: "c", Group: "g", CreatedDay: created.Format(time.DateOnly),
			CreatedAt: created, State: states[rng.IntN(len(states))], OnTimeClass: models.OnTime,
			DueAt: created.Add(time.Duration(rng.IntN(20*24)) * time.Hour), ResolveMs: randomDuration(rng)}
		f.SetIndicators()
		if err := putFactBefore29(ctx, db, &f); err != nil {
			t.Fatal(err)
		}
		facts = append(facts, f)
	}
	// stats_daily as version 11 keeps it.
	if _, err := db.ExecContext(ctx, `INSERT INTO stats_daily (created_day, area_code, unit_id, category, grp, `+
		rollupColumnsBefore29+`) SELECT created_day, area_code, unit_id, category, grp, COUNT(*), SUM(is_open), SUM(is_resolved),
		SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied), SUM(is_reopened),
		SUM(is_ever_resolved) FROM stats_facts GROUP BY 1, 2, 3, 4, 5`); err != nil {
		t.Fatal(err)
	}
	return facts
}

// checkRanksThroughBuckets checks that the ranks read through the buckets equal a sort of the
// facts' durations, for a few periods at now.
func checkRanksThroughBuckets(t *testing.T, s *Store, facts []models.TicketFact, now time.Time) {
	t.Helper()
	for _, q := range []models.StatsQuery{{Now: now}, {From: "2026-01-01", To: "2026-01-31", Now: now},
		{From: "2025-12-25", To: "2026-02-20", Now: now}, {From: "2026-01-05", Now: now}} {
		want := resolvedDurations(slices.Values(facts), q)
		ranks := ranksToCheck(want)
		got, err := s.bucketedRanks(t.Context(), q, ranks)
		if err != nil {
			t.Fatalf("bucketedRanks(%+v): %v", q, err)
		}
		wantAt := make([]int64, len(ranks))
		for i, r := range ranks {
			wantAt[i] = want[r-1]
		}
		if diff := cmp.Diff(wantAt, got); diff != "" {
			t.Errorf("bucketedRanks(%+v) differs from the sort (-want +got):\n%s", q, diff)
		}
	}
}

// checkSummaryPlans checks the plans of the summary's statements: each a search of the index
// meant for it.
func checkSummaryPlans(t *testing.T, s *Store) {
	t.Helper()
	hq, hargs := histogramQuery(models.StatsQuery{From: "2025-12-25", To: "2026-02-20"})
	for _, c := range []struct {
		query string
		args  []any
		want  []string
	}{
		{hq, hargs, []string{"SEARCH stats_resolve_months USING PRIMARY KEY", "SEARCH stats_resolve_days USING PRIMARY KEY"}},
		{`SELECT group_concat(resolve_ms) FROM stats_facts INDEXED BY stats_facts_resolve_bucket WHERE is_resolved = 1 AND ` +
			bucketExpr + ` = ? AND created_day >= ? AND created_day <= ?`, []any{817, "2026-01-01", "2026-01-31"},
			[]string{"SEARCH stats_facts USING COVERING INDEX stats_facts_resolve_bucket (<expr>=? AND created_day>? AND created_day<?)"}},
		{`SELECT '', COUNT(*) FROM stats_facts INDEXED BY stats_facts_running_by_due WHERE created_day >= ? AND
			is_running = 1 AND due_at >= ? GROUP BY 1`, []any{"2026-01-01", 0},
			[]string{"SEARCH stats_facts USING COVERING INDEX stats_facts_running_by_due (due_at>?)"}},
		{`SELECT '', SUM(received) FROM stats_days WHERE created_day >= ? AND created_day <= ? GROUP BY 1`,
			[]any{"2026-01-01", "2026-01-31"}, []string{"SEARCH stats_days USING PRIMARY KEY (created_day>? AND created_day<?)"}},
	} {
		plan := strings.Join(queryPlan(t, s, c.query, c.args), "; ")
		for _, w := range c.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%s\nplan: %s\nwant %s", c.query, plan, w)
			}
		}
	}
}

func queryPlan(t *testing.T, s *Store, q string, args []any) []string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// allRows renders every row of q as text.
func allRows(t *testing.T, s *Store, q string) []string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintln(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rows", q)
	}
	return out
}

// Migration 0022 rebuilds the rollups per area from the facts of an existing database (version
// 21) keyed by boundary set too: facts of two sets that share area codes stay apart in
// stats_daily, in AggregateFacts by area and in the area filter, while city-wide figures still
// count both.
func TestMigrate0022KeysAreasBySet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v21.db")
	db, _ := databaseAtVersion(t, path, 21, "0022")
	ctx := t.Context()
	start := time.Date(2026, time.March, 1, 2, 0, 0, 0, time.UTC)
	var facts []models.TicketFact
	for i := range 60 {
		created := start.Add(time.Duration(i) * 7 * time.Hour)
		f := models.TicketFact{TicketID: fmt.Sprintf("t%02d", i), Version: 1,
			BoundarySet: []string{"longxuyen-2023", "longxuyen-2025"}[i%2], AreaCode: []string{"30292", "30307", "30301"}[i%3],
			UnitID: "u", Category: "c", Group: "g", CreatedDay: created.In(models.VietnamTime).Format(time.DateOnly),
			CreatedAt: created, State: []models.State{models.StateReceived, models.StateResolved}[i/2%2],
			OnTimeClass: models.OnTime, DueAt: created.Add(48 * time.Hour), ResolveMs: int64(i) * 60_000}
		f.SetIndicators()
		if err := putFactBefore29(ctx, db, &f); err != nil {
			t.Fatal(err)
		}
		facts = append(facts, f)
	}
	// stats_daily as versions 11 to 20 keep it (per area code alone), and stats_days.
	if _, err := db.ExecContext(ctx, `INSERT INTO stats_daily (created_day, area_code, unit_id, category, grp, `+
		rollupColumnsBefore29+`) SELECT created_day, area_code, unit_id, category, grp, COUNT(*), SUM(is_open), SUM(is_resolved),
		SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied), SUM(is_reopened),
		SUM(is_ever_resolved) FROM stats_facts GROUP BY 1, 2, 3, 4, 5`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO stats_days (created_day, `+rollupColumnsBefore29+`, running)
		SELECT created_day, COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext),
		SUM(is_rated), SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved), SUM(is_running) FROM stats_facts
		GROUP BY 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path) // applies 0022
	t.Cleanup(func() { s.Close() })
	kept := allRows(t, s, `SELECT created_day, boundary_set, area_code, `+rollupColumns+` FROM stats_daily ORDER BY 1, 2, 3`)
	recount := allRows(t, s, `SELECT created_day, boundary_set, area_code, COUNT(*), SUM(is_open), SUM(is_resolved),
		SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied), SUM(is_reopened),
		SUM(is_ever_resolved), SUM(is_on_time_e2e) FROM stats_facts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
	if diff := cmp.Diff(recount, kept); diff != "" {
		t.Errorf("stats_daily differs from the recount (-recount +kept):\n%s", diff)
	}
	for i := range facts {
		facts[i].IsOnTimeE2E = facts[i].IsOnTime // as migration 0029 counts facts written before it
	}
	now := start.AddDate(0, 0, 3)
	for _, q := range []models.StatsQuery{{Now: now}, {Now: now, By: models.ByArea},
		{Now: now, By: models.ByArea, BoundarySet: "longxuyen-2025"}, {Now: now, Area: "30292", BoundarySet: "longxuyen-2023"},
		{Now: now, Area: "30292", By: models.ByDay}} {
		want := recountFacts(facts, q)
		got, err := s.AggregateFacts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("AggregateFacts(%+v) differs from the recount (-want +got):\n%s", q, diff)
		}
	}
	plan := strings.Join(queryPlan(t, s, `SELECT `+keyColumn(models.ByArea)+`, COUNT(*) FROM stats_facts INDEXED BY
		stats_facts_running WHERE created_day >= ? AND boundary_set = ? AND is_running = 1 AND due_at < ? GROUP BY 1`,
		[]any{"2026-03-01", "longxuyen-2025", 0}), "; ")
	if !strings.Contains(plan, "COVERING INDEX stats_facts_running") {
		t.Errorf("overdue by area: plan %s, want the covering index stats_facts_running", plan)
	}
}

// recountFacts is the brute-force AggregateFacts of facts under q, sorted by key.
func recountFacts(facts []models.TicketFact, q models.StatsQuery) []models.StatsCounts {
	byKey := map[string]*models.StatsCounts{}
	for i := range facts {
		f := &facts[i]
		if !q.Matches(f) {
			continue
		}
		k := q.KeyOf(f)
		if byKey[k] == nil {
			byKey[k] = &models.StatsCounts{Key: k}
		}
		byKey[k].Add(f, q.Now)
	}
	var out []models.StatsCounts
	for _, c := range byKey {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b models.StatsCounts) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// rollupColumnsBefore29 are the rollup counters before migration 0029 added on_time_e2e: those
// of the older databases these tests build.
const rollupColumnsBefore29 = `received, open, resolved, rejected, on_time, late_ext, rated, satisfied, reopened, ever_resolved`

// putFactBefore29 writes f as the versions before 0028 and 0029 kept it, without the channel and
// the end-to-end columns, for the tests that build a database of an older version.
func putFactBefore29(ctx context.Context, ex execer, f *models.TicketFact) error {
	_, err := ex.ExecContext(ctx, `INSERT INTO stats_facts (ticket_id, version, boundary_set, area_code, unit_id,
		category, grp, created_day, created_at, state, outcome, triage_due_at, resolve_due_at, due_at, on_time_class,
		triage_ms, resolve_ms, rating, reopen_count, is_open, is_running, is_resolved, is_rejected, is_on_time,
		is_late_ext, is_rated, is_satisfied, is_reopened, is_ever_resolved)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		f.TicketID, f.Version, f.BoundarySet, f.AreaCode, f.UnitID, f.Category, string(f.Group), f.CreatedDay,
		ms(f.CreatedAt), string(f.State), string(f.Outcome), ms(f.TriageDueAt), ms(f.ResolveDueAt), ms(f.DueAt),
		string(f.OnTimeClass), f.TriageMs, f.ResolveMs, f.Rating, f.ReopenCount, f.IsOpen, f.IsRunning, f.IsResolved,
		f.IsRejected, f.IsOnTime, f.IsLateExt, f.IsRated, f.IsSatisfied, f.IsReopened, f.IsEverResolved)
	return err
}
