package tests

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"
)

// reportLine is one row of a periodic report after its code, name and group: the counts, then
// the rates as fractions (nil for an empty cell).
type reportLine struct {
	Received, Resolved, OnTime, Late, LateExt, Backlog, Overdue, Rejected, Rated, Satisfied float64
	OnTimeRate, LateExtRate, SatisfactionRate                                               *float64
}

// reportHeaderCols are the columns every view of a report has, in order.
var reportHeaderCols = []string{"Nhóm lĩnh vực", "Tiếp nhận", "Đã giải quyết", "Đúng hạn", "Trễ hạn", "Trễ hạn có gia hạn",
	"Tồn đọng", "Quá hạn", "Từ chối", "Được đánh giá", "Hài lòng", "Tỉ lệ đúng hạn (%)", "Tỉ lệ trễ hạn có gia hạn (%)", "Tỉ lệ hài lòng (%)"}

// reportGroupNames are the Vietnamese group names of the reports, by group code.
var reportGroupNames = map[string]string{"": "Tất cả", "antt": "An ninh trật tự", "asxh": "An sinh xã hội",
	"do_thi": "Trật tự đô thị, hạ tầng", "moi_truong": "Môi trường", "giao_thong": "Giao thông", "khac": "Khác"}

// TestPeriodicReports files tickets with known outcomes in two wards and two units, downloads
// the monthly report by unit and by ward as XLSX and CSV, and compares every figure of every row
// with a brute-force recount over the tickets as the IOC reads them.
func TestPeriodicReports(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 8), ward(set, 9)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912900001")
		ox := s.createOfficial("officer", "report.officer.x", unitOf(x.code, "ubnd"))
		oy := s.createOfficial("officer", "report.officer.y", unitOf(y.code, "ubnd"))
		police := s.createOfficial("officer", "report.police.x", unitOf(x.code, "cong_an"))
		viewer := s.createOfficial("ioc_viewer", "report.ioc", "")
		s.createOfficial("ioc_operator", "report.console", "")
		ids := fileReportTickets(t, s, res.AccessToken, x, y, ox.AccessToken, oy.AccessToken, police.AccessToken)

		tickets := make([]wfTicket, len(ids))
		for i, id := range ids {
			tickets[i] = getTicket(t, s, viewer.AccessToken, id)
		}
		period := parseTime(t, tickets[0].CreatedAt).In(time.FixedZone("ICT", 7*3600)).Format("2006-01")
		groups := categoryGroups(t, s)
		wants := map[string]map[string]reportLine{}
		for _, by := range []struct{ by, sheet, slug string }{{"unit", "Đơn vị", "don-vi"}, {"area", "Phường", "phuong"}} {
			want := recountReport(tickets, period, groups, by.by)
			wants[by.by] = want
			t.Run(by.by, func(t *testing.T) {
				r := s.request(t, "GET", "/v1/reports/periodic?period="+period+"&by="+by.by, viewer.AccessToken, nil).expect(t, http.StatusOK)
				checkDownload(t, r, "bao-cao-"+period+"-"+by.slug+".xlsx", "spreadsheetml")
				checkReportRows(t, "xlsx", xlsxReport(t, r.body, by.sheet), want)
				checkReportRows(t, "xlsx by channel", xlsxSheets(t, r.body, "Kênh tiếp nhận", []string{"Theo kênh"}), recountChannels(tickets, period))
				r = s.request(t, "GET", "/v1/reports/periodic?period="+period+"&by="+by.by+"&format=csv", viewer.AccessToken, nil).expect(t, http.StatusOK)
				checkDownload(t, r, "bao-cao-"+period+"-"+by.slug+".csv", "text/csv")
				checkReportRows(t, "csv", csvReport(t, r.body), want)
				checkConsoleReport(t, s, period, by.by, want)
			})
		}
		checkReportRefusals(t, s, viewer.AccessToken, res.AccessToken, ox.AccessToken)
		checkReportArchive(t, s, viewer.AccessToken, res.AccessToken, period, wants)
	})
}

// fileReportTickets files six tickets and moves them to known ends: in ward x (ward people's
// committee) one closed and rated 5, one rejected, one waiting; in ward y one closed and rated
// 2, one waiting; and a public-security ticket in ward x resolved without a rating.
func fileReportTickets(t *testing.T, s *server, res string, x, y wardPoint, ox, oy, police string) []string {
	t.Helper()
	var ids []string
	file := func(cat string, p wardPoint) wfTicket {
		tk := fileTicket(t, s, res, wfReport(cat, p, fmt.Sprintf("Phản ánh định kỳ số %d", len(ids)+1), false))
		ids = append(ids, tk.ID)
		return tk
	}
	closeRated := func(tk wfTicket, officer string, rating int) {
		tk = step(t, s, officer, tk, "accept", nil, "assigned")
		tk = step(t, s, officer, tk, "resolve", fields{"outcome": "fixed", "note": "Đã xử lý."}, "resolved")
		step(t, s, res, tk, "rate", fields{"rating": rating}, "closed")
	}
	closeRated(file("TTDT", x), ox, 5)
	step(t, s, ox, file("TTDT", x), "reject", fields{"reason": "not_a_real_problem"}, "rejected")
	file("TTDT", x)
	closeRated(file("TTDT", y), oy, 2)
	file("TTDT", y)
	tk := step(t, s, police, file("ANTT.01", x), "accept", nil, "assigned")
	tk = step(t, s, police, tk, "start", nil, "in_progress")
	step(t, s, police, tk, "resolve", fields{"outcome": "fixed", "note": "Đã xử lý."}, "resolved")
	// A walk-in the ward's officer took down, counted under its channel.
	walkIn := wfReport("TTDT", x, "Phản ánh trực tiếp tại trụ sở", false)
	walkIn["channel"] = "walk_in"
	var w wfTicket
	s.request(t, "POST", "/v1/tickets/on-behalf", ox, walkIn).expect(t, http.StatusCreated).json(t, &w)
	return append(ids, w.ID)
}

// recountChannels counts the tickets of period into the rows the sheet by channel must have,
// "channel|" (channels without tickets are absent: all zero).
func recountChannels(tickets []wfTicket, period string) map[string]reportLine {
	counts := map[string]*reportLine{}
	for _, tk := range tickets {
		created, _ := time.Parse(time.RFC3339, tk.CreatedAt)
		if created.In(time.FixedZone("ICT", 7*3600)).Format("2006-01") != period {
			continue
		}
		if counts[tk.Channel] == nil {
			counts[tk.Channel] = &reportLine{}
		}
		tallyTicket(counts[tk.Channel], tk)
	}
	out := map[string]reportLine{}
	for ch, c := range counts {
		c.setRates()
		out[ch+"|"] = *c
	}
	return out
}

// categoryGroups maps category codes to their groups, from the public catalogue.
func categoryGroups(t *testing.T, s *server) map[string]string {
	t.Helper()
	var body struct {
		Categories []struct{ Code, Group string }
	}
	s.request(t, "GET", "/v1/categories", "", nil).expect(t, http.StatusOK).json(t, &body)
	out := map[string]string{}
	for _, c := range body.Categories {
		out[c.Code] = c.Group
	}
	return out
}

// recountReport counts the tickets filed in period (a month, Vietnamese time) into the rows a
// report by unit or by area must have: "key|group" per unit or ward (group "" for all groups)
// and "TOTAL|" for the total. Rows of units or wards without tickets are absent (all zero).
func recountReport(tickets []wfTicket, period string, groups map[string]string, by string) map[string]reportLine {
	counts := map[string]*reportLine{}
	add := func(key string, tk wfTicket) {
		if counts[key] == nil {
			counts[key] = &reportLine{}
		}
		tallyTicket(counts[key], tk)
	}
	for _, tk := range tickets {
		created, _ := time.Parse(time.RFC3339, tk.CreatedAt)
		if created.In(time.FixedZone("ICT", 7*3600)).Format("2006-01") != period {
			continue
		}
		key := tk.Unit.ID
		if by == "area" {
			key = tk.Area.Code
		}
		add(key+"|", tk)
		add(key+"|"+groups[tk.Category], tk)
		add("TOTAL|", tk)
	}
	out := map[string]reportLine{}
	for k, c := range counts {
		c.setRates()
		out[k] = *c
	}
	return out
}

// tallyTicket counts one ticket into a row, from its state, class, rating and overdue flag.
func tallyTicket(c *reportLine, tk wfTicket) {
	c.Received++
	switch tk.State {
	case "received", "assigned", "in_progress", "awaiting_info":
		c.Backlog++
	case "rejected":
		c.Rejected++
	case "resolved", "closed":
		c.Resolved++
		switch tk.OnTimeClass {
		case "on_time":
			c.OnTime++
		case "late":
			c.Late++
		case "late_with_extension":
			c.LateExt++
		}
		if tk.Rating > 0 {
			c.Rated++
		}
		if tk.Rating >= 4 {
			c.Satisfied++
		}
	}
	if tk.Overdue {
		c.Overdue++
	}
}

// checkReportRows compares every row of a report with the recount (a row the recount lacks
// must be all zero) and checks that every recounted row is in the report.
func checkReportRows(t *testing.T, what string, got, want map[string]reportLine) {
	t.Helper()
	tolerance := cmpopts.EquateApprox(0, 1e-12)
	if what == "csv" {
		tolerance = cmpopts.EquateApprox(0, 0.00005) // percentages with two decimals
	}
	for key, line := range got {
		if d := cmp.Diff(want[key], line, tolerance); d != "" {
			t.Errorf("%s row %s (-recount +report):\n%s", what, key, d)
		}
	}
	for key := range want {
		if _, ok := got[key]; !ok {
			t.Errorf("%s: no row %s", what, key)
		}
	}
}

// checkDownload checks a report's content type and attachment file name.
func checkDownload(t *testing.T, r response, name, contentType string) {
	t.Helper()
	if got := r.header.Get("Content-Disposition"); got != `attachment; filename="`+name+`"` {
		t.Errorf("Content-Disposition %q, want the file name %s", got, name)
	}
	if got := r.header.Get("Content-Type"); !strings.Contains(got, contentType) {
		t.Errorf("Content-Type %q, want %s", got, contentType)
	}
}

// parseReportRow reads the cells of one row after the header: code, name, group, then the
// columns (rates divided by scale: 1 in the XLSX, 100 in the CSV, in percent). The key is
// "code|group", "TOTAL|" for the total row.
func parseReportRow(t *testing.T, row []string, scale float64) (string, reportLine) {
	t.Helper()
	cell := func(i int) string {
		if i < len(row) {
			return row[i]
		}
		return "" // excelize leaves out the empty cells at the end of a row
	}
	groupOf := map[string]string{}
	for code, name := range reportGroupNames {
		groupOf[name] = code
	}
	group, ok := groupOf[cell(2)]
	if !ok {
		t.Fatalf("row %v: unknown group %q", row, cell(2))
	}
	key := cell(0) + "|" + group
	if cell(1) == "Tổng cộng" {
		key = "TOTAL|"
	}
	num := func(i int) *float64 {
		if cell(i) == "" {
			return nil
		}
		v, err := strconv.ParseFloat(cell(i), 64)
		if err != nil {
			t.Fatalf("row %v column %d: %v", row, i, err)
		}
		return &v
	}
	var counts [10]float64
	for i := range counts {
		v := num(3 + i)
		if v == nil {
			t.Fatalf("row %v: count %d is empty", row, i)
		}
		counts[i] = *v
	}
	rate := func(i int) *float64 {
		if v := num(i); v != nil {
			*v /= scale
			return v
		}
		return nil
	}
	return key, reportLine{Received: counts[0], Resolved: counts[1], OnTime: counts[2], Late: counts[3], LateExt: counts[4],
		Backlog: counts[5], Overdue: counts[6], Rejected: counts[7], Rated: counts[8], Satisfied: counts[9],
		OnTimeRate: rate(13), LateExtRate: rate(14), SatisfactionRate: rate(15)}
}

// xlsxReport opens a report workbook and reads the rows of both its sheets (the view's and the
// one by group), checking the title rows, the headers, that counts are numbers and that rates
// are formatted as percentages.
func xlsxReport(t *testing.T, body []byte, sheet string) map[string]reportLine {
	t.Helper()
	return xlsxSheets(t, body, sheet, []string{sheet, "Theo nhóm"})
}

// xlsxSheets reads the rows of some sheets of an XLSX report whose rows are named view (the
// workbook's sheets are the view's, by group and by channel).
func xlsxSheets(t *testing.T, body []byte, view string, sheets []string) map[string]reportLine {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open the XLSX: %v", err)
	}
	defer f.Close()
	if list := f.GetSheetList(); len(list) != 3 || list[1] != "Theo nhóm" || list[2] != "Theo kênh" {
		t.Fatalf("sheets %v, want the view's, Theo nhóm and Theo kênh", list)
	}
	sheet := view
	out := map[string]reportLine{}
	for _, name := range sheets {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil || len(rows) < 4 {
			t.Fatalf("sheet %s: %d rows, %v", name, len(rows), err)
		}
		if !strings.Contains(rows[0][0], "Tháng ") || !strings.HasPrefix(rows[1][0], "Lập lúc ") {
			t.Errorf("sheet %s: title rows %q", name, rows[:2])
		}
		if d := cmp.Diff(append([]string{"Mã", sheet}, reportHeaderCols...), rows[3]); d != "" {
			t.Errorf("sheet %s: header (-want +got):\n%s", name, d)
		}
		for i, row := range rows[4:] {
			key, line := parseReportRow(t, row, 1)
			if _, dup := out[key]; dup {
				t.Errorf("sheet %s: row %s twice", name, key)
			}
			out[key] = line
			checkXLSXCells(t, f, name, 5+i, line)
		}
	}
	return out
}

// checkXLSXCells checks that the first count of row n is a number, not text, and that its
// first rate, when there is one, has a percentage format.
func checkXLSXCells(t *testing.T, f *excelize.File, sheet string, n int, line reportLine) {
	t.Helper()
	cell := fmt.Sprintf("D%d", n)
	if typ, err := f.GetCellType(sheet, cell); err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("%s!%s: type %v (%v), want a number", sheet, cell, typ, err)
	}
	if line.OnTimeRate == nil {
		return
	}
	cell = fmt.Sprintf("N%d", n)
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(id)
	if err != nil || style.NumFmt != 10 {
		t.Errorf("%s!%s: number format %v (%v), want 10 (0.00%%)", sheet, cell, style, err)
	}
}

// csvReport reads a CSV report: a byte-order mark, the header, then the rows.
func csvReport(t *testing.T, body []byte) map[string]reportLine {
	t.Helper()
	rest, ok := bytes.CutPrefix(body, []byte("\ufeff"))
	if !ok {
		t.Errorf("the CSV does not start with a byte-order mark: %q", body[:min(len(body), 8)])
	}
	records, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil || len(records) < 1 {
		t.Fatalf("read the CSV: %d records, %v", len(records), err)
	}
	if d := cmp.Diff(reportHeaderCols, records[0][2:]); d != "" {
		t.Errorf("CSV header (-want +got):\n%s", d)
	}
	out := map[string]reportLine{}
	for _, rec := range records[1:] {
		key, line := parseReportRow(t, rec, 100)
		if _, dup := out[key]; dup {
			t.Errorf("CSV row %s twice", key)
		}
		out[key] = line
	}
	return out
}

// checkReportRefusals checks who may not download reports and which queries are refused, and
// that a future period is an empty report.
func checkReportRefusals(t *testing.T, s *server, viewer, resident, officer string) {
	t.Helper()
	const path = "/v1/reports/periodic?period=2026-11"
	refused(t, s.request(t, "GET", path, "", nil), http.StatusUnauthorized, "unauthorized", "")
	refused(t, s.request(t, "GET", path, resident, nil), http.StatusForbidden, "forbidden", "")
	refused(t, s.request(t, "GET", path, officer, nil), http.StatusForbidden, "forbidden", "")
	cc := newConsoleClient(t, s)
	cc.signIn("report.officer.x")
	cc.do("GET", "/console/reports/periodic?period=2026-11", nil).expect(t, http.StatusForbidden)
	for _, c := range []struct{ query, field string }{
		{"", "period"}, {"period=2026-13", "period"}, {"period=2026-Q5", "period"}, {"period=26-11", "period"},
		{"period=2026-11-01", "period"}, {"period=2026-q4", "period"}, {"period=2026-11&by=ward", "by"},
		{"period=2026-11&format=pdf", "format"},
	} {
		t.Run(c.query, func(t *testing.T) {
			refused(t, s.request(t, "GET", "/v1/reports/periodic?"+c.query, viewer, nil), http.StatusBadRequest, "invalid", c.field)
		})
	}
	r := s.request(t, "GET", "/v1/reports/periodic?period=2099-Q1&by=area&format=csv", viewer, nil).expect(t, http.StatusOK)
	checkDownload(t, r, "bao-cao-2099-q1-phuong.csv", "text/csv")
	checkReportRows(t, "csv", csvReport(t, r.body), map[string]reportLine{})
}

// checkConsoleReport downloads the report from the console's IOC dashboard as the IOC, signed
// in by the console's cookie session: the dashboard has the form, and its CSV is the API's.
func checkConsoleReport(t *testing.T, s *server, period, by string, want map[string]reportLine) {
	t.Helper()
	cc := newConsoleClient(t, s)
	cc.signIn("report.console")
	page := string(cc.do("GET", "/console/dashboard", nil).expect(t, http.StatusOK).body)
	if !strings.Contains(page, `action="/console/reports/periodic"`) {
		t.Error("the dashboard has no periodic report form")
	}
	r := cc.do("GET", "/console/reports/periodic?period="+period+"&by="+by+"&format=csv", nil).expect(t, http.StatusOK)
	checkReportRows(t, "csv", csvReport(t, r.body), want)
}

// setRates computes the line's rates from its counts, as the report does (none without a
// denominator).
func (c *reportLine) setRates() {
	rate := func(n, d float64) *float64 {
		if d == 0 {
			return nil
		}
		v := n / d
		return &v
	}
	c.OnTimeRate, c.LateExtRate, c.SatisfactionRate = rate(c.OnTime, c.Resolved), rate(c.LateExt, c.Resolved), rate(c.Satisfied, c.Rated)
}
