package tests

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hotspotsAnswer is GET /v1/stats/hotspots.
type hotspotsAnswer struct {
	CellM      int     `json:"cell_m"`
	LatStep    float64 `json:"lat_step"`
	LngStep    float64 `json:"lng_step"`
	MinCount   int     `json:"min_count"`
	Counted    int     `json:"counted"`
	Suppressed int     `json:"suppressed"`
	Cells      []struct {
		Row, Col                 int
		South, West, North, East float64
		Count                    int
	} `json:"cells"`
}

// filedPoint is a report the test filed: where, and how it is filtered.
type filedPoint struct {
	p              wardPoint
	channel, group string
}

// TestStatsHotspots: the reports of a period per grid cell equal a brute-force count of the
// filed reports' public (rounded) locations in the answer's grid, cells under three reports
// left out, and the filters narrow them as they narrow the summary; residents and officers are
// refused, bad cells and periods are 400 naming the field.
func TestStatsHotspots(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 2), ward(set, 6)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912900001")
		ioc := s.createOfficial("ioc_operator", "ioc.diemnong", "")
		viewer := s.createOfficial("ioc_viewer", "ioc.xemdiemnong", "")
		officer := s.createOfficial("officer", "canbo.diemnong", unitOf(x.code, "ubnd"))
		var filed []filedPoint
		for i, cat := range []string{"TTDT", "TTDT", "ANTT.01", "MT"} { // a private report among them
			p := offsetNorth(x, float64(20*i))
			fileTicket(t, s, res.AccessToken, wfReport(cat, p, fmt.Sprintf("Phản ánh số %d gần chợ", i+1), false))
			filed = append(filed, filedPoint{p, "app", map[string]string{"TTDT": "do_thi", "MT": "moi_truong", "ANTT.01": "antt"}[cat]})
		}
		for i := range 3 {
			p := offsetEast(x, float64(15*i))
			s.request(t, "POST", "/v1/tickets/on-behalf", ioc.AccessToken, onBehalfReport("MT", p, "hotline",
				map[string]any{"on_behalf": map[string]any{"phone": fmt.Sprintf("0912 900 10%d", i), "name": "Lê Thị Lan"}})).
				expect(t, http.StatusCreated)
			filed = append(filed, filedPoint{p, "hotline", "moi_truong"})
		}
		for i := range 2 { // too few to show
			p := offsetEast(y, float64(10*i))
			fileTicket(t, s, res.AccessToken, wfReport("TTDT", p, fmt.Sprintf("Lấn chiếm vỉa hè %d", i+1), false))
			filed = append(filed, filedPoint{p, "app", "do_thi"})
		}
		day := time.Now().In(time.FixedZone("ICT", 7*3600)).Format(time.DateOnly)
		period := "from=" + day + "&to=" + day
		for _, c := range []struct{ query, channel, group string }{
			{"&cell=250", "", ""}, {"", "", ""}, {"&cell=1000", "", ""}, {"&cell=250&channel=hotline", "hotline", ""},
			{"&cell=250&group=moi_truong", "", "moi_truong"}, {"&cell=250&channel=app&group=do_thi", "app", "do_thi"},
		} {
			var h hotspotsAnswer
			s.request(t, "GET", "/v1/stats/hotspots?"+period+c.query, viewer.AccessToken, nil).expect(t, http.StatusOK).json(t, &h)
			var matching []filedPoint
			for _, f := range filed {
				if (c.channel == "" || f.channel == c.channel) && (c.group == "" || f.group == c.group) {
					matching = append(matching, f)
				}
			}
			checkHotspots(t, c.query, h, matching)
			var sum struct{ Figures statsFigures }
			s.request(t, "GET", "/v1/stats/summary?"+period+c.query, viewer.AccessToken, nil).expect(t, http.StatusOK).json(t, &sum)
			if h.Counted != sum.Figures.Received {
				t.Errorf("hotspots%s counted %d reports, the summary received %d", c.query, h.Counted, sum.Figures.Received)
			}
		}
		refusedHotspots(t, s, res.AccessToken, officer.AccessToken, viewer.AccessToken, period)
		checkConsoleHotspots(t, s, viewer.AccessToken, period)
	})
}

// checkConsoleHotspots: the dashboard's hotspot layer draws the API's cells (one rectangle per
// cell, with its count) for the same filters and cell size; none when the layer is off, and a
// note instead when the period is longer than a year.
func checkConsoleHotspots(t *testing.T, s *server, token, period string) {
	t.Helper()
	s.createOfficial("ioc_viewer", "ioc.bandonong", "")
	cc := newConsoleClient(t, s)
	cc.signIn("ioc.bandonong")
	rect := regexp.MustCompile(`<rect class="hotspot"[^>]*data-count="(\d+)"`)
	for _, q := range []string{"&hotspots=250", "&hotspots=250&channel=hotline", "&hotspots=500&group=do_thi", ""} {
		page := string(cc.do("GET", "/console/dashboard?"+period+q, nil).expect(t, http.StatusOK).body)
		var drawn []int
		for _, m := range rect.FindAllStringSubmatch(page, -1) {
			n, _ := strconv.Atoi(m[1])
			drawn = append(drawn, n)
		}
		var h hotspotsAnswer
		api := strings.NewReplacer("hotspots=", "cell=").Replace(period + q)
		s.request(t, "GET", "/v1/stats/hotspots?"+api, token, nil).expect(t, http.StatusOK).json(t, &h)
		var want []int
		for _, c := range h.Cells {
			want = append(want, c.Count)
		}
		if !slices.Equal(drawn, want) || (q == "&hotspots=250" && len(drawn) == 0) {
			t.Errorf("dashboard?%s%s draws cells %v, the API %v", period, q, drawn, want)
		}
	}
	off := string(cc.do("GET", "/console/dashboard?"+period+"&hotspots=0", nil).expect(t, http.StatusOK).body)
	long := string(cc.do("GET", "/console/dashboard?from=2024-01-01&to="+period[len(period)-10:], nil).expect(t, http.StatusOK).body)
	if strings.Contains(off, `class="hotspot"`) || strings.Contains(long, `class="hotspot"`) || !strings.Contains(long, `id="hotspot-legend"`) {
		t.Error("the hotspot layer is drawn when off or for a period over a year, or the long period has no note")
	}
}

// checkHotspots compares the answer with a brute-force count of the points' cells.
func checkHotspots(t *testing.T, query string, h hotspotsAnswer, points []filedPoint) {
	t.Helper()
	if h.MinCount != 3 || h.CellM < 250 || h.LatStep <= 0 || h.LngStep <= 0 {
		t.Fatalf("hotspots%s: grid %+v", query, h)
	}
	round := func(v float64) float64 { return math.Round(v*1000) / 1000 }
	want := map[[2]int]int{}
	for _, f := range points {
		want[[2]int{int(math.Floor(round(f.p.lat) / h.LatStep)), int(math.Floor(round(f.p.lng) / h.LngStep))}]++
	}
	suppressed, shown := 0, 0
	for k, n := range want {
		if n < 3 {
			suppressed += n
			delete(want, k)
		}
	}
	for _, c := range h.Cells {
		shown++
		if want[[2]int{c.Row, c.Col}] != c.Count {
			t.Errorf("hotspots%s: cell %d,%d has %d reports, want %d", query, c.Row, c.Col, c.Count, want[[2]int{c.Row, c.Col}])
		}
		if c.South > c.North || c.West > c.East || math.Abs(c.South-float64(c.Row)*h.LatStep) > 1e-9 {
			t.Errorf("hotspots%s: cell %d,%d edges %v %v %v %v", query, c.Row, c.Col, c.South, c.West, c.North, c.East)
		}
	}
	if shown != len(want) || h.Suppressed != suppressed || h.Counted != len(points) {
		t.Errorf("hotspots%s: %d cells, %d suppressed, %d counted; want %d, %d, %d", query, shown, h.Suppressed, h.Counted, len(want), suppressed, len(points))
	}
	if len(want) == 0 && query == "&cell=250" {
		t.Errorf("hotspots%s: the test filed no cluster", query)
	}
}

// refusedHotspots: who may not, and what is not a grid or a period.
func refusedHotspots(t *testing.T, s *server, resident, officer, viewer, period string) {
	t.Helper()
	path := "/v1/stats/hotspots?" + period
	refused(t, s.request(t, "GET", path, "", nil), http.StatusUnauthorized, "unauthorized", "")
	refused(t, s.request(t, "GET", path, resident, nil), http.StatusForbidden, "forbidden", "")
	refused(t, s.request(t, "GET", path, officer, nil), http.StatusForbidden, "forbidden", "")
	s.request(t, "GET", path, "", nil, "X-API-Key: "+s.apiKey(t, "stats")).expect(t, http.StatusOK)
	refused(t, s.request(t, "GET", path, "", nil, "X-API-Key: "+s.apiKey(t, "feed")), http.StatusForbidden, "forbidden", "")
	refused(t, s.request(t, "GET", path+"&cell=100", viewer, nil), http.StatusBadRequest, "invalid", "cell")
	refused(t, s.request(t, "GET", path+"&cell=abc", viewer, nil), http.StatusBadRequest, "invalid", "cell")
	refused(t, s.request(t, "GET", "/v1/stats/hotspots", viewer, nil), http.StatusBadRequest, "invalid", "from")
	refused(t, s.request(t, "GET", "/v1/stats/hotspots?from=2024-01-01&to=2025-06-30", viewer, nil), http.StatusBadRequest, "invalid", "from")
	refused(t, s.request(t, "GET", path+"&channel=fax", viewer, nil), http.StatusBadRequest, "invalid", "channel")
}
