package push_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
	"phananh/push/fcmtest"
	"phananh/seed"
	"phananh/tokens"
)

type nopSMS struct{}

func (nopSMS) Send(context.Context, string, string) error { return nil }

// newService builds the real app on store, with the Long Xuyên catalog, the push outbox as its
// effect and the injected clock: the SLA worker's reminders and escalations need time to pass,
// which a black-box server cannot be made to do.
func newService(t *testing.T, store app.Store, clock *fakeClock) *app.Service {
	t.Helper()
	ctx := t.Context()
	data, err := seed.BoundaryGeoJSON(seed.DefaultBoundarySet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.ImportBoundarySet(ctx, store, seed.DefaultBoundarySet, "Long Xuyên", data, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertUnits(ctx, seed.CityUnits()); err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertCategories(ctx, seed.Categories()); err != nil {
		t.Fatal(err)
	}
	set, err := app.LoadBoundarySet(ctx, store, seed.DefaultBoundarySet)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := models.ParseCalendar(seed.HolidayCalendar(), [][2]string{{"07:00", "11:00"}, {"13:00", "17:00"}})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(ctx, app.Deps{
		Store: store, SMS: nopSMS{}, Tokens: tokens.New(key, "phananh", "test"), Boundaries: set, Calendar: cal,
		Effects: []app.Effect{app.NewPushOutbox(store, app.DefaultPushConfig(), clock.Now, nil)},
		Now:     clock.Now, Config: app.DefaultConfig(),
	})
	if err != nil {
		t.Fatal(err)
	}
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
		for {
			n, err := d.Cycle(ctx)
			if err != nil {
				t.Fatalf("Cycle: %v", err)
			}
			if n == 0 {
				return
			}
		}
	}

	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	area, err := svc.Area("30280")
	if err != nil {
		t.Fatal(err)
	}
	p := area.InteriorPoint()
	tk, _, err := svc.FileReport(ctx, resident, models.ReportInput{Category: "ASXH.02", Description: "Hộ cận nghèo cần hỗ trợ.",
		Location: models.Location{Lat: p.Lat(), Lng: p.Lon()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*models.User{
		{ID: "o1", Role: models.RoleOfficer, Username: "o1", UnitID: tk.UnitID},
		{ID: "o2", Role: models.RoleOfficer, Username: "o2", UnitID: tk.UnitID},
		{ID: "l1", Role: models.RoleLeader, Username: "l1", UnitID: tk.UnitID},
		{ID: "x1", Role: models.RoleOfficer, Username: "x1", UnitID: "another-unit"},
		{ID: "i1", Role: models.RoleIOCOperator, Username: "i1"},
	} {
		u.CreatedAt = clock.Now()
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		dev := &models.Device{Token: "dev-" + u.ID, UserID: u.ID, Platform: models.PlatformAndroid, Locale: "vi-VN", CreatedAt: clock.Now(), LastSeenAt: clock.Now()}
		if _, _, err := store.UpsertDevice(ctx, dev, 10); err != nil {
			t.Fatal(err)
		}
	}
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: tk.UnitID}
	tk, err = svc.Act(ctx, leader, tk.ID, app.ActionInput{Action: models.ActAccept, ExpectedVersion: tk.Version})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = svc.Act(ctx, leader, tk.ID, app.ActionInput{Action: models.ActAssign, ExpectedVersion: tk.Version, Officer: "o1"}); err != nil {
		t.Fatal(err)
	}
	dispatch()
	// The reminder (75 % of 3 working days), the deadline (Monday 08:00), 8 working hours later.
	for _, at := range []string{"2026-11-27 12:00", "2026-11-30 09:00", "2026-12-01 09:00"} {
		clock.Set(vn(at))
		if _, err := svc.SweepSLA(ctx); err != nil {
			t.Fatal(err)
		}
		dispatch()
	}
	cur, err := store.TicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range cur.History {
		acts = append(acts, string(e.Action))
	}
	if got := strings.Join(acts, ","); got != "submit,accept,assign,remind,escalate,escalate" {
		t.Fatalf("history %s", got)
	}

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
