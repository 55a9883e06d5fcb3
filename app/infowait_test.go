package app_test

import (
	"context"
	"sync"
	"testing"

	"phananh/app"
	"phananh/models"
)

// TestInfoWaitCapInWorkingDays asks the resident on the Friday afternoon before the 2026
// National Day break (Saturday 29/8 – Wednesday 2/9 off) and checks the halfway reminder and
// the cap of the default five working days (40 working hours; the test office hours are
// 07:00–11:00 and 13:00–17:00) by hand: 2 h on Friday, then Thursday 3/9 and Friday 4/9, 2 h
// on Monday 7/9 → reminder Monday 09:00; the rest of Monday, Tuesday, Wednesday morning and
// 2 h after lunch → cap Wednesday 9/9 15:00. Two instances sweep
// at once at every step; each step lands once, and the reporter can reopen the closed ticket.
func TestInfoWaitCapInWorkingDays(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-08-27 09:00")
	store := newStore(t, now)
	a, b := newServiceOn(t, store, &now, nil), newServiceOn(t, store, &now, nil)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	tk, _, err := a.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "MT", Description: "rác", Location: inside(t, a, "30283")})
	if err != nil {
		t.Fatal(err)
	}
	officer := models.Principal{UserID: "o1", Role: models.RoleOfficer, UnitID: tk.UnitID}
	act := func(p models.Principal, in app.ActionInput) {
		t.Helper()
		in.ExpectedVersion = tk.Version
		if tk, err = a.Tickets.Act(ctx, p, tk.ID, in); err != nil {
			t.Fatalf("%s: %v", in.Action, err)
		}
	}
	act(officer, app.ActionInput{Action: models.ActAccept})
	now = vn("2026-08-28 15:00")
	act(officer, app.ActionInput{Action: models.ActRequestInfo, Note: "Xin số nhà"})
	if want := vn("2026-09-07 09:00"); !tk.InfoRemindAt.Equal(want) || !tk.NextCheckAt.Equal(want) {
		t.Errorf("reminder at %s, next check %s; want %s", tk.InfoRemindAt.In(models.VietnamTime), tk.NextCheckAt.In(models.VietnamTime), want)
	}
	if want := vn("2026-09-09 15:00"); !tk.InfoWaitUntil.Equal(want) {
		t.Errorf("cap %s, want %s", tk.InfoWaitUntil.In(models.VietnamTime), want)
	}

	sweep := func(at string) *models.Ticket {
		t.Helper()
		now = vn(at)
		var wg sync.WaitGroup
		for _, svc := range []*app.App{a, b, a, b} {
			wg.Go(func() {
				if _, err := svc.Tickets.SweepSLA(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		cur, err := a.Tickets.Ticket(ctx, models.Principal{UserID: "ioc", Role: models.RoleIOCOperator}, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return cur
	}
	if got := actions(sweep("2026-09-07 08:59")); count(got, "remind_info") != 0 {
		t.Fatalf("reminded before halfway: %v", got)
	}
	if got := actions(sweep("2026-09-07 09:00")); count(got, "remind_info") != 1 {
		t.Fatalf("halfway: %v, want one reminder", got)
	}
	if cur := sweep("2026-09-09 14:59"); cur.State != models.StateAwaitingInfo || count(actions(cur), "remind_info") != 1 {
		t.Fatalf("before the cap: %s %v", cur.State, actions(cur))
	}
	cur := sweep("2026-09-09 15:00")
	if got := actions(cur); count(got, "close_no_response") != 1 || cur.State != models.StateClosed || cur.Outcome != models.OutcomeNoResponse {
		t.Fatalf("at the cap: %s %s %v", cur.State, cur.Outcome, got)
	}
	if cur.OnTimeClass != models.OnTime || !cur.NextCheckAt.IsZero() || !cur.PausedAt.IsZero() || !cur.InfoWaitUntil.IsZero() {
		t.Errorf("closed: class %s, next check %s, paused %s, cap %s", cur.OnTimeClass, cur.NextCheckAt, cur.PausedAt, cur.InfoWaitUntil)
	}
	now = vn("2026-09-10 10:00")
	tk = cur
	act(resident, app.ActionInput{Action: models.ActReopen, Reason: "Tôi đi vắng, nay bổ sung"})
	if tk.State != models.StateInProgress || !tk.ResolveDueAt.After(now) {
		t.Errorf("reopened: %s due %s", tk.State, tk.ResolveDueAt)
	}
}
