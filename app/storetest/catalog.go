package storetest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var catalogTests = []storeTest{
	{"BoundarySets", testBoundarySets},
	{"BoundarySetBeyondOneDocument", testBigBoundarySet},
	{"Units", testUnits},
	{"Categories", testCategories},
}

// geoJSON builds a FeatureCollection of n square wards, big enough (n=400: ~100 KB) to catch a
// store that silently truncates large values, small enough for FerretDB.
func geoJSON(n int, prefix string) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		lng, lat := 105.40+float64(i%20)*0.01, 10.35+float64(i/20)*0.01
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"code":"%s%03d","name":"Phường Mỹ Hòa %d","kind":"phuong"},`+
			`"geometry":{"type":"Polygon","coordinates":[[[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f]]]}}`,
			prefix, i, i, lng, lat, lng+0.01, lat, lng+0.01, lat+0.01, lng, lat+0.01, lng, lat)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func testBoundarySets(t *testing.T, s app.Store) {
	sets, err := s.BoundarySets(ctx(t))
	must(t, err, "BoundarySets empty")
	if len(sets) != 0 {
		t.Fatalf("BoundarySets on an empty store = %v", sets)
	}
	_, err = s.BoundarySetGeoJSON(ctx(t), "longxuyen-2023")
	wantCode(t, err, models.ENotFound, "BoundarySetGeoJSON missing")

	lx := models.BoundarySetInfo{ID: "longxuyen-2023", Name: "TP Long Xuyên (2023)", Areas: 13, ImportedAt: at(0)}
	ag := models.BoundarySetInfo{ID: "angiang-2025", Name: "Tỉnh An Giang (2025)", Areas: 102, ImportedAt: at(time.Hour)}
	lxJSON, agJSON := geoJSON(400, "lx"), geoJSON(3, "ag")
	must(t, s.PutBoundarySet(ctx(t), lx, lxJSON), "PutBoundarySet lx")
	must(t, s.PutBoundarySet(ctx(t), ag, agJSON), "PutBoundarySet ag")

	sets, err = s.BoundarySets(ctx(t))
	must(t, err, "BoundarySets")
	wantEqual(t, "BoundarySets (sorted by id)", []models.BoundarySetInfo{ag, lx}, sets)
	for id, want := range map[string][]byte{lx.ID: lxJSON, ag.ID: agJSON} {
		got, err := s.BoundarySetGeoJSON(ctx(t), id)
		must(t, err, "BoundarySetGeoJSON "+id)
		if !bytes.Equal(got, want) {
			t.Errorf("BoundarySetGeoJSON(%s): %d bytes differ from the %d stored", id, len(got), len(want))
		}
	}

	// Re-importing a set replaces both its metadata and its geometry.
	lx2 := models.BoundarySetInfo{ID: "longxuyen-2023", Name: "TP Long Xuyên (2023, sửa)", Areas: 14, ImportedAt: at(2 * time.Hour)}
	lx2JSON := geoJSON(14, "lx2")
	must(t, s.PutBoundarySet(ctx(t), lx2, lx2JSON), "PutBoundarySet replace")
	sets, err = s.BoundarySets(ctx(t))
	must(t, err, "BoundarySets after replace")
	wantEqual(t, "BoundarySets after replace", []models.BoundarySetInfo{ag, lx2}, sets)
	got, err := s.BoundarySetGeoJSON(ctx(t), lx.ID)
	must(t, err, "BoundarySetGeoJSON after replace")
	if !bytes.Equal(got, lx2JSON) {
		t.Errorf("BoundarySetGeoJSON after replace: got %d bytes, want the %d of the new import", len(got), len(lx2JSON))
	}
}

// testBigBoundarySet stores GeoJSON larger than a MongoDB document may be (16 MiB), as the
// national set is, reads it back whole, and replaces it with a small one.
func testBigBoundarySet(t *testing.T, s app.Store) {
	big := bytes.Repeat([]byte(`{"type":"Feature","properties":{"code":"x"},"geometry":null},`), 300_000) // ~18 MB
	info := models.BoundarySetInfo{ID: "vietnam-2025", Name: "Việt Nam (2025)", Areas: 3321, ImportedAt: at(0)}
	must(t, s.PutBoundarySet(ctx(t), info, big), "PutBoundarySet of 18 MB")
	got, err := s.BoundarySetGeoJSON(ctx(t), info.ID)
	must(t, err, "BoundarySetGeoJSON of 18 MB")
	if !bytes.Equal(got, big) {
		t.Fatalf("read %d bytes back, want the %d stored", len(got), len(big))
	}
	small := geoJSON(2, "vn")
	must(t, s.PutBoundarySet(ctx(t), info, small), "PutBoundarySet replace")
	if got, err = s.BoundarySetGeoJSON(ctx(t), info.ID); err != nil || !bytes.Equal(got, small) {
		t.Fatalf("after a replace: %d bytes (%v), want the %d of the new import", len(got), err, len(small))
	}
}

func testUnits(t *testing.T, s app.Store) {
	units, err := s.Units(ctx(t))
	must(t, err, "Units empty")
	if len(units) != 0 {
		t.Fatalf("Units on an empty store = %v", units)
	}
	must(t, s.UpsertUnits(ctx(t), nil), "UpsertUnits(nil)")

	ward := func(area string, kind models.UnitKind) models.Unit {
		vi, en := models.WardUnitName(kind, "Mỹ Hòa "+area, "phuong")
		return models.Unit{ID: models.WardUnitID("longxuyen-2023", area, kind), Kind: kind, Name: vi, NameEN: en,
			BoundarySet: "longxuyen-2023", AreaCode: area}
	}
	ioc := models.Unit{ID: models.CityUnitID(models.UnitIOC), Kind: models.UnitIOC, Name: "Trung tâm IOC"}
	a, b, c := ward("my_hoa", models.UnitCongAn), ward("my_hoa", models.UnitVHXH), ward("binh_khanh", models.UnitUBND)
	must(t, s.UpsertUnits(ctx(t), []models.Unit{b, ioc, a, c}), "UpsertUnits")

	units, err = s.Units(ctx(t))
	must(t, err, "Units")
	wantEqual(t, "Units (sorted by id)", []models.Unit{ioc, c, a, b}, units)
	got, err := s.UnitByID(ctx(t), a.ID)
	must(t, err, "UnitByID")
	wantEqual(t, "UnitByID", &a, got)
	_, err = s.UnitByID(ctx(t), "longxuyen-2023.nowhere.ubnd")
	wantCode(t, err, models.ENotFound, "UnitByID missing")

	// Upsert replaces by id and adds the new ones; the rest stay.
	a2 := a
	a2.Name, a2.NameEN = "Công an phường Mỹ Hòa (mới)", ""
	d := ward("my_thoi", models.UnitCongAn)
	must(t, s.UpsertUnits(ctx(t), []models.Unit{d, a2}), "UpsertUnits replace")
	units, err = s.Units(ctx(t))
	must(t, err, "Units after replace")
	wantEqual(t, "Units after replace", []models.Unit{ioc, c, a2, b, d}, units)
	got, err = s.UnitByID(ctx(t), a.ID)
	must(t, err, "UnitByID after replace")
	wantEqual(t, "UnitByID after replace", &a2, got)
}

func testCategories(t *testing.T, s app.Store) {
	cats, err := s.Categories(ctx(t))
	must(t, err, "Categories empty")
	if len(cats) != 0 {
		t.Fatalf("Categories on an empty store = %v", cats)
	}
	must(t, s.UpsertCategories(ctx(t), nil), "UpsertCategories(nil)")

	disorder := models.Category{
		Code: "antt.gay_roi", Group: models.GroupANTT, Name: "Gây rối trật tự công cộng", NameEN: "Public disorder",
		Description: "Đánh nhau, tụ tập gây rối", UnitKind: models.UnitCongAn, Priority: models.PriorityUrgent,
		TriageSLA: models.SLA{Value: 1, Unit: models.ClockHours}, ResolveSLA: models.SLA{Value: 3, Unit: models.ClockHours},
		Private: true, ContactAllowed: true, Emergency: "113", Active: true,
		Attributes: []models.Attribute{
			{Code: "people", Datatype: "number", Description: "Số người"},
			{Code: "weapon", Datatype: "singlevaluelist", Required: true, Description: "Có hung khí?", Values: []string{"co", "khong"}},
		},
	}
	welfare := models.Category{
		Code: "asxh.tro_cap", Group: models.GroupASXH, Name: "Trợ cấp xã hội", NameEN: "Social allowance",
		UnitKind: models.UnitVHXH, CityLevel: true, Priority: models.PriorityNormal,
		TriageSLA: models.SLA{Value: 8, Unit: models.WorkingHours}, ResolveSLA: models.SLA{Value: 3, Unit: models.WorkingDays},
		Private: true,
	}
	must(t, s.UpsertCategories(ctx(t), []models.Category{welfare, disorder}), "UpsertCategories")
	cats, err = s.Categories(ctx(t))
	must(t, err, "Categories")
	wantEqual(t, "Categories (sorted by code)", []models.Category{disorder, welfare}, cats)

	welfare2 := welfare
	welfare2.Active, welfare2.Name, welfare2.ContactAllowed = true, "Trợ cấp xã hội (sửa)", true
	welfare2.Attributes = []models.Attribute{{Code: "household", Datatype: "string", Description: "Mã hộ"}}
	road := models.Category{
		Code: "do_thi.lan_chiem", Group: models.GroupDoThi, Name: "Lấn chiếm lòng lề đường", UnitKind: models.UnitUBND,
		Priority: models.PriorityNormal, TriageSLA: models.SLA{Value: 1, Unit: models.WorkingDays},
		ResolveSLA: models.SLA{Value: 7, Unit: models.WorkingDays}, Active: true,
	}
	must(t, s.UpsertCategories(ctx(t), []models.Category{welfare2, road}), "UpsertCategories replace")
	cats, err = s.Categories(ctx(t))
	must(t, err, "Categories after replace")
	wantEqual(t, "Categories after replace", []models.Category{disorder, welfare2, road}, cats)
}
