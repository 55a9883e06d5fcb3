package push_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
	"phananh/push/fcmtest"
)

// newService builds the real app on store, with the Long Xuyên catalog, the push outbox as its
// effect and the injected clock: the SLA worker's reminders and escalations need time to pass,
// which a black-box server cannot be made to do.
func newService(t *testing.T, store app.Store, clock *fakeClock) *app.App {
	t.Helper()
	apptest.Seed(t, store, clock.Now())
	svc := apptest.New(t, store, apptest.Options{
		Effects: []app.Effect{app.NewPushOutbox(store, app.DefaultPushConfig(), clock.Now, nil)},
		Now:     clock.Now,
	})
	return svc
}

func vn(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, models.VietnamTime)
	if err != nil {
		panic(err)
	}
	return t
}

// TestOfficialsPushes: on both stores, with the real SDK against the fake FCM server, the
// officials of a ticket's unit get their pushes — the officer the assignment and the SLA
// worker's reminder, the unit leader (and the officer) the escalation at the deadline, the IOC
// the second escalation — and nobody else of the unit hears of it.
func TestOfficialsPushes(t *testing.T) { eachStore(t, testOfficialsPushes) }

func testOfficialsPushes(t *testing.T, store app.Store) {
	ctx := t.Context()
	clock := &fakeClock{now: vn("2026-11-25 08:00")} // a Wednesday
	svc := newService(t, store, clock)
	fake := fcmtest.New()
	defer fake.Close()
	d := app.NewDispatcher(app.DispatcherDeps{Store: store, Sender: newSender(t, fake, clock.Now), Holder: "h", Now: clock.Now, Config: app.DefaultPushConfig()})
	dispatch := func() {
		t.Helper()
		if err := drain(ctx, d); err != nil {
			t.Fatalf("Cycle: %v", err)
		}
	}

	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	tk, _, err := svc.Tickets.FileReport(ctx, resident, asxhReport(wardPoint(t, svc), "Hộ cận nghèo cần hỗ trợ."))
	if err != nil {
		t.Fatal(err)
	}
	createOfficials(t, store, clock, []*models.User{
		{ID: "o1", Role: models.RoleOfficer, Username: "o1", UnitID: tk.UnitID},
		{ID: "o2", Role: models.RoleOfficer, Username: "o2", UnitID: tk.UnitID},
		{ID: "l1", Role: models.RoleLeader, Username: "l1", UnitID: tk.UnitID},
		{ID: "x1", Role: models.RoleOfficer, Username: "x1", UnitID: "another-unit"},
		{ID: "i1", Role: models.RoleIOCOperator, Username: "i1"},
	})
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: tk.UnitID}
	if err := acceptAndAssign(ctx, svc, svc, leader, tk, "o1"); err != nil {
		t.Fatal(err)
	}
	dispatch()
	// The reminder (75 % of 3 working days), the deadline (Monday 08:00), 8 working hours later.
	for _, at := range []string{"2026-11-27 12:00", "2026-11-30 09:00", "2026-12-01 09:00"} {
		clock.Set(vn(at))
		if _, err := svc.Tickets.SweepSLA(ctx); err != nil {
			t.Fatal(err)
		}
		dispatch()
	}
	if got := strings.Join(historyActions(t, store, tk.ID), ","); got != "submit,accept,assign,remind,escalate,escalate" {
		t.Fatalf("history %s", got)
	}
	checkOfficialsDeliveries(t, fake, tk)
}

// TestTransferReachesTheNewUnit: on both stores, a ticket transferred to another unit is pushed
// to that unit's officers and leaders (they would otherwise learn of it only from the queue),
// and to no one of the unit it left nor of any other unit; the reporter hears of it as before.
func TestTransferReachesTheNewUnit(t *testing.T) { eachStore(t, testTransferReachesTheNewUnit) }

func testTransferReachesTheNewUnit(t *testing.T, store app.Store) {
	ctx := t.Context()
	clock := &fakeClock{now: vn("2026-11-25 08:00")}
	svc := newService(t, store, clock)
	fake := fcmtest.New()
	defer fake.Close()
	d := app.NewDispatcher(app.DispatcherDeps{Store: store, Sender: newSender(t, fake, clock.Now), Holder: "h", Now: clock.Now, Config: app.DefaultPushConfig()})
	tk, _, err := svc.Tickets.FileReport(ctx, models.Principal{UserID: "r1", Role: models.RoleResident}, asxhReport(wardPoint(t, svc), "Hộ cận nghèo cần hỗ trợ."))
	if err != nil {
		t.Fatal(err)
	}
	registerDevice(t, store, clock, "r1")
	const to = "longxuyen-2023.30280.ubnd"
	createOfficials(t, store, clock, []*models.User{
		{ID: "o1", Role: models.RoleOfficer, Username: "o1", UnitID: tk.UnitID},
		{ID: "o2", Role: models.RoleOfficer, Username: "o2", UnitID: to},
		{ID: "l2", Role: models.RoleLeader, Username: "l2", UnitID: to},
		{ID: "x1", Role: models.RoleOfficer, Username: "x1", UnitID: "longxuyen-2023.30283.ubnd"},
		{ID: "i1", Role: models.RoleIOCOperator, Username: "i1"},
	})
	ioc := models.Principal{UserID: "i1", Role: models.RoleIOCOperator}
	if _, err := svc.Tickets.Act(ctx, ioc, tk.ID, app.ActionInput{Action: models.ActTransfer, ExpectedVersion: tk.Version, Unit: to,
		Reason: "Thuộc thẩm quyền UBND phường"}); err != nil {
		t.Fatal(err)
	}
	if err := drain(ctx, d); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range fake.Delivered() {
		if r.Message.Data["event"] == "transfer" {
			got[r.Message.Token] = append(got[r.Message.Token], r.Message.Notification.Title)
		}
	}
	want := map[string][]string{
		"dev-o2": {"Phản ánh chuyển đến đơn vị: " + tk.Code},
		"dev-l2": {"Phản ánh chuyển đến đơn vị: " + tk.Code},
	}
	for _, tok := range []string{"dev-o1", "dev-o2", "dev-l2", "dev-x1", "dev-i1"} {
		if !slices.Equal(got[tok], want[tok]) {
			t.Errorf("%s received %v for the transfer, want %v", tok, got[tok], want[tok])
		}
	}
	if len(got["dev-r1"]) != 1 || strings.HasPrefix(got["dev-r1"][0], "Phản ánh chuyển đến đơn vị") {
		t.Errorf("the reporter received %v for the transfer, want the residents' text once", got["dev-r1"])
	}
}

// checkOfficialsDeliveries checks who of the unit and the IOC received which push of tk, and
// that the escalations are sent with high priority.
func checkOfficialsDeliveries(t *testing.T, fake *fcmtest.Server, tk *models.Ticket) {
	t.Helper()
	got := map[string][]string{} // token → "event: title"
	for _, r := range fake.Delivered() {
		got[r.Message.Token] = append(got[r.Message.Token], r.Message.Data["event"]+": "+r.Message.Notification.Title)
		if r.Message.Data["ticket_id"] != tk.ID || r.Message.Data["code"] != tk.Code {
			t.Errorf("%s: data %v", r.Message.Token, r.Message.Data)
		}
	}
	want := map[string][]string{
		"dev-o1": {"assign: Bạn được giao phản ánh " + tk.Code, "remind: Sắp đến hạn: " + tk.Code, "escalate: Quá hạn: " + tk.Code},
		"dev-l1": {"escalate: Quá hạn: " + tk.Code},
		"dev-i1": {"escalate: Quá hạn, chuyển IOC: " + tk.Code},
	}
	for _, tok := range []string{"dev-o1", "dev-o2", "dev-l1", "dev-x1", "dev-i1"} {
		if !slices.Equal(got[tok], want[tok]) {
			t.Errorf("%s received %s, want %s", tok, fmt.Sprint(got[tok]), fmt.Sprint(want[tok]))
		}
	}
	// The escalation to the unit is urgent (high priority), whatever the category.
	for _, r := range fake.Delivered() {
		if r.Message.Data["event"] == "escalate" && r.Message.Android.Priority != "high" {
			t.Errorf("escalation to %s has priority %q", r.Message.Token, r.Message.Android.Priority)
		}
	}
}

// drain runs dispatch cycles until one finds nothing to send.
func drain(ctx context.Context, d *app.Dispatcher) error {
	for {
		n, err := d.Cycle(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
}

// wardPoint is a point inside ward 30280 of the Long Xuyên set.
func wardPoint(t *testing.T, svc *app.App) orb.Point {
	t.Helper()
	area, err := svc.Catalog.Area("30280")
	if err != nil {
		t.Fatal(err)
	}
	return area.InteriorPoint()
}

// asxhReport is a report of a household needing support (ASXH.02, a private category) at p.
func asxhReport(p orb.Point, description string) models.ReportInput {
	return models.ReportInput{Category: "ASXH.02", Description: description,
		Location: models.Location{Lat: p.Lat(), Lng: p.Lon()}}
}

// registerDevice registers the Android device "dev-"+user of user.
func registerDevice(t *testing.T, store app.Store, clock *fakeClock, user string) {
	t.Helper()
	dev := &models.Device{Token: "dev-" + user, UserID: user, Platform: models.PlatformAndroid, Locale: "vi-VN", CreatedAt: clock.Now(), LastSeenAt: clock.Now()}
	if _, err := store.UpsertDevice(t.Context(), dev); err != nil {
		t.Fatal(err)
	}
}

// createOfficials creates each user, with a device.
func createOfficials(t *testing.T, store app.Store, clock *fakeClock, users []*models.User) {
	t.Helper()
	for _, u := range users {
		u.CreatedAt = clock.Now()
		if err := store.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		registerDevice(t, store, clock, u.ID)
	}
}

// acceptAndAssign has leader accept tk through one service and assign it to officer through
// another.
func acceptAndAssign(ctx context.Context, accept, assign *app.App, leader models.Principal, tk *models.Ticket, officer string) error {
	tk, err := accept.Tickets.Act(ctx, leader, tk.ID, app.ActionInput{Action: models.ActAccept, ExpectedVersion: tk.Version})
	if err != nil {
		return err
	}
	_, err = assign.Tickets.Act(ctx, leader, tk.ID, app.ActionInput{Action: models.ActAssign, ExpectedVersion: tk.Version, Officer: officer})
	return err
}

// historyActions are the actions of the stored ticket id's history, in order.
func historyActions(t *testing.T, store app.Store, id string) []string {
	t.Helper()
	cur, err := store.TicketByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range cur.History {
		acts = append(acts, string(e.Action))
	}
	return acts
}
