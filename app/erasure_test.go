package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
)

// codeSMS keeps the last sign-in code sent to each phone.
type codeSMS struct {
	mu    sync.Mutex
	codes map[string]string
}

func (c *codeSMS) Send(_ context.Context, phone, text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range strings.Fields(text) {
		w = strings.Trim(w, ".,")
		if len(w) == 6 && strings.Trim(w, "0123456789") == "" {
			c.codes[phone] = w
		}
	}
	return nil
}

func (c *codeSMS) code(phone string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codes[phone]
}

// erasureRig is the app with a clock the test moves and residents it signs in by phone.
type erasureRig struct {
	t     *testing.T
	ctx   context.Context
	svc   *app.App
	store app.Store
	sms   *codeSMS
	now   time.Time
	areas []string
}

func newErasureRig(t *testing.T, mongo bool) *erasureRig {
	t.Helper()
	r := &erasureRig{t: t, ctx: context.Background(), sms: &codeSMS{codes: map[string]string{}},
		now: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	if mongo {
		uri, db := mongotest.URI(t)
		s, err := mongodb.Open(r.ctx, uri, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		apptest.Seed(t, s, r.now)
		r.store = s
	} else {
		r.store = apptest.Store(t, r.now)
	}
	cfg := app.DefaultConfig()
	cfg.OTPPerPhone, cfg.OTPPerPhoneDay, cfg.OTPPerIP, cfg.OTPVerifyPerIP = 1e6, 1e6, 1e6, 1e6
	cfg.RateLimits = app.RateLimits{}
	cfg.PseudonymKey = []byte("pseudonyms")
	cal, err := apptest.Calendar(models.DefaultOfficeHours)
	if err != nil {
		t.Fatal(err)
	}
	r.svc = apptest.New(t, r.store, apptest.Options{Config: &cfg, SMS: r.sms, Now: func() time.Time { return r.now },
		Effects: []app.Effect{app.NewFactsEffect(r.store, app.NewWorkingCalendar(cal)), app.NewFeedEffect(r.store)}})
	for _, a := range r.svc.Catalog.BoundarySet().Areas()[:3] {
		r.areas = append(r.areas, a.Code)
	}
	return r
}

// signIn signs phone (E.164) in and returns the principal of its account.
func (r *erasureRig) signIn(phone string) models.Principal {
	r.t.Helper()
	if err := r.svc.Auth.RequestOTP(r.ctx, phone, "10.0.0.1"); err != nil {
		r.t.Fatal(err)
	}
	tk, err := r.svc.Auth.VerifyOTP(r.ctx, phone, r.sms.code(phone), "10.0.0.1")
	if err != nil {
		r.t.Fatal(err)
	}
	return models.Principal{UserID: tk.User.ID, Role: models.RoleResident}
}

// figures reads the statistics of every ticket ever filed.
func (r *erasureRig) figures() models.StatsFigures {
	r.t.Helper()
	f, err := r.svc.Stats.Summary(r.ctx, models.Principal{UserID: "ioc", Role: models.RoleIOCViewer},
		app.StatsFilter{From: "2026-01-01", To: "2035-12-31"})
	if err != nil {
		r.t.Fatal(err)
	}
	return f
}

// allTickets lists every ticket.
func (r *erasureRig) allTickets() []*models.Ticket {
	r.t.Helper()
	ts, err := r.store.FindTickets(r.ctx, models.TicketFilter{})
	if err != nil {
		r.t.Fatal(err)
	}
	return ts
}

// erased is an account that was erased: its id and phone must be reachable from nowhere.
type erased struct {
	id, phone string
	filed     []string // the tickets it filed, whose texts must not hold the phone any more
}

// checkUnreachable fails when an erased account's id or phone is still linked to anything.
func (r *erasureRig) checkUnreachable(gone []erased, step string) {
	r.t.Helper()
	for _, e := range gone {
		if _, err := r.store.UserByID(r.ctx, e.id); !models.IsCode(err, models.ENotFound) {
			r.t.Fatalf("%s: erased account %s still exists (%v)", step, e.id, err)
		}
		if u, err := r.store.UserByPhone(r.ctx, e.phone); err == nil && u.ID == e.id {
			r.t.Fatalf("%s: the phone still leads to the erased account", step)
		}
		digits := strings.TrimPrefix(e.phone, "+84")
		for _, tk := range r.allTickets() {
			own := slices.Contains(e.filed, tk.ID)
			if tk.ReporterID == e.id || tk.IsFollower(e.id) || own && strings.Contains(tk.Description, digits) {
				t := *tk
				r.t.Fatalf("%s: ticket %s still links the erased account %s: reporter %s, followers %v, %q", step, t.Code, e.id, t.ReporterID, t.Followers, t.Description)
			}
			for _, ev := range tk.History {
				if ev.ActorID == e.id || own && strings.Contains(ev.Note, digits) {
					r.t.Fatalf("%s: ticket %s history still names the erased account: %+v", step, tk.Code, ev)
				}
			}
		}
	}
}

// eraseChecked erases p's account with a fresh code and fails if a statistic moved.
func (r *erasureRig) eraseChecked(step int, p models.Principal, phone string, filed []string) erased {
	r.t.Helper()
	before := r.figures()
	if err := r.svc.Auth.RequestOTP(r.ctx, phone, "10.0.0.2"); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.svc.Erasure.EraseAccount(r.ctx, p, r.sms.code(phone), "10.0.0.2"); err != nil {
		r.t.Fatalf("erase: %v", err)
	}
	if diff := cmp.Diff(before, r.figures()); diff != "" {
		r.t.Fatalf("step %d: the erasure changed the statistics (-before +after):\n%s", step, diff)
	}
	return erased{id: p.UserID, phone: phone, filed: filed}
}

// retainChecked runs a retention pass as of the rig's clock and fails if a statistic moved.
func (r *erasureRig) retainChecked(step int) {
	r.t.Helper()
	before := r.figures()
	if _, ran, err := r.svc.Erasure.RetainOnce(r.ctx, "prop", r.now); err != nil || !ran {
		r.t.Fatalf("retention: %v, ran %v", err, ran)
	}
	if diff := cmp.Diff(before, r.figures()); diff != "" {
		r.t.Fatalf("step %d: retention changed the statistics (-before +after):\n%s", step, diff)
	}
}

// TestErasureRetentionProperty runs random sequences of filing, following, withdrawing,
// erasing and retention passes (the clock jumping months ahead): erasures and retention never
// change a statistic, and no erased account stays reachable from a ticket or its phone.
func TestErasureRetentionProperty(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		mongo := seed > 4 // FerretDB is slower: two sequences
		t.Run(fmt.Sprint("seed ", seed, map[bool]string{true: " mongodb", false: " sqlite"}[mongo]), func(t *testing.T) {
			if mongo && (testing.Short() || raceBuild && seed > 5) {
				t.Skip("short, or under the race detector: one FerretDB sequence")
			}
			t.Parallel()
			r := newErasureRig(t, mongo)
			rnd := rand.New(rand.NewPCG(seed, 17))
			phones := []string{"+84912000001", "+84912000002", "+84912000003"}
			who := make([]models.Principal, len(phones))
			for i, ph := range phones {
				who[i] = r.signIn(ph)
			}
			var gone []erased
			filed := map[string][]string{}
			for step := 0; step < 40; step++ {
				i := rnd.IntN(len(phones))
				p := who[i]
				name := ""
				switch op := rnd.IntN(10); {
				case op < 4:
					name = "file"
					area := r.areas[rnd.IntN(len(r.areas))]
					desc := fmt.Sprintf("Ổ gà trên đường, gọi %s hoặc 0%s", phones[i], strings.TrimPrefix(phones[i], "+84"))
					tk, _, err := r.svc.Tickets.FileReport(r.ctx, p, models.ReportInput{Category: "MT", Description: desc,
						Location: inside(t, r.svc, area), AllowContact: rnd.IntN(2) == 0})
					if err != nil {
						t.Fatalf("file: %v", err)
					}
					filed[p.UserID] = append(filed[p.UserID], tk.ID)
				case op < 6:
					name = "follow or withdraw"
					ts := r.allTickets()
					if len(ts) == 0 {
						continue
					}
					tk := ts[rnd.IntN(len(ts))]
					action := models.ActFollow
					if tk.ReporterID == p.UserID {
						action = models.ActWithdraw
					}
					_, _ = r.svc.Tickets.Act(r.ctx, p, tk.ID, app.ActionInput{Action: action, ExpectedVersion: tk.Version})
				case op < 8:
					name = "erase"
					gone = append(gone, r.eraseChecked(step, p, phones[i], filed[p.UserID]))
					who[i] = r.signIn(phones[i]) // the phone comes back as a new person
				default:
					name = "retention"
					r.now = r.now.AddDate(0, rnd.IntN(14), rnd.IntN(20))
					r.retainChecked(step)
				}
				r.checkUnreachable(gone, fmt.Sprintf("step %d (%s)", step, name))
			}
			tombstones := 0
			for _, tk := range r.allTickets() {
				if tk.ReporterID == models.ErasedReporter {
					tombstones++
				}
			}
			if len(gone) == 0 || tombstones == 0 {
				t.Errorf("the sequence erased %d accounts and left %d tombstones: it tests nothing", len(gone), tombstones)
			}
		})
	}
}

// TestEraseAccountLeavesTopics: the erased account's phone leaves its ward topics at FCM (an
// unsubscribe is queued for each), and nothing else of the account is left.
func TestEraseAccountLeavesTopics(t *testing.T) {
	r := newErasureRig(t, false)
	const phone = "+84912000009"
	p := r.signIn(phone)
	if _, err := r.svc.Devices.RegisterDevice(r.ctx, p, app.DeviceInput{Token: "tok-erased", Platform: models.PlatformAndroid}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.svc.Devices.Subscribe(r.ctx, p, r.areas[0]); err != nil {
		t.Fatal(err)
	}
	r.eraseChecked(0, p, phone, nil)
	ops, err := r.store.TopicOps(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	left := slices.ContainsFunc(ops, func(op models.TopicOp) bool { return op.Token == "tok-erased" && !op.Subscribe })
	if !left {
		t.Errorf("no unsubscribe queued for the erased account's device: %+v", ops)
	}
	if devs, err := r.store.DevicesOfUsers(r.ctx, []string{p.UserID}); err != nil || len(devs) != 0 {
		t.Errorf("devices after the erasure: %+v, %v", devs, err)
	}
}
