package tests

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/app"
	"phananh/models"
	"phananh/push/fcmtest"
	"phananh/store/mongodb"
	"phananh/store/sqlite"
)

type subscriptionDTO struct {
	AreaCode  string `json:"area_code"`
	AreaName  string `json:"area_name"`
	Topic     string `json:"topic"`
	CreatedAt string `json:"created_at"`
}

func listSubscriptions(t *testing.T, s *server, token string) []string {
	t.Helper()
	var page struct {
		Subscriptions []subscriptionDTO `json:"subscriptions"`
	}
	s.request(t, "GET", "/v1/subscriptions", token, nil).expect(t, http.StatusOK).json(t, &page)
	var out []string
	for _, sub := range page.Subscriptions {
		out = append(out, sub.AreaCode)
	}
	return out
}

// topicMessages are the successful sends to topic.
func topicMessages(fake *fcmtest.Server, topic string) []fcmtest.Request {
	var out []fcmtest.Request
	for _, r := range fake.Delivered() {
		if r.Message.Topic == topic {
			out = append(out, r)
		}
	}
	return out
}

// TestPushWardTopics: a resident subscribes to a ward; every device of theirs joins the ward's
// FCM topic through the Admin SDK (IID batchAdd on the fake server), also one registered later;
// an unregistered device leaves it; resolving a public report in the ward sends one
// announcement to the topic, without the report's description, address or reporter, and a
// private report's resolution sends none. Bad requests change nothing.
func TestPushWardTopics(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 4)
	eachStore(t, func(t *testing.T, st storeKind) {
		fake := fcmtest.New()
		defer fake.Close()
		s := startServer(t, st, pushEnv(fake)...)
		sub := s.signInResident("0912200041")
		registerDevice(t, s, sub.AccessToken, "sub-1", "android", "vi-VN")

		var got subscriptionDTO
		s.request(t, "POST", "/v1/subscriptions", sub.AccessToken, map[string]string{"area_code": x.code}).expect(t, http.StatusCreated).json(t, &got)
		topic := models.AreaTopic("longxuyen-2023", x.code)
		if got.AreaCode != x.code || got.Topic != topic || got.AreaName == "" || got.CreatedAt == "" {
			t.Errorf("subscription %+v, want area %s topic %s", got, x.code, topic)
		}
		s.request(t, "POST", "/v1/subscriptions", sub.AccessToken, map[string]string{"area_code": x.code}).expect(t, http.StatusOK)
		waitFor(t, "sub-1 in the topic", 20*time.Second, func() bool { return slices.Equal(fake.TopicMembers(topic), []string{"sub-1"}) })

		// Bad requests: each refused with a clear 4xx, none changes the subscriptions.
		officer := s.createOfficial("officer", "officer.topics", unitOf(x.code, "ubnd"))
		checkBadSubscriptionRequests(t, s, sub, officer, x)

		// A device registered later joins; an unregistered one leaves.
		registerDevice(t, s, sub.AccessToken, "sub-2", "ios", "en-US")
		waitFor(t, "sub-2 in the topic", 20*time.Second, func() bool { return slices.Equal(fake.TopicMembers(topic), []string{"sub-1", "sub-2"}) })
		s.request(t, "DELETE", "/v1/devices/sub-1", sub.AccessToken, nil).expect(t, http.StatusNoContent)
		waitFor(t, "sub-1 out of the topic", 20*time.Second, func() bool { return slices.Equal(fake.TopicMembers(topic), []string{"sub-2"}) })

		// A public report resolved in the ward: one announcement, nothing of the report's text or
		// reporter. A private one (ANTT): none.
		public, private, rep := resolveInWard(t, s, officer, x)
		checkWardAnnouncement(t, fake, topic, public, private, rep.User.ID)

		// Unsubscribing: the topic loses the remaining device; a second DELETE is fine.
		s.request(t, "DELETE", "/v1/subscriptions/"+x.code, sub.AccessToken, nil).expect(t, http.StatusNoContent)
		s.request(t, "DELETE", "/v1/subscriptions/"+x.code, sub.AccessToken, nil).expect(t, http.StatusNoContent)
		waitFor(t, "an empty topic", 20*time.Second, func() bool { return len(fake.TopicMembers(topic)) == 0 })
		if got := listSubscriptions(t, s, sub.AccessToken); len(got) != 0 {
			t.Errorf("subscriptions after unsubscribing: %v", got)
		}
	})
}

// checkBadSubscriptionRequests sends bad subscription requests (as the subscriber sub and as an
// official): each is refused with a clear 4xx, and sub stays subscribed to ward x alone.
func checkBadSubscriptionRequests(t *testing.T, s *server, sub, officer tokens, x wardPoint) {
	t.Helper()
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"unknown area", "POST", "/v1/subscriptions", sub.AccessToken, map[string]string{"area_code": "99999"}, http.StatusUnprocessableEntity},
		{"no area", "POST", "/v1/subscriptions", sub.AccessToken, map[string]string{}, http.StatusBadRequest},
		{"unknown field", "POST", "/v1/subscriptions", sub.AccessToken, map[string]string{"area": x.code}, http.StatusBadRequest},
		{"official", "POST", "/v1/subscriptions", officer.AccessToken, map[string]string{"area_code": x.code}, http.StatusForbidden},
		{"anonymous", "POST", "/v1/subscriptions", "", map[string]string{"area_code": x.code}, http.StatusUnauthorized},
		{"delete unknown area", "DELETE", "/v1/subscriptions/99999", sub.AccessToken, nil, http.StatusNotFound},
		{"official lists", "GET", "/v1/subscriptions", officer.AccessToken, nil, http.StatusForbidden},
	} {
		if r := s.request(t, tc.method, tc.path, tc.token, tc.body); r.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.status, r.body, tc.status)
		}
	}
	if diff := cmp.Diff([]string{x.code}, listSubscriptions(t, s, sub.AccessToken)); diff != "" {
		t.Errorf("subscriptions after bad requests (-want +got):\n%s", diff)
	}
}

// resolveInWard has a resident file a public report (MT, with a phone number and an address in
// its description) and a private one (ANTT.01) in ward x, and their units resolve both with a
// note naming someone. It returns the two tickets and the reporter.
func resolveInWard(t *testing.T, s *server, officer tokens, x wardPoint) (public, private wfTicket, rep tokens) {
	t.Helper()
	rep = s.signInResident("0912200042")
	const description = "Rác thải đổ trộm trước nhà số 12, gọi tôi 0912 200 042."
	public = fileTicket(t, s, rep.AccessToken, wfReport("MT", x, description, true))
	private = fileTicket(t, s, rep.AccessToken, wfReport("ANTT.01", x, "Nhóm thanh niên tụ tập gây rối.", true))
	handler := officer
	if public.Unit.ID != unitOf(x.code, "ubnd") {
		handler = s.createOfficial("officer", "officer.topics2", public.Unit.ID)
	}
	police := s.createOfficial("officer", "police.topics", private.Unit.ID)
	const note = "Đã thu gom, liên hệ ông Nguyễn Văn A."
	for _, c := range []struct {
		tk  wfTicket
		who tokens
	}{{public, handler}, {private, police}} {
		tk := step(t, s, c.who.AccessToken, getTicket(t, s, c.who.AccessToken, c.tk.ID), "accept", nil, "assigned")
		step(t, s, c.who.AccessToken, tk, "resolve", fields{"outcome": "fixed", "note": note}, "resolved")
	}
	return public, private, rep
}

// checkWardAnnouncement checks the ward topic got one announcement, of the public ticket's
// resolution, in Vietnamese, without the report's text, the note or the reporter (repID); and
// that the private ticket was announced to no topic.
func checkWardAnnouncement(t *testing.T, fake *fcmtest.Server, topic string, public, private wfTicket, repID string) {
	t.Helper()
	waitFor(t, "the announcement", 20*time.Second, func() bool { return len(topicMessages(fake, topic)) > 0 })
	time.Sleep(500 * time.Millisecond) // let a duplicate or a private announcement arrive
	msgs := topicMessages(fake, topic)
	if len(msgs) != 1 {
		t.Fatalf("%d announcements to %s, want 1: %+v", len(msgs), topic, msgs)
	}
	m := msgs[0].Message
	if m.Token != "" || m.Notification == nil || m.Data["ticket_id"] != public.ID || m.Data["event"] != "resolve" || m.Data["code"] != public.Code {
		t.Fatalf("announcement %+v", m)
	}
	text := m.Notification.Title + " " + m.Notification.Body
	if !strings.Contains(m.Notification.Title, public.Area.Name) || !strings.Contains(m.Notification.Body, "đã khắc phục") {
		t.Errorf("announcement %q / %q, want the ward and the outcome in Vietnamese", m.Notification.Title, m.Notification.Body)
	}
	for _, secret := range []string{"Rác thải đổ trộm", "0912", "Nguyễn Văn A", "nhà số 12", repID} {
		if strings.Contains(text, secret) || slices.Contains(mapValues(m.Data), secret) {
			t.Errorf("announcement carries %q: %q %v", secret, text, m.Data)
		}
	}
	for _, r := range fake.Delivered() {
		if r.Message.Topic != "" && r.Message.Data["ticket_id"] == private.ID {
			t.Errorf("the private report was announced to %s", r.Message.Topic)
		}
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestDevicePruningWithoutFCM: a device unused for 270 days is pruned by a server without FCM
// configured, and its ward topic is queued to be left; a recent one stays.
func TestDevicePruningWithoutFCM(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		ctx := context.Background()
		var store app.Store
		var env []string
		var err error
		if st.mongo != nil {
			uri, db := st.mongo.NewDatabase(t)
			store, err = mongodb.Open(ctx, uri, db)
			env = []string{"MONGODB_URI=" + uri, "MONGODB_DATABASE=" + db}
		} else {
			dir := t.TempDir()
			store, err = sqlite.Open(ctx, filepath.Join(dir, "phananh.db"))
			env = []string{"DATA_DIR=" + dir}
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		now := time.Now().UTC().Truncate(time.Millisecond)
		for _, d := range []models.Device{
			{Token: "stale", UserID: "u1", Platform: models.PlatformAndroid, CreatedAt: now.AddDate(-1, 0, 0), LastSeenAt: now.Add(-models.DeviceMaxIdle - time.Hour)},
			{Token: "recent", UserID: "u1", Platform: models.PlatformAndroid, CreatedAt: now, LastSeenAt: now.Add(-models.DeviceMaxIdle + 24*time.Hour)},
		} {
			if _, err := store.UpsertDevice(ctx, &d); err != nil {
				t.Fatal(err)
			}
		}
		topic := models.AreaTopic("longxuyen-2023", "30280")
		if _, err := store.PutSubscription(ctx, &models.Subscription{UserID: "u1", AreaCode: "30280", Topic: topic, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		s := startServer(t, storeKind{name: st.name}, env...)
		waitFor(t, "the push disabled log line", 10*time.Second, func() bool { return strings.Contains(s.stderr.String(), "push disabled") })
		waitFor(t, "the stale device to be pruned", 20*time.Second, func() bool {
			devs, err := store.DevicesOfUsers(ctx, []string{"u1"})
			return err == nil && len(devs) == 1 && devs[0].Token == "recent"
		})
		// Pruning deletes the devices, then queues their topic changes (two steps on MongoDB):
		// the queue may lag the deletion by a moment.
		var ops []models.TopicOp
		waitFor(t, "the topic change of the pruned device", 20*time.Second, func() bool {
			ops, err = store.TopicOps(ctx)
			return err == nil && len(ops) > 0
		})
		if len(ops) != 1 || ops[0].Token != "stale" || ops[0].Topic != topic || ops[0].Subscribe {
			t.Errorf("topic ops after pruning: %+v, want stale to leave %s", ops, topic)
		}
	})
}
