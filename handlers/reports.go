package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"phananh/app"
	"phananh/models"
)

// Content types of the periodic reports.
const (
	contentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	contentTypeCSV  = "text/csv; charset=utf-8"
)

// reportColumn is one column of a periodic report: its Vietnamese header and its value in a row.
// A rate is a fraction (nil when its denominator is zero), shown as a percentage.
type reportColumn struct {
	header string
	rate   bool
	value  func(r app.ReportRow) *float64
}

// reportColumns are the columns after the code, name and group of every row: the counts, then
// the rates the statistics API defines.
func reportColumns() []reportColumn {
	n := func(f func(c models.StatsCounts) int) func(r app.ReportRow) *float64 {
		return func(r app.ReportRow) *float64 { v := float64(f(r.Counts)); return &v }
	}
	return []reportColumn{
		{"Tiếp nhận", false, n(func(c models.StatsCounts) int { return c.Received })},
		{"Đã giải quyết", false, n(func(c models.StatsCounts) int { return c.Resolved })},
		{"Đúng hạn", false, n(func(c models.StatsCounts) int { return c.OnTime })},
		{"Trễ hạn", false, n(func(c models.StatsCounts) int { return c.Late() })},
		{"Trễ hạn có gia hạn", false, n(func(c models.StatsCounts) int { return c.LateWithExtension })},
		{"Tồn đọng", false, n(func(c models.StatsCounts) int { return c.Open })},
		{"Quá hạn", false, n(func(c models.StatsCounts) int { return c.Overdue })},
		{"Từ chối", false, n(func(c models.StatsCounts) int { return c.Rejected })},
		{"Được đánh giá", false, n(func(c models.StatsCounts) int { return c.Rated })},
		{"Hài lòng", false, n(func(c models.StatsCounts) int { return c.Satisfied })},
		{"Tỉ lệ đúng hạn (%)", true, func(r app.ReportRow) *float64 { return r.Figures.OnTimeRate }},
		{"Tỉ lệ trễ hạn có gia hạn (%)", true, func(r app.ReportRow) *float64 { return r.Figures.LateWithExtensionRate }},
		{"Tỉ lệ hài lòng (%)", true, func(r app.ReportRow) *float64 { return r.Figures.SatisfactionRate }},
	}
}

// groupName is the Vietnamese name of a category group, as in Open311's "group" ("": every
// group, in reports).
func groupName(g models.Group) string {
	if g == "" {
		return "Tất cả"
	}
	if name, ok := groupNames[g]; ok {
		return name
	}
	return string(g)
}

// reportView names what a report's rows are, in Vietnamese and in its file name.
func reportView(by models.StatsDimension) (title, slug string) {
	if by == models.ByArea {
		return "Phường", "phuong"
	}
	return "Đơn vị", "don-vi"
}

// periodTitle names a report period as Vietnamese reports do: "Tháng 11/2026", "Quý 4/2026",
// "Năm 2026".
func periodTitle(p app.ReportPeriod) string {
	year, rest, _ := strings.Cut(p.Name, "-")
	switch {
	case rest == "":
		return "Năm " + year
	case rest[0] == 'Q':
		return "Quý " + rest[1:] + "/" + year
	}
	return "Tháng " + rest + "/" + year
}

// reportHeader are the column headers of every view of a report: code, name, group, then the
// columns.
func reportHeader(by models.StatsDimension) []string {
	view, _ := reportView(by)
	return reportHeaderOf(view)
}

// reportHeaderOf are the column headers of a view whose rows are named view ("Đơn vị",
// "Kênh tiếp nhận").
func reportHeaderOf(view string) []string {
	h := []string{"Mã", view, "Nhóm lĩnh vực"}
	for _, col := range reportColumns() {
		h = append(h, col.header)
	}
	return h
}

// reportAllRows are the rows of every view of a report, in order: each unit or ward, the total,
// then each unit or ward by group.
func reportAllRows(r app.Report) (main, groups []app.ReportRow) {
	total := r.Total
	total.Name = "Tổng cộng"
	main = append(append(main, r.Rows...), total)
	return main, r.Groups
}

// reportName is the name of a row: the catalogue's, or a placeholder for the tickets that have
// no unit or ward.
func reportName(row app.ReportRow) string {
	if row.Name == "" && row.Key == "" {
		return "(chưa xác định)"
	}
	return row.Name
}

// writeReportCSV writes the report as UTF-8 CSV with a byte-order mark, which Excel needs to
// read Vietnamese text right; rates are percentages with two decimals, empty without data.
func writeReportCSV(r app.Report) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if err := w.Write(reportHeader(r.By)); err != nil {
		return nil, err
	}
	main, groups := reportAllRows(r)
	cols := reportColumns()
	for _, row := range append(main, groups...) {
		rec := []string{row.Key, reportName(row), groupName(row.Group)}
		for _, col := range cols {
			v := col.value(row)
			switch {
			case v == nil:
				rec = append(rec, "")
			case col.rate:
				rec = append(rec, strconv.FormatFloat(*v*100, 'f', 2, 64))
			default:
				rec = append(rec, strconv.FormatFloat(*v, 'f', -1, 64))
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// writeReportXLSX writes the report as a workbook: a sheet of the units or wards and their
// total, and a sheet by group, each under a title row with the period and the generation time.
// Counts are numbers and rates fractions formatted as percentages, so the sheet can compute.
func writeReportXLSX(r app.Report) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	view, _ := reportView(r.By)
	main, groups := reportAllRows(r)
	sheets := []struct {
		name, view string
		rows       []app.ReportRow
	}{{view, view, main}, {"Theo nhóm", view, groups}, {"Theo kênh", reportChannelView, reportChannelRows(r)}}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return nil, err
		}
		if err := writeReportSheet(f, sh.name, sh.view, r, sh.rows); err != nil {
			return nil, err
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// reportHeaderRow is the row of the column headers in every sheet (after the title rows).
const reportHeaderRow = 4

// reportChannelView names the rows of the sheet by channel.
const reportChannelView = "Kênh tiếp nhận"

// reportChannelRows are the report's rows by channel, each named in Vietnamese.
func reportChannelRows(r app.Report) []app.ReportRow {
	rows := make([]app.ReportRow, len(r.Channels))
	for i, row := range r.Channels {
		row.Name = translate("vi", "channel."+row.Key)
		rows[i] = row
	}
	return rows
}

// writeReportSheet fills one sheet: title, generation time, headers (rows named view), rows.
func writeReportSheet(f *excelize.File, sheet, view string, r app.Report, rows []app.ReportRow) error {
	title := fmt.Sprintf("Báo cáo tình hình tiếp nhận và xử lý phản ánh, kiến nghị theo %s — %s (%s đến %s)",
		strings.ToLower(view), periodTitle(r.Period), vnDate(r.Period.From), vnDate(r.Period.To))
	if r.BoundarySet != "" {
		title += " — bản đồ " + r.BoundarySet
	}
	generated := "Lập lúc " + r.GeneratedAt.In(models.VietnamTime).Format("15:04 02/01/2006") + " (giờ Việt Nam)"
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	percent, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	header := reportHeaderOf(view)
	last, _ := excelize.ColumnNumberToName(len(header))
	for _, c := range []struct {
		cell  string
		value any
	}{{"A1", title}, {"A2", generated}} {
		if err := f.SetCellValue(sheet, c.cell, c.value); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", bold); err != nil {
		return err
	}
	if err := setRow(f, sheet, reportHeaderRow, toAny(header)); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A4", last+"4", bold); err != nil {
		return err
	}
	cols := reportColumns()
	for i, row := range rows {
		n := reportHeaderRow + 1 + i
		if err := setRow(f, sheet, n, reportCells(row, cols)); err != nil {
			return err
		}
		for j, col := range cols {
			if cell, _ := excelize.CoordinatesToCellName(4+j, n); col.rate {
				if err := f.SetCellStyle(sheet, cell, cell, percent); err != nil {
					return err
				}
			}
		}
	}
	if err := f.SetColWidth(sheet, "B", "C", 28); err != nil {
		return err
	}
	return f.SetColWidth(sheet, "D", last, 14)
}

// reportCells are the cells of one row: text, then numbers (nil, an empty cell, for a rate
// without data).
func reportCells(row app.ReportRow, cols []reportColumn) []any {
	cells := []any{row.Key, reportName(row), groupName(row.Group)}
	for _, col := range cols {
		if v := col.value(row); v != nil {
			cells = append(cells, *v)
		} else {
			cells = append(cells, nil)
		}
	}
	return cells
}

// setRow writes cells from column A of row n.
func setRow(f *excelize.File, sheet string, n int, cells []any) error {
	cell, err := excelize.CoordinatesToCellName(1, n)
	if err != nil {
		return err
	}
	return f.SetSheetRow(sheet, cell, &cells)
}

// toAny converts text cells for setRow.
func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// vnDate writes a "2006-01-02" date as Vietnamese documents do, 02/01/2006.
func vnDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("02/01/2006")
}

// periodicReport answers GET /v1/reports/periodic: the report of a month, quarter or year by
// unit or by ward, as XLSX (default) or CSV.
func (s *jsonAPI) periodicReport(c *fiber.Ctx) error { return sendPeriodicReport(c, s.svc.Stats) }

// consoleReport is the same download for the console's IOC dashboard, signed in by its cookie
// session (a browser link cannot carry the API's bearer token).
func (s *consoleUI) consoleReport(c *fiber.Ctx) error { return sendPeriodicReport(c, s.svc.Stats) }

// sendPeriodicReport reads period, by and format, and sends the report as an attachment.
func sendPeriodicReport(c *fiber.Ctx, stats *app.Stats) error {
	format, err := reportFormat(c)
	if err != nil {
		return err
	}
	by := models.StatsDimension(c.Query("by", "unit"))
	r, err := stats.Report(c.UserContext(), principal(c), strings.TrimSpace(c.Query("period")), by)
	if err != nil {
		return err
	}
	return sendReport(c, r, format)
}

// reportFormat is the format asked for: xlsx (default) or csv.
func reportFormat(c *fiber.Ctx) (string, error) {
	format := c.Query("format", "xlsx")
	if format != "xlsx" && format != "csv" {
		return "", models.FieldError(models.EInvalid, "format", "format must be xlsx or csv")
	}
	return format, nil
}

// sendReport sends r as an attachment in format.
func sendReport(c *fiber.Ctx, r app.Report, format string) error {
	write, contentType := writeReportXLSX, contentTypeXLSX
	if format == "csv" {
		write, contentType = writeReportCSV, contentTypeCSV
	}
	body, err := write(r)
	if err != nil {
		return err
	}
	_, slug := reportView(r.By)
	name := "bao-cao-" + strings.ToLower(r.Period.Name) + "-" + slug + "." + format
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(body)
}

// addReportPaths documents the periodic report, a binary download in one of two content types.
func addReportPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any) {
	file := map[string]any{"type": "string", "format": "binary"}
	paths["/v1/reports/periodic"] = map[string]any{"get": op("Periodic report of the tickets filed in a month, quarter or year (Asia/Ho_Chi_Minh), per unit or per ward of the active boundary set, with the total and a breakdown by category group: received, resolved, on time, late, late with an extension, backlog, overdue, rejected, rated, satisfied and the rates of the statistics API. XLSX (a sheet per view, title row with the period and generation time, rates as percentages) or CSV (UTF-8 with BOM, rates in percent)",
		[]string{"statistics"}, true, nil, []any{
			param("period", "query", true, "string", "2026-11 (month), 2026-Q4 (quarter) or 2026 (year); future periods give an empty report"),
			param("by", "query", false, "string", "unit (default) or area (the wards of the active boundary set)"),
			param("format", "query", false, "string", "xlsx (default) or csv"),
			param(HeaderAPIKey, "header", false, "string", "machine key with the stats scope, instead of a bearer token"),
		}, map[string]any{"200": map[string]any{"description": "the report, as an attachment named like bao-cao-2026-11-don-vi.xlsx",
			"content": map[string]any{contentTypeXLSX: map[string]any{"schema": file}, "text/csv": map[string]any{"schema": file}}}},
		"400", "401", "403")}
}
