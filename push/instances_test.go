package push_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"

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
	in := newInstances(t, stores, clock, fake)

	p := wardPoint(t, in.svcs[0])
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	registerDevice(t, stores[0], clock, "r1")
	first, _, err := in.svcs[0].Tickets.FileReport(ctx, resident, asxhReport(p, "Hộ cận nghèo cần hỗ trợ 0."))
	if err != nil {
		t.Fatal(err)
	}
	unit := first.UnitID
	createOfficials(t, stores[0], clock, []*models.User{
		{ID: "o1", Role: models.RoleOfficer, Username: "o1", UnitID: unit},
		{ID: "l1", Role: models.RoleLeader, Username: "l1", UnitID: unit},
		{ID: "i1", Role: models.RoleIOCOperator, Username: "i1"},
	})
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: unit}
	ids := in.fileAndAssign(t, first, resident, leader, p, tickets)
	in.together(t, "filing")
	// The reminder (75 % of 3 working days), the deadline (Monday 08:00), 8 working hours later;
	// each moment twice over, as a late instance would sweep again.
	for _, at := range []string{"2026-11-27 12:00", "2026-11-30 09:00", "2026-12-01 09:00"} {
		clock.Set(vn(at))
		in.together(t, at)
		in.together(t, at+" again")
	}

	for _, id := range ids {
		acts := historyActions(t, stores[0], id)
		if want := []string{"submit", "accept", "assign", "remind", "escalate", "escalate"}; !slices.Equal(acts, want) {
			t.Errorf("ticket %s: history %v, want %v", id, acts, want)
		}
	}
	sends := checkEachDeliveredOnce(t, fake, ids)
	t.Logf("%d tickets on %d instances: %d pushes, each delivered once", tickets, n, len(sends))
}

// instances are app instances sharing one store, each with its own connection, service and push
// dispatcher.
type instances struct {
	svcs        []*app.App
	dispatchers []*app.Dispatcher
}

func newInstances(t *testing.T, stores []app.Store, clock *fakeClock, fake *fcmtest.Server) *instances {
	t.Helper()
	in := &instances{svcs: make([]*app.App, len(stores)), dispatchers: make([]*app.Dispatcher, len(stores))}
	for i, st := range stores {
		in.svcs[i] = newService(t, st, clock)
		in.dispatchers[i] = app.NewDispatcher(app.DispatcherDeps{Store: st, Sender: newSender(t, fake, clock.Now),
			Holder: fmt.Sprintf("instance-%d", i), Now: clock.Now, Config: app.DefaultPushConfig()})
	}
	return in
}

// together has every instance sweep and dispatch at once, until nothing is left to send.
func (in *instances) together(t *testing.T, what string) {
	t.Helper()
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range in.svcs {
		wg.Go(func() {
			if _, err := in.svcs[i].Tickets.SweepSLA(ctx); err != nil {
				t.Errorf("instance %d: SweepSLA: %v", i, err)
			}
			if err := drain(ctx, in.dispatchers[i]); err != nil {
				t.Errorf("instance %d: Cycle: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.Fatalf("after %s", what)
	}
}

// fileAndAssign has the resident file tickets reports at p (the first is first, already filed)
// and the leader accept and assign them to o1, each step through a different instance, all
// tickets at once; it returns the tickets' ids.
func (in *instances) fileAndAssign(t *testing.T, first *models.Ticket, resident, leader models.Principal, p orb.Point, tickets int) []string {
	t.Helper()
	ctx := t.Context()
	ids := make([]string, tickets)
	var wg sync.WaitGroup
	for k := range tickets {
		wg.Go(func() {
			svc := func(step int) *app.App { return in.svcs[(k+step)%len(in.svcs)] }
			tk := first
			if k > 0 {
				var err error
				if tk, _, err = svc(0).Tickets.FileReport(ctx, resident, asxhReport(p, fmt.Sprintf("Hộ cận nghèo cần hỗ trợ %d.", k))); err != nil {
					t.Errorf("file %d: %v", k, err)
					return
				}
			}
			ids[k] = tk.ID
			if err := acceptAndAssign(ctx, svc(1), svc(2), leader, tk, "o1"); err != nil {
				t.Errorf("ticket %d: %v", k, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return ids
}

// checkEachDeliveredOnce checks that every push was delivered once and that, for each ticket,
// the resident, officer, leader and IOC devices received their events; it returns the
// deliveries by message id.
func checkEachDeliveredOnce(t *testing.T, fake *fcmtest.Server, ids []string) map[string]int {
	t.Helper()
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
	return sends
}
