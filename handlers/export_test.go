package handlers

import (
	"encoding/json"
	"testing"

	"phananh/app"
	"phananh/models"
)

func TestCellText(t *testing.T) {
	for _, tc := range []struct {
		v    any
		text bool
		want string
	}{
		{"=SUM(A1:A9)", true, "'=SUM(A1:A9)"},
		{"+84 912", true, "'+84 912"},
		{"-5", true, "'-5"},
		{"@cmd", true, "'@cmd"},
		{"\tx", true, "'\tx"},
		{"=not free text", false, "=not free text"},
		{"Ổ gà = nguy hiểm", true, "Ổ gà = nguy hiểm"},
		{"", true, ""},
		{10.386, false, "10.386"},
		{-0.5, false, "-0.5"},
		{3, false, "3"},
		{true, false, "true"},
	} {
		if got := cellText(tc.v, tc.text); got != tc.want {
			t.Errorf("cellText(%q, %v) = %q, want %q", tc.v, tc.text, got, tc.want)
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
