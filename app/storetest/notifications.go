package storetest

import (
	"fmt"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var notificationTests = []storeTest{
	{"InboxOrderAndPaging", testInboxOrderAndPaging},
	{"MarkRead", testMarkRead},
}

func notification(id, user string, created time.Duration) models.Notification {
	return models.Notification{ID: id, UserID: user, TicketID: "t-" + id, Code: "LX-" + id, Version: 1, Event: "accept",
		Title: "Đã tiếp nhận " + id, Body: "Nội dung", TitleEN: "Accepted " + id, BodyEN: "Text", CreatedAt: at(created)}
}

func inboxIDs(t *testing.T, s app.Store, q models.NotificationQuery) []string {
	t.Helper()
	ns, err := s.Notifications(ctx(t), q)
	must(t, err, "Notifications")
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	return ids
}

// testInboxOrderAndPaging: a replayed insert adds nothing; an inbox lists unread first, each
// group newest first (id breaks ties), pages by keyset without gaps or repeats, and holds one
// user's notifications only.
func testInboxOrderAndPaging(t *testing.T, s app.Store) {
	var ns []models.Notification
	for i := range 6 {
		ns = append(ns, notification(fmt.Sprintf("n%d", i), "u1", time.Duration(i/2)*time.Minute)) // two per minute
	}
	ns = append(ns, notification("x", "u2", time.Hour))
	n, err := s.AddNotifications(ctx(t), ns)
	must(t, err, "AddNotifications")
	if n != 7 {
		t.Errorf("inserted %d, want 7", n)
	}
	if n, err = s.AddNotifications(ctx(t), ns[:3]); err != nil || n != 0 {
		t.Errorf("replayed insert: %d, %v; want 0", n, err)
	}
	_, err = s.MarkNotificationsRead(ctx(t), "u1", []string{"n5", "n2"}, at(time.Hour))
	must(t, err, "MarkNotificationsRead")
	want := []string{"n4", "n3", "n1", "n0", "n5", "n2"}
	wantEqual(t, "inbox", want, inboxIDs(t, s, models.NotificationQuery{UserID: "u1"}))
	wantEqual(t, "unread only", want[:4], inboxIDs(t, s, models.NotificationQuery{UserID: "u1", UnreadOnly: true}))
	var paged []string
	q := models.NotificationQuery{UserID: "u1", Limit: 2}
	for range 4 {
		page, err := s.Notifications(ctx(t), q)
		must(t, err, "Notifications")
		if len(page) == 0 {
			break
		}
		for _, n := range page {
			paged = append(paged, n.ID)
		}
		last := page[len(page)-1]
		q.After = &models.NotificationCursor{Read: !last.ReadAt.IsZero(), CreatedAt: last.CreatedAt, ID: last.ID}
	}
	wantEqual(t, "pages", want, paged)
	all, err := s.Notifications(ctx(t), models.NotificationQuery{UserID: "u1", Limit: 1})
	must(t, err, "Notifications")
	wantEqual(t, "stored", ns[4], all[0])
	if c, err := s.CountUnread(ctx(t), "u1"); err != nil || c != 4 {
		t.Errorf("unread %d, %v; want 4", c, err)
	}
}

// testMarkRead: marking changes only the caller's unread notifications, keeps the first read
// time, and all marks every unread one.
func testMarkRead(t *testing.T, s app.Store) {
	_, err := s.AddNotifications(ctx(t), []models.Notification{notification("a", "u1", 0), notification("b", "u1", time.Minute),
		notification("c", "u2", 0)})
	must(t, err, "AddNotifications")
	for _, tc := range []struct {
		ids  []string
		want int
	}{{[]string{"a", "c", "zzz"}, 1}, {[]string{"a"}, 0}, {nil, 1}} {
		if n, err := s.MarkNotificationsRead(ctx(t), "u1", tc.ids, at(time.Hour)); err != nil || n != tc.want {
			t.Errorf("mark %v read: %d, %v; want %d", tc.ids, n, err, tc.want)
		}
	}
	ns, err := s.Notifications(ctx(t), models.NotificationQuery{UserID: "u1"})
	must(t, err, "Notifications")
	for _, n := range ns {
		if !n.ReadAt.Equal(at(time.Hour)) {
			t.Errorf("%s read at %v", n.ID, n.ReadAt)
		}
	}
	if c, err := s.CountUnread(ctx(t), "u2"); err != nil || c != 1 {
		t.Errorf("another user's unread %d, %v; want 1", c, err)
	}
	must(t, s.DeleteNotificationsOf(ctx(t), "u1"), "DeleteNotificationsOf")
	if c, _ := s.Notifications(ctx(t), models.NotificationQuery{UserID: "u1"}); len(c) != 0 {
		t.Errorf("inbox after deletion: %+v", c)
	}
}
