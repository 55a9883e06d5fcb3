package tests

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// dlTicket is the ticket with the deadline fields of the wait for the resident.
type dlTicket struct {
	wfTicket
	InfoWaitUntil string `json:"info_wait_until"`
	InfoRemindAt  string `json:"info_remind_at"`
}

// getDLTicket reads a ticket with its deadline fields.
func getDLTicket(t *testing.T, s *server, token, id string) dlTicket {
	t.Helper()
	var tk dlTicket
	s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &tk)
	return tk
}

// slaPasses runs n `admin sla run --now at` passes at once against the server's store and
// fails the test if one fails.
func slaPasses(t *testing.T, s *server, n int, at time.Time) {
	t.Helper()
	outs, errs := make([]string, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { outs[i], errs[i] = s.admin("", "sla", "run", "--now", rfc(at)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("sla run %d at %s: %v %s", i, rfc(at), errs[i], outs[i])
		}
	}
}

// countEvents counts the history events of one action.
func countEvents(tk wfTicket, action string) int {
	n := 0
	for _, a := range tk.actions() {
		if a == action {
			n++
		}
	}
	return n
}

// countInbox counts the reporter's notifications of one event.
func countInbox(t *testing.T, s *server, token, event string) int {
	t.Helper()
	n := 0
	for _, e := range inboxEvents(readInbox(t, s, token, "limit=100")) {
		if e == event {
			n++
		}
	}
	return n
}

// TestInfoWaitCapClosesOnce: a ticket waiting for the resident's answer is reminded once
// halfway and closed as no_response once at the cap, although two SLA passes run at once each
// time (the history and the reporter's inbox hold one of each, and a later pass adds nothing);
// the reporter may then reopen it.
func TestInfoWaitCapClosesOnce(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 6)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912700012")
		officer := s.createOfficial("officer", "canbo.cho.x", unitOf(x.code, "ubnd"))
		ioc := s.createOfficial("ioc_viewer", "ioc.cho", "")
		tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè", false))
		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
		tk = step(t, s, officer.AccessToken, tk, "request_info", fields{"note": "Xin cho biết số nhà cụ thể"}, "awaiting_info")
		cur := getDLTicket(t, s, ioc.AccessToken, tk.ID)
		asked := parseTime(t, tk.last(t).At)
		remind, until := parseTime(t, cur.InfoRemindAt), parseTime(t, cur.InfoWaitUntil)
		// Five working days of eight hours are at least four days and ten hours of clock time.
		if !remind.After(asked) || !until.After(remind) || until.Sub(asked) < 106*time.Hour {
			t.Fatalf("asked %s: reminder %s, cap %s; want asked < reminder < cap, the cap 5 working days on", asked, remind, until)
		}
		if own := getDLTicket(t, s, res.AccessToken, tk.ID); own.InfoWaitUntil != cur.InfoWaitUntil || own.InfoRemindAt != "" {
			t.Errorf("the reporter reads the cap %q (want %q) and the reminder time %q (want none)", own.InfoWaitUntil, cur.InfoWaitUntil, own.InfoRemindAt)
		}
		console := newConsoleClient(t, s)
		console.signIn("canbo.cho.x")
		mustHave(t, "the console's ticket page", console.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body,
			"Hạn chờ người dân bổ sung thông tin", "Hạn giải quyết tính từ khi tiếp nhận")

		slaPasses(t, s, 2, remind.Add(-time.Minute))
		if n := countEvents(getTicket(t, s, ioc.AccessToken, tk.ID), "remind_info"); n != 0 {
			t.Fatalf("%d reminders before halfway", n)
		}
		slaPasses(t, s, 2, remind.Add(time.Minute))
		mid := getTicket(t, s, ioc.AccessToken, tk.ID)
		if n := countEvents(mid, "remind_info"); n != 1 || mid.State != "awaiting_info" {
			t.Fatalf("halfway, after two passes: %d reminders, state %s; want 1, awaiting_info", n, mid.State)
		}

		slaPasses(t, s, 2, until.Add(time.Minute))
		slaPasses(t, s, 1, until.Add(time.Hour))
		end := getTicket(t, s, ioc.AccessToken, tk.ID)
		if n := countEvents(end, "close_no_response"); n != 1 || end.State != "closed" || end.Outcome != "no_response" {
			t.Fatalf("at the cap, after three passes: %d closes, state %s, outcome %q; want 1, closed, no_response (history %v)",
				n, end.State, end.Outcome, end.actions())
		}
		if n := countEvents(end, "remind_info"); n != 1 {
			t.Errorf("%d reminders in all", n)
		}
		waitFor(t, "the reporter's notifications", 10*time.Second, func() bool {
			return countInbox(t, s, res.AccessToken, "close_no_response") > 0
		})
		if r, c := countInbox(t, s, res.AccessToken, "remind_info"), countInbox(t, s, res.AccessToken, "close_no_response"); r != 1 || c != 1 {
			t.Errorf("the reporter's inbox: %d reminders and %d closes; want one each", r, c)
		}

		mustHave(t, "the console's ticket page", console.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body,
			"Không phản hồi", "Đóng do người dân không phản hồi")
		step(t, s, res.AccessToken, end, "reopen", fields{"reason": "Tôi đã ở quê, nay bổ sung"}, "in_progress")
	})
}

// TestInfoWaitCapReturnsToUnit: under the return policy the cap sends the ticket back to its
// unit (in_progress, its deadline running again) with one internal event the reporter hears of.
func TestInfoWaitCapReturnsToUnit(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 7)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		admin := s.createOfficial("admin", "cho.admin", "")
		s.request(t, "PATCH", "/v1/admin/categories/TTDT", admin.AccessToken,
			map[string]any{"info_wait_days": 2, "info_wait_policy": "return"}).expect(t, http.StatusOK)
		res := s.signInResident("0912700013")
		officer := s.createOfficial("officer", "canbo.cho.y", unitOf(x.code, "ubnd"))
		tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm lòng đường", false))
		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
		tk = step(t, s, officer.AccessToken, tk, "request_info", fields{"note": "Xin ảnh chụp ban ngày"}, "awaiting_info")
		cur := getDLTicket(t, s, officer.AccessToken, tk.ID)
		until := parseTime(t, cur.InfoWaitUntil)
		if asked := parseTime(t, tk.last(t).At); until.Sub(asked) > 5*24*time.Hour {
			t.Errorf("a cap of 2 working days from %s ends %s", asked, until)
		}

		slaPasses(t, s, 2, until.Add(time.Minute))
		back := getDLTicket(t, s, officer.AccessToken, tk.ID)
		if n := countEvents(back.wfTicket, "return_to_unit"); n != 1 || back.State != "in_progress" || back.InfoWaitUntil != "" {
			t.Fatalf("at the cap: %d returns, state %s, cap %q; want 1, in_progress, none (history %v)", n, back.State, back.InfoWaitUntil, back.actions())
		}
		if e := back.last(t); e.Visibility != "internal" || e.ActorRole != "system" {
			t.Errorf("the return event %+v, want an internal system event", e)
		}
		if !parseTime(t, back.ResolveDueAt).After(until) {
			t.Errorf("the deadline %s did not resume after the cap %s", back.ResolveDueAt, rfc(until))
		}
		waitFor(t, "the reporter's notification", 10*time.Second, func() bool {
			return countInbox(t, s, res.AccessToken, "return_to_unit") == 1
		})
		step(t, s, officer.AccessToken, back.wfTicket, "resolve", fields{"outcome": "fixed", "note": "Đã xử lý"}, "resolved")
	})
}
