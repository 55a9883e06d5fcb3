package tests

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFollowedReportsList: GET /v1/tickets?following=true lists the reports the caller follows,
// newest first with keyset pages, each exactly as the caller reads it alone (the public view);
// unfollowing takes a report off the list; asking for both lists, for neither, or as an
// official is refused.
func TestFollowedReportsList(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 3)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		reporter := s.signInResident("0913000031")
		follower := s.signInResident("0913000032")
		var ids []string
		for _, d := range []string{"Lấn chiếm vỉa hè số 0913000031", "Rác tồn đọng", "Đèn đường hỏng"} {
			tk := fileTicket(t, s, reporter.AccessToken, wfReport("TTDT", x, d, true))
			act(t, s, follower.AccessToken, tk.ID, tk.Version, "follow", nil).expect(t, http.StatusOK)
			ids = append(ids, tk.ID)
		}
		var page struct {
			Tickets    []json.RawMessage `json:"tickets"`
			NextCursor string            `json:"next_cursor"`
		}
		s.request(t, "GET", "/v1/tickets?following=true&limit=2", follower.AccessToken, nil).expect(t, http.StatusOK).json(t, &page)
		first := page.Tickets
		if len(first) != 2 || page.NextCursor == "" {
			t.Fatalf("first page: %d reports, cursor %q; want 2 and a cursor", len(first), page.NextCursor)
		}
		var second struct {
			Tickets    []json.RawMessage `json:"tickets"`
			NextCursor string            `json:"next_cursor"`
		}
		s.request(t, "GET", "/v1/tickets?following=true&limit=2&cursor="+url.QueryEscape(page.NextCursor), follower.AccessToken, nil).
			expect(t, http.StatusOK).json(t, &second)
		all := append(first, second.Tickets...)
		if len(all) != 3 || second.NextCursor != "" {
			t.Fatalf("both pages: %d reports, last cursor %q; want 3 and none", len(all), second.NextCursor)
		}
		seen := map[string]bool{}
		lastCreated := ""
		for i, raw := range all { // newest first, each as the follower reads it alone
			var item, alone map[string]any
			if err := json.Unmarshal(raw, &item); err != nil {
				t.Fatal(err)
			}
			id, _ := item["id"].(string)
			created, _ := item["created_at"].(string)
			if seen[id] || (lastCreated != "" && created > lastCreated) {
				t.Errorf("report %d (%s, filed %s) repeats or is newer than the one before (%s)", i, id, created, lastCreated)
			}
			seen[id], lastCreated = true, created
			s.request(t, "GET", "/v1/tickets/"+id, follower.AccessToken, nil).expect(t, http.StatusOK).json(t, &alone)
			if diff := cmp.Diff(alone, item); diff != "" {
				t.Errorf("report %d of the list differs from the follower's own read (-alone +list):\n%s", i, diff)
			}
		}
		for _, id := range ids {
			if !seen[id] {
				t.Errorf("followed report %s is not listed", id)
			}
		}

		var unfollowed wfTicket
		s.request(t, "GET", "/v1/tickets/"+ids[0], follower.AccessToken, nil).json(t, &unfollowed)
		act(t, s, follower.AccessToken, ids[0], unfollowed.Version, "unfollow", nil).expect(t, http.StatusOK)
		var after struct{ Tickets []wfTicket }
		s.request(t, "GET", "/v1/tickets?following=true", follower.AccessToken, nil).expect(t, http.StatusOK).json(t, &after)
		if len(after.Tickets) != 2 || after.Tickets[0].ID == ids[0] || after.Tickets[1].ID == ids[0] {
			t.Errorf("after unfollowing the first report the list is %+v", after.Tickets)
		}
		s.request(t, "GET", "/v1/tickets?following=true", reporter.AccessToken, nil).expect(t, http.StatusOK).json(t, &after)
		if len(after.Tickets) != 0 {
			t.Errorf("the reporter follows nothing, yet lists %d reports", len(after.Tickets))
		}

		refusedLists(t, s, follower.AccessToken, s.createOfficial("officer", "canbo.follow", unitOf(x.code, "ubnd")).AccessToken)
	})
}

// refusedLists asks for both lists, for neither, with a bad value or cursor, and as an official.
func refusedLists(t *testing.T, s *server, resident, official string) {
	t.Helper()
	for _, tc := range []struct {
		token, query string
		status       int
	}{
		{resident, "following=true&mine=true", http.StatusBadRequest},
		{resident, "following=yes", http.StatusBadRequest},
		{resident, "", http.StatusBadRequest},
		{resident, "following=true&cursor=not-a-cursor", http.StatusBadRequest},
		{official, "following=true", http.StatusForbidden},
	} {
		if r := s.request(t, "GET", "/v1/tickets?"+tc.query, tc.token, nil); r.status != tc.status {
			t.Errorf("GET /v1/tickets?%s: %d %s, want %d", tc.query, r.status, r.body, tc.status)
		}
	}
}

// TestMyDevices: GET /v1/devices lists the caller's devices, most recently registered first,
// and no one else's; DELETE removes one.
func TestMyDevices(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		a := s.signInResident("0913000033")
		b := s.signInResident("0913000034")
		for _, d := range []struct{ token, user string }{{"tok-a-android-1", a.AccessToken}, {"tok-b-ios", b.AccessToken}, {"tok-a-ios-2", a.AccessToken}} {
			s.request(t, "POST", "/v1/devices", d.user, map[string]string{"token": d.token, "platform": "android"}).expect(t, http.StatusOK)
		}
		devices := func(token string) []string {
			t.Helper()
			var out struct {
				Devices []struct{ Token string } `json:"devices"`
			}
			s.request(t, "GET", "/v1/devices", token, nil).expect(t, http.StatusOK).json(t, &out)
			var tokens []string
			for _, d := range out.Devices {
				tokens = append(tokens, d.Token)
			}
			return tokens
		}
		if got := devices(a.AccessToken); !cmp.Equal(got, []string{"tok-a-ios-2", "tok-a-android-1"}) {
			t.Errorf("resident A's devices: %v", got)
		}
		s.request(t, "DELETE", "/v1/devices/tok-a-android-1", a.AccessToken, nil).expect(t, http.StatusNoContent)
		s.request(t, "DELETE", "/v1/devices/tok-b-ios", a.AccessToken, nil).expect(t, http.StatusNoContent) // not A's: nothing happens
		if got := devices(a.AccessToken); !cmp.Equal(got, []string{"tok-a-ios-2"}) {
			t.Errorf("resident A's devices after removing one: %v", got)
		}
		if got := devices(b.AccessToken); !cmp.Equal(got, []string{"tok-b-ios"}) {
			t.Errorf("resident B's devices: %v", got)
		}
		if r := s.request(t, "GET", "/v1/devices", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("anonymous GET /v1/devices: %d", r.status)
		}
	})
}
