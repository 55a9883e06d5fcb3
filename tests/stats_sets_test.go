package tests

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// statsAreaRow is one row of /v1/stats/areas.
type statsAreaRow struct {
	Code    string       `json:"code"`
	Name    string       `json:"name"`
	Figures statsFigures `json:"figures"`
}

// TestStatisticsAcrossBoundarySets files reports in ward 30292 of the 2023 map, moves the
// deployment to the 2025 map (which reuses 30292 for another ward) and files more there: the
// figures by area of the active set count only the 2025 tickets, boundary_set=longxuyen-2023
// shows the old ones under the old names, city-wide figures count both, the console's ward
// map follows the same set, and an unknown set is refused on its field and changes nothing.
func TestStatisticsAcrossBoundarySets(t *testing.T) {
	t.Parallel()
	old, now := loadSet(t, "longxuyen-2023"), loadSet(t, "longxuyen-2025")
	khanh, duc := areaNamed(old, "Bình Khánh"), areaNamed(now, "Bình Đức")
	if khanh.code != "30292" || duc.code != "30292" {
		t.Fatalf("the maps changed: Bình Khánh is %s in 2023, Bình Đức %s in 2025; the test needs both at 30292", khanh.code, duc.code)
	}
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912400001")
		for _, d := range []string{"Rác thải 1", "Rác thải 2"} {
			if tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", khanh, d, false)); tk.Area.Name != "Bình Khánh" {
				t.Fatalf("2023 ticket in %s %s, want 30292 Bình Khánh", tk.Area.Code, tk.Area.Name)
			}
		}
		s.stop()
		next := startServer(t, storeKind{name: st.name}, append(sameStore(s), "BOUNDARY_SET=longxuyen-2025")...)
		res = next.signInResident("0912400002")
		if tk := fileTicket(t, next, res.AccessToken, wfReport("TTDT", duc, "Rác thải 3", false)); tk.Area.Code != "30292" || tk.Area.Name != "Bình Đức" {
			t.Fatalf("2025 ticket in %s %s, want 30292 Bình Đức", tk.Area.Code, tk.Area.Name)
		}
		viewer := next.createOfficial("ioc_viewer", "ioc.bando", "").AccessToken
		checkSetSummaries(t, next, viewer)
		checkSetAreas(t, next, viewer, "", "longxuyen-2025", 4, "Bình Đức", 1)
		checkSetAreas(t, next, viewer, "longxuyen-2023", "longxuyen-2023", 13, "Bình Khánh", 2)
		for _, path := range []string{"/v1/stats/summary?boundary_set=hanoi-2025", "/v1/stats/areas?boundary_set=hanoi-2025",
			"/v1/stats/areas.geojson?boundary_set=hanoi-2025", "/v1/stats/timeseries?area=30292&boundary_set=hanoi-2025"} {
			e := refused(t, next.request(t, "GET", path, viewer, nil), http.StatusBadRequest, "invalid", "boundary_set")
			if !strings.Contains(e.Error.Message, "hanoi-2025") || !strings.Contains(e.Error.Message, "longxuyen-2023") {
				t.Errorf("%s: message %q should name the set and the stored ones", path, e.Error.Message)
			}
		}
		checkSetSummaries(t, next, viewer) // the refusals changed nothing
		checkSetConsoleMap(t, next)
	})
}

// checkSetSummaries checks the summary and the time series of 30292 in each set, and the
// city-wide figures, which count the tickets of both.
func checkSetSummaries(t *testing.T, s *server, viewer string) {
	t.Helper()
	for query, want := range map[string]int{
		"": 3, "?boundary_set=longxuyen-2023": 3, "?area=30292": 1, "?area=30292&boundary_set=longxuyen-2025": 1,
		"?area=30292&boundary_set=longxuyen-2023": 2, "?area=30280&boundary_set=longxuyen-2023": 0,
	} {
		var sum struct {
			Figures statsFigures `json:"figures"`
		}
		s.request(t, "GET", "/v1/stats/summary"+query, viewer, nil).expect(t, http.StatusOK).json(t, &sum)
		if sum.Figures.Received != want {
			t.Errorf("summary%s: received %d, want %d", query, sum.Figures.Received, want)
		}
		var ts struct {
			Points []struct {
				Value *float64 `json:"value"`
			} `json:"points"`
		}
		sep := "?"
		if query != "" {
			sep = "&"
		}
		s.request(t, "GET", "/v1/stats/timeseries"+query+sep+"metric=received", viewer, nil).expect(t, http.StatusOK).json(t, &ts)
		total := 0
		for _, p := range ts.Points {
			if p.Value != nil {
				total += int(*p.Value)
			}
		}
		if total != want {
			t.Errorf("timeseries%s: %d received in all, want %d", query, total, want)
		}
	}
}

// checkSetAreas checks the area league and areas.geojson of boundary set param ("" for the
// default): the set they answer for, its number of areas, and 30292 under its name in that set
// with want tickets.
func checkSetAreas(t *testing.T, s *server, viewer, param, set string, areas int, name string, want int) {
	t.Helper()
	query := ""
	if param != "" {
		query = "?boundary_set=" + param
	}
	var league struct {
		BoundarySet string         `json:"boundary_set"`
		Areas       []statsAreaRow `json:"areas"`
	}
	s.request(t, "GET", "/v1/stats/areas"+query, viewer, nil).expect(t, http.StatusOK).json(t, &league)
	if league.BoundarySet != set || len(league.Areas) != areas {
		t.Errorf("areas%s: set %s with %d areas, want %s with %d", query, league.BoundarySet, len(league.Areas), set, areas)
	}
	total := 0
	for _, a := range league.Areas {
		total += a.Figures.Received
		if a.Code == "30292" && (a.Name != name || a.Figures.Received != want) {
			t.Errorf("areas%s: 30292 is %q with %d tickets, want %q with %d", query, a.Name, a.Figures.Received, name, want)
		}
	}
	if total != want {
		t.Errorf("areas%s: %d tickets in all areas, want the %d of the set", query, total, want)
	}
	var fc struct {
		Features []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	s.request(t, "GET", "/v1/stats/areas.geojson"+query, viewer, nil).expect(t, http.StatusOK).json(t, &fc)
	if len(fc.Features) != areas {
		t.Errorf("areas.geojson%s: %d features, want %d", query, len(fc.Features), areas)
	}
	for _, f := range fc.Features {
		if f.Properties["boundary_set"] != set {
			t.Errorf("areas.geojson%s: feature %s of set %v, want %s", query, f.ID, f.Properties["boundary_set"], set)
		}
		if f.ID == "30292" && (f.Properties["name"] != name || f.Properties["received"] != float64(want)) {
			t.Errorf("areas.geojson%s: 30292 is %v with %v tickets, want %q with %d", query, f.Properties["name"], f.Properties["received"], name, want)
		}
	}
}

// checkSetConsoleMap reads the console's IOC dashboard: its ward map shows the areas of the
// active set, or of the set chosen in the form, with their backlog.
func checkSetConsoleMap(t *testing.T, s *server) {
	t.Helper()
	s.createOfficial("ioc_operator", "ioc.bando.console", "")
	cc := newConsoleClient(t, s)
	cc.signIn("ioc.bando.console")
	area := regexp.MustCompile(`data-code="(\d+)" data-value="(\d*)"><title>([^<:]*)`)
	for _, c := range []struct {
		query, name, backlog string
		areas                int
	}{{"", "Bình Đức", "1", 4}, {"?boundary_set=longxuyen-2023", "Bình Khánh", "2", 13}} {
		page := string(cc.do("GET", "/console/dashboard"+c.query, nil).expect(t, http.StatusOK).body)
		found := area.FindAllStringSubmatch(page, -1)
		if len(found) != c.areas {
			t.Errorf("dashboard%s: %d map areas, want %d", c.query, len(found), c.areas)
		}
		for _, m := range found {
			if m[1] == "30292" && (m[2] != c.backlog || m[3] != c.name) {
				t.Errorf("dashboard%s: 30292 is %q with backlog %q, want %q with %s", c.query, m[3], m[2], c.name, c.backlog)
			}
		}
		if !strings.Contains(page, `name="boundary_set"`) {
			t.Errorf("dashboard%s: no choice of boundary set", c.query)
		}
	}
	cc.do("GET", "/console/dashboard?boundary_set=hanoi-2025", nil).expect(t, http.StatusBadRequest)
}
