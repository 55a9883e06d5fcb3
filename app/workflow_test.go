package app_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

// recorder is an Effect that keeps every change it hears about.
type recorder struct {
	mu     sync.Mutex
	events []string // "<ticket> <action>"
}

func (r *recorder) Apply(_ context.Context, t *models.Ticket, _ int, e models.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, t.ID+" "+string(e.Action))
	return nil
}

func (r *recorder) has(ev string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.events, ev)
}

func actions(t *models.Ticket) []string {
	var out []string
	for _, e := range t.History {
		out = append(out, string(e.Action))
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// TestSLAWorkerRemindsAndEscalatesOnce drives two worker instances on one store through a
// ticket's life with an injected clock: each reminder and escalation lands exactly once.
func TestSLAWorkerRemindsAndEscalatesOnce(t *testing.T) {
	r := newSLARig(t)
	r.expectOneReminder(t)
	cur := r.expectTwoEscalations(t)
	r.expectAcceptRestartsTheClock(t, cur)
}

// slaRig is two app instances on one store, sharing an injected clock and a recorder, with
// one ticket filed at triage.
type slaRig struct {
	ctx  context.Context
	now  time.Time
	rec  *recorder
	a, b *app.App
	tk   *models.Ticket
}

// newSLARig files a triage ticket on Wednesday morning and checks its deadline.
func newSLARig(t *testing.T) *slaRig {
	t.Helper()
	r := &slaRig{ctx: context.Background(), now: vn("2026-11-25 08:00"), rec: &recorder{}} // Wednesday morning
	store := newStore(t, r.now)
	r.a = newServiceOn(t, store, &r.now, r.rec)
	r.b = newServiceOn(t, store, &r.now, r.rec)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	tk, _, err := r.a.Tickets.FileReport(r.ctx, resident, models.ReportInput{Category: "ASXH.02", Description: "hộ cận nghèo", Location: inside(t, r.a, "30280")})
	if err != nil {
		t.Fatal(err)
	}
	r.tk = tk
	// Triage: 8 working hours → due Thursday 08:00; 75 % of it (6 working hours) → reminder
	// Wednesday 15:00.
	if want := vn("2026-11-26 08:00"); !tk.DueAt.Equal(want) {
		t.Fatalf("due %s, want %s", tk.DueAt.In(models.VietnamTime), want)
	}
	return r
}

// sweepBoth sets the clock to at and runs the SLA sweep twice on each instance concurrently.
func (r *slaRig) sweepBoth(t *testing.T, at string) {
	t.Helper()
	r.now = vn(at)
	var wg sync.WaitGroup
	for _, svc := range []*app.App{r.a, r.b, r.a, r.b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := svc.Tickets.SweepSLA(r.ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// reload reads the ticket afresh as an IOC operator.
func (r *slaRig) reload(t *testing.T) *models.Ticket {
	t.Helper()
	got, err := r.a.Tickets.Ticket(r.ctx, models.Principal{UserID: "ioc", Role: models.RoleIOCOperator}, r.tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// expectOneReminder sweeps around the 75 % mark: no reminder before it, exactly one after.
func (r *slaRig) expectOneReminder(t *testing.T) {
	t.Helper()
	r.sweepBoth(t, "2026-11-25 14:59")
	if got := actions(r.reload(t)); count(got, "remind") != 0 {
		t.Fatalf("reminded too early: %v", got)
	}
	r.sweepBoth(t, "2026-11-25 15:00")
	r.sweepBoth(t, "2026-11-25 21:00")
	if got := actions(r.reload(t)); count(got, "remind") != 1 || count(got, "escalate") != 0 {
		t.Fatalf("after 75 %%: %v, want one reminder", got)
	}
}

// expectTwoEscalations sweeps past the deadline (unit leader) and past EscalateToIOCAfter (the
// IOC), each escalation landing once, and returns the ticket at the end.
func (r *slaRig) expectTwoEscalations(t *testing.T) *models.Ticket {
	t.Helper()
	r.sweepBoth(t, "2026-11-26 08:30") // deadline passed: unit leader
	cur := r.reload(t)
	if got := actions(cur); count(got, "escalate") != 1 || cur.EscalationLevel != 1 || !r.a.Tickets.Overdue(cur) {
		t.Fatalf("after the deadline: %v level %d overdue %v", got, cur.EscalationLevel, r.a.Tickets.Overdue(cur))
	}
	r.sweepBoth(t, "2026-11-26 15:00") // 8 working hours later is Friday 08:00: not yet the IOC
	if r.reload(t).EscalationLevel != 1 {
		t.Fatal("escalated to the IOC before EscalateToIOCAfter")
	}
	r.sweepBoth(t, "2026-11-27 08:30")
	r.sweepBoth(t, "2026-11-27 09:00")
	cur = r.reload(t)
	if got := actions(cur); count(got, "remind") != 1 || count(got, "escalate") != 2 || cur.EscalationLevel != 2 {
		t.Fatalf("final history %v level %d; want one reminder and two escalations", got, cur.EscalationLevel)
	}
	if !cur.NextCheckAt.IsZero() {
		t.Errorf("nothing left to do but NextCheckAt = %s", cur.NextCheckAt)
	}
	if !r.rec.has(r.tk.ID + " escalate") {
		t.Error("the effects did not hear of the escalation")
	}
	return cur
}

// expectAcceptRestartsTheClock accepts the ticket: the resolution deadline starts, and
// reminders and escalations start afresh.
func (r *slaRig) expectAcceptRestartsTheClock(t *testing.T, cur *models.Ticket) {
	t.Helper()
	op := models.Principal{UserID: "op", Role: models.RoleIOCOperator}
	cur, err := r.a.Tickets.Act(r.ctx, op, r.tk.ID, app.ActionInput{Action: models.ActAccept, ExpectedVersion: cur.Version})
	if err != nil {
		t.Fatal(err)
	}
	if cur.EscalationLevel != 0 || !cur.DueAt.Equal(cur.ResolveDueAt) || cur.NextCheckAt.IsZero() {
		t.Errorf("after accept: level %d due %s next %s", cur.EscalationLevel, cur.DueAt, cur.NextCheckAt)
	}
}

func TestAutoCloseAfterTheReopenWindow(t *testing.T) {
	now := vn("2026-11-23 08:00")
	store := newStore(t, now)
	a := newServiceOn(t, store, &now, nil)
	ctx := context.Background()
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	op := models.Principal{UserID: "op", Role: models.RoleIOCOperator}
	tk, _, err := a.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "MT", Description: "rác", Location: inside(t, a, "30283")})
	if err != nil {
		t.Fatal(err)
	}
	officer := models.Principal{UserID: "o1", Role: models.RoleOfficer, UnitID: tk.UnitID}
	for _, in := range []app.ActionInput{
		{Action: models.ActAccept},
		{Action: models.ActResolve, Outcome: models.OutcomeFixed, Note: "đã thu gom"},
	} {
		p := officer
		if in.Action == models.ActAccept {
			p = op
		}
		in.ExpectedVersion = tk.Version
		if tk, err = a.Tickets.Act(ctx, p, tk.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	if tk.OnTimeClass != models.OnTime || !tk.NextCheckAt.Equal(tk.ResolvedAt.Add(7*24*time.Hour)) {
		t.Fatalf("resolved: class %s next check %s", tk.OnTimeClass, tk.NextCheckAt)
	}
	now = now.Add(7*24*time.Hour - time.Minute)
	if n, _ := a.Tickets.SweepSLA(ctx); n != 0 {
		t.Fatalf("closed %d before the window ended", n)
	}
	now = now.Add(2 * time.Minute)
	if n, err := a.Tickets.SweepSLA(ctx); err != nil || n != 1 {
		t.Fatalf("sweep after the window: %d, %v", n, err)
	}
	tk, _ = a.Tickets.Ticket(ctx, resident, tk.ID)
	if tk.State != models.StateClosed || tk.History[len(tk.History)-1].Action != "auto_close" {
		t.Errorf("state %s history %v", tk.State, actions(tk))
	}
	if _, err := a.Tickets.Act(ctx, resident, tk.ID, app.ActionInput{Action: models.ActReopen, Reason: "chưa xong", ExpectedVersion: tk.Version}); !models.IsCode(err, models.EConflict) {
		t.Errorf("reopen after the window: %v, want conflict", err)
	}
}

// TestDuplicateMergeNotifiesFollowers checks that marking a duplicate makes its reporter a
// follower of the original, and that the notification hook hears about both changes.
func TestDuplicateMergeNotifiesFollowers(t *testing.T) {
	now := vn("2026-11-25 09:00")
	store := newStore(t, now)
	rec := &recorder{}
	a := newServiceOn(t, store, &now, rec)
	ctx := context.Background()
	loc := inside(t, a, "30286")
	first, _, err := a.Tickets.FileReport(ctx, models.Principal{UserID: "r1", Role: models.RoleResident}, models.ReportInput{Category: "GT", Description: "ổ gà", Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := a.Tickets.FileReport(ctx, models.Principal{UserID: "r2", Role: models.RoleResident}, models.ReportInput{Category: "GT", Description: "ổ gà lớn", Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	op := models.Principal{UserID: "op", Role: models.RoleIOCOperator}
	dup, err := a.Tickets.Act(ctx, op, second.ID, app.ActionInput{Action: models.ActMarkDuplicate, DuplicateOf: first.ID, ExpectedVersion: second.Version})
	if err != nil {
		t.Fatal(err)
	}
	if dup.State != models.StateDuplicate || dup.DuplicateOf != first.ID {
		t.Fatalf("duplicate: %s of %q", dup.State, dup.DuplicateOf)
	}
	orig, err := a.Tickets.Ticket(ctx, models.Principal{UserID: "r2", Role: models.RoleResident}, first.ID)
	if err != nil {
		t.Fatalf("the duplicate's reporter cannot read the original: %v", err)
	}
	if !orig.IsFollower("r2") || orig.Version != first.Version+1 {
		t.Errorf("followers %v version %d", orig.Followers, orig.Version)
	}
	if !rec.has(second.ID+" mark_duplicate") || !rec.has(first.ID+" follow") {
		t.Errorf("effects heard %v", rec.events)
	}
}

// TestPauseAndExtensionMoveTheDeadline checks the clock pause while awaiting information and
// the three on-time classes.
func TestPauseAndExtensionMoveTheDeadline(t *testing.T) {
	r := newDeadlineRig(t, vn("2026-11-23 08:00")) // Monday
	r.checkPauseMovesTheDeadline(t)
	r.checkLateWithExtension(t)
	r.checkExtensionToASundayKeepsItsDeadline(t)
	r.checkLateWithoutExtension(t)
}

// deadlineRig is one app instance with an injected clock, a resident who files reports and
// a unit leader who handles them.
type deadlineRig struct {
	ctx              context.Context
	now              time.Time
	a                *app.App
	resident, leader models.Principal
}

func newDeadlineRig(t *testing.T, now time.Time) *deadlineRig {
	t.Helper()
	r := &deadlineRig{
		ctx:      context.Background(),
		now:      now,
		resident: models.Principal{UserID: "r1", Role: models.RoleResident},
		leader:   models.Principal{UserID: "l1", Role: models.RoleLeader},
	}
	r.a = newServiceOn(t, newStore(t, r.now), &r.now, nil)
	return r
}

// file files a social-welfare report as the resident.
func (r *deadlineRig) file(t *testing.T) *models.Ticket {
	t.Helper()
	tk, _, err := r.a.Tickets.FileReport(r.ctx, r.resident, models.ReportInput{Category: "ASXH.01", Description: "trợ cấp", Location: inside(t, r.a, "30280")})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// act applies in to tk as p (in the ticket's unit when p's role needs one) at tk's version.
func (r *deadlineRig) act(t *testing.T, tk *models.Ticket, p models.Principal, in app.ActionInput) *models.Ticket {
	t.Helper()
	if p.Role.NeedsUnit() {
		p.UnitID = tk.UnitID
	}
	in.ExpectedVersion = tk.Version
	out, err := r.a.Tickets.Act(r.ctx, p, tk.ID, in)
	if err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
	return out
}

// checkPauseMovesTheDeadline: two working days waiting for the resident push the deadline by
// two working days.
func (r *deadlineRig) checkPauseMovesTheDeadline(t *testing.T) {
	t.Helper()
	tk := r.act(t, r.file(t), r.leader, app.ActionInput{Action: models.ActAccept})
	due := tk.ResolveDueAt // Thursday 08:00 (3 working days)
	tk = r.act(t, tk, r.leader, app.ActionInput{Action: models.ActRequestInfo, Note: "Xin số CCCD?"})
	r.now = vn("2026-11-25 08:00")
	tk = r.act(t, tk, r.resident, app.ActionInput{Action: models.ActProvideInfo, Note: "0123"})
	if want := r.a.Catalog.Calendar().AddWorkingDays(due, 2); !tk.ResolveDueAt.Equal(want) {
		t.Errorf("after a 2-day pause due %s, want %s", tk.ResolveDueAt.In(models.VietnamTime), want)
	}
	if tk.PausedTotal != 48*time.Hour {
		t.Errorf("paused total %v", tk.PausedTotal)
	}
}

// checkLateWithExtension: extension approved, resolved after the original deadline but
// before the new one.
func (r *deadlineRig) checkLateWithExtension(t *testing.T) {
	t.Helper()
	tk := r.act(t, r.file(t), r.leader, app.ActionInput{Action: models.ActAccept})
	orig := tk.ResolveDueAt
	ext := orig.Add(72 * time.Hour)
	tk = r.act(t, tk, r.leader, app.ActionInput{Action: models.ActRequestExt, DueAt: ext, Reason: "chờ xác minh"})
	tk = r.act(t, tk, models.Principal{UserID: "op", Role: models.RoleIOCOperator}, app.ActionInput{Action: models.ActApproveExt})
	if !tk.ResolveDueAt.Equal(ext) || !tk.ExtendedFrom.Equal(orig) {
		t.Fatalf("extension: due %s from %s", tk.ResolveDueAt, tk.ExtendedFrom)
	}
	r.now = orig.Add(time.Hour)
	tk = r.act(t, tk, r.leader, app.ActionInput{Action: models.ActResolve, Outcome: models.OutcomeFixed, Note: "đã chi trả"})
	if tk.OnTimeClass != models.LateWithExtension {
		t.Errorf("class %s, want late_with_extension", tk.OnTimeClass)
	}
}

// checkExtensionToASundayKeepsItsDeadline: an extension granted to a Sunday evening keeps only
// the working time up to Friday 17:00. A question asked and answered outside office hours must
// leave that deadline as granted (TestWorkflowStateMachineProperty saw it brought forward to
// Friday); one answered ten working minutes later moves it ten working minutes on.
func (r *deadlineRig) checkExtensionToASundayKeepsItsDeadline(t *testing.T) {
	t.Helper()
	sunday := vn("2026-12-20 17:00")
	for _, c := range []struct{ asked, answered, want time.Time }{
		{vn("2026-12-18 18:00"), vn("2026-12-19 09:00"), sunday},
		{vn("2026-12-18 10:00"), vn("2026-12-18 10:10"), r.a.Catalog.Calendar().AddWorkingTime(sunday, 10*time.Minute)},
	} {
		r.now = vn("2026-12-14 09:00") // Monday
		tk := r.act(t, r.file(t), r.leader, app.ActionInput{Action: models.ActAccept})
		tk = r.act(t, tk, r.leader, app.ActionInput{Action: models.ActRequestExt, DueAt: sunday, Reason: "chờ xác minh"})
		tk = r.act(t, tk, models.Principal{UserID: "op", Role: models.RoleIOCOperator}, app.ActionInput{Action: models.ActApproveExt})
		r.now = c.asked
		tk = r.act(t, tk, r.leader, app.ActionInput{Action: models.ActRequestInfo, Note: "Xin số CCCD?"})
		if tk.DueAt.Before(sunday) {
			t.Errorf("asked %s: awaiting the answer, due_at %s lies before the granted %s",
				c.asked.In(models.VietnamTime), tk.DueAt.In(models.VietnamTime), sunday.In(models.VietnamTime))
		}
		r.now = c.answered
		tk = r.act(t, tk, r.resident, app.ActionInput{Action: models.ActProvideInfo, Note: "0123"})
		if !tk.ResolveDueAt.Equal(c.want) || !tk.DueAt.Equal(c.want) {
			t.Errorf("asked %s, answered %s: due %s (due_at %s), want %s", c.asked.In(models.VietnamTime), c.answered.In(models.VietnamTime),
				tk.ResolveDueAt.In(models.VietnamTime), tk.DueAt.In(models.VietnamTime), c.want.In(models.VietnamTime))
		}
	}
}

// checkLateWithoutExtension: resolved a minute after the deadline, with no extension.
func (r *deadlineRig) checkLateWithoutExtension(t *testing.T) {
	t.Helper()
	r.now = vn("2026-11-30 08:00")
	tk := r.act(t, r.file(t), r.leader, app.ActionInput{Action: models.ActAccept})
	r.now = tk.ResolveDueAt.Add(time.Minute)
	tk = r.act(t, tk, r.leader, app.ActionInput{Action: models.ActResolve, Outcome: models.OutcomeNotFixable, Note: "không đủ điều kiện"})
	if tk.OnTimeClass != models.Late {
		t.Errorf("class %s, want late", tk.OnTimeClass)
	}
}

// TestFollowChangesBounded: past MaxFollowChanges follow and unfollow events a ticket refuses
// more of them, changing nothing, while its unit goes on acting on it.
func TestFollowChangesBounded(t *testing.T) {
	now := vn("2026-11-23 08:00")
	cfg := app.DefaultConfig()
	cfg.MaxFollowChanges = 4
	a := newServiceWith(t, newStore(t, now), &now, cfg, nil)
	ctx := context.Background()
	tk, _, err := a.Tickets.FileReport(ctx, models.Principal{UserID: "r1", Role: models.RoleResident},
		models.ReportInput{Category: "TTDT", Description: "lấn chiếm vỉa hè", Location: inside(t, a, "30280")})
	if err != nil {
		t.Fatal(err)
	}
	other := models.Principal{UserID: "r2", Role: models.RoleResident}
	for i, action := range []models.Action{models.ActFollow, models.ActUnfollow, models.ActFollow, models.ActUnfollow} {
		if tk, err = a.Tickets.Act(ctx, other, tk.ID, app.ActionInput{Action: action, ExpectedVersion: tk.Version}); err != nil {
			t.Fatalf("change %d (%s): %v", i+1, action, err)
		}
	}
	if _, err := a.Tickets.Act(ctx, other, tk.ID, app.ActionInput{Action: models.ActFollow, ExpectedVersion: tk.Version}); !models.IsCode(err, models.EUnprocessable) {
		t.Errorf("a fifth follow change: %v, want refused", err)
	}
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: tk.UnitID}
	after, err := a.Tickets.Act(ctx, leader, tk.ID, app.ActionInput{Action: models.ActAccept, ExpectedVersion: tk.Version})
	if err != nil || after.Version != tk.Version+1 || after.IsFollower("r2") {
		t.Errorf("the unit accepts after the refusal: version %d → %v, %v", tk.Version, after, err)
	}
}
