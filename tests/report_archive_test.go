package tests

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// archivedReport is an entry of GET /v1/reports/archive.
type archivedReport struct {
	ID, Period, By string
}

// checkReportArchive runs the report schedule as the servers do: on the 1st of the month after
// period at 06:00 (nothing is due before 07:00), then twice at once in the middle of that month
// (due since its first working day): the archive then holds the period's two reports once each,
// and each downloads with the figures of the live report (want by unit and by area).
func checkReportArchive(t *testing.T, s *server, viewer, resident, period string, want map[string]map[string]reportLine) {
	t.Helper()
	month, err := time.ParseInLocation("2006-01", period, vnZone)
	if err != nil {
		t.Fatal(err)
	}
	next := month.AddDate(0, 1, 0)
	if out, err := s.admin("", "reports", "run", "--now", rfc(next.Add(6*time.Hour))); err != nil || !strings.Contains(out, "reports: 0 made") {
		t.Fatalf("reports run at 06:00 on the 1st: %q, %v; want nothing due", out, err)
	}
	var wg sync.WaitGroup
	outs, errs := make([]string, 2), make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			outs[i], errs[i] = s.admin("", "reports", "run", "--now", rfc(next.AddDate(0, 0, 14).Add(9*time.Hour)))
		})
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("reports run: %v", errs[i])
		}
	}
	// The server's own schedule has made last month's reports by now (it ran at start): the
	// archive lists the period's two first, newest period first, once each.
	var list struct{ Reports []archivedReport }
	s.request(t, "GET", "/v1/reports/archive", viewer, nil).expect(t, http.StatusOK).json(t, &list)
	if len(list.Reports) < 2 || list.Reports[0].Period != period || list.Reports[1].Period != period ||
		(len(list.Reports) > 2 && list.Reports[2].Period >= period) || outs[0]+outs[1] == "" {
		t.Fatalf("the archive after two concurrent runs: %+v (runs said %q)", list.Reports, outs)
	}
	if made := strings.Count(outs[0]+outs[1], period+"-"); made != 2 {
		t.Errorf("the two runs made %d reports of %s, want 2 between them: %q", made, period, outs)
	}
	for _, by := range []struct{ by, sheet string }{{"unit", "Đơn vị"}, {"area", "Phường"}} {
		r := s.request(t, "GET", "/v1/reports/archive/"+period+"-"+by.by, viewer, nil).expect(t, http.StatusOK)
		checkReportRows(t, "archived xlsx by "+by.by, xlsxReport(t, r.body, by.sheet), want[by.by])
		r = s.request(t, "GET", "/v1/reports/archive/"+period+"-"+by.by+"?format=csv", viewer, nil).expect(t, http.StatusOK)
		checkReportRows(t, "archived csv by "+by.by, csvReport(t, r.body), want[by.by])
	}
	refused(t, s.request(t, "GET", "/v1/reports/archive", resident, nil), http.StatusForbidden, "forbidden", "")
	refused(t, s.request(t, "GET", "/v1/reports/archive/1999-01-unit", viewer, nil), http.StatusNotFound, "not_found", "")
	refused(t, s.request(t, "GET", "/v1/reports/archive/"+period+"-unit?format=pdf", viewer, nil), http.StatusBadRequest, "invalid", "format")
	cc := newConsoleClient(t, s)
	cc.signIn("report.console")
	page := cc.do("GET", "/console/dashboard", nil).expect(t, http.StatusOK).body
	mustHave(t, "the dashboard", page, `href="/console/reports/archive/`+period+`-unit"`)
	cc.do("GET", "/console/reports/archive/"+period+"-area", nil).expect(t, http.StatusOK)
}
