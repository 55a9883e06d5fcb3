package tests

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// dashboardPage is what the console's IOC dashboard shows, read from its HTML: the headline
// figures (data-value), the previous period's (data-previous) and its dates, and the units'
// rows of the SLA table (received per unit id).
type dashboardPage struct {
	figures, previous map[string]string
	prevFrom, prevTo  string
	unitReceived      map[string]string
}

var (
	dashFigureRe   = regexp.MustCompile(`id="fig-(\w+)" data-value="([^"]*)"`)
	dashPreviousRe = regexp.MustCompile(`id="prev-(\w+)" data-previous="([^"]*)"`)
	dashPeriodRe   = regexp.MustCompile(`data-prev-from="([^"]*)" data-prev-to="([^"]*)"`)
	dashUnitRe     = regexp.MustCompile(`<tr data-unit="([^"]+)">.*?data-metric="received">(\d+)<`)
)

// readDashboard fetches the dashboard with query as the console client.
func readDashboard(t *testing.T, cc *consoleClient, query string) dashboardPage {
	t.Helper()
	page := string(cc.do("GET", "/console/dashboard?"+query, nil).expect(t, http.StatusOK).body)
	d := dashboardPage{figures: map[string]string{}, previous: map[string]string{}, unitReceived: map[string]string{}}
	for _, m := range dashFigureRe.FindAllStringSubmatch(page, -1) {
		d.figures[m[1]] = m[2]
	}
	for _, m := range dashPreviousRe.FindAllStringSubmatch(page, -1) {
		d.previous[m[1]] = m[2]
	}
	if m := dashPeriodRe.FindStringSubmatch(page); m != nil {
		d.prevFrom, d.prevTo = m[1], m[2]
	}
	for _, m := range dashUnitRe.FindAllStringSubmatch(page, -1) {
		d.unitReceived[m[1]] = m[2]
	}
	if len(d.figures) == 0 {
		t.Fatalf("dashboard?%s shows no figures", query)
	}
	return d
}

// apiFigures reads /v1/stats/summary with query as the figures the dashboard shows: numbers as
// the dashboard's data-value attributes spell them ("" for null).
func apiFigures(t *testing.T, s *server, token, query string) map[string]string {
	t.Helper()
	var sum struct{ Figures map[string]*float64 }
	s.request(t, "GET", "/v1/stats/summary?"+query, token, nil).expect(t, http.StatusOK).json(t, &sum)
	out := map[string]string{}
	for k, v := range sum.Figures {
		if v != nil {
			out[k] = strconv.FormatFloat(*v, 'f', -1, 64)
		} else {
			out[k] = ""
		}
	}
	return out
}

// sameFigures reports every figure of shown that differs from the API's.
func sameFigures(t *testing.T, what string, shown, api map[string]string) {
	t.Helper()
	for _, m := range []string{"received", "backlog", "resolved", "overdue", "on_time_rate", "on_time_e2e_rate", "satisfaction_rate", "median_resolve_hours"} {
		if got, ok := shown[m]; !ok || got != api[m] {
			t.Errorf("%s: %s shows %q, the API %q", what, m, got, api[m])
		}
	}
}

// TestDashboardFilters: the IOC dashboard filtered by category group, category and channel shows
// the figures /v1/stats/summary gives with the same filters, and its unit table the received
// counts of /v1/stats/units; beside them, the figures of the previous period of equal length are
// those of the summary for those dates.
func TestDashboardFilters(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 2), ward(set, 5)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912800001")
		ioc := s.createOfficial("ioc_operator", "ioc.locdash", "")
		officer := s.createOfficial("officer", "canbo.locdash", unitOf(x.code, "ubnd"))
		viewer := s.createOfficial("ioc_viewer", "ioc.xemdash", "")
		t1 := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè trước nhà số 12", false))
		fileTicket(t, s, res.AccessToken, wfReport("TTDT", y, "Lấn chiếm lòng đường chợ", false))
		fileTicket(t, s, res.AccessToken, wfReport("MT", y, "Rác thải chất đống đầu hẻm", false))
		for i, p := range []wardPoint{x, y} {
			s.request(t, "POST", "/v1/tickets/on-behalf", ioc.AccessToken, onBehalfReport("MT", p, "hotline",
				map[string]any{"on_behalf": map[string]any{"phone": fmt.Sprintf("0912 800 10%d", i), "name": "Trần Văn Bình"}})).
				expect(t, http.StatusCreated)
		}
		t1 = step(t, s, officer.AccessToken, t1, "accept", nil, "assigned")
		step(t, s, officer.AccessToken, t1, "resolve", fields{"outcome": "fixed", "note": "Đã dọn."}, "resolved")

		cc := newConsoleClient(t, s)
		cc.signIn("ioc.xemdash")
		token := viewer.AccessToken
		today := time.Now().In(time.FixedZone("ICT", 7*3600))
		day := today.Format(time.DateOnly)
		period := "from=" + day + "&to=" + day
		for _, filter := range []string{"", "&channel=hotline", "&channel=app", "&category=TTDT", "&group=moi_truong", "&group=moi_truong&channel=app"} {
			shown := readDashboard(t, cc, period+filter)
			sameFigures(t, "dashboard?"+period+filter, shown.figures, apiFigures(t, s, token, period+filter))
			checkUnitRows(t, s, token, period+filter, shown.unitReceived)
		}
		if got := readDashboard(t, cc, period+"&channel=hotline").figures["received"]; got != "2" {
			t.Errorf("the hotline's dashboard shows %s received, want the 2 filed on behalf", got)
		}

		// Tomorrow alone: the previous period is today.
		tomorrow := today.AddDate(0, 0, 1).Format(time.DateOnly)
		for _, filter := range []string{"", "&group=moi_truong"} {
			shown := readDashboard(t, cc, "from="+tomorrow+"&to="+tomorrow+filter)
			if shown.prevFrom != day || shown.prevTo != day {
				t.Errorf("the period before %s is %s – %s, want %s", tomorrow, shown.prevFrom, shown.prevTo, day)
			}
			sameFigures(t, "previous period"+filter, shown.previous, apiFigures(t, s, token, period+filter))
		}
		week := readDashboard(t, cc, "from="+today.AddDate(0, 0, -6).Format(time.DateOnly)+"&to="+day)
		if want := today.AddDate(0, 0, -7).Format(time.DateOnly); week.prevTo != want || week.prevFrom != today.AddDate(0, 0, -13).Format(time.DateOnly) {
			t.Errorf("the week before the last seven days is %s – %s, want seven days to %s", week.prevFrom, week.prevTo, want)
		}
		cc.do("GET", "/console/dashboard?channel=fax", nil).expect(t, http.StatusBadRequest)
	})
}

// checkUnitRows: each unit row of the dashboard shows the received count of /v1/stats/units.
func checkUnitRows(t *testing.T, s *server, token, query string, rows map[string]string) {
	t.Helper()
	var units struct {
		Units []struct {
			ID      string
			Figures statsFigures
		}
	}
	s.request(t, "GET", "/v1/stats/units?"+query, token, nil).expect(t, http.StatusOK).json(t, &units)
	withTickets := 0
	for _, u := range units.Units {
		if u.Figures.Received == 0 {
			continue
		}
		withTickets++
		if rows[u.ID] != fmt.Sprint(u.Figures.Received) {
			t.Errorf("dashboard?%s: unit %s shows %q received, the API %d", query, u.ID, rows[u.ID], u.Figures.Received)
		}
	}
	if len(rows) != withTickets {
		t.Errorf("dashboard?%s: %d unit rows, the API %d units with tickets", query, len(rows), withTickets)
	}
}
