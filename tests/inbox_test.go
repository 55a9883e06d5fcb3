package tests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"phananh/push/fcmtest"
)

type inboxEntry struct {
	ID       string `json:"id"`
	TicketID string `json:"ticket_id"`
	Code     string `json:"code"`
	Event    string `json:"event"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	ReadAt   string `json:"read_at"`
}

type inboxPage struct {
	Notifications []inboxEntry `json:"notifications"`
	NextCursor    string       `json:"next_cursor"`
	Unread        int          `json:"unread"`
}

func readInbox(t *testing.T, s *server, token, query string, headers ...string) inboxPage {
	t.Helper()
	var p inboxPage
	s.request(t, "GET", "/v1/me/notifications?"+query, token, nil, headers...).expect(t, http.StatusOK).json(t, &p)
	return p
}

func inboxEvents(p inboxPage) []string {
	var out []string
	for _, n := range p.Notifications {
		out = append(out, n.Event)
	}
	return out
}

// TestNotificationInbox: every push a resident is sent is in their inbox — the reporter's
// although FCM refused their only device, a follower's although they have none — in Vietnamese
// or English, unread first with keyset pages; marking read works on the caller's own entries
// only, and bad requests change nothing.
func TestNotificationInbox(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 7)
	eachStore(t, func(t *testing.T, st storeKind) {
		fake := fcmtest.New()
		defer fake.Close()
		s := startServer(t, st, pushEnv(fake)...)
		rep := s.signInResident("0913000041")
		fol := s.signInResident("0913000042")
		registerDevice(t, s, rep.AccessToken, "inbox-rep", "android", "vi-VN")
		fake.Unregister("inbox-rep") // the app was uninstalled: every push to it fails
		tk := fileTicket(t, s, rep.AccessToken, wfReport("TTDT", x, "Bãi xe tự phát chiếm lòng đường", false))
		tk = step(t, s, fol.AccessToken, tk, "follow", nil, "received")
		officer := s.createOfficial("officer", "canbo.inbox", tk.Unit.ID)
		step(t, s, officer.AccessToken, getTicket(t, s, officer.AccessToken, tk.ID), "accept", nil, "assigned")
		waitFor(t, "the failed push to drop the device", 20*time.Second, func() bool {
			var d struct{ Devices []any }
			s.request(t, "GET", "/v1/devices", rep.AccessToken, nil).expect(t, http.StatusOK).json(t, &d)
			return len(d.Devices) == 0
		})

		vi := readInbox(t, s, rep.AccessToken, "")
		if got := strings.Join(inboxEvents(vi), ","); got != "accept,submit" || vi.Unread != 2 || vi.Notifications[0].Code != tk.Code {
			t.Fatalf("reporter's inbox: %s, %d unread, %+v; want accept,submit unread", got, vi.Unread, vi.Notifications)
		}
		en := readInbox(t, s, rep.AccessToken, "", "Accept-Language: en-US,en;q=0.9")
		if en.Notifications[0].Title == vi.Notifications[0].Title || readInbox(t, s, rep.AccessToken, "lang=en").Notifications[0].Title != en.Notifications[0].Title {
			t.Errorf("English title %q, Vietnamese %q: want a translation, the same by lang=en", en.Notifications[0].Title, vi.Notifications[0].Title)
		}
		if got := inboxEvents(readInbox(t, s, fol.AccessToken, "")); strings.Join(got, ",") != "accept" {
			t.Errorf("follower's inbox (no device): %v, want the accept", got)
		}

		first := readInbox(t, s, rep.AccessToken, "limit=1")
		second := readInbox(t, s, rep.AccessToken, "limit=1&cursor="+url.QueryEscape(first.NextCursor))
		if first.NextCursor == "" || len(second.Notifications) != 1 || second.Notifications[0].Event != "submit" || second.NextCursor != "" {
			t.Errorf("pages: %+v then %+v", first, second)
		}

		checkInboxRefusals(t, s, rep.AccessToken, officer.AccessToken, readInbox(t, s, fol.AccessToken, "").Notifications[0].ID)
		submit := vi.Notifications[1].ID
		var marked struct{ Marked int }
		s.request(t, "POST", "/v1/me/notifications/read", rep.AccessToken, map[string]any{"ids": []string{submit}}).expect(t, http.StatusOK).json(t, &marked)
		after := readInbox(t, s, rep.AccessToken, "")
		if marked.Marked != 1 || after.Unread != 1 || strings.Join(inboxEvents(after), ",") != "accept,submit" || after.Notifications[1].ReadAt == "" {
			t.Errorf("after marking the submit read: marked %d, %+v", marked.Marked, after)
		}
		if got := inboxEvents(readInbox(t, s, rep.AccessToken, "unread=true")); strings.Join(got, ",") != "accept" {
			t.Errorf("unread only: %v", got)
		}
		s.request(t, "POST", "/v1/me/notifications/read", rep.AccessToken, map[string]any{"all": true}).expect(t, http.StatusOK).json(t, &marked)
		if marked.Marked != 1 || readInbox(t, s, rep.AccessToken, "").Unread != 0 {
			t.Errorf("mark all: %d marked", marked.Marked)
		}
	})
}

// checkInboxRefusals sends bad requests; none changes the inbox, and a resident cannot mark
// another's notification.
func checkInboxRefusals(t *testing.T, s *server, resident, official, othersID string) {
	t.Helper()
	before := readInbox(t, s, resident, "")
	for _, tc := range []struct {
		method, path, token string
		body                any
		status              int
	}{
		{"GET", "/v1/me/notifications?unread=maybe", resident, nil, http.StatusBadRequest},
		{"GET", "/v1/me/notifications?lang=fr", resident, nil, http.StatusBadRequest},
		{"GET", "/v1/me/notifications?cursor=xyz", resident, nil, http.StatusBadRequest},
		{"GET", "/v1/me/notifications", official, nil, http.StatusForbidden},
		{"POST", "/v1/me/notifications/read", resident, map[string]any{}, http.StatusBadRequest},
		{"POST", "/v1/me/notifications/read", resident, map[string]any{"all": true, "ids": []string{"x"}}, http.StatusBadRequest},
		{"POST", "/v1/me/notifications/read", resident, map[string]any{"all": "yes"}, http.StatusBadRequest},
		{"POST", "/v1/me/notifications/read", resident, map[string]any{"all": true, "everything": true}, http.StatusBadRequest},
		{"POST", "/v1/me/notifications/read", official, map[string]any{"all": true}, http.StatusForbidden},
	} {
		if r := s.request(t, tc.method, tc.path, tc.token, tc.body); r.status != tc.status {
			t.Errorf("%s %s %v: %d %s, want %d", tc.method, tc.path, tc.body, r.status, r.body, tc.status)
		}
	}
	var marked struct{ Marked int }
	s.request(t, "POST", "/v1/me/notifications/read", resident, map[string]any{"ids": []string{othersID}}).expect(t, http.StatusOK).json(t, &marked)
	if after := readInbox(t, s, resident, ""); marked.Marked != 0 || after.Unread != before.Unread {
		t.Errorf("refused requests or another's id changed the inbox: marked %d, unread %d → %d", marked.Marked, before.Unread, after.Unread)
	}
}
