package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var erasureTests = []storeTest{
	{"EraseAccount", testEraseAccount},
	{"FollowedBy", testTicketIDsFollowedBy},
	{"FindRetention", testFindRetention},
	{"PurgeExpired", testPurgeExpired},
	{"PruneAudit", testPruneAudit},
}

// testEraseAccount: the account and everything keyed by it or its phone go; another account's
// records stay; erasing again succeeds.
func testEraseAccount(t *testing.T, s app.Store) {
	const phone, other = "+84912345678", "+84912345679"
	for _, u := range []*models.User{{ID: "r1", Role: models.RoleResident, Phone: phone, CreatedAt: at(0)},
		{ID: "r2", Role: models.RoleResident, Phone: other, CreatedAt: at(0)}} {
		must(t, s.CreateUser(ctx(t), u), "CreateUser")
		_, err := s.UpsertDevice(ctx(t), device("tok-"+u.ID, u.ID, 0))
		must(t, err, "UpsertDevice")
		_, err = s.PutSubscription(ctx(t), &models.Subscription{UserID: u.ID, AreaCode: "a1", Topic: "area-a1", CreatedAt: at(0)})
		must(t, err, "PutSubscription")
		must(t, s.CreateRefreshToken(ctx(t), &models.RefreshToken{ID: "rt-" + u.ID, FamilyID: "f-" + u.ID, UserID: u.ID,
			CreatedAt: at(0), ExpiresAt: at(time.Hour)}), "CreateRefreshToken")
		must(t, s.PutOTP(ctx(t), otp(u.Phone, "h-"+u.ID, at(0))), "PutOTP")
		_, err = s.HitCounter(ctx(t), "otp-phone-day:"+u.Phone, at(0))
		must(t, err, "HitCounter")
		_, err = s.HitCounter(ctx(t), "intake-user:"+u.ID, at(0))
		must(t, err, "HitCounter")
		m := pushMsg("m-"+u.ID, 0)
		m.UserID = u.ID
		_, err = s.EnqueuePush(ctx(t), []models.PushMessage{m})
		must(t, err, "EnqueuePush")
		must(t, s.AddConsent(ctx(t), &models.Consent{ID: "c-" + u.ID, UserID: u.ID, Purpose: models.PurposeAccount, Version: 1,
			Granted: true, At: at(0)}), "AddConsent")
		_, err = s.AddNotifications(ctx(t), []models.Notification{{ID: "n-" + u.ID, UserID: u.ID, TicketID: "t1", Code: "LX-1",
			Version: 1, Event: "submit", Title: "Đã nhận", Body: "…", TitleEN: "Received", BodyEN: "…", CreatedAt: at(0)}})
		must(t, err, "AddNotifications")
		// A pending phone change: a sign-in challenge keyed by the account and the new number.
		must(t, s.PutOTP(ctx(t), otp("change:"+u.ID+":+8490000000"+u.ID[1:], "hc-"+u.ID, at(0))), "PutOTP")
	}
	for range 2 {
		must(t, s.EraseAccount(ctx(t), "r1", phone), "EraseAccount")
	}
	if _, err := s.UserByID(ctx(t), "r1"); !models.IsCode(err, models.ENotFound) {
		t.Errorf("UserByID after erasure: %v", err)
	}
	if _, err := s.OTPByPhone(ctx(t), phone); !models.IsCode(err, models.ENotFound) {
		t.Errorf("OTPByPhone after erasure: %v", err)
	}
	if _, err := s.UseRefreshToken(ctx(t), "rt-r1", at(time.Minute)); !models.IsCode(err, models.ENotFound) {
		t.Errorf("refresh token after erasure: %v", err)
	}
	if subs, err := s.SubscriptionsOf(ctx(t), "r1"); err != nil || len(subs) != 0 {
		t.Errorf("subscriptions after erasure: %v %v", subs, err)
	}
	if devs, err := s.DevicesOfUsers(ctx(t), []string{"r1", "r2"}); err != nil || len(devs) != 1 || devs[0].UserID != "r2" {
		t.Errorf("devices after erasure: %+v %v", devs, err)
	}
	if _, err := s.PushMessageByID(ctx(t), "m-r1"); !models.IsCode(err, models.ENotFound) {
		t.Errorf("push message after erasure: %v", err)
	}
	for key, want := range map[string]int64{"otp-phone-day:" + phone: 0, "intake-user:r1": 0, "otp-phone-day:" + other: 1, "intake-user:r2": 1} {
		if n, err := s.AddToCounter(ctx(t), key, at(0), 0); err != nil || n != want {
			t.Errorf("counter %s after erasure = %d, %v; want %d", key, n, err, want)
		}
	}
	for user, want := range map[string]int{"r1": 0, "r2": 1} {
		if cs, err := s.ConsentsOf(ctx(t), user); err != nil || len(cs) != want {
			t.Errorf("consents of %s after erasure: %+v %v; want %d", user, cs, err, want)
		}
		if ns, err := s.Notifications(ctx(t), models.NotificationQuery{UserID: user}); err != nil || len(ns) != want {
			t.Errorf("notifications of %s after erasure: %+v %v; want %d", user, ns, err, want)
		}
		_, err := s.OTPByPhone(ctx(t), "change:"+user+":+8490000000"+user[1:])
		if gone := models.IsCode(err, models.ENotFound); gone != (want == 0) {
			t.Errorf("pending phone change of %s after erasure: %v", user, err)
		}
	}
	if _, err := s.UserByID(ctx(t), "r2"); err != nil {
		t.Errorf("the other account: %v", err)
	}
	if _, err := s.PushMessageByID(ctx(t), "m-r2"); err != nil {
		t.Errorf("the other account's push: %v", err)
	}
}

// testTicketIDsFollowedBy lists the tickets a user follows, by id.
func testTicketIDsFollowedBy(t *testing.T, s app.Store) {
	a := minimalTicket("t-a", "r1", "u1", at(0))
	a.Followers = []string{"f1", "f2"}
	b := minimalTicket("t-b", "r1", "u1", at(time.Minute))
	b.Followers = []string{"f2"}
	c := minimalTicket("t-c", "f1", "u1", at(2*time.Minute))
	for _, tk := range []*models.Ticket{a, b, c} {
		must(t, s.CreateTicket(ctx(t), tk), "CreateTicket")
	}
	for user, want := range map[string][]string{"f1": {"t-a"}, "f2": {"t-a", "t-b"}, "r1": nil} {
		got, err := s.TicketIDsFollowedBy(ctx(t), user)
		must(t, err, "TicketIDsFollowedBy")
		if !slices.Equal(got, want) {
			t.Errorf("TicketIDsFollowedBy(%s) = %v, want %v", user, got, want)
		}
	}
}

// testFindRetention selects final tickets last changed before the cutoff, by id after the
// cursor, and with Identified those whose reporter is not erased.
func testFindRetention(t *testing.T, s app.Store) {
	mk := func(id string, st models.State, updated time.Duration, reporter string) {
		tk := minimalTicket(id, reporter, "u1", at(0))
		tk.State, tk.UpdatedAt = st, at(updated)
		must(t, s.CreateTicket(ctx(t), tk), "CreateTicket")
	}
	mk("t1", models.StateClosed, time.Hour, "r1")
	mk("t2", models.StateWithdrawn, time.Hour, models.ErasedReporter)
	mk("t3", models.StateRejected, 3*time.Hour, "r1") // after the cutoff
	mk("t4", models.StateInProgress, time.Hour, "r1") // open
	mk("t5", models.StateDuplicate, time.Hour, "r2")
	withMedia := func(id string, media, result []string, private bool) {
		tk := minimalTicket(id, "r3", "u1", at(0))
		tk.State, tk.UpdatedAt, tk.Media, tk.ResultMedia, tk.Private = models.StateClosed, at(time.Hour), media, result, private
		must(t, s.CreateTicket(ctx(t), tk), "CreateTicket")
	}
	withMedia("t6", []string{"m1"}, nil, false)
	withMedia("t7", nil, []string{"m2"}, false) // public result photos stay
	withMedia("t8", nil, []string{"m3"}, true)
	withMedia("t9", []string{}, []string{}, true)
	for _, c := range []struct {
		name string
		q    models.RetentionQuery
		want []string
	}{
		{"all", models.RetentionQuery{ClosedBefore: at(2 * time.Hour), Limit: 10}, []string{"t1", "t2", "t5", "t6", "t7", "t8", "t9"}},
		{"identified", models.RetentionQuery{ClosedBefore: at(2 * time.Hour), Identified: true, Limit: 10}, []string{"t1", "t5", "t6", "t7", "t8", "t9"}},
		{"after", models.RetentionQuery{ClosedBefore: at(2 * time.Hour), AfterID: "t1", Limit: 3}, []string{"t2", "t5", "t6"}},
		{"with media", models.RetentionQuery{ClosedBefore: at(2 * time.Hour), WithMedia: true, Limit: 10}, []string{"t6", "t8"}},
		{"limit", models.RetentionQuery{ClosedBefore: at(2 * time.Hour), Limit: 1}, []string{"t1"}},
	} {
		ts, err := s.FindRetention(ctx(t), c.q)
		must(t, err, "FindRetention")
		var got []string
		for _, tk := range ts {
			got = append(got, tk.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: FindRetention = %v, want %v", c.name, got, c.want)
		}
	}
}

// testPurgeExpired deletes expired codes, tokens and old counters, and nothing current.
func testPurgeExpired(t *testing.T, s app.Store) {
	old, cur := otp("+84900000001", "h1", at(0)), otp("+84900000002", "h2", at(time.Hour))
	must(t, s.PutOTP(ctx(t), old), "PutOTP")
	must(t, s.PutOTP(ctx(t), cur), "PutOTP")
	for id, exp := range map[string]time.Duration{"rt-old": time.Minute, "rt-cur": 3 * time.Hour} {
		must(t, s.CreateRefreshToken(ctx(t), &models.RefreshToken{ID: id, FamilyID: id, UserID: "u", CreatedAt: at(0), ExpiresAt: at(exp)}), "CreateRefreshToken")
	}
	_, err := s.HitCounter(ctx(t), "old", at(0))
	must(t, err, "HitCounter")
	_, err = s.HitCounter(ctx(t), "cur", at(2*time.Hour))
	must(t, err, "HitCounter")
	now := old.ExpiresAt.Add(time.Second)
	n, err := s.PurgeExpired(ctx(t), now, at(time.Hour))
	must(t, err, "PurgeExpired")
	if n != 3 {
		t.Errorf("PurgeExpired deleted %d records, want 3", n)
	}
	if _, err := s.OTPByPhone(ctx(t), cur.Phone); err != nil {
		t.Errorf("the current code was deleted: %v", err)
	}
	if _, err := s.OTPByPhone(ctx(t), old.Phone); !models.IsCode(err, models.ENotFound) {
		t.Errorf("the expired code stayed: %v", err)
	}
	if _, err := s.UseRefreshToken(ctx(t), "rt-cur", now); err != nil {
		t.Errorf("the current refresh token was deleted: %v", err)
	}
	if c, err := s.AddToCounter(ctx(t), "cur", at(2*time.Hour), 0); err != nil || c != 1 {
		t.Errorf("the current counter = %d, %v", c, err)
	}
}

// testPruneAudit removes the oldest records before the cutoff, never the newest, anchors the
// chain at the newest removed one, and leaves a chain that verifies and keeps growing.
func testPruneAudit(t *testing.T, s app.Store) {
	if n, err := s.PruneAudit(ctx(t), at(time.Hour), at(time.Hour)); err != nil || n != 0 {
		t.Fatalf("PruneAudit of an empty log = %d, %v", n, err)
	}
	appendAt := func(i int, d time.Duration) {
		must(t, s.AppendAudit(ctx(t), &models.AuditRecord{ID: fmt.Sprintf("p-%02d", i), At: at(d), ActorID: "admin-1",
			Role: models.RoleAdmin, Action: "user_update"}), "AppendAudit")
	}
	for i := range 5 {
		appendAt(i, time.Duration(i)*time.Minute)
	}
	n, err := s.PruneAudit(ctx(t), at(3*time.Minute), at(time.Hour)) // records at 0, 1 and 2 minutes
	must(t, err, "PruneAudit")
	a, err := s.AuditAnchor(ctx(t))
	must(t, err, "AuditAnchor")
	chain, err := s.AuditChain(ctx(t), 0, 0)
	must(t, err, "AuditChain")
	if n != 3 || a.Seq != 3 || len(chain) != 2 || chain[0].Seq != 4 || chain[0].PrevHash != a.Hash || !a.At.Equal(at(2*time.Minute)) {
		t.Fatalf("PruneAudit = %d, anchor %+v, chain %d records from seq %d", n, a, len(chain), chain[0].Seq)
	}
	if n, err := s.PruneAudit(ctx(t), at(3*time.Minute), at(time.Hour)); err != nil || n != 0 {
		t.Errorf("a second PruneAudit = %d, %v; want 0", n, err)
	}
	if n, err := app.VerifyAuditChain(ctx(t), s); err != nil || n != 2 {
		t.Errorf("VerifyAuditChain after pruning = %d, %v", n, err)
	}
	// Everything is old: all but the newest go, and appends go on from it.
	if n, err := s.PruneAudit(ctx(t), at(time.Hour), at(time.Hour)); err != nil || n != 1 {
		t.Errorf("PruneAudit of all = %d, %v; want 1 (the newest stays)", n, err)
	}
	appendAt(5, 5*time.Minute)
	if n, err := app.VerifyAuditChain(ctx(t), s); err != nil || n != 2 {
		t.Errorf("VerifyAuditChain after an append = %d, %v", n, err)
	}
}
