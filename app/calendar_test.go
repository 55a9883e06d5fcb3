package app_test

import (
	"context"
	"slices"
	"testing"

	"phananh/app"
	"phananh/models"
)

// TestCalendarEditMovesRunningDeadlines edits the working calendar under an injected clock: a
// day off on the day a ticket is due moves its resolution deadline to the next working day and
// records it; deadlines in clock hours, paused tickets, deadlines granted by an extension and days
// already past move nothing; the same edit again changes nothing.
func TestCalendarEditMovesRunningDeadlines(t *testing.T) {
	r := newDeadlineRig(t, vn("2026-11-23 08:00")) // Monday
	admin := models.Principal{UserID: "adm", Role: models.RoleAdmin}
	running := r.file(t) // resolution due Thursday 26 at 08:00 (3 working days)
	urgent, _, err := r.a.Tickets.FileReport(r.ctx, r.resident, models.ReportInput{Category: "ANTT.01", Description: "đánh nhau",
		Location: inside(t, r.a, "30280")})
	if err != nil {
		t.Fatal(err)
	}
	paused := r.act(t, r.act(t, r.file(t), r.leader, app.ActionInput{Action: models.ActAccept}), r.leader,
		app.ActionInput{Action: models.ActRequestInfo, Note: "Xin số CCCD?"})
	extended := r.act(t, r.file(t), r.leader, app.ActionInput{Action: models.ActAccept})
	extended = r.act(t, extended, r.leader, app.ActionInput{Action: models.ActRequestExt, DueAt: vn("2026-11-27 17:00"), Reason: "chờ xác minh"})
	extended = r.act(t, extended, models.Principal{UserID: "op", Role: models.RoleIOCOperator}, app.ActionInput{Action: models.ActApproveExt})
	if want := vn("2026-11-26 08:00"); !running.ResolveDueAt.Equal(want) {
		t.Fatalf("resolution due %s, want %s", running.ResolveDueAt, want)
	}
	year, _ := r.a.Catalog.Calendar().Year(2026)
	edit := year
	edit.DaysOff = append(slices.Clone(year.DaysOff), "2026-11-20", "2026-11-26") // last Friday (past) and Thursday
	ch, err := r.a.Calendar.SetYear(r.ctx, admin, edit)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.ChangedDays, []string{"2026-11-20", "2026-11-26"}) || ch.MovedTickets != 1 {
		t.Errorf("changed %v, moved %d; want both days and 1 ticket", ch.ChangedDays, ch.MovedTickets)
	}
	got := reload(t, r, running)
	if want := vn("2026-11-27 08:00"); !got.ResolveDueAt.Equal(want) || !got.TriageDueAt.Equal(running.TriageDueAt) {
		t.Errorf("deadlines triage %s resolve %s, want triage kept and resolve %s", got.TriageDueAt, got.ResolveDueAt, want)
	}
	if ev := got.History[len(got.History)-1]; ev.Action != models.ActMoveDeadline || !ev.DueAt.Equal(running.TriageDueAt) || ev.ActorRole != models.RoleSystem {
		t.Errorf("last event %+v, want move_deadline naming the deadline that runs (triage)", ev)
	}
	for _, tk := range []*models.Ticket{urgent, paused, extended} { // clock hours, paused, a granted date
		if after := reload(t, r, tk); after.Version != tk.Version || !after.ResolveDueAt.Equal(tk.ResolveDueAt) {
			t.Errorf("%s (%s, %s) changed: version %d→%d, due %s→%s", tk.Category, tk.State, tk.ID, tk.Version, after.Version, tk.ResolveDueAt, after.ResolveDueAt)
		}
	}
	if r.a.Catalog.Calendar().IsWorkingDay(vn("2026-11-26 12:00")) {
		t.Error("the edit is not in force")
	}
	again, err := r.a.Calendar.SetYear(r.ctx, admin, edit)
	if err != nil || len(again.ChangedDays) != 0 || again.MovedTickets != 0 || reload(t, r, running).Version != got.Version {
		t.Errorf("the same edit again: %+v, %v", again, err)
	}
	if _, err := r.a.Calendar.SetYear(r.ctx, r.leader, edit); !models.IsCode(err, models.EForbidden) {
		t.Errorf("a leader edits the calendar: %v", err)
	}
}

func reload(t *testing.T, r *deadlineRig, tk *models.Ticket) *models.Ticket {
	t.Helper()
	got, err := r.a.Tickets.Ticket(r.ctx, models.Principal{UserID: "ioc", Role: models.RoleIOCOperator}, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// racingRefreshStore runs the instance's calendar refresh right after a year is stored, as the
// refresh loop may do while an edit is under way.
type racingRefreshStore struct {
	app.Store
	refresh func(context.Context)
}

func (s *racingRefreshStore) PutCalendarYear(ctx context.Context, y *models.CalendarYear) error {
	if err := s.Store.PutCalendarYear(ctx, y); err != nil {
		return err
	}
	s.refresh(ctx)
	return nil
}

// TestCalendarEditRacingTheRefreshLoop: when the refresh loop puts the stored year in force
// before the edit does, the edit still reports the changed day and moves the deadline.
func TestCalendarEditRacingTheRefreshLoop(t *testing.T) {
	now := vn("2026-11-23 08:00")
	st := &racingRefreshStore{Store: newStore(t, now)}
	r := &deadlineRig{ctx: context.Background(), now: now,
		resident: models.Principal{UserID: "r1", Role: models.RoleResident}}
	r.a = newServiceOn(t, st, &r.now, nil)
	st.refresh = func(ctx context.Context) {
		if _, err := r.a.Calendar.Refresh(ctx); err != nil {
			t.Error(err)
		}
	}
	running := r.file(t)
	year, _ := r.a.Catalog.Calendar().Year(2026)
	year.DaysOff = append(slices.Clone(year.DaysOff), "2026-11-26")
	ch, err := r.a.Calendar.SetYear(r.ctx, models.Principal{UserID: "adm", Role: models.RoleAdmin}, year)
	if err != nil || !slices.Equal(ch.ChangedDays, []string{"2026-11-26"}) || ch.MovedTickets != 1 {
		t.Fatalf("edit: changed %v, moved %d, %v; want [2026-11-26], 1", ch.ChangedDays, ch.MovedTickets, err)
	}
	if got := reload(t, r, running); !got.ResolveDueAt.Equal(vn("2026-11-27 08:00")) {
		t.Errorf("resolution due %s, want the next working day", got.ResolveDueAt)
	}
}
