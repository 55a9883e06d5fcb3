package tests

import (
	"fmt"
	"net/http"
	"testing"
)

// bulkAnswer is the answer of POST /v1/queue/actions.
type bulkAnswer struct {
	Results []struct {
		ID      string `json:"id"`
		Status  int    `json:"status"`
		Version int    `json:"version"`
		State   string `json:"state"`
		Error   *struct{ Code, Message string }
	} `json:"results"`
	Done   int `json:"done"`
	Failed int `json:"failed"`
}

// bulkItems names tickets with the versions the caller saw.
func bulkItems(tks ...wfTicket) []map[string]any {
	out := []map[string]any{}
	for _, tk := range tks {
		out = append(out, map[string]any{"id": tk.ID, "expected_version": tk.Version})
	}
	return out
}

// TestBulkQueueActions: an officer accepts several new reports at once and a leader assigns
// them; each ticket is its own compare-and-set, so a stale one and another unit's are refused
// while the rest are done; a malformed request does nothing at all.
func TestBulkQueueActions(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 9), ward(set, 10)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		ux := unitOf(x.code, "ubnd")
		ox, lx := s.createOfficial("officer", "canbo.loat", ux), s.createOfficial("leader", "lanhdao.loat", ux)
		iv := s.createOfficial("ioc_viewer", "ioc.loat", "")
		oy := s.createOfficial("officer", "canbo.loat.y", unitOf(y.code, "ubnd"))
		res := s.signInResident("0912600070")
		var tks []wfTicket
		for i := range 3 {
			tks = append(tks, fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, fmt.Sprintf("Lấn chiếm vỉa hè số %d", i), false)))
		}
		other := fileTicket(t, s, res.AccessToken, wfReport("TTDT", y, "Lấn chiếm ở phường khác", false))
		stale := tks[2]
		step(t, s, ox.AccessToken, tks[2], "accept", nil, "assigned") // someone was quicker

		var a bulkAnswer
		s.request(t, "POST", "/v1/queue/actions", ox.AccessToken, map[string]any{"action": "accept",
			"tickets": bulkItems(tks[0], tks[1], stale, other)}).expect(t, http.StatusOK).json(t, &a)
		want := []int{200, 200, 409, 404}
		for i, r := range a.Results {
			if r.ID != []string{tks[0].ID, tks[1].ID, stale.ID, other.ID}[i] || r.Status != want[i] {
				t.Errorf("result %d: %+v, want status %d", i, r, want[i])
			}
		}
		if a.Done != 2 || a.Failed != 2 || a.Results[0].State != "assigned" || a.Results[0].Version != 2 || a.Results[2].Error == nil {
			t.Errorf("bulk accept: %+v", a)
		}
		if got := getTicket(t, s, ox.AccessToken, stale.ID); got.Version != 2 {
			t.Errorf("the stale ticket is at version %d, want 2 (accepted once)", got.Version)
		}
		if got := getTicket(t, s, res.AccessToken, other.ID); got.Version != 1 || got.State != "received" {
			t.Errorf("the other unit's ticket became %s v%d", got.State, got.Version)
		}

		// The leader assigns the two to the officer.
		t0, t1 := getTicket(t, s, lx.AccessToken, tks[0].ID), getTicket(t, s, lx.AccessToken, tks[1].ID)
		s.request(t, "POST", "/v1/queue/actions", lx.AccessToken, map[string]any{"action": "assign", "officer": ox.User.ID,
			"tickets": bulkItems(t0, t1)}).expect(t, http.StatusOK).json(t, &a)
		if a.Done != 2 {
			t.Errorf("bulk assign: %+v", a)
		}
		var mine struct{ Tickets []wfTicket }
		s.request(t, "GET", "/v1/queue?assigned=me", ox.AccessToken, nil).expect(t, http.StatusOK).json(t, &mine)
		if len(mine.Tickets) != 2 {
			t.Errorf("the officer's assigned=me queue has %d tickets, want the 2 assigned in bulk", len(mine.Tickets))
		}

		bulkRefusals(t, s, oy.AccessToken, res.AccessToken, iv.AccessToken, other)
	})
}

// bulkRefusals sends malformed bulk requests (refused whole, nothing changes) and bulk requests
// of callers who may not act (a resident: refused; the IOC viewer: each ticket refused).
func bulkRefusals(t *testing.T, s *server, officer, resident, viewer string, other wfTicket) {
	t.Helper()
	var a bulkAnswer
	// Refused as a whole: nothing changes.
	many := make([]map[string]any, 51)
	for i := range many {
		many[i] = map[string]any{"id": fmt.Sprintf("t%d", i), "expected_version": 1}
	}
	for name, body := range map[string]any{
		"a bulk reject":   map[string]any{"action": "reject", "tickets": bulkItems(other)},
		"no tickets":      map[string]any{"action": "accept", "tickets": []any{}},
		"51 tickets":      map[string]any{"action": "accept", "tickets": many},
		"a ticket twice":  map[string]any{"action": "accept", "tickets": bulkItems(other, other)},
		"no version":      map[string]any{"action": "accept", "tickets": []any{map[string]any{"id": other.ID}}},
		"an extra field":  map[string]any{"action": "accept", "tickets": bulkItems(other), "force": true},
		"a wrong type":    map[string]any{"action": "accept", "tickets": "all"},
		"not JSON at all": "accept everything",
	} {
		r := s.request(t, "POST", "/v1/queue/actions", officer, body)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, r.status, r.body)
		}
	}
	if got := getTicket(t, s, resident, other.ID); got.Version != 1 {
		t.Errorf("refused bulk requests changed the ticket to v%d", got.Version)
	}
	refused(t, s.request(t, "POST", "/v1/queue/actions", resident, map[string]any{"action": "accept", "tickets": bulkItems(other)}),
		http.StatusForbidden, "forbidden", "")
	s.request(t, "POST", "/v1/queue/actions", viewer, map[string]any{"action": "accept", "tickets": bulkItems(other)}).
		expect(t, http.StatusOK).json(t, &a)
	if a.Done != 0 || a.Results[0].Status != http.StatusForbidden {
		t.Errorf("the IOC viewer's bulk accept: %+v", a)
	}
}
