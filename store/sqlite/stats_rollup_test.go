package sqlite

import (
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

// The daily rollups must equal a recount of the facts (of two boundary sets with the same area
// codes, kept apart) after any sequence of fact rewrites
// (including stale versions that must change nothing), and RebuildRollups must repair rollups
// that drifted (here: changed by hand).
func TestRollupsEqualRecount(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "rollups.db"))
	ctx := t.Context()
	now := time.Date(2026, time.March, 10, 3, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	states := []models.State{models.StateReceived, models.StateInProgress, models.StateAwaitingInfo,
		models.StateResolved, models.StateClosed, models.StateRejected, models.StateWithdrawn}
	current := map[string]models.TicketFact{}
	for i := range 3000 {
		id := fmt.Sprintf("t%03d", rng.IntN(300))
		f := models.TicketFact{TicketID: id, Version: current[id].Version + 1 - rng.IntN(3),
			BoundarySet: fmt.Sprint("b", rng.IntN(2)),
			AreaCode:    fmt.Sprint("a", rng.IntN(3)), UnitID: fmt.Sprint("u", rng.IntN(3)), Category: fmt.Sprint("c", rng.IntN(4)),
			Group: models.Group(fmt.Sprint("g", rng.IntN(2))), State: states[rng.IntN(len(states))],
			OnTimeClass: []models.OnTimeClass{models.OnTime, models.Late, models.LateWithExtension}[rng.IntN(3)],
			Rating:      rng.IntN(6), ReopenCount: rng.IntN(2), DueAt: now.Add(time.Duration(rng.IntN(48)-24) * time.Hour),
			ResolveMs: int64(rng.IntN(100_000))}
		if old, ok := current[id]; ok {
			f.CreatedDay, f.CreatedAt = old.CreatedDay, old.CreatedAt // a ticket's filing day never changes
			f.Channel = old.Channel
		} else {
			f.Channel = []models.Channel{models.ChannelApp, models.ChannelHotline, models.ChannelWalkIn}[rng.IntN(3)]
			f.CreatedAt = now.Add(-time.Duration(rng.IntN(20*24)) * time.Hour)
			f.CreatedDay = f.CreatedAt.In(models.VietnamTime).Format(time.DateOnly)
		}
		f.SetIndicators()
		if err := s.PutFact(ctx, &f); err != nil {
			t.Fatalf("PutFact %d: %v", i, err)
		}
		if f.Version >= current[id].Version {
			current[id] = f
		}
	}
	queries := rollupQueries(now)
	check := func(when string) {
		t.Helper()
		for _, q := range queries {
			byKey := map[string]*models.StatsCounts{}
			var want []models.StatsCounts
			for _, f := range current {
				if !q.Matches(&f) {
					continue
				}
				k := q.KeyOf(&f)
				if byKey[k] == nil {
					byKey[k] = &models.StatsCounts{Key: k}
				}
				byKey[k].Add(&f, now)
			}
			for _, c := range byKey {
				want = append(want, *c)
			}
			got, err := s.AggregateFacts(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(want, func(a, b models.StatsCounts) int { return strings.Compare(a.Key, b.Key) })
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: AggregateFacts(%+v) differs from the recount (-want +got):\n%s", when, q, diff)
			}
		}
	}
	check("after the writes")
	if _, err := s.exec(ctx, `UPDATE stats_daily SET received = received + 7, open = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.exec(ctx, `INSERT INTO stats_daily VALUES ('2020-01-01','s','x','y','z','g','app',1,1,1,1,1,1,1,1,1,1,1)`); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildRollups(ctx); err != nil {
		t.Fatal(err)
	}
	check("after corrupting and rebuilding the rollups")
}

// rollupQueries are the aggregations TestRollupsEqualRecount compares with a recount.
func rollupQueries(now time.Time) []models.StatsQuery {
	return []models.StatsQuery{
		{Now: now},
		{Now: now, By: models.ByDay},
		{Now: now, By: models.ByArea, Category: "c1"},
		{Now: now, By: models.ByUnit, Group: "g0", From: "2026-02-25", To: "2026-03-05"},
		{Now: now, Area: "a2", Unit: "u1"},
		{Now: now, By: models.ByArea, BoundarySet: "b1"},
		{Now: now, Area: "a1", BoundarySet: "b0", By: models.ByDay},
		{Now: now, By: models.ByChannel},
		{Now: now, By: models.ByChannel, Unit: "u2"},
		{Now: now, Channel: models.ChannelHotline},
		{Now: now, Channel: models.ChannelApp, By: models.ByDay},
	}
}
