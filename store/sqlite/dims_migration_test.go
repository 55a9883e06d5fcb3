package sqlite

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/models"
)

// Migrations 0035 and 0036 build the rollups per dimension from the facts of an existing database
// (version 34): they equal a recount of the facts and the rows PutFact keeps on a new database
// for the same facts, the summaries filtered by one dimension equal a recount, and their
// statements use the indexes meant for them.
func TestMigrate0035BuildsRollupsPerDimension(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v34.db")
	db, _ := databaseAtVersion(t, path, 34, "0035")
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(35, 36))
	start := time.Date(2025, time.December, 20, 0, 0, 0, 0, time.UTC)
	states := []models.State{models.StateReceived, models.StateInProgress, models.StateResolved, models.StateClosed,
		models.StateRejected}
	facts := map[string]models.TicketFact{}
	for i := range 600 {
		created := start.Add(time.Duration(rng.IntN(70*24)) * time.Hour)
		f := models.TicketFact{TicketID: fmt.Sprintf("t%04d", i), Version: 1, BoundarySet: fmt.Sprint("s", rng.IntN(2)),
			AreaCode: fmt.Sprint("a", rng.IntN(3)), UnitID: fmt.Sprint("u", rng.IntN(4)), Category: fmt.Sprint("c", rng.IntN(3)),
			Group: models.Group(fmt.Sprint("g", rng.IntN(2))), CreatedDay: created.Format(time.DateOnly), CreatedAt: created,
			State: states[rng.IntN(len(states))], OnTimeClass: models.OnTime, ResolveMs: randomDuration(rng),
			DueAt: created.Add(time.Duration(rng.IntN(20*24)) * time.Hour), Channel: models.Channels[rng.IntN(3)]}
		f.SetIndicators()
		if err := putFact(ctx, db, &f); err != nil {
			t.Fatal(err)
		}
		facts[f.TicketID] = f
	}
	// stats_days as version 34 keeps it (the days of the facts, which the filtered ranks read).
	if _, err := db.ExecContext(ctx, `INSERT INTO stats_days (created_day, `+rollupColumns+`, running) SELECT created_day,
		COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated),
		SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved), SUM(is_on_time_e2e), SUM(is_running)
		FROM stats_facts GROUP BY 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s := openTemp(t, path) // applies 0035
	t.Cleanup(func() { s.Close() })
	checkDimensionRollups(t, s)

	fresh := openTemp(t, filepath.Join(t.TempDir(), "fresh.db"))
	t.Cleanup(func() { fresh.Close() })
	for _, id := range slices.Sorted(maps.Keys(facts)) {
		f := facts[id]
		if err := fresh.PutFact(ctx, &f); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{`SELECT * FROM stats_days_by ORDER BY 1, 2, 3, 4`, `SELECT * FROM stats_resolve_by ORDER BY 1, 2, 3, 4`} {
		if diff := cmp.Diff(allRows(t, fresh, q), allRows(t, s, q)); diff != "" {
			t.Errorf("%s: the migration differs from PutFact (-PutFact +migration):\n%s", q, diff)
		}
	}
	checkFilteredSummaries(t, s, facts, start.AddDate(0, 0, 40))
	checkFilteredPlans(t, s)
}

// checkFilteredSummaries compares AggregateFacts and the ranks of the bucketed path, filtered by
// one dimension over periods of several shapes, with a recount of the facts at now.
func checkFilteredSummaries(t *testing.T, s *Store, facts map[string]models.TicketFact, now time.Time) {
	t.Helper()
	for _, q := range []models.StatsQuery{{Area: "a1", BoundarySet: "s0"}, {Unit: "u2", From: "2026-01-01", To: "2026-01-31"},
		{Category: "c0", From: "2025-12-25", To: "2026-02-20"}, {Group: "g1", From: "2026-01-05"},
		{Channel: models.ChannelWeb, To: "2026-02-03"}, {Channel: models.ChannelApp, By: models.ByDay, From: "2026-01-10"},
		{Unit: "u2", By: models.ByChannel, From: "2026-01-01", To: "2026-01-31"}, {Group: "g1", By: models.ByChannel},
		{Area: "a0", BoundarySet: "s1", By: models.ByChannel, To: "2026-02-01"}, {Channel: models.ChannelWeb, By: models.ByChannel}} {
		q.Now = now
		want := models.StatsCounts{}
		wantByDay := map[string]*models.StatsCounts{}
		for _, f := range facts {
			if q.Matches(&f) {
				want.Add(&f, now)
				if wantByDay[q.KeyOf(&f)] == nil {
					wantByDay[q.KeyOf(&f)] = &models.StatsCounts{Key: q.KeyOf(&f)}
				}
				wantByDay[q.KeyOf(&f)].Add(&f, now)
			}
		}
		got, err := s.AggregateFacts(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			if diff := cmp.Diff(*wantByDay[c.Key], c); diff != "" {
				t.Errorf("AggregateFacts(%+v) at %q (-recount +got):\n%s", q, c.Key, diff)
			}
		}
		if len(got) != len(wantByDay) {
			t.Errorf("AggregateFacts(%+v): %d groups, recount %d", q, len(got), len(wantByDay))
		}
		durations := resolvedDurations(maps.Values(facts), q)
		ranks := ranksToCheck(durations)
		gotRanks, err := s.bucketedRanks(t.Context(), q, ranks)
		if err != nil {
			t.Fatalf("bucketedRanks(%+v): %v", q, err)
		}
		for i, r := range ranks {
			if gotRanks[i] != durations[r-1] {
				t.Errorf("bucketedRanks(%+v) rank %d: %d, sort %d", q, r, gotRanks[i], durations[r-1])
			}
		}
	}
}

// checkFilteredPlans checks the plans of the statements of a summary filtered by one dimension:
// its days, its days by channel, bucket counts and the durations of one bucket.
func checkFilteredPlans(t *testing.T, s *Store) {
	t.Helper()
	q := models.StatsQuery{From: "2025-12-25", To: "2026-02-20", Unit: "u1"}
	hq, hargs := histogramQuery(q)
	table, _, where, args := rollupSource(q)
	byChannel := q
	byChannel.By = models.ByChannel
	ctable, ckey, cwhere, cargs := rollupSource(byChannel)
	dq, dargs := bucketDurationsQuery(q, 817)
	for _, c := range []struct {
		query string
		args  []any
		want  []string
	}{
		{`SELECT '', SUM(received) FROM ` + table + where + ` GROUP BY 1`, args,
			[]string{"SEARCH stats_days_by USING PRIMARY KEY (dim=? AND value=? AND created_day>? AND created_day<?)"}},
		{`SELECT ` + ckey + `, SUM(received) FROM ` + ctable + cwhere + ` GROUP BY 1`, cargs,
			[]string{"SEARCH stats_days_by USING PRIMARY KEY (dim=? AND value=? AND created_day>? AND created_day<?)"}},
		{hq, hargs, []string{"SEARCH stats_resolve_by USING PRIMARY KEY (dim=? AND value=? AND month>? AND month<?)",
			"INDEX stats_facts_resolved (created_day>? AND created_day<?)"}},
		{dq, dargs, []string{"INDEX stats_facts_resolve_bucket (<expr>=? AND created_day>? AND created_day<?)"}},
	} {
		plan := strings.Join(queryPlan(t, s, c.query, c.args), "; ")
		for _, w := range c.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%s\nplan: %s\nwant %s", c.query, plan, w)
			}
		}
	}
}
