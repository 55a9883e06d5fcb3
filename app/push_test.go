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
	now := vn("2026-11-25 08:00")
	store := newStore(t, now)
	clock := func() time.Time { return now }
	outbox := app.NewPushOutbox(store, app.DefaultPushConfig(), clock, nil)
	svc := newServiceOn(t, store, &now, outbox)
	ctx := context.Background()
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	tk, _, err := svc.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "ASXH.02", Description: "hộ cận nghèo", Location: inside(t, svc, "30280")})
	if err != nil {
		t.Fatal(err)
	}
	users := []*models.User{
		{ID: "o1", Role: models.RoleOfficer, Username: "o1", UnitID: tk.UnitID},
		{ID: "l1", Role: models.RoleLeader, Username: "l1", UnitID: tk.UnitID},
		{ID: "o9", Role: models.RoleOfficer, Username: "o9", UnitID: "another-unit"},
		{ID: "i1", Role: models.RoleIOCOperator, Username: "i1"},
	}
	for _, u := range users {
		u.CreatedAt = now
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for user, token := range map[string]string{"r1": "rep", "o1": "off", "l1": "lead", "o9": "other", "i1": "ioc"} {
		d := &models.Device{Token: token, UserID: user, Platform: models.PlatformAndroid, Locale: "vi", CreatedAt: now, LastSeenAt: now}
		if _, _, err := store.UpsertDevice(ctx, d, 10); err != nil {
			t.Fatal(err)
		}
	}
	// The filing happened before the devices existed; re-apply version 1 as the sweeper would.
	cur, err := store.TicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Apply(ctx, cur, 1, cur.History[0]); err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"2026-11-25 16:00", "2026-11-26 08:30", "2026-11-27 09:00"} {
		now = vn(at)
		if _, err := svc.Tickets.SweepSLA(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cur, err = store.TicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(cur); strings.Join(got, ",") != "submit,remind,escalate,escalate" {
		t.Fatalf("history %v", got)
	}
	want := map[int][]string{1: {"rep"}, 2: {"lead", "off"}, 3: {"lead"}, 4: {"ioc"}}
	all := []string{"rep", "off", "lead", "other", "ioc"}
	for v := 1; v <= 4; v++ {
		for _, tok := range all {
			m, err := store.PushMessageByID(ctx, app.PushMessageID(tk.ID, v, tok))
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
	if m, err := store.PushMessageByID(ctx, app.PushMessageID(tk.ID, 4, "ioc")); err == nil && !strings.Contains(m.Title, "IOC") {
		t.Errorf("second escalation title %q, want it to say IOC", m.Title)
	}
	if m, err := store.PushMessageByID(ctx, app.PushMessageID(tk.ID, 1, "rep")); err == nil &&
		(!strings.HasPrefix(m.Title, "Đã nhận phản ánh") || !strings.Contains(m.Body, cur.AreaName)) {
		t.Errorf("filing push %q / %q, want the ward and due date in Vietnamese", m.Title, m.Body)
	}

	// A replay of every version (the sweeper after a crash) enqueues nothing new.
	before, _ := store.CountPush(ctx)
	for v := 1; v <= cur.Version; v++ {
		if err := outbox.Apply(ctx, cur, v, cur.History[v-1]); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := store.CountPush(ctx)
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
