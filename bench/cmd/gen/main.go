// Command gen fills an initialised SQLite data directory (the server has started on it once, so
// the boundary set, units and categories exist) with N generated tickets spread over the wards
// of the active boundary set, for the benchmarks of bench/run.sh.
//
// The distributions are made up but shaped like a city's: more reports in recent months, most
// on weekdays in office hours, a few categories (littering, lighting, disorder) far more common
// than the rest, some wards busier than others; old tickets are mostly closed, recent ones
// mostly open, some open ones overdue. Tickets, their statistics facts and their change-feed
// entries (one per version, as the feed effect appends them) are written through the store's
// bulk loader in transactions of 20,000, then the rollups are rebuilt once.
//
//	go run ./bench/cmd/gen -db data/phananh.db -n 1000000
//
// With -dbstat it generates nothing and prints what the database file costs per ticket, by
// table and by index (SQLite's dbstat), for the storage section of bench/RESULTS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"phananh/app"
	"phananh/geo"
	"phananh/models"
	"phananh/seed"
	"phananh/store/sqlite"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	dbPath := flag.String("db", "data/phananh.db", "SQLite database file of an initialised data directory")
	n := flag.Int("n", 100_000, "number of tickets to generate")
	years := flag.Float64("years", 3, "tickets are filed over this many years up to now")
	seedFlag := flag.Uint64("seed", 1, "random seed (the same seed gives the same tickets)")
	set := flag.String("boundary-set", seed.DefaultBoundarySet, "shipped boundary set the server routes with")
	prefix := flag.String("prefix", "LX", "ticket code prefix")
	explainUnit := flag.String("explain-unit", "", "print the query plans of this unit's queue page and exit")
	dbstat := flag.Bool("dbstat", false, "print the bytes per ticket of every table and index (SQLite's dbstat) and exit")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the generation to this file (go tool pprof)")
	finish := flag.Bool("finish", false, "finish a generation whose tickets were all loaded but whose last steps failed (rollups, accounts, ANALYZE) and exit")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	ctx := context.Background()
	st, err := sqlite.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	if *dbstat {
		sp, err := st.Space(ctx)
		if err != nil {
			return err
		}
		printSpace(os.Stdout, sp)
		return nil
	}
	if *explainUnit != "" {
		plan, err := st.ExplainQueue(ctx, models.QueueFilter{UnitIDs: []string{*explainUnit}, Limit: 50,
			States: []models.State{models.StateReceived, models.StateAssigned, models.StateInProgress, models.StateAwaitingInfo}})
		fmt.Print(plan)
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if *finish {
		return finishLoad(ctx, st, now)
	}
	g, err := storeGenerator(ctx, st, *set, *seedFlag, *prefix)
	if err != nil {
		return err
	}
	span := time.Duration(*years * 365 * 24 * float64(time.Hour))

	// Creation times first, sorted, so codes count up within a year as they would live.
	created := make([]time.Time, *n)
	for i := range created {
		created[i] = g.createdAt(now, span)
	}
	sort.Slice(created, func(i, j int) bool { return created[i].Before(created[j]) })

	start := time.Now()
	// The indexes of the per-ticket tables are built once at the end, from sorted keys, rather
	// than updated at a random place per row.
	err = st.WithIndexesDeferred(ctx, []string{"tickets", "stats_facts", "feed"}, func() error {
		return load(ctx, st, g, created, now, start)
	})
	if err != nil {
		return err
	}
	if err := finishLoad(ctx, st, now); err != nil {
		return err
	}
	fmt.Printf("generated %d tickets in %s\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}

// finishLoad is what follows the loading of the tickets: the rollups rebuilt from the facts once,
// the accounts of the first generated reporters, and fresh statistics for the query planner.
func finishLoad(ctx context.Context, st *sqlite.Store, now time.Time) error {
	if err := st.RebuildRollups(ctx); err != nil {
		return err
	}
	if err := createResidents(ctx, st, now, 4); err != nil {
		return err
	}
	return st.Analyze(ctx)
}

// createResidents gives the first n generated reporters an account with a phone, so that the
// benchmark can sign in as one (bench/cmd/load -mine-phone 0950000000) and list its reports:
// n/50,000 of all tickets each.
func createResidents(ctx context.Context, st *sqlite.Store, now time.Time, n int) error {
	for i := range n {
		u := &models.User{ID: residentID(i), Role: models.RoleResident, Phone: fmt.Sprintf("+8495%07d", i), CreatedAt: now}
		if err := st.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("resident %s: %w", u.ID, err)
		}
	}
	return nil
}

// residentID is the user id of the i-th generated reporter.
func residentID(i int) string { return fmt.Sprintf("bench-resident-%05d", i) }

// storeGenerator makes a generator for the boundary set set and the units and categories of st.
func storeGenerator(ctx context.Context, st *sqlite.Store, set string, seedV uint64, prefix string) (*generator, error) {
	data, err := seed.BoundaryGeoJSON(set)
	if err != nil {
		return nil, err
	}
	bs, err := geo.Parse(set, data)
	if err != nil {
		return nil, err
	}
	cal, err := models.ParseCalendar(seed.HolidayCalendar(), models.DefaultOfficeHours)
	if err != nil {
		return nil, err
	}
	units, err := st.Units(ctx)
	if err != nil {
		return nil, err
	}
	cats, err := st.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return newGenerator(bs, cal, units, cats, seedV, prefix), nil
}

// load writes one ticket filed at each of created (sorted) with its statistics fact, in
// batches: one goroutine builds batches while the store writes the previous one.
func load(ctx context.Context, st *sqlite.Store, g *generator, created []time.Time, now, start time.Time) error {
	n := len(created)
	const batch = 20_000
	type chunk struct {
		tickets []*models.Ticket
		facts   []models.TicketFact
		hi      int
	}
	chunks := make(chan chunk, 2)
	go func() {
		defer close(chunks)
		seq := map[int]int{}
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			c := chunk{tickets: make([]*models.Ticket, 0, hi-lo), facts: make([]models.TicketFact, 0, hi-lo), hi: hi}
			for i := lo; i < hi; i++ {
				y := created[i].In(models.VietnamTime).Year()
				seq[y]++
				t := g.ticket(i, seq[y], created[i], now)
				c.tickets = append(c.tickets, t)
				c.facts = append(c.facts, app.TicketFact(t, g.cal))
			}
			chunks <- c
		}
	}()
	for c := range chunks {
		err := st.LoadTickets(ctx, c.tickets, c.facts)
		if err == nil {
			err = st.LoadFeed(ctx, feedEntries(c.tickets))
		}
		if err != nil {
			for range chunks { // let the producer finish
			}
			return err
		}
		if c.hi%100_000 == 0 || c.hi == n {
			fmt.Fprintf(os.Stderr, "gen: %d tickets (%.0f/s)\n", c.hi, float64(c.hi)/time.Since(start).Seconds())
		}
	}
	return nil
}

// feedEntries are the change-feed entries of ts, one per version (the event that made it, as
// the feed effect writes it), in the order of their times: a batch's tickets were filed over
// weeks, and their changes interleave.
func feedEntries(ts []*models.Ticket) []models.FeedEntry {
	var out []models.FeedEntry
	for _, t := range ts {
		for i, ev := range t.History {
			out = append(out, models.FeedEntry{TicketID: t.ID, Code: t.Code, Version: i + 1, At: ev.At,
				Action: string(ev.Action), From: ev.From, To: ev.To, AreaCode: t.AreaCode, UnitID: t.UnitID, Category: t.Category})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

type generator struct {
	rng       *rand.Rand
	bs        *geo.BoundarySet
	cal       *models.Calendar
	prefix    string
	areas     []geo.Area
	areaW     []float64 // cumulative weights
	points    [][]orb.Point
	cats      []models.Category
	catW      []float64
	unitOf    map[string]models.Unit
	residents int
}

func newGenerator(bs *geo.BoundarySet, cal *models.Calendar, units []models.Unit, cats []models.Category, seedV uint64, prefix string) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seedV, 99)), bs: bs, cal: cal, prefix: prefix, areas: bs.Areas(),
		unitOf: map[string]models.Unit{}, residents: 50_000}
	for _, u := range units {
		g.unitOf[u.ID] = u
	}
	for _, c := range cats {
		if c.Active {
			g.cats = append(g.cats, c)
		}
	}
	// Zipf-like weights: the i-th most common category or ward is about 1/(i+1) as common.
	g.catW = cumulative(len(g.cats), 1.0)
	g.areaW = cumulative(len(g.areas), 0.6)
	// A pool of points inside each ward (rejection sampling against the index).
	for _, a := range g.areas {
		var pts []orb.Point
		for tries := 0; len(pts) < 500 && tries < 200_000; tries++ {
			p := orb.Point{a.Bound.Min[0] + g.rng.Float64()*(a.Bound.Max[0]-a.Bound.Min[0]),
				a.Bound.Min[1] + g.rng.Float64()*(a.Bound.Max[1]-a.Bound.Min[1])}
			if m := bs.Locate(p[1], p[0], -1); m.Area != nil && m.Area.Code == a.Code {
				pts = append(pts, p)
			}
		}
		if len(pts) == 0 {
			pts = append(pts, a.InteriorPoint())
		}
		g.points = append(g.points, pts)
	}
	return g
}

func cumulative(n int, s float64) []float64 {
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		sum += 1 / math.Pow(float64(i+1), s)
		w[i] = sum
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

func (g *generator) pick(cum []float64) int {
	return min(sort.SearchFloat64s(cum, g.rng.Float64()), len(cum)-1)
}

// createdAt draws a filing time: linear growth over the span (twice as many reports now as at
// the start), 80 % on weekdays between 07:00 and 18:00 Vietnamese time.
func (g *generator) createdAt(now time.Time, span time.Duration) time.Time {
	// Density proportional to 1+x on [0,1]: inverse CDF of (x + x²/2)/1.5.
	u := g.rng.Float64()
	x := -1 + math.Sqrt(1+3*u)
	day := now.Add(-span + time.Duration(x*float64(span))).In(models.VietnamTime)
	midnight := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, models.VietnamTime)
	if g.rng.Float64() < 0.8 {
		for midnight.Weekday() == time.Saturday || midnight.Weekday() == time.Sunday {
			midnight = midnight.AddDate(0, 0, -1)
		}
		t := midnight.Add(7*time.Hour + time.Duration(g.rng.Int64N(int64(11*time.Hour))))
		if t.After(now) {
			t = now.Add(-time.Duration(g.rng.Int64N(int64(time.Hour))))
		}
		return t.UTC().Truncate(time.Millisecond)
	}
	t := midnight.Add(time.Duration(g.rng.Int64N(int64(24 * time.Hour))))
	if t.After(now) {
		t = now.Add(-time.Duration(g.rng.Int64N(int64(time.Hour))))
	}
	return t.UTC().Truncate(time.Millisecond)
}

// ticket builds ticket i filed at created, in the state a ticket of its age would be in at now.
func (g *generator) ticket(i, seq int, created, now time.Time) *models.Ticket {
	t, unit := g.filed(i, seq, created)
	l := &lifecycle{g: g, t: t, actor: unit.ID, created: created, now: now}
	l.age()
	t.AppliedVersion = t.Version
	return t
}

// filed builds ticket i as filed at created: a place in a ward, a category and the unit they
// route to.
func (g *generator) filed(i, seq int, created time.Time) (*models.Ticket, models.Unit) {
	ai := g.pick(g.areaW)
	area := g.areas[ai]
	cat := g.cats[g.pick(g.catW)]
	pts := g.points[ai]
	p := pts[g.rng.IntN(len(pts))]
	unitID := models.WardUnitID(g.bs.ID(), area.Code, cat.UnitKind)
	if cat.CityLevel {
		unitID = models.CityUnitID(cat.UnitKind)
	}
	unit, ok := g.unitOf[unitID]
	if !ok {
		unit = g.unitOf[models.CityUnitID(models.UnitIOC)]
	}
	reporter := residentID(g.rng.IntN(g.residents))
	id := fmt.Sprintf("%012x%020x", created.UnixMilli(), uint64(i)+1)
	t := &models.Ticket{
		ID: id, Code: fmt.Sprintf("%s-%d-%06d", g.prefix, created.In(models.VietnamTime).Year(), seq),
		State: models.StateReceived, Version: 1, Category: cat.Code, Group: cat.Group,
		Description: "Phản ánh " + cat.Name + " (dữ liệu sinh cho benchmark).",
		Address:     "Đường số " + fmt.Sprint(1+g.rng.IntN(60)),
		Location:    models.Location{Lat: p[1], Lng: p[0], AccuracyM: 5 + float64(g.rng.IntN(40))},
		Private:     cat.Private, AllowContact: g.rng.IntN(2) == 0, ReporterID: reporter,
		IdempotencyKey: "ticket/" + id, BoundarySet: g.bs.ID(), AreaCode: area.Code, AreaName: area.Name,
		UnitID: unit.ID, UnitName: unit.Name, UnitKind: unit.Kind, CreatedAt: created, UpdatedAt: created,
		TriageDueAt:  cat.TriageSLA.Due(g.cal, created).UTC(),
		ResolveDueAt: cat.ResolveSLA.Due(g.cal, created).UTC(),
		History: []models.Event{{At: created, ActorRole: models.RoleResident, ActorID: reporter, Action: "submit",
			To: models.StateReceived, Visibility: models.Public}},
	}
	t.DueAt = t.TriageDueAt
	return t, unit
}

// lifecycle moves a filed ticket on to the state it would be in at now; actor is the unit that
// handles it.
type lifecycle struct {
	g            *generator
	t            *models.Ticket
	actor        string
	created, now time.Time
}

// event records a transition of the ticket to state to at at.
func (l *lifecycle) event(at time.Time, role models.Role, action models.Action, to models.State) {
	t := l.t
	t.History = append(t.History, models.Event{At: at, ActorRole: role, ActorID: l.actor, Action: action,
		From: t.State, To: to, Visibility: models.Public})
	t.State, t.UpdatedAt = to, at
	t.Version++
}

// work is d working time after the filing, but not after now.
func (l *lifecycle) work(d time.Duration) time.Time {
	at := l.g.cal.AddWorkingTime(l.created, d).UTC().Truncate(time.Millisecond)
	if at.After(l.now) {
		at = l.now
	}
	return at
}

// age draws what has happened to the ticket: the older it is, the likelier it has been handled.
func (l *lifecycle) age() {
	g, t := l.g, l.t
	done := 1 - math.Exp(-float64(l.now.Sub(l.created))/float64(5*24*time.Hour))
	r := g.rng.Float64()
	switch {
	case r > done*1.02: // still open, not triaged
	case r < done*0.06:
		at := l.work(time.Duration(g.rng.Int64N(int64(4 * time.Hour))))
		t.TriagedAt, t.RejectReason = at, "not_in_scope"
		l.event(at, models.RoleIOCOperator, "reject", models.StateRejected)
	case r < done*0.09:
		at := l.work(time.Duration(g.rng.Int64N(int64(4 * time.Hour))))
		t.TriagedAt = at
		l.event(at, models.RoleIOCOperator, "mark_duplicate", models.StateDuplicate)
	case r < done*0.1:
		l.event(l.created.Add(time.Duration(g.rng.Int64N(int64(time.Hour)))), models.RoleResident, "withdraw", models.StateWithdrawn)
	default:
		l.handle(r > done*0.97)
	}
}

// handle accepts and starts the ticket and, unless it is to stay in progress or its drawn
// resolution time is still to come, resolves and perhaps closes it.
func (l *lifecycle) handle(inProgress bool) {
	g, t := l.g, l.t
	triaged := l.work(time.Duration(g.rng.Int64N(int64(6 * time.Hour))))
	t.TriagedAt = triaged
	l.event(triaged, models.RoleOfficer, "accept", models.StateAssigned)
	t.DueAt = t.ResolveDueAt
	l.event(triaged, models.RoleOfficer, "start", models.StateInProgress)
	if inProgress {
		return
	}
	// Resolution: lognormal working time around the deadline class.
	budget := t.ResolveDueAt.Sub(l.created)
	ratio := math.Exp(g.rng.NormFloat64()*0.6 - 0.5)
	resolved := l.created.Add(time.Duration(ratio * float64(budget))).Truncate(time.Millisecond)
	if resolved.Before(triaged) {
		resolved = triaged
	}
	if resolved.After(l.now) {
		return // still in progress
	}
	l.resolve(resolved)
}

// resolve resolves the ticket at resolved and, once the resident had time to rate it (or now
// and then sooner), closes it, with a rating two times in three.
func (l *lifecycle) resolve(resolved time.Time) {
	g, t := l.g, l.t
	t.ResolvedAt, t.Outcome = resolved, []models.Outcome{models.OutcomeFixed, models.OutcomeFixed,
		models.OutcomeFixed, models.OutcomePartiallyFixed, models.OutcomeNotFixable}[g.rng.IntN(5)]
	t.OnTimeClass = models.OnTime
	if resolved.After(t.ResolveDueAt) {
		t.OnTimeClass = models.Late
	}
	l.event(resolved, models.RoleOfficer, "resolve", models.StateResolved)
	if l.now.Sub(resolved) > 7*24*time.Hour || g.rng.IntN(3) == 0 {
		t.ClosedAt = resolved.Add(time.Duration(g.rng.Int64N(int64(7 * 24 * time.Hour))))
		if t.ClosedAt.After(l.now) {
			t.ClosedAt = l.now
		}
		if g.rng.IntN(3) > 0 {
			t.Rating = []int{5, 5, 4, 4, 3, 2, 1}[g.rng.IntN(7)]
		}
		l.event(t.ClosedAt, models.RoleResident, "rate", models.StateClosed)
	}
}
