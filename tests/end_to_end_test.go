package tests

import (
	"net/http"
	"testing"
)

// e2eTicket is the officials' view of a ticket with its end-to-end deadline and units' holds.
type e2eTicket struct {
	wfTicket
	E2EDueAt  string `json:"e2e_due_at"`
	UnitHolds []struct {
		UnitID    string   `json:"unit_id"`
		UnitName  string   `json:"unit_name"`
		From      string   `json:"from"`
		Until     string   `json:"until"`
		HeldHours *float64 `json:"held_hours"`
	} `json:"unit_holds"`
}

// TestEndToEndDeadlineAcrossTransfers passes a ticket ten times between two wards' committees:
// each transfer gives the receiving unit a deadline of its own, but the end-to-end deadline
// stays the one set at filing; every unit's hold is recorded in order, closed by the next
// transfer or the resolution; the reporter never reads these; and the statistics report the
// end-to-end figure beside the unit's (the league table too).
func TestEndToEndDeadlineAcrossTransfers(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 8), ward(set, 9)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		ux, uy := unitOf(x.code, "ubnd"), unitOf(y.code, "ubnd")
		ox, oy := s.createOfficial("officer", "canbo.e2e.x", ux), s.createOfficial("officer", "canbo.e2e.y", uy)
		ioc := s.createOfficial("ioc_viewer", "ioc.e2e", "")
		res := s.signInResident("0912700020")
		tk := fileTicket(t, s, res.AccessToken, wfReport("MT", x, "Nước thải tràn ra đường", false))
		filed := getE2ETicket(t, s, ioc.AccessToken, tk.ID)
		if filed.E2EDueAt == "" || filed.E2EDueAt != filed.ResolveDueAt || len(filed.UnitHolds) != 1 || filed.UnitHolds[0].UnitID != ux {
			t.Fatalf("filed: e2e %q, resolve %q, holds %+v", filed.E2EDueAt, filed.ResolveDueAt, filed.UnitHolds)
		}
		for i := range 10 {
			by, to := ox, uy
			if i%2 == 1 {
				by, to = oy, ux
			}
			tk = step(t, s, by.AccessToken, tk, "transfer", fields{"unit": to, "reason": "Không thuộc địa bàn"}, "received")
		}
		moved := getE2ETicket(t, s, ioc.AccessToken, tk.ID)
		if moved.E2EDueAt != filed.E2EDueAt {
			t.Errorf("ten transfers moved the end-to-end deadline from %s to %s", filed.E2EDueAt, moved.E2EDueAt)
		}
		if len(moved.UnitHolds) != 11 || moved.UnitHolds[10].Until != "" {
			t.Errorf("after ten transfers: holds %+v, want 11, the last still open", moved.UnitHolds)
		}
		tk = step(t, s, ox.AccessToken, tk, "accept", nil, "assigned")
		tk = step(t, s, ox.AccessToken, tk, "resolve", fields{"outcome": "fixed", "note": "Đã nạo vét cống"}, "resolved")
		checkHolds(t, getE2ETicket(t, s, ioc.AccessToken, tk.ID), ux, uy)
		if own := getE2ETicket(t, s, res.AccessToken, tk.ID); own.E2EDueAt != "" || own.UnitHolds != nil {
			t.Errorf("the reporter reads the end-to-end deadline %q and holds %+v", own.E2EDueAt, own.UnitHolds)
		}

		figures, _ := summaryFigures(t, s, ioc.AccessToken)
		raw := s.request(t, "GET", "/v1/stats/summary", ioc.AccessToken, nil).expect(t, http.StatusOK).body
		mustHave(t, "the summary", raw, `"on_time_e2e_rate":1`, `"on_time_rate":1`)
		if figures.Resolved != 1 {
			t.Errorf("summary: %+v, want one resolved ticket", figures)
		}
		units := s.request(t, "GET", "/v1/stats/units?min_sample=1", ioc.AccessToken, nil).expect(t, http.StatusOK).body
		mustHave(t, "the league table", units, `"on_time_e2e_rate":1`)
	})
}

// getE2ETicket reads a ticket with its end-to-end fields.
func getE2ETicket(t *testing.T, s *server, token, id string) e2eTicket {
	t.Helper()
	var tk e2eTicket
	s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &tk)
	return tk
}

// checkHolds checks the holds of a ticket filed at ux, passed ten times between ux and uy and
// resolved by ux: eleven holds alternating between the two, each ending where the next starts,
// all closed with their working hours.
func checkHolds(t *testing.T, tk e2eTicket, ux, uy string) {
	t.Helper()
	if len(tk.UnitHolds) != 11 {
		t.Fatalf("%d holds, want 11: %+v", len(tk.UnitHolds), tk.UnitHolds)
	}
	for i, h := range tk.UnitHolds {
		want := ux
		if i%2 == 1 {
			want = uy
		}
		if h.UnitID != want || h.UnitName == "" || h.Until == "" || h.HeldHours == nil || *h.HeldHours < 0 {
			t.Errorf("hold %d: %+v, want %s, closed, with its held hours", i, h, want)
		}
		if i > 0 && tk.UnitHolds[i-1].Until != h.From {
			t.Errorf("hold %d starts %s, the one before ended %s", i, h.From, tk.UnitHolds[i-1].Until)
		}
	}
}
