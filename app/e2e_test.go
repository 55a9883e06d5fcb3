package app_test

import (
	"context"
	"testing"
	"time"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
)

// TestEndToEndDeadlineSurvivesTransfers passes a ticket between two ward committees every
// morning at 08:00 for ten working days: the end-to-end deadline stays the one set at filing,
// each unit's hold is one working day (8 working hours: 08:00–17:00 less lunch, and 07:00–08:00
// the next morning), and the last unit resolves within its own fresh deadline — on time for
// the unit, late end to end, in the fact and in the summary and league table.
func TestEndToEndDeadlineSurvivesTransfers(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-11-23 08:00") // a Monday
	store := newStore(t, now)
	a := newServiceOn(t, store, &now, nil)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	tk, _, err := a.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "MT", Description: "rác", Location: inside(t, a, "30283")})
	if err != nil {
		t.Fatal(err)
	}
	e2e := tk.E2EDueAt
	if e2e.IsZero() || !e2e.Equal(tk.ResolveDueAt) || len(tk.UnitHolds) != 1 || tk.UnitHolds[0].UnitID != tk.UnitID {
		t.Fatalf("filed: e2e %s, resolve %s, holds %+v", e2e, tk.ResolveDueAt, tk.UnitHolds)
	}
	units := []string{tk.UnitID, models.WardUnitID(tk.BoundarySet, "30280", tk.UnitKind)}
	act := func(p models.Principal, in app.ActionInput) {
		t.Helper()
		in.ExpectedVersion = tk.Version
		if tk, err = a.Tickets.Act(ctx, p, tk.ID, in); err != nil {
			t.Fatalf("%s at %s: %v", in.Action, now, err)
		}
	}
	days := []string{"2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30", "2026-12-01",
		"2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07"}
	for i, day := range days {
		now = vn(day + " 08:00")
		officer := models.Principal{UserID: "o" + tk.UnitID, Role: models.RoleOfficer, UnitID: tk.UnitID}
		act(officer, app.ActionInput{Action: models.ActTransfer, Unit: units[(i+1)%2], Reason: "không thuộc địa bàn"})
		if !tk.E2EDueAt.Equal(e2e) {
			t.Fatalf("transfer %d moved the end-to-end deadline from %s to %s", i+1, e2e, tk.E2EDueAt)
		}
	}
	if len(tk.UnitHolds) != 11 {
		t.Fatalf("%d holds after 10 transfers, want 11: %+v", len(tk.UnitHolds), tk.UnitHolds)
	}
	for i, h := range tk.UnitHolds[:10] {
		if h.UnitID != units[i%2] || h.Held != 8*time.Hour || !h.Until.Equal(tk.UnitHolds[i+1].From) {
			t.Errorf("hold %d: %+v, want %s for 8 working hours until the next one", i, h, units[i%2])
		}
	}

	now = vn("2026-12-08 09:00")
	officer := models.Principal{UserID: "o-last", Role: models.RoleOfficer, UnitID: tk.UnitID}
	act(officer, app.ActionInput{Action: models.ActAccept})
	act(officer, app.ActionInput{Action: models.ActResolve, Outcome: models.OutcomeFixed, Note: "đã thu gom"})
	if !now.After(e2e) || tk.OnTimeClass != models.OnTime {
		t.Fatalf("the scenario needs a resolution after the end-to-end deadline %s and within the unit's own: class %s", e2e, tk.OnTimeClass)
	}
	if last := tk.UnitHolds[10]; last.UnitID != units[0] || last.Held != 9*time.Hour || !last.Until.Equal(now) {
		t.Errorf("the last hold %+v, want %s for 9 working hours until the resolution", last, units[0])
	}
	checkEndToEndFigures(t, a, store, tk)
}

// checkEndToEndFigures stores the fact of tk, resolved on time by its unit but late end to
// end, and reads the figures: the summary and the unit's league row count it on time for the
// unit and late for the city.
func checkEndToEndFigures(t *testing.T, a *app.App, store app.Store, tk *models.Ticket) {
	t.Helper()
	ctx := context.Background()
	cal, err := apptest.Calendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := app.TicketFact(tk, cal)
	if f.OnTimeClass != models.OnTime || f.E2EClass != models.Late || f.IsOnTime != 1 || f.IsOnTimeE2E != 0 || !f.E2EDueAt.Equal(tk.E2EDueAt) {
		t.Fatalf("fact: class %s, e2e class %s, indicators %d/%d", f.OnTimeClass, f.E2EClass, f.IsOnTime, f.IsOnTimeE2E)
	}
	if err := store.PutFact(ctx, &f); err != nil {
		t.Fatal(err)
	}
	ioc := models.Principal{UserID: "ioc", Role: models.RoleIOCViewer}
	sum, err := a.Stats.Summary(ctx, ioc, app.StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.OnTimeRate == nil || *sum.OnTimeRate != 1 || sum.OnTimeE2ERate == nil || *sum.OnTimeE2ERate != 0 {
		t.Errorf("summary: on time %v, end to end %v; want 1 and 0", deref(sum.OnTimeRate), deref(sum.OnTimeE2ERate))
	}
	rows, err := a.Stats.Units(ctx, ioc, app.StatsFilter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Key == tk.UnitID && (r.Counts.OnTime != 1 || r.Counts.OnTimeE2E != 0) {
			t.Errorf("league row of %s: %d on time, %d on time end to end; want 1 and 0", r.Key, r.Counts.OnTime, r.Counts.OnTimeE2E)
		}
	}
}

// TestEndToEndDeadlineAddsExtensionsAndCappedWaits: the end-to-end deadline grows by a wait for
// the resident only up to the wait's cap (an answer two working days after the cap adds the five
// of the cap, not seven) and by the working time an approved extension adds.
func TestEndToEndDeadlineAddsExtensionsAndCappedWaits(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-11-23 08:00") // a Monday
	a := newService(t, &now)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	tk, _, err := a.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "MT", Description: "rác", Location: inside(t, a, "30283")})
	if err != nil {
		t.Fatal(err)
	}
	e2e := tk.E2EDueAt
	officer := models.Principal{UserID: "o1", Role: models.RoleOfficer, UnitID: tk.UnitID}
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: tk.UnitID}
	act := func(p models.Principal, in app.ActionInput) {
		t.Helper()
		in.ExpectedVersion = tk.Version
		if tk, err = a.Tickets.Act(ctx, p, tk.ID, in); err != nil {
			t.Fatalf("%s at %s: %v", in.Action, now, err)
		}
	}
	act(officer, app.ActionInput{Action: models.ActAccept})
	now = vn("2026-11-25 08:00")
	act(officer, app.ActionInput{Action: models.ActRequestInfo, Note: "Xin số nhà"})
	if want := vn("2026-12-02 08:00"); !tk.InfoWaitUntil.Equal(want) {
		t.Fatalf("cap %s, want %s", tk.InfoWaitUntil.In(models.VietnamTime), want)
	}
	now = vn("2026-12-04 08:00") // no worker ran: the answer comes two working days after the cap
	act(resident, app.ActionInput{Action: models.ActProvideInfo, Note: "Số 12"})
	cal, err := apptest.Calendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := cal.AddWorkingTime(e2e, 40*time.Hour).UTC(); !tk.E2EDueAt.Equal(want) {
		t.Fatalf("after the wait: end to end %s, want %s (five working days later)", tk.E2EDueAt.In(models.VietnamTime), want.In(models.VietnamTime))
	}
	waited := tk.E2EDueAt
	before := tk.ResolveDueAt
	act(officer, app.ActionInput{Action: models.ActRequestExt, DueAt: before.Add(72 * time.Hour), Reason: "chờ xe"})
	act(leader, app.ActionInput{Action: models.ActApproveExt})
	granted := cal.WorkingTimeBetween(before, tk.ResolveDueAt)
	if want := cal.AddWorkingTime(waited, granted).UTC(); granted <= 0 || !tk.E2EDueAt.Equal(want) {
		t.Errorf("after an extension of %s working time: end to end %s, want %s", granted, tk.E2EDueAt.In(models.VietnamTime), want.In(models.VietnamTime))
	}
}
