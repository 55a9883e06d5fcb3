package app_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"phananh/app"
	"phananh/models"
)

// TestPushRecipients drives a ticket through filing, a reminder and two escalations with the
// push outbox as the effect, and checks who gets a message for which version: the reporter for
// the filing, the unit's officials for the reminder, its leader for the first escalation and
// the IOC operators for the second; a replay of every version adds nothing.
func TestPushRecipients(t *testing.T) {
	r := newPushRig(t, vn("2026-11-25 08:00"))
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	tk, _, err := r.svc.Tickets.FileReport(r.ctx, resident, models.ReportInput{Category: "ASXH.02", Description: "hộ cận nghèo", Location: inside(t, r.svc, "30280")})
	if err != nil {
		t.Fatal(err)
	}
	r.registerDevices(t, tk.UnitID)
	// The filing happened before the devices existed; re-apply version 1 as the sweeper would.
	r.reapplyFiling(t, tk.ID)
	r.sweepAt(t, "2026-11-25 16:00", "2026-11-26 08:30", "2026-11-27 09:00")
	cur := r.ticket(t, tk.ID)
	if got := actions(cur); strings.Join(got, ",") != "submit,remind,escalate,escalate" {
		t.Fatalf("history %v", got)
	}
	r.checkRecipients(t, cur)
	r.checkTexts(t, cur)
	r.checkReplayAddsNothing(t, cur)
}

// pushRig is one app instance whose only effect is the push outbox, with an injected clock.
type pushRig struct {
	ctx    context.Context
	now    time.Time
	store  app.Store
	outbox *app.PushOutbox
	svc    *app.App
}

func newPushRig(t *testing.T, now time.Time) *pushRig {
	t.Helper()
	r := &pushRig{ctx: context.Background(), now: now}
	r.store = newStore(t, r.now)
	clock := func() time.Time { return r.now }
	r.outbox = app.NewPushOutbox(r.store, app.DefaultPushConfig(), clock, nil)
	r.svc = newServiceOn(t, r.store, &r.now, r.outbox)
	return r
}

// registerDevices creates an officer and a leader of unitID, an officer of another unit and
// an IOC operator, and gives each of them and the reporter r1 a device whose token names them.
func (r *pushRig) registerDevices(t *testing.T, unitID string) {
	t.Helper()
	users := []*models.User{
		{ID: "o1", Role: models.RoleOfficer, Username: "o1", UnitID: unitID},
		{ID: "l1", Role: models.RoleLeader, Username: "l1", UnitID: unitID},
		{ID: "o9", Role: models.RoleOfficer, Username: "o9", UnitID: "another-unit"},
		{ID: "i1", Role: models.RoleIOCOperator, Username: "i1"},
	}
	for _, u := range users {
		u.CreatedAt = r.now
		if err := r.store.CreateUser(r.ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for user, token := range map[string]string{"r1": "rep", "o1": "off", "l1": "lead", "o9": "other", "i1": "ioc"} {
		d := &models.Device{Token: token, UserID: user, Platform: models.PlatformAndroid, Locale: "vi", CreatedAt: r.now, LastSeenAt: r.now}
		if _, err := r.store.UpsertDevice(r.ctx, d); err != nil {
			t.Fatal(err)
		}
	}
}

// ticket reads the ticket straight from the store.
func (r *pushRig) ticket(t *testing.T, id string) *models.Ticket {
	t.Helper()
	cur, err := r.store.TicketByID(r.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

// reapplyFiling hands version 1 of the ticket to the outbox again.
func (r *pushRig) reapplyFiling(t *testing.T, id string) {
	t.Helper()
	cur := r.ticket(t, id)
	if err := r.outbox.Apply(r.ctx, cur, 1, cur.History[0]); err != nil {
		t.Fatal(err)
	}
}

// sweepAt runs the SLA sweep at each moment in turn.
func (r *pushRig) sweepAt(t *testing.T, moments ...string) {
	t.Helper()
	for _, at := range moments {
		r.now = vn(at)
		if _, err := r.svc.Tickets.SweepSLA(r.ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// checkRecipients checks, for versions 1 to 4 and every device, that exactly the expected
// devices have a message and that it carries the event, the code and the collapse key.
func (r *pushRig) checkRecipients(t *testing.T, cur *models.Ticket) {
	t.Helper()
	want := map[int][]string{1: {"rep"}, 2: {"lead", "off"}, 3: {"lead"}, 4: {"ioc"}}
	all := []string{"rep", "off", "lead", "other", "ioc"}
	for v := 1; v <= 4; v++ {
		for _, tok := range all {
			m, err := r.store.PushMessageByID(r.ctx, app.PushMessageID(cur.ID, v, tok))
			wanted := strings.Contains(","+strings.Join(want[v], ",")+",", ","+tok+",")
			switch {
			case wanted && err != nil:
				t.Errorf("v%d %s: no message (%v)", v, tok, err)
			case !wanted && err == nil:
				t.Errorf("v%d %s: unexpected message %q", v, tok, m.Title)
			case wanted:
				if m.Data["event"] != string(cur.History[v-1].Action) || m.Data["code"] != cur.Code || m.CollapseKey != "ticket-"+cur.ID {
					t.Errorf("v%d %s: data %v collapse %q", v, tok, m.Data, m.CollapseKey)
				}
			}
		}
	}
}

// checkTexts checks the wording of the second escalation's and the filing's messages.
func (r *pushRig) checkTexts(t *testing.T, cur *models.Ticket) {
	t.Helper()
	if m, err := r.store.PushMessageByID(r.ctx, app.PushMessageID(cur.ID, 4, "ioc")); err == nil && !strings.Contains(m.Title, "IOC") {
		t.Errorf("second escalation title %q, want it to say IOC", m.Title)
	}
	if m, err := r.store.PushMessageByID(r.ctx, app.PushMessageID(cur.ID, 1, "rep")); err == nil &&
		(!strings.HasPrefix(m.Title, "Đã nhận phản ánh") || !strings.Contains(m.Body, cur.AreaName)) {
		t.Errorf("filing push %q / %q, want the ward and due date in Vietnamese", m.Title, m.Body)
	}
}

// checkReplayAddsNothing replays every version (the sweeper after a crash): nothing new is
// enqueued.
func (r *pushRig) checkReplayAddsNothing(t *testing.T, cur *models.Ticket) {
	t.Helper()
	before, _ := r.store.CountPush(r.ctx)
	for v := 1; v <= cur.Version; v++ {
		if err := r.outbox.Apply(r.ctx, cur, v, cur.History[v-1]); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := r.store.CountPush(r.ctx)
	if before[models.PushQueued] != after[models.PushQueued] || after[models.PushQueued] != 5 {
		t.Errorf("queued %d before the replay, %d after; want 5 both", before[models.PushQueued], after[models.PushQueued])
	}
}

func TestFitPayload(t *testing.T) {
	data := map[string]string{"ticket_id": strings.Repeat("a", 32), "code": "LX-2026-000001", "state": "resolved", "event": "resolve", "message_id": strings.Repeat("b", 60)}
	for _, tc := range []struct {
		name string
		body string
	}{
		{"short", "Đã khắc phục."},
		{"long Vietnamese", strings.Repeat("Đường ngập nước ", 400)},
		{"quotes and controls", strings.Repeat("\"<\x01", 2000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &models.PushMessage{Title: "Phản ánh LX-2026-000001 đã được xử lý", Body: tc.body, Data: data}
			app.FitPayload(m)
			if n := app.PayloadSize(m); n > models.MaxPushPayloadSize {
				t.Errorf("payload %d bytes", n)
			}
			if !utf8.ValidString(m.Body) {
				t.Errorf("body cut inside a character")
			}
			if m.Body != tc.body && !strings.HasSuffix(m.Body, "…") {
				t.Errorf("shortened body without an ellipsis")
			}
			if tc.name == "short" && m.Body != tc.body {
				t.Errorf("short body changed")
			}
		})
	}
}
