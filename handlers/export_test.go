package handlers

import (
	"encoding/json"
	"testing"

	"phananh/app"
	"phananh/models"
)

func TestCellText(t *testing.T) {
	free := exportColumn{text: true}
	plain := exportColumn{}
	column := func(key string) exportColumn {
		t.Helper()
		for _, c := range exportColumns {
			if c.key == key {
				return c
			}
		}
		t.Fatalf("no column %s", key)
		return exportColumn{}
	}
	for _, tc := range []struct {
		col  exportColumn
		v    any
		vi   bool
		want string
	}{
		{free, "=SUM(A1:A9)", false, "'=SUM(A1:A9)"},
		{free, "+84 912", false, "'+84 912"},
		{free, "-5", false, "'-5"},
		{free, "@cmd", false, "'@cmd"},
		{free, "\tx", false, "'\tx"},
		{plain, "=not free text", false, "=not free text"},
		{free, "Ổ gà = nguy hiểm", false, "Ổ gà = nguy hiểm"},
		{free, "", false, ""},
		{plain, 10.386, false, "10.386"},
		{plain, -0.5, true, "-0.5"},
		{plain, 3, false, "3"},
		{plain, true, false, "true"},
		// The Vietnamese CSV names codes and yes/no; the English one keeps the codes.
		{plain, true, true, "Có"},
		{plain, false, true, "Không"},
		{column("state"), "closed", true, "Đã đóng"},
		{column("state"), "closed", false, "closed"},
		{column("status"), "open", true, "Đang mở"},
		{column("group"), "antt", true, "An ninh trật tự"},
		{column("outcome"), "fixed", true, "Đã khắc phục"},
		{column("outcome"), "", true, ""},
		{column("on_time_class"), "late_with_extension", true, "Trễ hạn ban đầu, trong hạn gia hạn"},
		{column("description"), "in_progress", true, "in_progress"}, // free text is never translated
	} {
		if got := cellText(tc.col, tc.v, tc.vi); got != tc.want {
			t.Errorf("cellText(%s, %q, vi=%v) = %q, want %q", tc.col.key, tc.v, tc.vi, got, tc.want)
		}
	}
}

// TestExportColumns pins the redaction of open data at the column level: nothing that names or
// locates a person more precisely than the rounded point is public.
func TestExportColumns(t *testing.T) {
	public := map[string]bool{}
	for _, c := range columnsFor(true) {
		public[c.key] = true
	}
	for _, k := range []string{"address", "reporter", "private", "unit_id", "triage_due_at", "overdue", "routed_by_nearest"} {
		if public[k] {
			t.Errorf("column %s is in open data", k)
		}
	}
	seen := map[string]bool{}
	for _, c := range exportColumns {
		if seen[c.key] || c.vi == "" {
			t.Errorf("column %q repeated or without a Vietnamese header", c.key)
		}
		seen[c.key] = true
	}
}

func TestAppendFeature(t *testing.T) {
	tk := &models.Ticket{ID: "t1", Code: "LX-1", State: models.StateReceived, Category: "MT",
		Description: "Ổ gà <sâu> \"to\"\n", Location: models.Location{Lat: 10.386, Lng: 105.435}, Rating: 4}
	buf, err := appendFeature(nil, app.ExportRow{Ticket: tk, CategoryName: "Môi trường"}, columnsFor(true))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Type     string
		ID       string
		Geometry struct {
			Type        string
			Coordinates []float64
		}
		Properties map[string]any
	}
	if err := json.Unmarshal(buf, &f); err != nil {
		t.Fatalf("%v: %s", err, buf)
	}
	p := f.Properties
	if f.Type != "Feature" || f.ID != "t1" || f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 ||
		f.Geometry.Coordinates[0] != 105.435 || f.Geometry.Coordinates[1] != 10.386 {
		t.Errorf("feature %s", buf)
	}
	if p["description"] != tk.Description || p["rating"] != 4.0 || p["resolved_at"] != nil || p["category_name"] != "Môi trường" {
		t.Errorf("properties %v", p)
	}
	if _, ok := p["lat"]; ok || len(p) != len(columnsFor(true))-2 {
		t.Errorf("%d properties: %v", len(p), p)
	}
}
