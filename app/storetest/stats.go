package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

// Statistics (app.StatsStore):
//   - PutFact replaces the fact of a ticket unless the stored one has a higher Version; an equal
//     Version overwrites.
//   - AggregateFacts returns, per group of By (sorted by key; groups without facts absent), the
//     count of matching facts and the sums of their indicators; Overdue counts IsRunning facts
//     with DueAt strictly before Now. From/To are inclusive bounds on CreatedDay; BoundarySet
//     filters on the set a fact was routed under. Grouped by area, the key is
//     models.AreaKey(BoundarySet, AreaCode): one code in two sets is two groups.
//   - ResolveTimes lists ResolveMs with the group key of every matching fact with IsResolved.
//   - AppendFeed assigns positions 1, 2, 3 … without gaps or repeats, also under concurrent
//     appenders, and ignores an entry whose (TicketID, Version) is already recorded.
var statsTests = []storeTest{
	{"AggregatesEqualRecount", testStatsAggregates},
	{"NewerFactWins", testStatsNewerFactWins},
	{"AreasKeyedBySet", testStatsAreasKeyedBySet},
	{"ResolveRanksTiesAndMonths", testStatsRanksTiesAndMonths},
	{"FeedIdempotentAndOrdered", testFeedIdempotent},
	{"FeedConcurrentAppenders", testFeedConcurrent},
}

// statsFacts builds a varied, deterministic set of facts, routed under two boundary sets that
// share their area codes.
func statsFacts() []models.TicketFact {
	states := models.States
	classes := []models.OnTimeClass{"", models.OnTime, models.Late, models.LateWithExtension}
	var out []models.TicketFact
	for i := range 40 {
		day := t0.AddDate(0, 0, i%7).In(models.VietnamTime).Format(time.DateOnly)
		f := models.TicketFact{
			TicketID: fmt.Sprintf("f%03d", i), Version: 1 + i%3, BoundarySet: []string{"set", "set2"}[i/3%2], AreaCode: []string{"A", "B", "C"}[i%3],
			UnitID: []string{"u1", "u2"}[i%2], Category: []string{"X", "Y", "Z", "W"}[i%4],
			Group: []models.Group{models.GroupANTT, models.GroupASXH}[i%2], CreatedDay: day, CreatedAt: at(time.Duration(i) * time.Hour),
			State: states[i%len(states)], OnTimeClass: classes[i%4], DueAt: at(time.Duration(i*5) * time.Hour),
			TriageMs: int64(i * 1000), ResolveMs: int64(i * 3_600_000), Rating: i % 6, ReopenCount: i % 5 / 4,
			// "" is a fact of a ticket stored before channels existed: the app's.
			Channel: []models.Channel{models.ChannelApp, models.ChannelHotline, "", models.ChannelWalkIn, models.ChannelZalo}[i%5],
		}
		// The end-to-end class disagrees with the unit's now and then (a ticket passed between
		// units), so the stores must sum its indicator on its own.
		f.E2EDueAt, f.E2EClass = at(time.Duration(i*7)*time.Hour), []models.OnTimeClass{"", models.OnTime, models.Late}[i%3]
		f.SetIndicators()
		out = append(out, f)
	}
	return out
}

// recount is the brute-force aggregation the stores must match.
func recount(facts []models.TicketFact, q models.StatsQuery) ([]models.StatsCounts, []models.KeyedDuration) {
	groups := map[string]*models.StatsCounts{}
	var times []models.KeyedDuration
	for i := range facts {
		f := &facts[i]
		if !q.Matches(f) {
			continue
		}
		k := q.KeyOf(f)
		if groups[k] == nil {
			groups[k] = &models.StatsCounts{Key: k}
		}
		groups[k].Add(f, q.Now)
		if f.IsResolved == 1 {
			times = append(times, models.KeyedDuration{Key: k, Ms: f.ResolveMs})
		}
	}
	var out []models.StatsCounts
	for _, c := range groups {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b models.StatsCounts) int { return compareStrings(a.Key, b.Key) })
	sortDurations(times)
	return out, times
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sortDurations(ds []models.KeyedDuration) {
	slices.SortFunc(ds, func(a, b models.KeyedDuration) int {
		if c := compareStrings(a.Key, b.Key); c != 0 {
			return c
		}
		return int(a.Ms - b.Ms)
	})
}

func testStatsAggregates(t *testing.T, s app.Store) {
	facts := statsFacts()
	for i := range facts {
		must(t, s.PutFact(ctx(t), &facts[i]), "PutFact")
	}
	// Applying every fact again changes nothing (effects are re-applied after crashes).
	for i := range facts {
		must(t, s.PutFact(ctx(t), &facts[i]), "PutFact again")
	}
	day2 := facts[2].CreatedDay
	day5 := facts[5].CreatedDay
	now := at(60 * time.Hour)
	queries := []models.StatsQuery{
		{Now: now},
		{Now: now, By: models.ByArea},
		{Now: now, By: models.ByUnit, Category: "X"},
		{Now: now, By: models.ByDay, Group: models.GroupASXH},
		{Now: now, From: day2, To: day5, By: models.ByDay},
		{Now: now, From: day5},
		{Now: now, To: day2, Area: "B", Unit: "u2"},
		{Now: now, Area: "nowhere"},
		{Now: at(-time.Hour)},
		{Now: now, By: models.ByArea, BoundarySet: "set2"},
		{Now: now, By: models.ByDay, BoundarySet: "set", Area: "B"},
		{Now: now, By: models.ByUnit, BoundarySet: "set2", From: day2},
		{Now: now, BoundarySet: "no-such-set"},
		{Now: now, By: models.ByChannel},
		{Now: now, By: models.ByChannel, Unit: "u1", From: day2},
		{Now: now, Channel: models.ChannelHotline},
		{Now: now, Channel: models.ChannelApp, By: models.ByArea},
		{Now: now, Channel: models.ChannelWalkIn, By: models.ByChannel, Group: models.GroupASXH},
		// Filtered by the period and one dimension, not grouped or by day (the SQLite store reads
		// these from rollups per dimension).
		{Now: now, Unit: "u1"},
		{Now: now, Category: "Y", From: day2},
		{Now: now, Group: models.GroupANTT, To: day5},
		{Now: now, Area: "A", BoundarySet: "set"},
		{Now: now, Area: "C", BoundarySet: "set2", From: day2, To: day5},
		{Now: now, Channel: models.ChannelApp, From: day2, To: day5},
		{Now: now, By: models.ByDay, Unit: "u2", From: day2},
		{Now: at(-time.Hour), Category: "X"},
		// Grouped by a dimension over the period alone (the SQLite store sums that dimension's
		// rollups and counts the deadlines ahead per group).
		{Now: now, By: models.ByUnit, From: day2},
		{Now: now, By: models.ByArea, To: day5},
		{Now: at(-time.Hour), By: models.ByChannel},
	}
	for i, q := range queries {
		wantCounts, wantTimes := recount(facts, q)
		got, err := s.AggregateFacts(ctx(t), q)
		must(t, err, "AggregateFacts")
		wantEqual(t, fmt.Sprintf("query %d %+v counts", i, q), wantCounts, got)
		times, err := s.ResolveTimes(ctx(t), q)
		must(t, err, "ResolveTimes")
		sortDurations(times)
		wantEqual(t, fmt.Sprintf("query %d resolve times", i), wantTimes, times)
		// Every rank of the durations of the whole query, as one group.
		var sorted []int64
		for _, d := range wantTimes {
			sorted = append(sorted, d.Ms)
		}
		slices.Sort(sorted)
		if len(sorted) > 0 {
			var ranks []int
			for r := range sorted {
				ranks = append(ranks, r+1)
			}
			got, err := s.ResolveRanks(ctx(t), q, ranks)
			must(t, err, "ResolveRanks")
			wantEqual(t, fmt.Sprintf("query %d resolve ranks", i), sorted, got)
		}
	}
	must(t, s.DeleteFacts(ctx(t)), "DeleteFacts")
	got, err := s.AggregateFacts(ctx(t), models.StatsQuery{Now: now})
	must(t, err, "AggregateFacts after delete")
	wantEqual(t, "after DeleteFacts", []models.StatsCounts(nil), got)
}

// testStatsAreasKeyedBySet checks that one area code of two boundary sets makes two groups by
// area, keyed by set and code, and that the set filter keeps the other set's facts out.
func testStatsAreasKeyedBySet(t *testing.T, s app.Store) {
	var facts []models.TicketFact
	for i, set := range []string{"longxuyen-2023", "longxuyen-2025", "longxuyen-2025"} {
		f := models.TicketFact{TicketID: fmt.Sprintf("k%d", i), Version: 1, BoundarySet: set, AreaCode: "30292",
			UnitID: "u1", Category: "X", Group: models.GroupANTT, CreatedDay: t0.In(models.VietnamTime).Format(time.DateOnly), CreatedAt: t0,
			State: models.StateResolved, OnTimeClass: models.OnTime, DueAt: t0, ResolveMs: int64(i+1) * 1000}
		f.SetIndicators()
		must(t, s.PutFact(ctx(t), &f), "PutFact")
		facts = append(facts, f)
	}
	got, err := s.AggregateFacts(ctx(t), models.StatsQuery{Now: t0, By: models.ByArea})
	must(t, err, "AggregateFacts by area")
	if len(got) != 2 || got[0].Key != models.AreaKey("longxuyen-2023", "30292") || got[0].Received != 1 ||
		got[1].Key != models.AreaKey("longxuyen-2025", "30292") || got[1].Received != 2 {
		t.Fatalf("by area: %+v, want 30292 of longxuyen-2023 (1) and of longxuyen-2025 (2) apart", got)
	}
	for _, q := range []models.StatsQuery{
		{Now: t0, By: models.ByArea, BoundarySet: "longxuyen-2025"},
		{Now: t0, Area: "30292", BoundarySet: "longxuyen-2023"},
		{Now: t0, Area: "30292"},
	} {
		want, wantTimes := recount(facts, q)
		got, err := s.AggregateFacts(ctx(t), q)
		must(t, err, "AggregateFacts")
		wantEqual(t, fmt.Sprintf("%+v counts", q), want, got)
		times, err := s.ResolveTimes(ctx(t), q)
		must(t, err, "ResolveTimes")
		sortDurations(times)
		wantEqual(t, fmt.Sprintf("%+v resolve times", q), wantTimes, times)
	}
	ranks, err := s.ResolveRanks(ctx(t), models.StatsQuery{Now: t0, Area: "30292", BoundarySet: "longxuyen-2025"}, []int{1, 2})
	must(t, err, "ResolveRanks")
	wantEqual(t, "ranks of 30292 in longxuyen-2025", []int64{2000, 3000}, ranks)
}

func testStatsNewerFactWins(t *testing.T, s app.Store) {
	f := statsFacts()[0]
	f.Version, f.State = 5, models.StateResolved
	f.SetIndicators()
	must(t, s.PutFact(ctx(t), &f), "PutFact v5")
	old := f
	old.Version, old.State = 4, models.StateReceived
	old.SetIndicators()
	must(t, s.PutFact(ctx(t), &old), "PutFact v4 (stale)")
	got, err := s.AggregateFacts(ctx(t), models.StatsQuery{Now: t0})
	must(t, err, "AggregateFacts")
	if len(got) != 1 || got[0].Resolved != 1 || got[0].Open != 0 {
		t.Fatalf("after a stale write: %+v, want the resolved v5 fact", got)
	}
	same := f
	same.State = models.StateClosed
	same.Rating = 5
	same.SetIndicators()
	must(t, s.PutFact(ctx(t), &same), "PutFact v5 again")
	got, err = s.AggregateFacts(ctx(t), models.StatsQuery{Now: t0})
	must(t, err, "AggregateFacts")
	if len(got) != 1 || got[0].Rated != 1 {
		t.Fatalf("an equal version did not overwrite: %+v", got)
	}
}

// testStatsRanksTiesAndMonths checks ResolveRanks at every rank against a sort, on durations
// with many ties and values around powers of ten (where a store may bucket them), filed over
// three calendar months, after rewrites that reopen, re-resolve with another duration, re-rate
// and move facts to another category and channel, for periods of whole months, parts of months,
// open ends, one day, no facts, and with filters: one dimension and several.
func testStatsRanksTiesAndMonths(t *testing.T, s app.Store) {
	durations := []int64{0, 99, 100, 999, 1_000, 3_600_000, 3_600_000, 3_600_000, 9_999_999, 10_000_000,
		14_400_000, 14_400_000, 30_600_000, 30_600_000, 61_200_000, 99_999_999, 100_000_000, 123_456_789}
	start := time.Date(2026, time.January, 25, 3, 0, 0, 0, time.UTC)
	var facts []models.TicketFact
	for i := range 90 {
		created := start.AddDate(0, 0, i*47%60)
		f := models.TicketFact{TicketID: fmt.Sprintf("r%03d", i), Version: 1, BoundarySet: []string{"set", "set2"}[i%4/2],
			AreaCode: []string{"A", "B"}[i%2], UnitID: "u1", Category: "X", Group: models.GroupANTT,
			CreatedDay: created.In(models.VietnamTime).Format(time.DateOnly), CreatedAt: created,
			State:       []models.State{models.StateResolved, models.StateClosed, models.StateInProgress}[i%3],
			OnTimeClass: models.OnTime, DueAt: created.Add(72 * time.Hour), ResolveMs: durations[i*7%len(durations)],
			Channel: []models.Channel{"", models.ChannelHotline}[i/2%2]}
		f.SetIndicators()
		must(t, s.PutFact(ctx(t), &f), "PutFact")
		facts = append(facts, f)
	}
	// Rewrites: every fifth is reopened, every seventh re-resolved with another duration, every
	// eleventh rated (same duration), every thirteenth moved to another category and channel
	// (resolved or not).
	for i := range facts {
		f := &facts[i]
		switch {
		case i%5 == 0:
			f.State = models.StateInProgress
		case i%7 == 0:
			f.State, f.ResolveMs = models.StateResolved, durations[(i+3)%len(durations)]
		case i%11 == 0:
			f.State, f.Rating = models.StateClosed, 5
		case i%13 == 0:
			f.Category, f.Channel = "Y", models.ChannelZalo
		default:
			continue
		}
		f.Version++
		f.SetIndicators()
		must(t, s.PutFact(ctx(t), f), "PutFact rewrite")
	}
	now := start.AddDate(0, 0, 30)
	for i, q := range []models.StatsQuery{
		{Now: now}, {From: "2026-02-01", To: "2026-02-28", Now: now}, {From: "2026-01-26", To: "2026-03-20", Now: now},
		{From: "2026-02-03", To: "2026-02-27", Now: now}, {From: "2026-02-15", Now: now}, {To: "2026-02-10", Now: now},
		{From: "2026-02-01", To: "2026-02-01", Now: now}, {From: "2026-02-01", To: "2026-03-31", Area: "A", Now: now},
		{From: "2025-01-01", To: "2025-12-31", Now: now}, {Area: "A", BoundarySet: "set", Now: now},
		{From: "2026-02-01", BoundarySet: "set2", Now: now},
		{From: "2026-01-28", To: "2026-03-05", Category: "Y", Now: now}, {From: "2026-02-03", Channel: models.ChannelHotline, Now: now},
		{To: "2026-02-27", Channel: models.ChannelApp, Now: now}, {From: "2026-02-01", To: "2026-02-28", Unit: "u1", Now: now},
		{From: "2026-01-26", To: "2026-03-20", Area: "B", BoundarySet: "set2", Now: now}, {Group: models.GroupANTT, Now: now},
	} {
		_, times := recount(facts, q)
		var sorted []int64
		for _, d := range times {
			sorted = append(sorted, d.Ms)
		}
		slices.Sort(sorted)
		if len(sorted) == 0 {
			continue
		}
		var ranks []int
		for r := range sorted {
			ranks = append(ranks, r+1)
		}
		got, err := s.ResolveRanks(ctx(t), q, ranks)
		must(t, err, "ResolveRanks")
		wantEqual(t, fmt.Sprintf("query %d %+v resolve ranks", i, q), sorted, got)
	}
}

func feedEntry(ticket string, version int) *models.FeedEntry {
	return &models.FeedEntry{TicketID: ticket, Code: "LX-" + ticket, Version: version, At: at(time.Duration(version) * time.Minute),
		Action: "accept", From: models.StateReceived, To: models.StateAssigned, AreaCode: "A", UnitID: "u1", Category: "X"}
}

func testFeedIdempotent(t *testing.T, s app.Store) {
	got, err := s.FeedAfter(ctx(t), 0, 0)
	must(t, err, "FeedAfter on empty")
	if len(got) != 0 {
		t.Fatalf("empty feed has %d entries", len(got))
	}
	if head, err := s.FeedHead(ctx(t)); err != nil || head != 0 {
		t.Fatalf("FeedHead of the empty feed = %d, %v; want 0", head, err)
	}
	for _, e := range []*models.FeedEntry{feedEntry("a", 1), feedEntry("b", 1), feedEntry("a", 1), feedEntry("a", 2), feedEntry("b", 1)} {
		must(t, s.AppendFeed(ctx(t), e), "AppendFeed")
	}
	all, err := s.FeedAfter(ctx(t), 0, 0)
	must(t, err, "FeedAfter")
	want := []models.FeedEntry{*feedEntry("a", 1), *feedEntry("b", 1), *feedEntry("a", 2)}
	for i := range want {
		want[i].Position = int64(i + 1)
	}
	wantEqual(t, "feed", want, all)
	page, err := s.FeedAfter(ctx(t), 1, 1)
	must(t, err, "FeedAfter(1, 1)")
	wantEqual(t, "page after 1", want[1:2], page)
	page, err = s.FeedAfter(ctx(t), 3, 10)
	must(t, err, "FeedAfter(3)")
	if len(page) != 0 {
		t.Errorf("after the last position: %+v", page)
	}
	if head, err := s.FeedHead(ctx(t)); err != nil || head != 3 {
		t.Errorf("FeedHead = %d, %v; want 3", head, err)
	}
}

func testFeedConcurrent(t *testing.T, s app.Store) {
	const writers, each = 6, 5
	var mu sync.Mutex
	var errs []error
	// Every writer appends its own tickets' versions and, twice, the shared ticket's versions:
	// duplicates of one key race each other too.
	concurrently(writers, func(w int) {
		for v := 1; v <= each; v++ {
			for _, e := range []*models.FeedEntry{feedEntry(fmt.Sprintf("w%d", w), v), feedEntry("shared", v)} {
				if err := s.AppendFeed(ctx(t), e); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}
	})
	for _, err := range errs {
		t.Fatalf("AppendFeed: %v", err)
	}
	all, err := s.FeedAfter(ctx(t), 0, 0)
	must(t, err, "FeedAfter")
	if len(all) != writers*each+each {
		t.Fatalf("%d entries, want %d", len(all), writers*each+each)
	}
	seen := map[string]bool{}
	lastVersion := map[string]int{}
	for i, e := range all {
		if e.Position != int64(i+1) {
			t.Fatalf("entry %d has position %d: positions must be 1, 2, 3 …", i, e.Position)
		}
		key := fmt.Sprintf("%s:%d", e.TicketID, e.Version)
		if seen[key] {
			t.Fatalf("%s recorded twice", key)
		}
		seen[key] = true
		if e.Version < lastVersion[e.TicketID] {
			t.Errorf("%s version %d after version %d", e.TicketID, e.Version, lastVersion[e.TicketID])
		}
		lastVersion[e.TicketID] = e.Version
	}
}
