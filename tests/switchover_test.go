package tests

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// switchOver is a switch-over as /v1/admin/switchovers shows it.
type switchOver struct {
	ID         string            `json:"id"`
	FromSet    string            `json:"from_set"`
	ToSet      string            `json:"to_set"`
	InProgress string            `json:"in_progress"`
	UnitMap    map[string]string `json:"unit_map"`
	State      string            `json:"state"`
	Result     struct {
		Rerouted, Followed, Stayed, Officials int
	} `json:"result"`
}

// switchOverByID is one switch-over of the list.
func switchOverByID(t *testing.T, s *server, admin, id string) switchOver {
	t.Helper()
	for _, so := range switchOvers(t, s, admin) {
		if so.ID == id {
			return so
		}
	}
	t.Fatalf("switch-over %s is not listed", id)
	return switchOver{}
}

func switchOvers(t *testing.T, s *server, admin string) []switchOver {
	t.Helper()
	var out struct{ Switchovers []switchOver }
	s.request(t, "GET", "/v1/admin/switchovers", admin, nil).expect(t, http.StatusOK).json(t, &out)
	return out.Switchovers
}

// TestBoundarySwitchOver switches a running Long Xuyên deployment (two instances on one store)
// from the 2023 ward map to the 2025 one at a scheduled instant: a received report is routed
// again by its location, a report in progress stays with its unit or follows it (SQLite: stay,
// MongoDB: follow), the ward police officers move to the successor units (old tokens end), both
// instances route new reports by the new map, the statistics of the reused code 30292 keep
// Bình Khánh (2023) and Bình Đức (2025) apart, bad requests change nothing, a scheduled
// switch-over can be cancelled, everything is audited, and a restart keeps the new map.
func TestBoundarySwitchOver(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := areaNamed(set, "Mỹ Bình") // in the 2025 map: 30307 Long Xuyên
	file, err := filepath.Abs("../seed/data/boundaries/longxuyen-2025.geojson")
	if err != nil {
		t.Fatal(err)
	}
	eachStore(t, func(t *testing.T, st storeKind) {
		mode := map[string]string{"sqlite": "stay", "mongodb": "follow"}[st.name]
		s := startServer(t, st)
		b := startServer(t, storeKind{name: st.name}, sameStore(s)...)
		if out, err := s.admin("", "boundaries", "import", "--id", "longxuyen-2025", "--name", "Long Xuyên (2025)", file); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		admin := s.createOfficial("admin", "so.admin", "").AccessToken
		police := s.createOfficial("officer", "so.police", unitOf(x.code, "cong_an"))
		resident := s.signInResident("0913000051")
		received := fileTicket(t, s, resident.AccessToken, wfReport("ANTT.01", x, "Đánh nhau trước quán nhậu", false))
		accepted := step(t, s, police.AccessToken, fileTicket(t, s, resident.AccessToken, wfReport("ANTT.04", x, "Karaoke ồn sau 23 giờ", false)), "accept", nil, "assigned")
		// A report of Bình Khánh (30292 in the 2023 map), rejected: it stays with the old map.
		khanh := areaNamed(set, "Bình Khánh")
		khanhPolice := s.createOfficial("officer", "so.khanh", unitOf(khanh.code, "cong_an")).AccessToken
		step(t, s, khanhPolice, fileTicket(t, s, resident.AccessToken, wfReport("ANTT.04", khanh, "Loa kẹo kéo", false)),
			"reject", fields{"reason": "not_a_real_problem"}, "rejected")

		switchOverBadInput(t, s, admin)
		at := time.Now().Add(12 * time.Second)
		var so switchOver
		s.request(t, "POST", "/v1/admin/switchovers", admin, map[string]any{"to_set": "longxuyen-2025", "at": at.Format(time.RFC3339),
			"in_progress": mode}).expect(t, http.StatusCreated).json(t, &so)
		police2025 := "longxuyen-2025.30307.cong_an"
		if so.FromSet != "longxuyen-2023" || so.UnitMap[unitOf(x.code, "cong_an")] != police2025 || so.State != "scheduled" {
			t.Fatalf("scheduled %+v; want from longxuyen-2023 with Mỹ Bình's police mapped to %s", so, police2025)
		}
		waitFor(t, "the switch-over to be done", 60*time.Second, func() bool { return switchOverByID(t, s, admin, so.ID).State == "done" })
		switchOverResults(t, s, b, admin, resident.AccessToken, police, received, accepted, mode, x)
		reusedCodeStaysApart(t, s, admin, resident.AccessToken, areaNamed(loadSet(t, "longxuyen-2025"), "Bình Đức"))
		if res := switchOverByID(t, s, admin, so.ID).Result; res.Rerouted != 1 || res.Officials != 2 || res.Followed+res.Stayed != 1 {
			t.Errorf("result %+v, want 1 re-routed report, 1 in progress that %s, and the 2 ward police officers moved", res, mode)
		}
		s.stop()
		b.stop()
		again := startServer(t, storeKind{name: st.name}, sameStore(s)...) // BOUNDARY_SET still names 2023
		if code, _ := locatedArea(t, again, x.lat, x.lng); code != "30307" {
			t.Errorf("after a restart the point is in %s, want 30307 of the 2025 map", code)
		}
	})
}

// switchOverResults checks what the switch-over did.
func switchOverResults(t *testing.T, s, b *server, admin, resident string, police tokens, received, accepted wfTicket, mode string, x wardPoint) {
	t.Helper()
	police2025 := "longxuyen-2025.30307.cong_an"
	r := getTicket(t, s, resident, received.ID)
	if r.Unit.ID != police2025 || r.Area.Code != "30307" || r.last(t).Action != "reroute" {
		t.Errorf("the received report is with %s in area %s (last event %s), want %s in 30307 after a reroute", r.Unit.ID, r.Area.Code, r.last(t).Action, police2025)
	}
	a := getTicket(t, s, resident, accepted.ID)
	switch {
	case mode == "stay" && (a.Unit.ID != accepted.Unit.ID || a.Version != accepted.Version):
		t.Errorf("stay: the accepted report moved to %s (version %d→%d)", a.Unit.ID, accepted.Version, a.Version)
	case mode == "follow" && (a.Unit.ID != police2025 || a.last(t).Action != "reroute" || a.State != "assigned"):
		t.Errorf("follow: the accepted report is %s with %s (last %s), want assigned with %s", a.State, a.Unit.ID, a.last(t).Action, police2025)
	}
	// The officer's sessions ended with the move; signed in again he works in the new unit.
	waitFor(t, "the moved officer's old token to be refused", 10*time.Second, func() bool {
		return s.request(t, "GET", "/v1/me", police.AccessToken, nil).status == http.StatusUnauthorized
	})
	var me tokens
	s.request(t, "POST", "/v1/auth/login", "", login("so.police", "correct horse battery")).expect(t, http.StatusOK).json(t, &me)
	if me.User.UnitID != police2025 {
		t.Errorf("the officer is in %s, want %s", me.User.UnitID, police2025)
	}
	s.request(t, "GET", "/v1/tickets/"+received.ID, me.AccessToken, nil).expect(t, http.StatusOK)
	// Both instances route new reports by the new map.
	for _, srv := range []*server{s, b} {
		fresh := fileTicket(t, srv, resident, wfReport("ANTT.01", x, "Gây rối sau khi đổi bản đồ", false))
		if fresh.Unit.ID != police2025 {
			t.Errorf("a new report is routed to %s, want %s", fresh.Unit.ID, police2025)
		}
		var areas struct {
			BoundarySet string `json:"boundary_set"`
			Areas       []struct{ Code string }
		}
		srv.request(t, "GET", "/v1/areas", "", nil).expect(t, http.StatusOK).json(t, &areas)
		if areas.BoundarySet != "longxuyen-2025" || len(areas.Areas) != 4 {
			t.Errorf("/v1/areas lists %d areas of %s, want the 4 of longxuyen-2025", len(areas.Areas), areas.BoundarySet)
		}
	}
	for action, want := range map[string]int{"switchover_schedule": 2, "switchover_cancel": 1, "switchover_done": 1} {
		if got := len(auditRecords(t, s, admin, action)); got != want {
			t.Errorf("audit %s: %d records, want %d", action, got, want)
		}
	}
}

// reusedCodeStaysApart files a report in the 2025 ward 30292 (Bình Đức) and checks that the
// statistics of 30292 count it under the map in force and the rejected Bình Khánh report under
// longxuyen-2023, never both together.
func reusedCodeStaysApart(t *testing.T, s *server, admin, resident string, duc wardPoint) {
	t.Helper()
	if duc.code != "30292" {
		t.Fatalf("Bình Đức is %s in the 2025 map, want 30292", duc.code)
	}
	fileTicket(t, s, resident, wfReport("TTDT", duc, "Lấn chiếm vỉa hè ở Bình Đức", false))
	for query, want := range map[string]int{"?area=30292": 1, "?area=30292&boundary_set=longxuyen-2023": 1} {
		var sum struct {
			Figures struct{ Received int } `json:"figures"`
		}
		s.request(t, "GET", "/v1/stats/summary"+query, admin, nil).expect(t, http.StatusOK).json(t, &sum)
		if sum.Figures.Received != want {
			t.Errorf("summary%s: %d received, want %d (two wards under one code must not merge)", query, sum.Figures.Received, want)
		}
	}
}

// switchOverBadInput sends refused requests (each changes nothing), then schedules one a long
// way ahead and cancels it.
func switchOverBadInput(t *testing.T, s *server, admin string) {
	t.Helper()
	later := time.Now().Add(time.Hour).Format(time.RFC3339)
	for _, tt := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"too soon", map[string]any{"to_set": "longxuyen-2025", "at": time.Now().Add(2 * time.Second).Format(time.RFC3339), "in_progress": "stay"}, 400, "at"},
		{"not a time", map[string]any{"to_set": "longxuyen-2025", "at": "tomorrow", "in_progress": "stay"}, 400, "at"},
		{"unknown set", map[string]any{"to_set": "hanoi-2025", "at": later, "in_progress": "stay"}, 400, "to_set"},
		{"the set in force", map[string]any{"to_set": "longxuyen-2023", "at": later, "in_progress": "stay"}, 400, "to_set"},
		{"bad in_progress", map[string]any{"to_set": "longxuyen-2025", "at": later, "in_progress": "maybe"}, 400, "in_progress"},
		{"unknown unit", map[string]any{"to_set": "longxuyen-2025", "at": later, "in_progress": "stay", "unit_map": map[string]string{"no.such.unit": "city.ioc"}}, 400, "unit_map"},
		{"unknown field", map[string]any{"to_set": "longxuyen-2025", "at": later, "in_progress": "stay", "when": "now"}, 400, ""},
	} {
		e := s.request(t, "POST", "/v1/admin/switchovers", admin, tt.body).expect(t, tt.status).apiError(t)
		if tt.field != "" && e.Error.Field != tt.field {
			t.Errorf("%s: field %q, want %q (%s)", tt.name, e.Error.Field, tt.field, e.Error.Message)
		}
	}
	if n := len(switchOvers(t, s, admin)); n != 0 {
		t.Fatalf("refused requests left %d switch-overs", n)
	}
	var so switchOver
	s.request(t, "POST", "/v1/admin/switchovers", admin, map[string]any{"to_set": "longxuyen-2025", "at": later, "in_progress": "stay"}).
		expect(t, http.StatusCreated).json(t, &so)
	s.request(t, "POST", "/v1/admin/switchovers", admin, map[string]any{"to_set": "longxuyen-2025", "at": later, "in_progress": "stay"}).
		expect(t, http.StatusConflict)
	out, err := s.admin("", "switchover", "cancel", "--id", so.ID)
	if err != nil || !strings.Contains(out, "cancelled switch-over "+so.ID) {
		t.Fatalf("admin switchover cancel: %v\n%s", err, out)
	}
	s.request(t, "DELETE", "/v1/admin/switchovers/"+so.ID, admin, nil).expect(t, http.StatusConflict)
}
