package push_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"phananh/app"
	"phananh/models"
	"phananh/push/fcmtest"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
	"phananh/store/sqlite"
)

// sharedStores opens n connections to one fresh store: n SQLite handles on one file, or n
// MongoDB clients on one database (FerretDB in process) — as n server processes would.
type sharedStores func(t *testing.T, n int) []app.Store

func sqliteShared(t *testing.T, n int) []app.Store {
	path := filepath.Join(t.TempDir(), "shared.db")
	out := make([]app.Store, n)
	for i := range out {
		s, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

func mongoShared(t *testing.T, n int) []app.Store {
	uri, db := mongotest.URI(t)
	out := make([]app.Store, n)
	for i := range out {
		s, err := mongodb.Open(t.Context(), uri, db)
		if err != nil {
			t.Fatalf("mongodb.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

// TestInstancesRemindAndEscalateOnce: three app instances — each its own store connection, its
// own service and its own push dispatcher — share one store and one injected clock, and at each
// moment all three sweep the SLA and dispatch at the same time, with no lease to keep them
// apart (RunSweeps' lease only saves work; correctness rests on the version compare-and-set and
// the outbox's derived ids). Every ticket gets exactly one reminder, one escalation to its
// leader and one to the IOC, and every push is delivered exactly once. A black-box server
// cannot be made to live through three working days, hence the app-level test.
func TestInstancesRemindAndEscalateOnce(t *testing.T) {
	for _, c := range []struct {
		name    string
		open    sharedStores
		tickets int
	}{{"sqlite", sqliteShared, 9}, {"mongodb", mongoShared, 6}} {
		t.Run(c.name, func(t *testing.T) { testInstancesOnce(t, c.open, c.tickets) })
	}
}

func testInstancesOnce(t *testing.T, open sharedStores, tickets int) {
	ctx := t.Context()
	const n = 3
	stores := open(t, n)
	clock := &fakeClock{now: vn("2026-11-25 08:00")} // a Wednesday
	fake := fcmtest.New()
	defer fake.Close()
	svcs := make([]*app.Service, n)
	dispatchers := make([]*app.Dispatcher, n)
	for i, st := range stores {
		svcs[i] = newService(t, st, clock)
		dispatchers[i] = app.NewDispatcher(app.DispatcherDeps{Store: st, Sender: newSender(t, fake, clock.Now),
			Holder: fmt.Sprintf("instance-%d", i), Now: clock.Now, Config: app.DefaultPushConfig()})
	}
	// everyone sweeps and dispatches at once, until nothing is left to send
	together := func(what string) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if _, err := svcs[i].SweepSLA(ctx); err != nil {
					t.Errorf("instance %d: SweepSLA: %v", i, err)
				}
				for {
					k, err := dispatchers[i].Cycle(ctx)
					if err != nil {
						t.Errorf("instance %d: Cycle: %v", i, err)
						return
					}
					if k == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.Fatalf("after %s", what)
		}
	}

	area, err := svcs[0].Area("30280")
	if err != nil {
		t.Fatal(err)
	}
	p := area.InteriorPoint()
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	device := func(user string) {
		t.Helper()
		dev := &models.Device{Token: "dev-" + user, UserID: user, Platform: models.PlatformAndroid, Locale: "vi-VN", CreatedAt: clock.Now(), LastSeenAt: clock.Now()}
		if _, _, err := stores[0].UpsertDevice(ctx, dev, 10); err != nil {
			t.Fatal(err)
		}
	}
	device("r1")
	first, _, err := svcs[0].FileReport(ctx, resident, models.ReportInput{Category: "ASXH.02", Description: "Hộ cận nghèo cần hỗ trợ 0.",
		Location: models.Location{Lat: p.Lat(), Lng: p.Lon()}})
	if err != nil {
		t.Fatal(err)
	}
	unit := first.UnitID
	for _, u := range []*models.User{
		{ID: "o1", Role: models.RoleOfficer, Username: "o1", UnitID: unit},
		{ID: "l1", Role: models.RoleLeader, Username: "l1", UnitID: unit},
		{ID: "i1", Role: models.RoleIOCOperator, Username: "i1"},
	} {
		u.CreatedAt = clock.Now()
		if err := stores[0].CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		device(u.ID)
	}
	// The tickets are filed, accepted and assigned through different instances, all at once.
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: unit}
	ids := make([]string, tickets)
	var wg sync.WaitGroup
	for k := range tickets {
		wg.Go(func() {
			svc := func(step int) *app.Service { return svcs[(k+step)%n] }
			tk := first
			if k > 0 {
				var err error
				if tk, _, err = svc(0).FileReport(ctx, resident, models.ReportInput{Category: "ASXH.02", Description: fmt.Sprintf("Hộ cận nghèo cần hỗ trợ %d.", k),
					Location: models.Location{Lat: p.Lat(), Lng: p.Lon()}}); err != nil {
					t.Errorf("file %d: %v", k, err)
					return
				}
			}
			ids[k] = tk.ID
			tk, err := svc(1).Act(ctx, leader, tk.ID, app.ActionInput{Action: models.ActAccept, ExpectedVersion: tk.Version})
			if err == nil {
				_, err = svc(2).Act(ctx, leader, tk.ID, app.ActionInput{Action: models.ActAssign, ExpectedVersion: tk.Version, Officer: "o1"})
			}
			if err != nil {
				t.Errorf("ticket %d: %v", k, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	together("filing")
	// The reminder (75 % of 3 working days), the deadline (Monday 08:00), 8 working hours later;
	// each moment twice over, as a late instance would sweep again.
	for _, at := range []string{"2026-11-27 12:00", "2026-11-30 09:00", "2026-12-01 09:00"} {
		clock.Set(vn(at))
		together(at)
		together(at + " again")
	}

	for _, id := range ids {
		cur, err := stores[0].TicketByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range cur.History {
			acts = append(acts, string(e.Action))
		}
		if want := []string{"submit", "accept", "assign", "remind", "escalate", "escalate"}; !slices.Equal(acts, want) {
			t.Errorf("ticket %s: history %v, want %v", id, acts, want)
		}
	}
	sends := map[string]int{}    // message_id → deliveries
	got := map[string][]string{} // ticket/token → events
	for _, r := range fake.Delivered() {
		d := r.Message.Data
		sends[d["message_id"]]++
		got[d["ticket_id"]+"/"+r.Message.Token] = append(got[d["ticket_id"]+"/"+r.Message.Token], d["event"])
	}
	for id, k := range sends {
		if k != 1 {
			t.Errorf("message %s delivered %d times", id, k)
		}
	}
	want := map[string][]string{
		"dev-r1": {"submit", "accept"},
		"dev-o1": {"assign", "remind", "escalate"},
		"dev-l1": {"escalate"},
		"dev-i1": {"escalate"},
	}
	for _, id := range ids {
		for tok, events := range want {
			g := slices.Clone(got[id+"/"+tok])
			slices.Sort(g) // dispatchers deliver in parallel
			if events = slices.Sorted(slices.Values(events)); !slices.Equal(g, events) {
				t.Errorf("ticket %s: %s received %v, want %v", id, tok, g, events)
			}
		}
	}
	t.Logf("%d tickets on %d instances: %d pushes, each delivered once", tickets, n, len(sends))
}
