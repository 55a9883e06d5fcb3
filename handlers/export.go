package handlers

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Exports of tickets as CSV and GeoJSON, streamed: the store reads bounded batches and every row
// is written to the connection as it comes, so memory stays flat for any number of tickets.
// /v1/export/* is the full IOC export (IOC roles, administrators, or an API key with the export
// scope); /v1/opendata/* is the public, redacted variant (app.Redact).

// exportTimeout bounds one export as a whole; progress, not this, keeps a long export alive (the
// write deadline moves forward with every flushed batch).
const exportTimeout = 2 * time.Hour

// exportFlushEvery is how many rows are buffered before a flush to the client.
const exportFlushEvery = 256

// exportRetryAfter is the Retry-After, in seconds, of an export refused because
// Config.ExportMaxConcurrent exports are running: they take minutes, so a second would only
// bring the client back to be refused again.
const exportRetryAfter = "30"

type exportFormat int

const (
	exportCSV exportFormat = iota
	exportGeoJSON
)

// exportColumn is one column of the CSV and one property of the GeoJSON.
type exportColumn struct {
	key, vi string
	public  bool // also in the open-data variant
	text    bool // free text: guarded against spreadsheet formulas in CSV
	value   func(r app.ExportRow) any
	// label names a code in Vietnamese for the lang=vi CSV, which people open in a
	// spreadsheet; nil for columns that hold no code. The English CSV and the GeoJSON keep
	// the codes, which programs read.
	label func(code string) string
}

// Vietnamese names of the coded values of exportColumns, for the lang=vi CSV.
func stateLabel(c string) string   { return translate("vi", "state."+c) }
func outcomeLabel(c string) string { return translate("vi", "outcome."+c) }
func classLabel(c string) string   { return translate("vi", "class."+c) }
func groupLabel(c string) string   { return groupName(models.Group(c)) }
func channelLabel(c string) string { return translate("vi", "channel."+c) }
func statusLabel(c string) string {
	if c == "closed" {
		return "Đã đóng"
	}
	return "Đang mở"
}

// exportColumns is the one table of exported fields; open data takes the public ones.
var exportColumns = []exportColumn{
	{"id", "ID", true, false, func(r app.ExportRow) any { return r.Ticket.ID }, nil},
	{"code", "Mã phản ánh", true, false, func(r app.ExportRow) any { return r.Ticket.Code }, nil},
	{"created_at", "Thời điểm tiếp nhận", true, false, func(r app.ExportRow) any { return formatTime(r.Ticket.CreatedAt) }, nil},
	{"updated_at", "Cập nhật lần cuối", true, false, func(r app.ExportRow) any { return formatTime(r.Ticket.UpdatedAt) }, nil},
	{"state", "Trạng thái", true, false, func(r app.ExportRow) any { return string(r.Ticket.State) }, stateLabel},
	{"status", "Mở/đóng", true, false, func(r app.ExportRow) any { return app.Open311Status(r.Ticket.State) }, statusLabel},
	{"category", "Mã lĩnh vực", true, false, func(r app.ExportRow) any { return r.Ticket.Category }, nil},
	{"category_name", "Lĩnh vực", true, false, func(r app.ExportRow) any { return r.CategoryName }, nil},
	{"group", "Nhóm lĩnh vực", true, false, func(r app.ExportRow) any { return string(r.Ticket.Group) }, groupLabel},
	{"area_code", "Mã phường/xã", true, false, func(r app.ExportRow) any { return r.Ticket.AreaCode }, nil},
	{"area_name", "Phường/xã", true, false, func(r app.ExportRow) any { return r.Ticket.AreaName }, nil},
	{"unit_id", "Mã đơn vị", false, false, func(r app.ExportRow) any { return r.Ticket.UnitID }, nil},
	{"unit_name", "Đơn vị xử lý", true, false, func(r app.ExportRow) any { return r.Ticket.UnitName }, nil},
	{"lat", "Vĩ độ", true, false, func(r app.ExportRow) any { return r.Ticket.Location.Lat }, nil},
	{"lng", "Kinh độ", true, false, func(r app.ExportRow) any { return r.Ticket.Location.Lng }, nil},
	{"address", "Địa chỉ", false, true, func(r app.ExportRow) any { return r.Ticket.Address }, nil},
	{"description", "Nội dung", true, true, func(r app.ExportRow) any { return r.Ticket.Description }, nil},
	{"private", "Riêng tư", false, false, func(r app.ExportRow) any { return r.Ticket.Private }, nil},
	{"reporter", "Người phản ánh (bí danh)", false, false, func(r app.ExportRow) any { return r.Reporter }, nil},
	{"triage_due_at", "Hạn phân loại", false, false, func(r app.ExportRow) any { return formatTime(r.Ticket.TriageDueAt) }, nil},
	{"resolve_due_at", "Hạn xử lý", true, false, func(r app.ExportRow) any { return formatTime(r.Ticket.ResolveDueAt) }, nil},
	{"overdue", "Quá hạn", false, false, func(r app.ExportRow) any { return r.Overdue }, nil},
	{"triaged_at", "Thời điểm phân loại", false, false, func(r app.ExportRow) any { return formatTime(r.Ticket.TriagedAt) }, nil},
	{"resolved_at", "Thời điểm xử lý xong", true, false, func(r app.ExportRow) any { return formatTime(r.Ticket.ResolvedAt) }, nil},
	{"closed_at", "Thời điểm đóng", true, false, func(r app.ExportRow) any { return formatTime(r.Ticket.ClosedAt) }, nil},
	{"outcome", "Kết quả", true, false, func(r app.ExportRow) any { return string(r.Ticket.Outcome) }, outcomeLabel},
	{"result_note", "Ghi chú kết quả", true, true, func(r app.ExportRow) any { return r.Ticket.ResultNote }, nil},
	{"reject_reason", "Lý do không tiếp nhận", true, false, func(r app.ExportRow) any { return r.Ticket.RejectReason }, nil},
	{"on_time_class", "Đúng hạn", true, false, func(r app.ExportRow) any { return string(r.Ticket.OnTimeClass) }, classLabel},
	{"rating", "Đánh giá", true, false, func(r app.ExportRow) any { return r.Ticket.Rating }, nil},
	{"reopen_count", "Số lần mở lại", true, false, func(r app.ExportRow) any { return r.Ticket.ReopenCount }, nil},
	{"routed_by_nearest", "Định tuyến theo phường gần nhất", false, false, func(r app.ExportRow) any { return r.Ticket.RoutedByNearest }, nil},
	// How the report came: internal, like the reporter's view of it; empty in the public view a
	// machine key gets.
	{"channel", "Kênh tiếp nhận", false, false, func(r app.ExportRow) any { return string(r.Ticket.Channel) }, channelLabel},
}

// columnsFor lists the columns of a variant.
func columnsFor(public bool) []exportColumn {
	if !public {
		return exportColumns
	}
	var out []exportColumn
	for _, c := range exportColumns {
		if c.public {
			out = append(out, c)
		}
	}
	return out
}

// cellText renders a value of col for CSV; vi names codes and yes/no in Vietnamese. Free text
// that a spreadsheet would read as a formula (=, +, -, @, tab, CR) gets a leading apostrophe
// (CSV injection, OWASP).
func cellText(col exportColumn, v any, vi bool) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
		if vi && col.label != nil && s != "" {
			s = col.label(s)
		}
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		s = strconv.Itoa(x)
	case bool:
		switch {
		case !vi:
			s = strconv.FormatBool(x)
		case x:
			s = "Có"
		default:
			s = "Không"
		}
	}
	if col.text && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return s
}

// parseExportFilter reads from, to, category, group, state, area and unit. A plain date in "to"
// includes that whole day (Vietnamese time).
func parseExportFilter(c *fiber.Ctx) (models.ExportFilter, error) {
	var f models.ExportFilter
	for _, name := range []string{"from", "to"} {
		v := strings.TrimSpace(c.Query(name))
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			d, derr := time.ParseInLocation("2006-01-02", v, models.VietnamTime)
			if derr != nil {
				return f, models.FieldError(models.EInvalid, name, "%s must be a date (2026-03-02) or an RFC 3339 time", name)
			}
			if t = d; name == "to" {
				t = d.AddDate(0, 0, 1)
			}
		}
		if name == "from" {
			f.From = t.UTC()
		} else {
			f.To = t.UTC()
		}
	}
	f.Categories = splitList(c.Query("category"))
	for _, g := range splitList(c.Query("group")) {
		f.Groups = append(f.Groups, models.Group(g))
	}
	for _, st := range splitList(c.Query("state")) {
		f.States = append(f.States, models.State(st))
	}
	f.AreaCode = strings.TrimSpace(c.Query("area"))
	f.UnitID = strings.TrimSpace(c.Query("unit"))
	return f, nil
}

// exportHandler validates and authorises synchronously, then streams the body.
func (s *jsonAPI) exportHandler(public bool, format exportFormat) fiber.Handler {
	return func(c *fiber.Ctx) error {
		f, err := parseExportFilter(c)
		if err != nil {
			return err
		}
		lang := c.Query("lang", "en")
		if lang != "en" && lang != "vi" {
			return models.FieldError(models.EInvalid, "lang", "lang must be en or vi")
		}
		p := principal(c)
		if err := s.svc.Stats.CheckExport(p, f, public); err != nil {
			return err
		}
		cols := columnsFor(public)
		name := "phananh-tickets"
		if public {
			name = "phananh-opendata"
		}
		if format == exportCSV {
			c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
			c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
		} else {
			c.Set(fiber.HeaderContentType, "application/geo+json")
			c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.geojson"`)
		}
		// Every export is a full scan of the store for as long as its client reads: at most
		// ExportMaxConcurrent run at once, and each keeps its in-flight slot (shedLoad) until the
		// stream ends. Nothing between here and SetBodyStreamWriter can fail, and the writer
		// always runs to its end (fasthttp closes the stream when the client goes away, failing
		// its writes), so neither is leaked.
		select {
		case s.exports <- struct{}{}:
		default:
			c.Set(fiber.HeaderRetryAfter, exportRetryAfter)
			return models.Errorf(models.EUnavailable, "%d exports are already running; retry later", cap(s.exports))
		}
		releaseSlot := s.keepSlot(c)
		// The stream runs after this handler has returned, when the request's context (and its
		// deadline) is gone: it gets its own, bounded by exportTimeout and cancelled by a failed
		// write (the client went away).
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), exportTimeout)
		conn := c.Context().Conn()
		reqID := c.Locals(localRequestID)
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			defer func() { <-s.exports; releaseSlot() }()
			defer cancel()
			extend := func() {
				if s.cfg.WriteTimeout > 0 {
					_ = conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
				}
			}
			var err error
			if format == exportCSV {
				err = s.streamCSV(ctx, w, p, f, public, cols, lang == "vi", extend)
			} else {
				err = s.streamGeoJSON(ctx, w, p, f, public, cols, extend)
			}
			if err == nil {
				err = w.Flush()
			}
			if err != nil {
				// The status is long sent: the client sees a truncated file, the log says why.
				s.log.Error("export failed", "request_id", reqID, "error", err.Error())
			}
		})
		return nil
	}
}

// streamCSV writes the BOM (spreadsheet programs need it to read UTF-8), the header row and one
// row per ticket.
func (s *jsonAPI) streamCSV(ctx context.Context, w *bufio.Writer, p models.Principal, f models.ExportFilter, public bool,
	cols []exportColumn, vi bool, extend func()) error {
	if _, err := w.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.key
		if vi {
			header[i] = col.vi
		}
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	record := make([]string, len(cols))
	n := 0
	err := s.svc.Stats.Export(ctx, p, f, public, func(r app.ExportRow) error {
		for i, col := range cols {
			record[i] = cellText(col, col.value(r), vi)
		}
		if err := cw.Write(record); err != nil {
			return err
		}
		if n++; n%exportFlushEvery == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			extend()
			return w.Flush()
		}
		return nil
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// appendJSONValue appends v as JSON; an empty string is null (JSON says "unknown" with null).
func appendJSONValue(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return append(buf, "null"...), nil
		}
	case float64:
		return strconv.AppendFloat(buf, x, 'f', -1, 64), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	}
	data, err := json.Marshal(v)
	return append(buf, data...), err
}

// appendFeature appends one ticket as a GeoJSON Feature (RFC 7946: coordinates are [longitude,
// latitude]) with the columns as properties in table order. Writing it by hand instead of
// marshalling a map keeps the stream at CSV speed.
func appendFeature(buf []byte, r app.ExportRow, cols []exportColumn) ([]byte, error) {
	var err error
	buf = append(buf, `{"type":"Feature","id":`...)
	if buf, err = appendJSONValue(buf, r.Ticket.ID); err != nil {
		return nil, err
	}
	buf = append(buf, `,"geometry":{"type":"Point","coordinates":[`...)
	buf = strconv.AppendFloat(buf, r.Ticket.Location.Lng, 'f', -1, 64)
	buf = append(buf, ',')
	buf = strconv.AppendFloat(buf, r.Ticket.Location.Lat, 'f', -1, 64)
	buf = append(buf, `]},"properties":{`...)
	first := true
	for _, col := range cols {
		if col.key == "lat" || col.key == "lng" {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, '"')
		buf = append(buf, col.key...) // keys are ASCII identifiers
		buf = append(buf, '"', ':')
		if buf, err = appendJSONValue(buf, col.value(r)); err != nil {
			return nil, err
		}
	}
	return append(buf, '}', '}'), nil
}

// streamGeoJSON writes a FeatureCollection one feature at a time.
func (s *jsonAPI) streamGeoJSON(ctx context.Context, w *bufio.Writer, p models.Principal, f models.ExportFilter, public bool,
	cols []exportColumn, extend func()) error {
	if _, err := w.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	n := 0
	var buf []byte
	err := s.svc.Stats.Export(ctx, p, f, public, func(r app.ExportRow) error {
		var err error
		buf = buf[:0]
		if n > 0 {
			buf = append(buf, ',')
		}
		if buf, err = appendFeature(buf, r, cols); err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		if n++; n%exportFlushEvery == 0 {
			extend()
			return w.Flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = w.WriteString("]}")
	return err
}
