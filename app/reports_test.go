package app_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
	"phananh/store/sqlite"
)

func TestParseReportPeriod(t *testing.T) {
	tests := []struct {
		in, from, to string
	}{
		{"2026-11", "2026-11-01", "2026-11-30"},
		{"2028-02", "2028-02-01", "2028-02-29"},
		{"2026-12", "2026-12-01", "2026-12-31"},
		{"2026-Q1", "2026-01-01", "2026-03-31"},
		{"2026-Q4", "2026-10-01", "2026-12-31"},
		{"2026", "2026-01-01", "2026-12-31"},
		{"2099-Q2", "2099-04-01", "2099-06-30"},
	}
	for _, tt := range tests {
		got, err := app.ParseReportPeriod(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if d := cmp.Diff(app.ReportPeriod{Name: tt.in, From: tt.from, To: tt.to}, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.in, d)
		}
	}
	for _, bad := range []string{"", "2026-13", "2026-00", "2026-1", "2026-Q0", "2026-Q5", "2026-q4", "26-11", "0999",
		"2026-11-01", "+2026", "2026-", "２０２６", "2026-H1"} {
		if _, err := app.ParseReportPeriod(bad); !models.IsCode(err, models.EInvalid) || models.ErrorField(err) != "period" {
			t.Errorf("%q: %v, want invalid period", bad, err)
		}
	}
}

// TestReportEqualsRecount runs random workflow actions across the end of a month and of a
// quarter (with SLA sweeps, so some tickets finish late and some late within an extension) and
// checks every count and figure of the periodic reports by unit and by area, whole and by group,
// against a brute-force recount over the tickets.
func TestReportEqualsRecount(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "reports.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := vn("2026-03-23 08:00") // a Monday, a week before the end of the first quarter
	apptest.Seed(t, store, now)
	rnd := rand.New(rand.NewPCG(11, 2026))
	svc, cal := statsService(t, store, "", &now, rnd, 0)
	runRandomActions(t, svc, rnd, &now, nil, 900)
	healEffects(t, svc, store)
	tickets, err := store.FindTickets(ctx, models.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	c := figuresCheck{svc: svc, ioc: statsOperator, cal: cal, tickets: tickets, now: now, active: svc.Catalog.BoundarySet().ID()}
	late := 0
	for _, period := range []string{"2026-03", "2026-04", "2026-Q1", "2026-Q2", "2026", "2027-01"} {
		for _, by := range []models.StatsDimension{models.ByUnit, models.ByArea} {
			r, err := svc.Stats.Report(ctx, statsOperator, period, by)
			if err != nil {
				t.Fatal(err)
			}
			late += c.checkReport(t, r)
		}
	}
	if late == 0 {
		t.Error("no ticket finished late: the report's late column went untested")
	}
}

// checkReport compares each row, group row and the total of r with the recount and returns the
// number of late tickets it counted.
func (c figuresCheck) checkReport(t *testing.T, r app.Report) int {
	t.Helper()
	const otherSet = "\x00"
	inPeriod := c.matches(app.StatsFilter{From: r.Period.From, To: r.Period.To})
	keyOf := func(tk *models.Ticket) string {
		if r.By == models.ByUnit {
			return tk.UnitID
		}
		if tk.BoundarySet != c.active {
			return otherSet // another set's code may name another ward: in no row
		}
		return tk.AreaCode
	}
	late := 0
	check := func(name string, row app.ReportRow, keep func(*models.Ticket) bool, percentiles bool) {
		want := recountCounts(c.tickets, c.now, keep)
		if d := cmp.Diff(want, row.Counts, cmpopts.IgnoreFields(models.StatsCounts{}, "Key")); d != "" {
			t.Errorf("%s %s %s counts (-recount +report):\n%s", r.Period.Name, r.By, name, d)
		}
		fig := c.recount(keep)
		if !percentiles {
			fig.MedianResolveHours, fig.P90ResolveHours = nil, nil
		}
		if d := cmp.Diff(fig, row.Figures); d != "" {
			t.Errorf("%s %s %s figures (-recount +report):\n%s", r.Period.Name, r.By, name, d)
		}
		wantLate := recountCounts(c.tickets, c.now, both(keep, func(tk *models.Ticket) bool { return tk.OnTimeClass == models.Late }))
		if row.Counts.Late() != wantLate.Resolved {
			t.Errorf("%s %s %s: %d late, recount %d", r.Period.Name, r.By, name, row.Counts.Late(), wantLate.Resolved)
		}
		late += wantLate.Resolved
	}
	for _, row := range r.Rows {
		check(row.Key, row, both(inPeriod, func(tk *models.Ticket) bool { return keyOf(tk) == row.Key }), true)
	}
	for _, row := range r.Groups {
		check(row.Key+"/"+string(row.Group), row, both(inPeriod, func(tk *models.Ticket) bool {
			return keyOf(tk) == row.Key && tk.Group == row.Group
		}), true)
	}
	grouped := 0
	for _, row := range r.Groups {
		grouped += row.Counts.Received
	}
	if grouped != r.Total.Counts.Received {
		t.Errorf("%s %s: the group rows count %d tickets, the total %d", r.Period.Name, r.By, grouped, r.Total.Counts.Received)
	}
	check("total", r.Total, both(inPeriod, func(tk *models.Ticket) bool { return keyOf(tk) != otherSet }), false)
	return late
}

// recountCounts counts the tickets keep keeps at now, one by one, as StatsCounts.
func recountCounts(tickets []*models.Ticket, now time.Time, keep func(*models.Ticket) bool) models.StatsCounts {
	var c models.StatsCounts
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	for _, tk := range tickets {
		if !keep(tk) {
			continue
		}
		done := tk.State == models.StateResolved || tk.State == models.StateClosed
		c.Received++
		c.Open += b(tk.State.Open())
		c.Resolved += b(done)
		c.Rejected += b(tk.State == models.StateRejected)
		c.Overdue += b(tk.Overdue(now))
		c.OnTime += b(done && tk.OnTimeClass == models.OnTime)
		c.LateWithExtension += b(done && tk.OnTimeClass == models.LateWithExtension)
		c.Rated += b(done && tk.Rating > 0)
		c.Satisfied += b(done && tk.Rating >= 4)
		c.Reopened += b(tk.ReopenCount > 0)
		c.EverResolved += b(done || tk.ReopenCount > 0)
		c.OnTimeE2E += b(done && resolvedOnTimeE2E(tk))
	}
	return c
}
