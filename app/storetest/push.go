package storetest

// Push (app.PushStore), decisions pinned beyond the interface comments:
//   - A device moved to another user keeps its CreatedAt and takes every other field from the
//     newest registration.
//   - UpsertDevice deletes nothing, however many devices the user has: the per-user cap is the
//     app's rule (app.Devices.RegisterDevice, tested in package app).
//   - EnqueuePush returns how many ids were new; a message already stored (whatever its state)
//     is never reset by a second enqueue.
//   - A claimed message has LeaseHolder and LeaseUntil = now+ttl; CompletePush and ReschedulePush
//     clear them (LeaseUntil zero) and act only for the current lease holder.

import (
	"fmt"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var pushTests = []storeTest{
	{"DeviceUpsertMoves", testDeviceUpsertMoves},
	{"DeviceUpsertKeepsAll", testDeviceUpsertKeepsAll},
	{"DeviceDeleteAndPrune", testDeviceDeleteAndPrune},
	{"UserIDsOf", testUserIDsOf},
	{"EnqueueIdempotent", testPushEnqueueIdempotent},
	{"ClaimDueAndLeased", testPushClaim},
	{"CompleteAndReschedule", testPushCompleteReschedule},
	{"ConcurrentClaims", testPushConcurrentClaims},
	{"TopicMessage", testPushTopicMessage},
	{"Subscriptions", testSubscriptions},
	{"TopicOps", testTopicOps},
	{"TopicOpsConcurrentClaims", testTopicOpsConcurrentClaims},
}

func device(token, user string, seen time.Duration) *models.Device {
	return &models.Device{Token: token, UserID: user, Platform: models.PlatformAndroid, Locale: "vi-VN", AppVersion: "1.2.3",
		CreatedAt: at(seen), LastSeenAt: at(seen)}
}

// upsert registers d and returns the previous owner.
func upsert(t *testing.T, s app.Store, d *models.Device) string {
	t.Helper()
	prev, err := s.UpsertDevice(ctx(t), d)
	must(t, err, "UpsertDevice "+d.Token)
	return prev
}

func testDeviceUpsertMoves(t *testing.T, s app.Store) {
	if prev := upsert(t, s, device("tok-a", "u1", 0)); prev != "" {
		t.Errorf("new token: previous owner %q, want none", prev)
	}
	upsert(t, s, device("tok-b", "u1", time.Minute))
	if prev := upsert(t, s, device("tok-b", "u1", 2*time.Minute)); prev != "u1" {
		t.Errorf("registered again: previous owner %q, want u1", prev)
	}
	moved := device("tok-a", "u2", time.Hour)
	moved.Platform, moved.Locale, moved.AppVersion = models.PlatformIOS, "en-US", "2.0"
	if prev := upsert(t, s, moved); prev != "u1" {
		t.Errorf("moved token: previous owner %q, want u1", prev)
	}
	got, err := s.DevicesOfUsers(ctx(t), []string{"u2", "u1", "nobody"})
	must(t, err, "DevicesOfUsers")
	tokB := device("tok-b", "u1", 2*time.Minute)
	tokB.CreatedAt = at(time.Minute)
	want := []models.Device{*tokB,
		{Token: "tok-a", UserID: "u2", Platform: models.PlatformIOS, Locale: "en-US", AppVersion: "2.0", CreatedAt: at(0), LastSeenAt: at(time.Hour)}}
	wantEqual(t, "DevicesOfUsers", want, got)
	got, err = s.DevicesOfUsers(ctx(t), nil)
	must(t, err, "DevicesOfUsers(nil)")
	wantEqual(t, "DevicesOfUsers(nil)", []models.Device(nil), got)
}

func testDeviceUpsertKeepsAll(t *testing.T, s app.Store) {
	var want []string
	for i := range models.MaxDevicesPerUser + 2 {
		tok := fmt.Sprintf("tok-%02d", i)
		upsert(t, s, device(tok, "u1", time.Duration(i)*time.Minute))
		want = append(want, tok)
	}
	upsert(t, s, device("tok-00", "u1", time.Hour)) // seen again: still one device
	got, err := s.DevicesOfUsers(ctx(t), []string{"u1"})
	must(t, err, "DevicesOfUsers")
	var tokens []string
	for _, d := range got {
		tokens = append(tokens, d.Token)
	}
	wantEqual(t, "tokens kept", want, tokens)
}

func testDeviceDeleteAndPrune(t *testing.T, s app.Store) {
	upsert(t, s, device("old", "u1", 0))
	upsert(t, s, device("new", "u1", 48*time.Hour))
	upsert(t, s, device("mine", "u2", 48*time.Hour))
	must(t, s.DeleteDevice(ctx(t), "mine", "u1"), "DeleteDevice of another user") // not u1's: kept
	must(t, s.DeleteDevice(ctx(t), "absent", ""), "DeleteDevice absent")
	pruned, err := s.PruneDevices(ctx(t), at(24*time.Hour))
	must(t, err, "PruneDevices")
	wantEqual(t, "pruned", []models.Device{*device("old", "u1", 0)}, pruned)
	pruned, err = s.PruneDevices(ctx(t), at(24*time.Hour))
	must(t, err, "PruneDevices again")
	if len(pruned) != 0 {
		t.Errorf("second PruneDevices = %v, want none", pruned)
	}
	got, err := s.DevicesOfUsers(ctx(t), []string{"u1", "u2"})
	must(t, err, "DevicesOfUsers")
	wantEqual(t, "after prune", []models.Device{*device("new", "u1", 48*time.Hour), *device("mine", "u2", 48*time.Hour)}, got)
	must(t, s.DeleteDevice(ctx(t), "mine", "u2"), "DeleteDevice own")
	must(t, s.DeleteDevice(ctx(t), "new", ""), "DeleteDevice any")
	got, err = s.DevicesOfUsers(ctx(t), []string{"u1", "u2"})
	must(t, err, "DevicesOfUsers")
	wantEqual(t, "after delete", []models.Device(nil), got)
}

func testUserIDsOf(t *testing.T, s app.Store) {
	off := official("o1", "o1", models.RoleOfficer, "unit-a")
	lead := official("l1", "l1", models.RoleLeader, "unit-a")
	other := official("o2", "o2", models.RoleOfficer, "unit-b")
	gone := official("o3", "o3", models.RoleOfficer, "unit-a")
	gone.Disabled = true
	ioc := official("i1", "i1", models.RoleIOCOperator, "")
	for _, u := range []*models.User{off, lead, other, gone, ioc, resident("r1", "+84900000001")} {
		must(t, s.CreateUser(ctx(t), u), "CreateUser")
	}
	for _, tc := range []struct {
		unit  string
		roles []models.Role
		want  []string
	}{
		{"unit-a", []models.Role{models.RoleOfficer, models.RoleLeader}, []string{"l1", "o1"}},
		{"unit-a", []models.Role{models.RoleLeader}, []string{"l1"}},
		{"", []models.Role{models.RoleIOCOperator}, []string{"i1"}},
		{"", []models.Role{models.RoleOfficer}, []string{"o1", "o2"}},
		{"unit-c", []models.Role{models.RoleOfficer}, nil},
		{"unit-a", nil, nil},
	} {
		got, err := s.UserIDsOf(ctx(t), tc.unit, tc.roles)
		must(t, err, "UserIDsOf")
		wantEqual(t, fmt.Sprintf("UserIDsOf(%q, %v)", tc.unit, tc.roles), tc.want, got)
	}
}

func pushMsg(id string, next time.Duration) models.PushMessage {
	return models.PushMessage{ID: id, TicketID: "t1", Version: 2, Event: "accept", UserID: "u1", Token: "tok-" + id,
		Platform: models.PlatformAndroid, Title: "Phản ánh đã được tiếp nhận", Body: "Phường Mỹ Bình — hạn xử lý 17/03",
		Data:        map[string]string{"ticket_id": "t1", "code": "LX-2025-000001", "state": "assigned", "event": "accept", "message_id": id},
		CollapseKey: "ticket-t1", Urgent: true, TTL: 72 * time.Hour, State: models.PushQueued,
		CreatedAt: at(0), NextAttemptAt: at(next)}
}

func testPushEnqueueIdempotent(t *testing.T, s app.Store) {
	n, err := s.EnqueuePush(ctx(t), []models.PushMessage{pushMsg("m1", 0), pushMsg("m2", 0)})
	must(t, err, "EnqueuePush")
	if n != 2 {
		t.Errorf("EnqueuePush = %d, want 2", n)
	}
	got, err := s.PushMessageByID(ctx(t), "m1")
	must(t, err, "PushMessageByID")
	wantEqual(t, "round trip", pushMsg("m1", 0), *got)
	// Send m1, then enqueue it again with m3: m1 stays sent, only m3 is new.
	claimed, err := s.ClaimPush(ctx(t), "h", at(time.Second), time.Minute, 10)
	must(t, err, "ClaimPush")
	if len(claimed) != 2 {
		t.Fatalf("claimed %d, want 2", len(claimed))
	}
	_, err = s.CompletePush(ctx(t), "h", []string{"m1"}, models.PushSent, at(2*time.Second), "")
	must(t, err, "CompletePush")
	n, err = s.EnqueuePush(ctx(t), []models.PushMessage{pushMsg("m1", 0), pushMsg("m3", 0), pushMsg("m3", 0)})
	must(t, err, "EnqueuePush again")
	if n != 1 {
		t.Errorf("EnqueuePush again = %d, want 1", n)
	}
	got, err = s.PushMessageByID(ctx(t), "m1")
	must(t, err, "PushMessageByID")
	if got.State != models.PushSent {
		t.Errorf("m1 state = %s after re-enqueue, want sent", got.State)
	}
	_, err = s.PushMessageByID(ctx(t), "absent")
	wantCode(t, err, models.ENotFound, "PushMessageByID absent")
	counts, err := s.CountPush(ctx(t))
	must(t, err, "CountPush")
	if counts[models.PushSent] != 1 || counts[models.PushQueued] != 2 {
		t.Errorf("CountPush = %v, want 1 sent, 2 queued", counts)
	}
	testOldestQueuedPush(t, s)
}

// testOldestQueuedPush continues testPushEnqueueIdempotent: m2 and m3 are queued, m1 sent.
func testOldestQueuedPush(t *testing.T, s app.Store) {
	newer := pushMsg("m4", 0)
	newer.CreatedAt = at(time.Hour)
	_, err := s.EnqueuePush(ctx(t), []models.PushMessage{newer})
	must(t, err, "EnqueuePush")
	oldest, err := s.OldestQueuedPush(ctx(t))
	must(t, err, "OldestQueuedPush")
	if !oldest.Equal(at(0)) {
		t.Errorf("OldestQueuedPush = %v, want %v (m2, m3)", oldest, at(0))
	}
	claimed, err := s.ClaimPush(ctx(t), "h", at(2*time.Hour), time.Minute, 10)
	must(t, err, "ClaimPush")
	var ids []string
	for _, m := range claimed {
		ids = append(ids, m.ID)
	}
	_, err = s.CompletePush(ctx(t), "h", ids, models.PushDead, at(2*time.Hour), "")
	must(t, err, "CompletePush")
	oldest, err = s.OldestQueuedPush(ctx(t))
	must(t, err, "OldestQueuedPush")
	if !oldest.IsZero() {
		t.Errorf("OldestQueuedPush with nothing queued = %v, want the zero time", oldest)
	}
}

func testPushClaim(t *testing.T, s app.Store) {
	_, err := s.EnqueuePush(ctx(t), []models.PushMessage{pushMsg("c", 2*time.Minute), pushMsg("b", time.Minute), pushMsg("a", time.Minute), pushMsg("later", time.Hour)})
	must(t, err, "EnqueuePush")
	now := at(5 * time.Minute)
	got, err := s.ClaimPush(ctx(t), "h1", now, time.Minute, 2)
	must(t, err, "ClaimPush")
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
		t.Fatalf("ClaimPush = %v, want a, b", pushIDs(got))
	}
	if got[0].LeaseHolder != "h1" || !got[0].LeaseUntil.Equal(now.Add(time.Minute)) {
		t.Errorf("lease = %s until %s, want h1 until %s", got[0].LeaseHolder, got[0].LeaseUntil, now.Add(time.Minute))
	}
	got, err = s.ClaimPush(ctx(t), "h2", now, time.Minute, 10)
	must(t, err, "ClaimPush h2")
	if len(got) != 1 || got[0].ID != "c" {
		t.Fatalf("ClaimPush h2 = %v, want c (a, b leased, later not due)", pushIDs(got))
	}
	// The lease of a and b expires at now+1m exactly: then they can be claimed again.
	got, err = s.ClaimPush(ctx(t), "h3", now.Add(time.Minute-time.Millisecond), time.Minute, 10)
	must(t, err, "ClaimPush before expiry")
	if len(got) != 0 {
		t.Fatalf("ClaimPush before expiry = %v, want none", pushIDs(got))
	}
	got, err = s.ClaimPush(ctx(t), "h3", now.Add(time.Minute), time.Minute, 10)
	must(t, err, "ClaimPush at expiry")
	if len(got) != 3 {
		t.Fatalf("ClaimPush at expiry = %v, want a, b, c", pushIDs(got))
	}
	// The old holder lost them: its completion changes nothing.
	n, err := s.CompletePush(ctx(t), "h1", []string{"a", "b"}, models.PushSent, now, "")
	must(t, err, "CompletePush by old holder")
	if n != 0 {
		t.Errorf("CompletePush by old holder changed %d, want 0", n)
	}
}

func testPushCompleteReschedule(t *testing.T, s app.Store) {
	_, err := s.EnqueuePush(ctx(t), []models.PushMessage{pushMsg("a", 0), pushMsg("b", 0), pushMsg("c", 0)})
	must(t, err, "EnqueuePush")
	_, err = s.ClaimPush(ctx(t), "h", at(time.Second), time.Minute, 10)
	must(t, err, "ClaimPush")
	n, err := s.CompletePush(ctx(t), "h", []string{"a", "b"}, models.PushDropped, at(2*time.Second), "UNREGISTERED")
	must(t, err, "CompletePush")
	if n != 2 {
		t.Errorf("CompletePush = %d, want 2", n)
	}
	ok, err := s.ReschedulePush(ctx(t), "other", "c", at(time.Hour), "x")
	must(t, err, "ReschedulePush by other")
	if ok {
		t.Errorf("ReschedulePush by a non-holder succeeded")
	}
	ok, err = s.ReschedulePush(ctx(t), "h", "c", at(30*time.Second), "QUOTA_EXCEEDED")
	must(t, err, "ReschedulePush")
	if !ok {
		t.Fatalf("ReschedulePush by the holder failed")
	}
	got, err := s.PushMessageByID(ctx(t), "c")
	must(t, err, "PushMessageByID c")
	want := pushMsg("c", 30*time.Second)
	want.Attempts, want.LastError = 1, "QUOTA_EXCEEDED"
	wantEqual(t, "rescheduled", want, *got)
	got, err = s.PushMessageByID(ctx(t), "a")
	must(t, err, "PushMessageByID a")
	want = pushMsg("a", 0)
	want.State, want.DoneAt, want.LastError = models.PushDropped, at(2*time.Second), "UNREGISTERED"
	wantEqual(t, "dropped", want, *got)
	// Not due before its next attempt; due at it.
	claimed, err := s.ClaimPush(ctx(t), "h", at(29*time.Second), time.Minute, 10)
	must(t, err, "ClaimPush early")
	if len(claimed) != 0 {
		t.Errorf("claimed %v before next attempt", pushIDs(claimed))
	}
	claimed, err = s.ClaimPush(ctx(t), "h", at(30*time.Second), time.Minute, 10)
	must(t, err, "ClaimPush due")
	if len(claimed) != 1 || claimed[0].Attempts != 1 {
		t.Errorf("claimed %v, want c with 1 attempt", pushIDs(claimed))
	}
	counts, err := s.CountPush(ctx(t))
	must(t, err, "CountPush")
	if counts[models.PushDropped] != 2 || counts[models.PushQueued] != 1 || counts[models.PushSent] != 0 {
		t.Errorf("CountPush = %v", counts)
	}
}

func testPushConcurrentClaims(t *testing.T, s app.Store) {
	var msgs []models.PushMessage
	for i := range 40 {
		msgs = append(msgs, pushMsg(fmt.Sprintf("m%02d", i), 0))
	}
	_, err := s.EnqueuePush(ctx(t), msgs)
	must(t, err, "EnqueuePush")
	claim := func(holder string) ([]models.PushMessage, error) {
		return s.ClaimPush(ctx(t), holder, at(time.Second), time.Minute, 7)
	}
	if n := claimUntilEmpty(t, 4, claim, func(m models.PushMessage) string { return m.ID }); n != 40 {
		t.Errorf("claimed %d messages, want 40", n)
	}
}

func pushIDs(ms []models.PushMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}
