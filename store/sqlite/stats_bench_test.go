package sqlite

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"phananh/app"
	"phananh/geo"
	"phananh/models"
	"phananh/seed"
	"phananh/tokens"
)

type nopSMS struct{}

func (nopSMS) Send(context.Context, string, string) error { return nil }

// TestStatsBenchmark measures the statistics reads on a large SQLite store: summary
// over one month and one year, and a daily time series over one year, reporting p50 and p99.
// It loads generated facts (the rows those reads use) in bulk, then builds their daily rollups,
// rather than driving a million tickets through the workflow. Opt-in, because loading takes a while:
//
//	PHANANH_STATS_BENCH=1000000 go test ./store/sqlite -run TestStatsBenchmark -v -timeout 30m
//
// PHANANH_STATS_BENCH_DB names a database file to load into and keep; when it already holds
// facts, they are timed as they are (opening it applies any pending migration), so one load
// serves the timings before and after a change.
func TestStatsBenchmark(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PHANANH_STATS_BENCH"))
	if n <= 0 {
		t.Skip("set PHANANH_STATS_BENCH to the number of tickets")
	}
	ctx := context.Background()
	path := os.Getenv("PHANANH_STATS_BENCH_DB")
	if path == "" {
		path = filepath.Join(t.TempDir(), "bench.db")
	}
	start := time.Now()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("opened (and migrated) in %s", time.Since(start).Round(time.Millisecond))
	now := time.Date(2026, time.November, 27, 3, 0, 0, 0, time.UTC)
	var loaded int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM stats_facts`).Scan(&loaded); err != nil {
		t.Fatal(err)
	}
	svc, set := benchService(t, s, now)
	if loaded == 0 {
		start = time.Now()
		loadBenchFacts(t, s, set, n, now)
		t.Logf("loaded %d facts in %s", n, time.Since(start).Round(time.Millisecond))
	} else {
		t.Logf("timing the %d facts already loaded", loaded)
	}

	ioc := models.Principal{UserID: "ioc", Role: models.RoleIOCViewer}
	month := app.StatsFilter{From: "2026-10-01", To: "2026-10-31"}
	year := app.StatsFilter{From: "2025-11-27", To: "2026-11-26"}
	areas, cat := set.Areas(), seed.Categories()[0]
	filtered := func(name string, filter func(*app.StatsFilter)) timedRead {
		f := year
		filter(&f)
		return timedRead{"summary, one year, " + name, func() error { _, err := svc.Stats.Summary(ctx, ioc, f); return err }}
	}
	timeStatsReads(t, []timedRead{
		{"summary, one month", func() error { _, err := svc.Stats.Summary(ctx, ioc, month); return err }},
		{"summary, one year", func() error { _, err := svc.Stats.Summary(ctx, ioc, year); return err }},
		filtered("one area", func(f *app.StatsFilter) { f.Area = areas[0].Code }),
		filtered("one unit", func(f *app.StatsFilter) { f.Unit = models.WardUnitID(set.ID(), areas[1].Code, cat.UnitKind) }),
		filtered("one category", func(f *app.StatsFilter) { f.Category = cat.Code }),
		filtered("one group", func(f *app.StatsFilter) { f.Group = cat.Group }),
		filtered("hotline", func(f *app.StatsFilter) { f.Channel = models.ChannelHotline }),
		filtered("area and category", func(f *app.StatsFilter) { f.Area, f.Category = areas[2].Code, cat.Code }),
		{"timeseries by day, one year", func() error {
			_, err := svc.Stats.Timeseries(ctx, ioc, year, app.IntervalDay, "on_time_rate")
			return err
		}},
		{"units league, one year", func() error { _, err := svc.Stats.Units(ctx, ioc, year, 0); return err }},
	})
}

// benchService seeds s with the Long Xuyên catalog and builds the app on it with the clock
// stopped at now.
func benchService(t *testing.T, s *Store, now time.Time) (*app.App, *geo.BoundarySet) {
	t.Helper()
	ctx := context.Background()
	data, err := seed.BoundaryGeoJSON(seed.DefaultBoundarySet)
	if err != nil {
		t.Fatal(err)
	}
	set, err := app.ImportBoundarySet(ctx, s, seed.DefaultBoundarySet, "Long Xuyên", data, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertUnits(ctx, seed.CityUnits()); err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertCategories(ctx, seed.Categories()); err != nil {
		t.Fatal(err)
	}
	cal, err := models.ParseCalendar(seed.HolidayCalendar(), models.DefaultOfficeHours)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	svc, err := app.New(ctx, app.Deps{Store: s, SMS: nopSMS{}, Tokens: tokens.New(key, "phananh", "bench"), Boundaries: set,
		Calendar: app.NewWorkingCalendar(cal), Now: func() time.Time { return now }, Config: app.DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}
	return svc, set
}

// loadBenchFacts loads the facts of n tickets spread evenly over three years up to now, in every
// area, unit kind and category, in transactions of 100,000, then builds the rollups.
func loadBenchFacts(t *testing.T, s *Store, set *geo.BoundarySet, n int, now time.Time) {
	t.Helper()
	ctx := context.Background()
	areas := set.Areas()
	cats := seed.Categories()
	rnd := rand.New(rand.NewPCG(1, 2))
	span := 3 * 365 * 24 * time.Hour
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		created := now.Add(-time.Duration(rnd.Int64N(int64(span)))).Truncate(time.Millisecond)
		a, c := areas[rnd.IntN(len(areas))], cats[rnd.IntN(len(cats))]
		st := []models.State{models.StateClosed, models.StateClosed, models.StateResolved, models.StateRejected,
			models.StateInProgress, models.StateReceived, models.StateWithdrawn, models.StateDuplicate}[rnd.IntN(8)]
		f := models.TicketFact{TicketID: fmt.Sprintf("t%08d", i), Version: 3, BoundarySet: set.ID(), AreaCode: a.Code,
			UnitID: models.WardUnitID(set.ID(), a.Code, c.UnitKind), Category: c.Code, Group: c.Group,
			CreatedDay: created.In(models.VietnamTime).Format(time.DateOnly), CreatedAt: created, State: st,
			DueAt: created.Add(72 * time.Hour), TriageMs: rnd.Int64N(8 * 3_600_000), ResolveMs: -1, Rating: rnd.IntN(6),
			ReopenCount: rnd.IntN(10) / 9, Channel: benchChannels[i%len(benchChannels)]}
		if st == models.StateResolved || st == models.StateClosed {
			f.ResolveMs = rnd.Int64N(60 * 3_600_000)
			f.OnTimeClass = []models.OnTimeClass{models.OnTime, models.OnTime, models.Late, models.LateWithExtension}[rnd.IntN(4)]
		}
		f.SetIndicators()
		if err := putFact(ctx, tx, &f); err != nil {
			t.Fatal(err)
		}
		if i%100_000 == 99_999 {
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if tx, err = s.w.BeginTx(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildRollups(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
}

// benchChannels are the channels of the generated facts in turn: most through the app.
var benchChannels = []models.Channel{models.ChannelApp, models.ChannelApp, models.ChannelApp, models.ChannelWeb,
	models.ChannelApp, models.ChannelHotline, models.ChannelApp, models.ChannelZalo}

// timedRead is one statistics read the benchmark times.
type timedRead struct {
	name string
	fn   func() error
}

// timeStatsReads runs each read 30 times and logs its p50 and p99.
func timeStatsReads(t *testing.T, cases []timedRead) {
	t.Helper()
	for _, c := range cases {
		const runs = 30
		var d []time.Duration
		for range runs {
			t0 := time.Now()
			if err := c.fn(); err != nil {
				t.Fatal(err)
			}
			d = append(d, time.Since(t0))
		}
		slices.Sort(d)
		t.Logf("%-30s p50 %7s  p99 %7s  (%d runs, GOMAXPROCS %d)", c.name, d[runs/2].Round(time.Millisecond),
			d[(runs*99+99)/100-1].Round(time.Millisecond), runs, runtime.GOMAXPROCS(0))
	}
}

// BenchmarkSummaryParts times the statements of a statistics summary, one by one, on an
// existing database (such as a copy of the 1,000,000-ticket file bench/run.sh generates; opening
// it applies any pending migration):
//
//	PHANANH_STATS_DB=/tmp/copy/phananh.db go test ./store/sqlite -run '^$' -bench SummaryParts
func BenchmarkSummaryParts(b *testing.B) {
	path := os.Getenv("PHANANH_STATS_DB")
	if path == "" {
		b.Skip("set PHANANH_STATS_DB to a database file")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	periods := summaryPeriods(b, s)
	for _, p := range periods {
		counts, err := s.AggregateFacts(ctx, p.q)
		if err != nil || len(counts) == 0 {
			b.Fatalf("%s: %v %v", p.name, counts, err)
		}
		n := counts[0].Resolved
		ranks := []int{(n + 1) / 2, (9*n + 9) / 10}
		b.Run(p.name+"/aggregate", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.AggregateFacts(ctx, p.q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(p.name+"/by-channel", func(b *testing.B) { // the summary's by_channel
			q := p.q
			q.By = models.ByChannel
			for b.Loop() {
				if _, err := s.AggregateFacts(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(p.name+"/deadlines-ahead", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.countRunning(ctx, p.q, aheadIndex(p.q), "due_at >= ?"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(p.name+"/buckets", func(b *testing.B) {
			q, args := histogramQuery(p.q)
			for b.Loop() {
				rows, err := s.r.QueryContext(ctx, q, args...)
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				rows.Close()
			}
		})
		b.Run(p.name+"/ranks", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.ResolveRanks(ctx, p.q, ranks); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// summaryPeriod is one summary BenchmarkSummaryParts times.
type summaryPeriod struct {
	name string
	q    models.StatsQuery
}

// summaryPeriods are last month, the last year, and that year filtered by one unit and by one
// group, as the IOC filters the summary: the unit and group of the latest fact in s.
func summaryPeriods(b *testing.B, s *Store) []summaryPeriod {
	b.Helper()
	now := time.Now()
	today := now.In(models.VietnamTime)
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, models.VietnamTime)
	month := summaryPeriod{"month", models.StatsQuery{From: first.AddDate(0, -1, 0).Format(time.DateOnly),
		To: first.AddDate(0, 0, -1).Format(time.DateOnly), Now: now}}
	year := summaryPeriod{"year", models.StatsQuery{From: today.AddDate(-1, 0, 1).Format(time.DateOnly),
		To: today.Format(time.DateOnly), Now: now}}
	var unit, group string
	if err := s.r.QueryRowContext(context.Background(), `SELECT unit_id, grp FROM stats_facts ORDER BY ticket_id DESC LIMIT 1`).Scan(&unit, &group); err != nil {
		b.Fatal(err)
	}
	byUnit, byGroup := year, year
	byUnit.name, byUnit.q.Unit = "year-unit", unit
	byGroup.name, byGroup.q.Group = "year-group", models.Group(group)
	return []summaryPeriod{month, year, byUnit, byGroup}
}

// BenchmarkPutFact times the fact writes of a ticket's life (filed, resolved, closed and rated),
// each a transaction that moves the fact between its rollup rows, on a store that already holds
// 20,000 facts over a year:
//
//	go test ./store/sqlite -run '^$' -bench PutFact
func BenchmarkPutFact(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "facts.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rnd := rand.New(rand.NewPCG(3, 4))
	fact := func(i int, st models.State) *models.TicketFact {
		created := time.Date(2026, time.January, 1, 2, 0, 0, 0, time.UTC).Add(time.Duration(i%365) * 24 * time.Hour)
		f := &models.TicketFact{TicketID: fmt.Sprintf("t%07d", i), Version: 1, BoundarySet: "b",
			AreaCode: fmt.Sprint("a", i%13), UnitID: fmt.Sprint("u", i%40), Category: fmt.Sprint("c", i%50),
			Group: models.Group(fmt.Sprint("g", i%6)), CreatedDay: created.Format(time.DateOnly), CreatedAt: created,
			State: st, DueAt: created.Add(72 * time.Hour), ResolveMs: rnd.Int64N(60 * 3_600_000),
			Channel: benchChannels[i%len(benchChannels)]}
		if st == models.StateClosed {
			f.Version, f.Rating = 3, 4
		} else if st == models.StateResolved {
			f.Version = 2
		}
		f.SetIndicators()
		return f
	}
	for i := range 20_000 {
		if err := s.PutFact(ctx, fact(i, models.StateClosed)); err != nil {
			b.Fatal(err)
		}
	}
	i := 20_000
	for b.Loop() {
		for _, st := range []models.State{models.StateReceived, models.StateResolved, models.StateClosed} {
			if err := s.PutFact(ctx, fact(i, st)); err != nil {
				b.Fatal(err)
			}
		}
		i++
	}
}
