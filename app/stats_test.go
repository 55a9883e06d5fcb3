package app_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/geo"
	"phananh/models"
	"phananh/seed"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
	"phananh/store/sqlite"
)

// flaky fails a fraction of its calls before the wrapped effect runs, as a crash between a
// ticket write and its effects would: the ticket stays pending and the sweeper (or the next
// change of the ticket) re-applies. The property test runs every effect through it.
type flaky struct {
	inner app.Effect
	rnd   *rand.Rand
	rate  float64
}

func (f flaky) Apply(ctx context.Context, t *models.Ticket, v int, e models.Event) error {
	if f.rnd.Float64() < f.rate {
		return errors.New("injected failure")
	}
	return f.inner.Apply(ctx, t, v, e)
}

// statsService builds the app routing with boundary set set ("": the default) with the
// statistics and feed effects, each made flaky.
func statsService(t *testing.T, store app.Store, set string, now *time.Time, rnd *rand.Rand, failRate float64) (*app.App, *models.Calendar) {
	t.Helper()
	cal, err := apptest.Calendar(models.DefaultOfficeHours)
	if err != nil {
		t.Fatal(err)
	}
	svc := apptest.New(t, store, apptest.Options{
		Effects: []app.Effect{
			flaky{app.NewFactsEffect(store, app.NewWorkingCalendar(cal)), rnd, failRate},
			flaky{app.NewFeedEffect(store), rnd, failRate},
		},
		Now: func() time.Time { return *now }, OfficeHours: models.DefaultOfficeHours, BoundarySet: set,
	})
	return svc, cal
}

// TestStatisticsEqualRecount is the statistics property test: after a random sequence of
// workflow actions (injected clock, SLA sweeps, injected effect failures healed by the sweeper),
// two thirds of them routed with the 2023 map and the rest after the move to the 2025 map,
// which reuses area codes for other wards, every figure of summary, timeseries, areas and units
// (the percentiles included), for the whole period and for periods and filters by area, unit,
// category, group and channel, equals a brute-force recount over the tickets; after deleting
// all facts and rebuilding, the same. The change feed holds every ticket
// version exactly once, in version order per ticket. FerretDB scans whole collections, so it
// runs fewer actions.
func TestStatisticsEqualRecount(t *testing.T) {
	tests := []struct {
		name    string
		actions int
		// raceActions is the size under the race detector: SQLite a third; FerretDB keeps its
		// 150 (at 50, no area code had tickets of both maps, which the test requires).
		raceActions int
		open        func(t *testing.T) app.Store
	}{
		{"sqlite", 3000, 1000, func(t *testing.T) app.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stats.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{"mongodb", 150, 150, func(t *testing.T) app.Store {
			uri, db := mongotest.URI(t)
			s, err := mongodb.Open(context.Background(), uri, db)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.name == "mongodb" {
				t.Skip("short")
			}
			actions := tt.actions
			if raceBuild {
				actions = tt.raceActions
			}
			runStatsProperty(t, tt.open(t), actions)
		})
	}
}

func runStatsProperty(t *testing.T, store app.Store, actions int) {
	t.Helper()
	ctx := context.Background()
	now := vn("2026-01-05 08:00") // a Monday
	apptest.Seed(t, store, now)
	rnd := rand.New(rand.NewPCG(5, 2026))
	began := time.Now()
	svc, cal := statsService(t, store, "", &now, rnd, 0.05)
	ids, counts := runRandomActions(t, svc, rnd, &now, nil, actions*2/3)
	// The deployment moves to the 2025 map: tickets filed (and transferred by area) from now on
	// are routed under longxuyen-2025, whose codes name other wards than in longxuyen-2023.
	data, err := seed.BoundaryGeoJSON("longxuyen-2025")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.ImportBoundarySet(ctx, store, "longxuyen-2025", "Long Xuyên (2025)", data, now); err != nil {
		t.Fatal(err)
	}
	svc, _ = statsService(t, store, "longxuyen-2025", &now, rnd, 0.05)
	ids, more := runRandomActions(t, svc, rnd, &now, ids, actions-actions*2/3)
	for k, n := range more {
		counts[k] += n
	}
	healEffects(t, svc, store)
	t.Logf("%d tickets; actions %v; clock at %s; took %s", len(ids), counts, now.In(models.VietnamTime).Format(time.DateTime), time.Since(began).Round(time.Millisecond))

	tickets, err := store.FindTickets(ctx, models.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != len(ids) {
		t.Fatalf("%d tickets stored, %d filed", len(tickets), len(ids))
	}
	checkFigures(t, svc, cal, tickets, now)
	checkFeed(t, store, tickets)
	t.Logf("checked in %s", time.Since(began).Round(time.Millisecond))

	checkRebuiltFigures(t, svc, store, cal, tickets, now)
}

// statsOperator is the IOC operator who reads tickets and statistics in the property test.
var statsOperator = models.Principal{UserID: "ioc", Role: models.RoleIOCOperator}

// runRandomActions runs actions random steps, each a minute to an hour after the last on the
// injected clock now: a new report, an SLA and effects sweep, or a random workflow action on a
// ticket (refusals the table explains are counted, not failures). It returns the ids of the
// tickets filed before (ids) and now, and how often each step happened.
func runRandomActions(t *testing.T, svc *app.App, rnd *rand.Rand, now *time.Time, ids []string, actions int) ([]string, map[string]int) {
	t.Helper()
	ctx := context.Background()
	areas := svc.Catalog.BoundarySet().Areas()
	var cats []models.Category
	for _, c := range svc.Catalog.Categories() {
		if c.Active {
			cats = append(cats, c)
		}
	}
	counts := map[string]int{}
	for i := 0; i < actions; i++ {
		*now = now.Add(time.Duration(rnd.IntN(60)+1) * time.Minute)
		if len(ids) == 0 || rnd.IntN(5) == 0 {
			// Every third report through the web, the rest through the app (named or not): the
			// channel, chosen without drawing from rnd, leaves the sequence of actions as it was.
			channel := []models.Channel{"", models.ChannelApp, models.ChannelWeb}[len(ids)%3]
			ids = append(ids, fileRandomReport(t, svc, rnd, areas, cats, channel))
			counts["submit"]++
			continue
		}
		if rnd.IntN(40) == 0 {
			if _, err := svc.Tickets.SweepSLA(ctx); err != nil {
				t.Fatalf("SweepSLA: %v", err)
			}
			if _, err := svc.Tickets.SweepEffects(ctx); err != nil {
				t.Fatalf("SweepEffects: %v", err)
			}
			continue
		}
		// Mostly recent tickets, so that many finish within their deadlines; sometimes any.
		pickFrom := ids
		if len(ids) > 25 && rnd.IntN(10) < 8 {
			pickFrom = ids[len(ids)-25:]
		}
		tk, err := svc.Tickets.Ticket(ctx, statsOperator, pickFrom[rnd.IntN(len(pickFrom))])
		if err != nil {
			t.Fatal(err)
		}
		p, in := randomAction(rnd, tk, ids, areas)
		if in.Action == "" {
			continue
		}
		if _, err := svc.Tickets.Act(ctx, p, tk.ID, in); err != nil {
			if !toleratedRefusal(err) {
				t.Fatalf("Act %s on %s: %v", in.Action, tk.State, err)
			}
			counts["refused "+string(in.Action)+" "+models.ErrorCode(err)]++
			continue
		}
		counts[string(in.Action)]++
	}
	return ids, counts
}

// toleratedRefusal reports whether a random action's refusal is one the workflow may give.
func toleratedRefusal(err error) bool {
	for _, c := range []string{models.EConflict, models.EInvalid, models.EUnprocessable, models.EForbidden, models.ENotFound} {
		if models.IsCode(err, c) {
			return true
		}
	}
	return false
}

// fileRandomReport files a report of a random active category inside a random area by one of
// twenty residents through channel and returns its ticket id.
func fileRandomReport(t *testing.T, svc *app.App, rnd *rand.Rand, areas []geo.Area, cats []models.Category, channel models.Channel) string {
	t.Helper()
	a := areas[rnd.IntN(len(areas))]
	p := a.InteriorPoint()
	reporter := models.Principal{UserID: fmt.Sprintf("r%d", rnd.IntN(20)), Role: models.RoleResident}
	tk, _, err := svc.Tickets.FileReport(context.Background(), reporter, models.ReportInput{Category: cats[rnd.IntN(len(cats))].Code,
		Description: "phản ánh", Location: models.Location{Lat: p.Lat(), Lng: p.Lon()}, Channel: channel})
	if err != nil {
		t.Fatalf("FileReport: %v", err)
	}
	return tk.ID
}

// healEffects sweeps until no ticket has effects pending, as the sweeper does in production
// (at most 100 sweeps).
func healEffects(t *testing.T, svc *app.App, store app.Store) {
	t.Helper()
	ctx := context.Background()
	for range 100 {
		n, err := svc.Tickets.SweepEffects(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := store.FindUnapplied(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		_ = n
	}
}

// checkRebuiltFigures deletes every statistics fact, checks the figures are empty, rebuilds them
// from the tickets and checks every figure again.
func checkRebuiltFigures(t *testing.T, svc *app.App, store app.Store, cal *models.Calendar, tickets []*models.Ticket, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := store.DeleteFacts(ctx); err != nil {
		t.Fatal(err)
	}
	if f, err := svc.Stats.Summary(ctx, statsOperator, app.StatsFilter{}); err != nil || f.Received != 0 {
		t.Fatalf("after DeleteFacts: %+v, %v", f, err)
	}
	n, err := svc.Stats.Rebuild(ctx)
	if err != nil || n != len(tickets) {
		t.Fatalf("RebuildStats: %d, %v; want %d", n, err, len(tickets))
	}
	t.Run("after rebuild", func(t *testing.T) { checkFigures(t, svc, cal, tickets, now) })
}

// actionWeight is how often randomAction picks an action among the allowed ones.
var actionWeight = map[models.Action]float64{
	models.ActAccept: 6, models.ActStart: 5, models.ActResolve: 7, models.ActRate: 5, models.ActReopen: 2,
	models.ActRequestInfo: 1.5, models.ActProvideInfo: 5, models.ActRequestExt: 2, models.ActApproveExt: 3,
	models.ActDenyExt: 1, models.ActNote: 0.5, models.ActReject: 0.7, models.ActTransfer: 0.7,
	models.ActMarkDuplicate: 0.3, models.ActWithdraw: 0.3, models.ActFollow: 0.3, models.ActUnfollow: 0.3,
}

// randomAction picks who acts and one action the table allows them now, with plausible fields.
func randomAction(rnd *rand.Rand, tk *models.Ticket, ids []string, areas []geo.Area) (models.Principal, app.ActionInput) {
	roles := []models.Principal{
		{UserID: "officer:" + tk.UnitID, Role: models.RoleOfficer, UnitID: tk.UnitID},
		{UserID: "leader:" + tk.UnitID, Role: models.RoleLeader, UnitID: tk.UnitID},
		{UserID: "ioc", Role: models.RoleIOCOperator},
		{UserID: tk.ReporterID, Role: models.RoleResident},
		{UserID: "neighbour", Role: models.RoleResident},
	}
	p := roles[rnd.IntN(len(roles))]
	allowed := slices.DeleteFunc(models.AllowedActions(tk.State, p.Role), func(a models.Action) bool {
		return a == models.ActAssign || a == models.ActAutoClose || a == models.ActRemind || a == models.ActEscalate
	})
	if len(allowed) == 0 {
		return p, app.ActionInput{}
	}
	// Weighted towards the flow forward, so many tickets get resolved, rated and reopened.
	total := 0.0
	for _, a := range allowed {
		total += actionWeight[a]
	}
	pick := rnd.Float64() * total
	action := allowed[len(allowed)-1]
	for _, a := range allowed {
		if pick -= actionWeight[a]; pick < 0 {
			action = a
			break
		}
	}
	in := app.ActionInput{Action: action, ExpectedVersion: tk.Version, Note: "ghi chú", Reason: "lý do"}
	switch in.Action {
	case models.ActReject:
		in.Reason = models.RejectReasons[rnd.IntN(len(models.RejectReasons))]
	case models.ActResolve:
		in.Outcome = models.Outcomes[rnd.IntN(len(models.Outcomes))]
	case models.ActRate:
		in.Rating = 1 + rnd.IntN(5)
	case models.ActRequestExt:
		in.DueAt = tk.ResolveDueAt.Add(time.Duration(1+rnd.IntN(72)) * time.Hour)
	case models.ActTransfer:
		in.Area = areas[rnd.IntN(len(areas))].Code
	case models.ActMarkDuplicate:
		in.DuplicateOf = ids[rnd.IntN(len(ids))]
	}
	return p, in
}

// recount computes the figures of the tickets passing keep from the tickets themselves, without
// facts: the brute-force side of the property.
func recountTickets(cal *models.Calendar, tickets []*models.Ticket, now time.Time, keep func(*models.Ticket) bool) models.StatsFigures {
	var received, open, resolved, rejected, overdue, onTime, lateExt, rated, satisfied, reopened, everResolved, onTimeE2E int
	var hours []float64
	for _, t := range tickets {
		if !keep(t) {
			continue
		}
		received++
		done := t.State == models.StateResolved || t.State == models.StateClosed
		switch {
		case t.State.Open():
			open++
		case t.State == models.StateRejected:
			rejected++
		}
		if t.Overdue(now) {
			overdue++
		}
		if done {
			resolved++
			hours = append(hours, float64(cal.WorkingTimeBetween(t.CreatedAt, t.ResolvedAt).Milliseconds())/3.6e6)
			if t.OnTimeClass == models.OnTime {
				onTime++
			}
			if t.OnTimeClass == models.LateWithExtension {
				lateExt++
			}
			if resolvedOnTimeE2E(t) {
				onTimeE2E++
			}
			if t.Rating > 0 {
				rated++
			}
			if t.Rating >= 4 {
				satisfied++
			}
		}
		if t.ReopenCount > 0 {
			reopened++
		}
		if done || t.ReopenCount > 0 {
			everResolved++
		}
	}
	rate := func(n, d int) *float64 {
		if d == 0 {
			return nil
		}
		v := float64(n) / float64(d)
		return &v
	}
	sort.Float64s(hours)
	pct := func(p float64) *float64 {
		if len(hours) == 0 {
			return nil
		}
		v := hours[int(math.Ceil(p*float64(len(hours))))-1]
		return &v
	}
	return models.StatsFigures{
		Received: received, Backlog: open, Resolved: resolved, Rejected: rejected, Overdue: overdue,
		OnTimeRate: rate(onTime, resolved), LateWithExtensionRate: rate(lateExt, resolved),
		MedianResolveHours: pct(0.5), P90ResolveHours: pct(0.9),
		SatisfactionRate: rate(satisfied, rated), RatingRate: rate(rated, resolved), ReopenRate: rate(reopened, everResolved),
		OnTimeE2ERate: rate(onTimeE2E, resolved),
	}
}

// resolvedOnTimeE2E is the recount's end-to-end class of a resolved ticket: resolved by its
// end-to-end deadline, or, filed before there was one, on time for its unit.
func resolvedOnTimeE2E(t *models.Ticket) bool {
	if t.E2EDueAt.IsZero() {
		return t.OnTimeClass == models.OnTime
	}
	return !t.ResolvedAt.After(t.E2EDueAt)
}

func statsDay(t *models.Ticket) string {
	return t.CreatedAt.In(models.VietnamTime).Format(time.DateOnly)
}

// checkFigures compares every statistics read with the recount for a table of filters.
func checkFigures(t *testing.T, svc *app.App, cal *models.Calendar, tickets []*models.Ticket, now time.Time) {
	t.Helper()
	days := make([]string, 0, len(tickets))
	for _, tk := range tickets {
		days = append(days, statsDay(tk))
	}
	slices.Sort(days)
	mid, late := days[len(days)/3], days[2*len(days)/3]
	some := tickets[len(tickets)/2]
	active := svc.Catalog.BoundarySet().ID()
	shared := sharedArea(t, tickets, active)
	filters := []app.StatsFilter{
		{},
		{From: mid},
		{To: mid},
		{From: mid, To: late},
		{Area: some.AreaCode, BoundarySet: some.BoundarySet},
		{Unit: some.UnitID, From: days[0]},
		{Category: some.Category},
		{Group: some.Group, To: late},
		// One dimension and a period that cuts months (the SQLite store reads these from rollups
		// per dimension and the percentiles from their bucket counts): a wrong filtered
		// percentile differs from the recount.
		{Area: some.AreaCode, BoundarySet: some.BoundarySet, From: mid, To: late},
		{Unit: some.UnitID, To: mid},
		{Category: some.Category, From: mid},
		{Group: some.Group, From: mid, To: late},
		{Channel: models.ChannelWeb},
		{Channel: models.ChannelApp, From: mid, To: late},
		{Channel: models.ChannelHotline},
		{Category: some.Category, Channel: models.ChannelWeb},
		{Area: "no-such-area"},
		// A code of both maps: the active set's ward, the old set's ward, and each set's league.
		{Area: shared},
		{Area: shared, BoundarySet: seed.DefaultBoundarySet, From: mid},
		{BoundarySet: seed.DefaultBoundarySet},
	}
	c := figuresCheck{svc: svc, ioc: models.Principal{UserID: "ioc", Role: models.RoleIOCViewer}, cal: cal, tickets: tickets,
		now: now, active: active}
	for _, f := range filters {
		want := c.recount(c.matches(f))
		got, err := svc.Stats.Summary(context.Background(), c.ioc, f)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("summary %+v (-recount +service):\n%s", f, d)
		}
		c.summaryByChannel(t, f, want)
		c.timeseries(t, f, want)
		c.leagues(t, f)
	}
}

// summaryByChannel checks that SummaryByChannel, one aggregation for both, gives the recount's
// figures and ByChannel's rows.
func (c figuresCheck) summaryByChannel(t *testing.T, f app.StatsFilter, want models.StatsFigures) {
	t.Helper()
	fig, chans, err := c.svc.Stats.SummaryByChannel(context.Background(), c.ioc, f)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, fig); d != "" {
		t.Errorf("SummaryByChannel %+v figures (-recount +service):\n%s", f, d)
	}
	alone, err := c.svc.Stats.ByChannel(context.Background(), c.ioc, f)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(alone, chans); d != "" {
		t.Errorf("SummaryByChannel %+v channels (-ByChannel +SummaryByChannel):\n%s", f, d)
	}
}

// sharedArea is an area code of the active set that tickets of the active set and tickets of
// another set both lie in (the test fails without one: the sets must be seen apart).
func sharedArea(t *testing.T, tickets []*models.Ticket, active string) string {
	t.Helper()
	sets := map[string]map[string]bool{}
	for _, tk := range tickets {
		if sets[tk.AreaCode] == nil {
			sets[tk.AreaCode] = map[string]bool{}
		}
		sets[tk.AreaCode][tk.BoundarySet] = true
	}
	codes := slices.Sorted(maps.Keys(sets))
	for _, code := range codes {
		if sets[code][active] && len(sets[code]) > 1 {
			return code
		}
	}
	t.Fatalf("no area code has tickets of %s and of another set: %v", active, sets)
	return ""
}

// figuresCheck compares the statistics svc reads to ioc with recounts over tickets at now;
// active is the boundary set svc routes with.
type figuresCheck struct {
	svc     *app.App
	ioc     models.Principal
	cal     *models.Calendar
	tickets []*models.Ticket
	now     time.Time
	active  string
}

func (c figuresCheck) recount(keep func(*models.Ticket) bool) models.StatsFigures {
	return recountTickets(c.cal, c.tickets, c.now, keep)
}

// setOf is the boundary set the area filter and the area league of f refer to.
func (c figuresCheck) setOf(f app.StatsFilter) string {
	if f.BoundarySet != "" {
		return f.BoundarySet
	}
	return c.active
}

// matches is the recount's side of filter f: an area is a code of the set of f.
func (c figuresCheck) matches(f app.StatsFilter) func(*models.Ticket) bool {
	set := c.setOf(f)
	return func(t *models.Ticket) bool {
		d := statsDay(t)
		return (f.From == "" || d >= f.From) && (f.To == "" || d <= f.To) &&
			(f.Area == "" || (t.BoundarySet == set && t.AreaCode == f.Area)) &&
			(f.Unit == "" || t.UnitID == f.Unit) && (f.Category == "" || t.Category == f.Category) && (f.Group == "" || t.Group == f.Group) &&
			(f.Channel == "" || t.Channel.OrApp() == f.Channel)
	}
}

// both keeps the tickets both a and b keep.
func both(a, b func(*models.Ticket) bool) func(*models.Ticket) bool {
	return func(t *models.Ticket) bool { return a(t) && b(t) }
}

// timeseries checks every point of three metrics at every interval under filter f against the
// recount of its period, and that received sums to the summary's want.
func (c figuresCheck) timeseries(t *testing.T, f app.StatsFilter, want models.StatsFigures) {
	t.Helper()
	for _, interval := range []string{app.IntervalDay, app.IntervalWeek, app.IntervalMonth} {
		for _, metric := range []string{"received", "on_time_rate", "p90_resolve_hours"} {
			pts, err := c.svc.Stats.Timeseries(context.Background(), c.ioc, f, interval, metric)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, pt := range pts {
				in := func(tk *models.Ticket) bool {
					d, _ := time.ParseInLocation(time.DateOnly, statsDay(tk), models.VietnamTime)
					return app.PeriodOf(d, interval) == pt.Period
				}
				wantV, _ := c.recount(both(c.matches(f), in)).Metric(metric)
				if !cmp.Equal(wantV, pt.Value) {
					t.Errorf("timeseries %+v %s %s at %s: %v, recount %v", f, interval, metric, pt.Period, deref(pt.Value), deref(wantV))
				}
				if metric == "received" && pt.Value != nil {
					total += int(*pt.Value)
				}
			}
			if metric == "received" && total != want.Received {
				t.Errorf("timeseries %+v %s: received sums to %d, summary %d", f, interval, total, want.Received)
			}
		}
	}
}

// leagues checks the area and unit leagues under filter f: each row's figures against the
// recount, the ranks (only rows with at least 3 resolved, counting up from 1), and a row for
// every area (of the set of f) and unit with a matching ticket.
func (c figuresCheck) leagues(t *testing.T, f app.StatsFilter) {
	t.Helper()
	ctx := context.Background()
	areas, err := c.svc.Stats.Areas(ctx, c.ioc, f, 3)
	if err != nil {
		t.Fatal(err)
	}
	units, err := c.svc.Stats.Units(ctx, c.ioc, f, 3)
	if err != nil {
		t.Fatal(err)
	}
	matches, set := c.matches(f), c.setOf(f)
	areaOf := func(t *models.Ticket) string {
		if t.BoundarySet != set {
			return "" // another set's code may name another ward: not in this league
		}
		return t.AreaCode
	}
	for _, league := range []struct {
		name string
		rows []app.LeagueRow
		key  func(*models.Ticket) string
	}{{"areas", areas, areaOf}, {"units", units, func(t *models.Ticket) string { return t.UnitID }}} {
		seen := map[string]bool{}
		prevRank := 0
		for _, r := range league.rows {
			seen[r.Key] = true
			want := c.recount(both(matches, func(t *models.Ticket) bool { return league.key(t) == r.Key }))
			if d := cmp.Diff(want, r.Figures); d != "" {
				t.Errorf("%s %+v row %s (-recount +service):\n%s", league.name, f, r.Key, d)
			}
			if r.Ranked != (want.Resolved >= 3) || (r.Ranked && r.Rank != prevRank+1) || (!r.Ranked && r.Rank != 0) {
				t.Errorf("%s %+v row %s: ranked %v rank %d after %d, resolved %d", league.name, f, r.Key, r.Ranked, r.Rank, prevRank, want.Resolved)
			}
			if r.Ranked {
				prevRank = r.Rank
			}
		}
		for _, tk := range c.tickets {
			if matches(tk) && league.key(tk) != "" && !seen[league.key(tk)] {
				t.Errorf("%s %+v: no row for %s", league.name, f, league.key(tk))
			}
		}
	}
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// checkFeed: exactly one entry per ticket version, versions in order per ticket, positions 1..n.
func checkFeed(t *testing.T, store app.Store, tickets []*models.Ticket) {
	entries, err := store.FeedAfter(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	versions := 0
	next := map[string]int{}
	for _, tk := range tickets {
		versions += tk.Version
		next[tk.ID] = 1
	}
	if len(entries) != versions {
		t.Errorf("feed has %d entries, tickets have %d versions", len(entries), versions)
	}
	for i, e := range entries {
		if e.Position != int64(i+1) {
			t.Fatalf("entry %d at position %d", i, e.Position)
		}
		if e.Version != next[e.TicketID] {
			t.Fatalf("ticket %s: version %d where %d was due", e.TicketID, e.Version, next[e.TicketID])
		}
		next[e.TicketID]++
	}
}

// TestAreasOfBoundarySets moves a deployment from the 2023 to the 2025 map, which reuses code
// 30292 for another ward: the area figures of the active set count only its own tickets (and a
// 2023 ticket transferred to a 2025 area, which moves to that set), boundary_set selects the old
// set's figures, city-wide figures count both, and an unknown set is refused on its field.
func TestAreasOfBoundarySets(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-03-02 09:00")
	store := newStore(t, now)
	ioc := models.Principal{UserID: "ioc", Role: models.RoleIOCOperator}
	old, _ := statsService(t, store, "", &now, rand.New(rand.NewPCG(1, 2)), 0)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	var filed []*models.Ticket
	for range 3 {
		tk, _, err := old.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "ASXH.02", Description: "hộ cận nghèo",
			Location: inside(t, old, "30292")})
		if err != nil {
			t.Fatal(err)
		}
		filed = append(filed, tk)
	}
	data, err := seed.BoundaryGeoJSON("longxuyen-2025")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.ImportBoundarySet(ctx, store, "longxuyen-2025", "Long Xuyên (2025)", data, now); err != nil {
		t.Fatal(err)
	}
	svc, _ := statsService(t, store, "longxuyen-2025", &now, rand.New(rand.NewPCG(1, 2)), 0)
	if _, _, err := svc.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "ASXH.02", Description: "hộ cận nghèo",
		Location: inside(t, svc, "30292")}); err != nil {
		t.Fatal(err)
	}
	moved, err := svc.Tickets.Act(ctx, ioc, filed[0].ID, app.ActionInput{Action: models.ActTransfer, Area: "30292",
		Reason: "bản đồ mới", ExpectedVersion: filed[0].Version})
	if err != nil {
		t.Fatal(err)
	}
	if moved.BoundarySet != "longxuyen-2025" || moved.AreaName != "Bình Đức" {
		t.Errorf("transferred to 30292 of the 2025 map: set %s, area %s; want longxuyen-2025, Bình Đức", moved.BoundarySet, moved.AreaName)
	}
	received := func(f app.StatsFilter) int {
		t.Helper()
		fig, err := svc.Stats.Summary(ctx, ioc, f)
		if err != nil {
			t.Fatalf("summary %+v: %v", f, err)
		}
		return fig.Received
	}
	for _, c := range []struct {
		f    app.StatsFilter
		want int
	}{{app.StatsFilter{}, 4}, {app.StatsFilter{Area: "30292"}, 2}, {app.StatsFilter{Area: "30292", BoundarySet: "longxuyen-2023"}, 2},
		{app.StatsFilter{BoundarySet: "longxuyen-2023"}, 4}} {
		if got := received(c.f); got != c.want {
			t.Errorf("received %+v: %d, want %d", c.f, got, c.want)
		}
	}
	rows, err := svc.Stats.Areas(ctx, ioc, app.StatsFilter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Key == "30292" && (r.Name != "Bình Đức" || r.Figures.Received != 2) {
			t.Errorf("area league of the 2025 map: %+v; want Bình Đức with 2 tickets", r)
		}
	}
	if len(rows) != 4 {
		t.Errorf("area league of the 2025 map has %d rows, want its 4 areas", len(rows))
	}
	_, err = svc.Stats.Areas(ctx, ioc, app.StatsFilter{BoundarySet: "hanoi-2025"}, 1)
	if !models.IsCode(err, models.EInvalid) || models.ErrorField(err) != "boundary_set" {
		t.Errorf("unknown boundary set: %v, want invalid boundary_set", err)
	}
	if _, err := app.ImportBoundarySet(ctx, store, "longxuyen\x1f2025", "x", data, now); models.ErrorField(err) != "id" {
		t.Errorf("a set id with a control character: %v, want invalid id", err)
	}
}
