package app_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/app"
	"phananh/models"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the tests that have them")

// pushFlow is a scripted life of several tickets with every action that sends a push, acted on
// a real store with the push outbox as the effect.
type pushFlow struct {
	t     *testing.T
	ctx   context.Context
	now   *time.Time
	store app.Store
	svc   *app.App
}

// act performs in as p on tk, with p's unit set to the ticket's for officials.
func (f *pushFlow) act(tk *models.Ticket, p models.Principal, in app.ActionInput) *models.Ticket {
	f.t.Helper()
	if p.Role.NeedsUnit() {
		p.UnitID = tk.UnitID
	}
	in.ExpectedVersion = tk.Version
	out, err := f.svc.Tickets.Act(f.ctx, p, tk.ID, in)
	if err != nil {
		f.t.Fatalf("%s on %s: %v", in.Action, tk.Code, err)
	}
	return out
}

func (f *pushFlow) file(p models.Principal, area string) *models.Ticket {
	f.t.Helper()
	tk, _, err := f.svc.Tickets.FileReport(f.ctx, p, models.ReportInput{Category: "GT", Description: "ổ gà sâu", Location: inside(f.t, f.svc, area)})
	if err != nil {
		f.t.Fatal(err)
	}
	return tk
}

func (f *pushFlow) user(id string, role models.Role, unit, locale string) models.Principal {
	f.t.Helper()
	u := &models.User{ID: id, Role: role, Username: "user." + id, UnitID: unit, CreatedAt: *f.now}
	if role == models.RoleResident {
		u.Username, u.Phone = "", "+8491200000"+id[1:]
	}
	if err := f.store.CreateUser(f.ctx, u); err != nil {
		f.t.Fatal(err)
	}
	d := &models.Device{Token: "tok-" + id, UserID: id, Platform: models.PlatformAndroid, Locale: locale, CreatedAt: *f.now, LastSeenAt: *f.now}
	if _, err := f.store.UpsertDevice(f.ctx, d); err != nil {
		f.t.Fatal(err)
	}
	return models.Principal{UserID: id, Role: role, UnitID: unit}
}

// newPushFlow builds a service on a fresh store with the push outbox as its effect, on a clock
// that starts on Wednesday 2026-11-25 08:00.
func newPushFlow(t *testing.T) *pushFlow {
	now := vn("2026-11-25 08:00")
	store := newStore(t, now)
	f := &pushFlow{t: t, ctx: context.Background(), now: &now, store: store}
	outbox := app.NewPushOutbox(store, app.DefaultPushConfig(), func() time.Time { return *f.now }, nil)
	f.svc = newServiceOn(t, store, f.now, outbox)
	return f
}

// script is the scripted flow: every action that notifies someone — as the reporter, a
// follower (who reads the public view) and officials, in Vietnamese and English. It returns the
// tickets' ids in filing order.
func (f *pushFlow) script() []string {
	r1 := f.user("r1", models.RoleResident, "", "vi")
	r2 := f.user("r2", models.RoleResident, "", "en")
	r3 := f.user("r3", models.RoleResident, "", "en")
	a := f.file(r1, "30280")
	unit := a.UnitID
	o1 := f.user("o1", models.RoleOfficer, unit, "vi")
	l1 := f.user("l1", models.RoleLeader, unit, "en")
	op := f.user("i1", models.RoleIOCOperator, "", "vi")
	f.user("i2", models.RoleIOCOperator, "", "en")

	// A: the whole flow, with a follower who reads the public view.
	a = f.act(a, r2, app.ActionInput{Action: models.ActFollow})
	a = f.act(a, o1, app.ActionInput{Action: models.ActAccept})
	a = f.act(a, o1, app.ActionInput{Action: models.ActNote, Visibility: models.Public, Note: "Đã cử người, gọi 0912345678"})
	a = f.act(a, o1, app.ActionInput{Action: models.ActRequestExt, DueAt: a.ResolveDueAt.Add(50 * time.Hour), Reason: "chờ vật tư"})
	a = f.act(a, l1, app.ActionInput{Action: models.ActApproveExt, Note: "đồng ý"})
	a = f.act(a, l1, app.ActionInput{Action: models.ActAssign, Officer: "o1", Note: "ưu tiên"})
	a = f.act(a, o1, app.ActionInput{Action: models.ActStart})
	a = f.act(a, o1, app.ActionInput{Action: models.ActRequestInfo, Note: "Xin ảnh rõ hơn?"})
	a = f.act(a, r1, app.ActionInput{Action: models.ActProvideInfo, Visibility: models.Public, Note: "ảnh đây, gọi 0912345678"})

	// D: a duplicate of A, merged while A is open.
	d := f.file(r3, "30280")
	d = f.act(d, r2, app.ActionInput{Action: models.ActFollow})
	f.act(d, op, app.ActionInput{Action: models.ActMarkDuplicate, DuplicateOf: a.ID, Note: "cùng ổ gà"})
	a, _ = f.store.TicketByID(f.ctx, a.ID)
	a = f.act(a, o1, app.ActionInput{Action: models.ActResolve, Outcome: models.OutcomeFixed, Note: "Đã vá, liên hệ 0912345678"})
	f.act(a, r1, app.ActionInput{Action: models.ActRate, Rating: 4, Comment: "tốt", Visibility: models.Public})

	// B: rejected, with and without a note.
	b := f.file(r1, "30280")
	b = f.act(b, r2, app.ActionInput{Action: models.ActFollow})
	f.act(b, op, app.ActionInput{Action: models.ActReject, Reason: "other", Note: "Không rõ vị trí"})
	b2 := f.file(r3, "30280")
	f.act(b2, o1, app.ActionInput{Action: models.ActReject, Reason: "insufficient_info"})

	// E: withdrawn by its reporter, heard by a follower.
	e := f.file(r1, "30280")
	e = f.act(e, r2, app.ActionInput{Action: models.ActFollow})
	f.act(e, r1, app.ActionInput{Action: models.ActWithdraw})

	// C: transferred to another ward, resolved, reopened, resolved again, closed by the system.
	c := f.file(r3, "30280")
	c = f.act(c, r2, app.ActionInput{Action: models.ActFollow})
	c = f.act(c, op, app.ActionInput{Action: models.ActTransfer, Area: "30286", Reason: "sai địa bàn", Note: "chuyển giúp"})
	o2 := f.user("o2", models.RoleOfficer, c.UnitID, "en")
	c = f.act(c, o2, app.ActionInput{Action: models.ActAccept})
	c = f.act(c, o2, app.ActionInput{Action: models.ActResolve, Outcome: models.OutcomePartiallyFixed, Note: "Một phần"})
	c = f.act(c, r3, app.ActionInput{Action: models.ActReopen, Reason: "chưa xong", Note: "vẫn còn"})
	c = f.act(c, o2, app.ActionInput{Action: models.ActResolve, Outcome: models.OutcomeNotFixable, Note: "Không thể"})

	// F: assigned, then reminded and escalated twice by the SLA worker; C closes meanwhile.
	fz := f.file(r1, "30280")
	fz = f.act(fz, o1, app.ActionInput{Action: models.ActAccept})
	f.act(fz, l1, app.ActionInput{Action: models.ActAssign, Officer: "o1"})
	for _, at := range []string{"2026-11-27 09:00", "2026-11-27 16:00", "2026-12-01 16:00", "2026-12-03 09:00", "2026-12-08 09:00", "2026-12-10 09:00"} {
		*f.now = vn(at)
		if _, err := f.svc.Tickets.SweepSLA(f.ctx); err != nil {
			f.t.Fatal(err)
		}
	}

	// G: recategorized within the ward committee's categories, heard by reporter and follower;
	// H: recategorized to a private category of the ward police, heard by its reporter only.
	g := f.file(r1, "30280")
	g = f.act(g, r2, app.ActionInput{Action: models.ActFollow})
	f.act(g, op, app.ActionInput{Action: models.ActRecategorize, Category: "MT", Reason: "là rác thải"})
	h := f.file(r3, "30280")
	h = f.act(h, r2, app.ActionInput{Action: models.ActFollow})
	f.act(h, op, app.ActionInput{Action: models.ActRecategorize, Category: "ANTT.05", Reason: "tụ điểm cờ bạc"})
	return []string{a.ID, d.ID, b.ID, b2.ID, e.ID, c.ID, fz.ID, g.ID, h.ID}
}

// texts lists every message enqueued for the tickets ids, ward announcements included, one line
// each: code, version, action, recipient, title and body.
func (f *pushFlow) texts(ids []string) []string {
	var got []string
	tokens := []string{"tok-r1", "tok-r2", "tok-r3", "tok-o1", "tok-o2", "tok-l1", "tok-i1", "tok-i2"}
	for _, id := range ids {
		tk, err := f.store.TicketByID(f.ctx, id)
		if err != nil {
			f.t.Fatal(err)
		}
		topic := "topic:" + models.AreaTopic(tk.BoundarySet, tk.AreaCode)
		for v := 1; v <= tk.Version; v++ {
			for _, tok := range append(tokens, topic) {
				m, err := f.store.PushMessageByID(f.ctx, app.PushMessageID(tk.ID, v, tok))
				if models.IsCode(err, models.ENotFound) {
					continue
				} else if err != nil {
					f.t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%s v%d %s %s: %s | %s", tk.Code, v, tk.History[v-1].Action, strings.TrimPrefix(tok, "topic:"), m.Title, m.Body))
			}
		}
	}
	return got
}

// checkGolden compares lines with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(strings.TrimSuffix(string(want), "\n"), "\n"), got); diff != "" {
		t.Errorf("differs from %s (-want +got):\n%s", golden, diff)
	}
}

// TestPushTexts runs the scripted flow and compares every message enqueued with
// testdata/push_texts.golden: what residents and officials read must not change when the
// history's storage does.
func TestPushTexts(t *testing.T) {
	f := newPushFlow(t)
	checkGolden(t, "push_texts.golden", f.texts(f.script()))
}

// TestHistoryEvents runs the scripted flow and compares every history event with
// testdata/history_events.golden: what each action decided is in the event's typed fields, and
// the note holds only what its actor typed (none of the system's events has one).
func TestHistoryEvents(t *testing.T) {
	f := newPushFlow(t)
	var got []string
	for _, id := range f.script() {
		tk, err := f.store.TicketByID(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for v, e := range tk.History {
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s v%d %s", tk.Code, v+1, b))
		}
	}
	checkGolden(t, "history_events.golden", got)
}
