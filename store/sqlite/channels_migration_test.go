package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/models"
)

// Migration 0028 gives every existing fact the channel "app" and rebuilds stats_daily per
// channel: the rollups equal a recount, every fact counts under "app", and a fact written since
// under another channel is counted apart, by channel and in the channel filter.
func TestMigrate0028CountsOldFactsUnderApp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v27.db")
	db, _ := databaseAtVersion(t, path, 27, "0028")
	ctx := t.Context()
	start := time.Date(2026, time.March, 1, 2, 0, 0, 0, time.UTC)
	for i := range 20 {
		created := start.Add(time.Duration(i) * 5 * time.Hour)
		f := models.TicketFact{TicketID: fmt.Sprintf("t%02d", i), Version: 1, BoundarySet: "b", AreaCode: "a",
			UnitID: "u", Category: "c", Group: "g", CreatedDay: created.In(models.VietnamTime).Format(time.DateOnly),
			CreatedAt: created, State: []models.State{models.StateReceived, models.StateResolved}[i%2],
			OnTimeClass: models.OnTime, DueAt: created.Add(48 * time.Hour), ResolveMs: int64(i) * 60_000}
		f.SetIndicators()
		if err := putFactBefore29(ctx, db, &f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO stats_daily (created_day, boundary_set, area_code, unit_id, category,
		grp, `+rollupColumnsBefore29+`) SELECT created_day, boundary_set, area_code, unit_id, category, grp, COUNT(*), SUM(is_open),
		SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied),
		SUM(is_reopened), SUM(is_ever_resolved) FROM stats_facts GROUP BY 1, 2, 3, 4, 5, 6`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s := openTemp(t, path) // applies 0028
	t.Cleanup(func() { s.Close() })

	hotline := models.TicketFact{TicketID: "new", Version: 1, BoundarySet: "b", AreaCode: "a", UnitID: "u",
		Category: "c", Group: "g", CreatedDay: "2026-03-02", CreatedAt: start, State: models.StateReceived,
		DueAt: start.Add(time.Hour), Channel: models.ChannelHotline}
	hotline.SetIndicators()
	if err := s.PutFact(ctx, &hotline); err != nil {
		t.Fatal(err)
	}
	kept := allRows(t, s, `SELECT created_day, boundary_set, area_code, unit_id, category, grp, channel, `+rollupColumns+`
		FROM stats_daily ORDER BY 1, 2, 3, 4, 5, 6, 7`)
	recount := allRows(t, s, `SELECT created_day, boundary_set, area_code, unit_id, category, grp, channel, COUNT(*),
		SUM(is_open), SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated),
		SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved), SUM(is_on_time_e2e) FROM stats_facts
		GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`)
	if diff := cmp.Diff(recount, kept); diff != "" {
		t.Errorf("stats_daily differs from the recount (-recount +kept):\n%s", diff)
	}
	now := start.Add(1000 * time.Hour)
	byChannel, err := s.AggregateFacts(ctx, models.StatsQuery{By: models.ByChannel, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range byChannel {
		got[c.Key] = c.Received
	}
	if want := map[string]int{"app": 20, "hotline": 1}; !cmp.Equal(got, want) {
		t.Errorf("received by channel = %v, want %v", got, want)
	}
	only, err := s.AggregateFacts(ctx, models.StatsQuery{Channel: models.ChannelHotline, Unit: "u", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(only) != 1 || only[0].Received != 1 || only[0].Overdue != 1 {
		t.Errorf("channel=hotline = %+v, want the one overdue hotline fact", only)
	}
}
