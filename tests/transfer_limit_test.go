package tests

import (
	"net/http"
	"testing"
	"time"
)

// TestTransferLimitEscalatesOnce passes a ticket back and forth between two wards' committees:
// up to TRANSFER_LIMIT transfers nothing happens (the SLA worker is seen to run meanwhile), the
// next one escalates it to the IOC once, with the reason, and the worker's later rounds add
// nothing. The escalation does not move the deadline.
func TestTransferLimitEscalatesOnce(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 10), ward(set, 11)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "TRANSFER_LIMIT=2", "SLA_INTERVAL=100ms", "METRICS_ADDR=127.0.0.1:0")
		ux, uy := unitOf(x.code, "ubnd"), unitOf(y.code, "ubnd")
		ox, oy := s.createOfficial("officer", "canbo.chuyen.x", ux), s.createOfficial("officer", "canbo.chuyen.y", uy)
		ioc := s.createOfficial("ioc_viewer", "ioc.chuyen", "")
		res := s.signInResident("0912600010")
		tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Rác thải đổ ra kênh", false))

		transfer := func(by tokens, to string) {
			t.Helper()
			tk = step(t, s, by.AccessToken, tk, "transfer", fields{"unit": to, "reason": "Không thuộc địa bàn"}, "received")
		}
		transfer(ox, uy)
		transfer(oy, ux)
		waitSweeps(t, s, 3)
		if n := escalations(t, s, ioc.AccessToken, tk.ID); n != 0 {
			t.Fatalf("%d escalations after 2 transfers with TRANSFER_LIMIT=2", n)
		}

		transfer(ox, uy)
		waitFor(t, "the escalation to the IOC", 30*time.Second, func() bool { return escalations(t, s, ioc.AccessToken, tk.ID) > 0 })
		waitSweeps(t, s, 3)
		cur := getTicket(t, s, ioc.AccessToken, tk.ID)
		if n := escalations(t, s, ioc.AccessToken, tk.ID); n != 1 || cur.EscalationLevel != 2 {
			t.Errorf("after the third transfer: %d escalations, level %d; want 1 at level 2", n, cur.EscalationLevel)
		}
		if cur.DueAt != tk.DueAt {
			t.Errorf("the escalation moved the deadline from %s to %s", tk.DueAt, cur.DueAt)
		}
		page := s.request(t, "GET", "/v1/tickets/"+tk.ID, ioc.AccessToken, nil).expect(t, http.StatusOK).body
		mustHave(t, "the ticket", page, `"reason":"transfer_limit"`)
	})
}

// escalations counts the escalate events of a ticket as the IOC reads it.
func escalations(t *testing.T, s *server, token, id string) int {
	t.Helper()
	n := 0
	for _, e := range getTicket(t, s, token, id).History {
		if e.Action == "escalate" {
			n++
		}
	}
	return n
}

// waitSweeps waits until the SLA worker of s has finished n more rounds.
func waitSweeps(t *testing.T, s *server, n float64) {
	t.Helper()
	cycles := func() float64 {
		v, _ := scrape(t, s).value("phananh_worker_cycles_total", "worker=sla")
		return v
	}
	start := cycles()
	waitFor(t, "SLA worker rounds", 60*time.Second, func() bool { return cycles() >= start+n })
}
