package geo

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
)

func TestParseErrors(t *testing.T) {
	square := geometry("Polygon", []orb.Ring{rect(105, 10, 105.1, 10.1)})
	tests := []struct {
		name    string
		id      string
		data    string
		wantErr string
	}{
		{"empty id", "", string(featureCollection(feature("1", square))), "id is empty"},
		{"invalid JSON", "x", `{"type":`, "invalid GeoJSON"},
		{"NaN is not JSON", "x", string(featureCollection(feature("1", `{"type":"Polygon","coordinates":[[[NaN,10],[105,10.1],[105.1,10],[NaN,10]]]}`))), "invalid GeoJSON"},
		{"coordinates not numbers", "x", string(featureCollection(feature("1", `{"type":"Polygon","coordinates":"abc"}`))), "polygon coordinates"},
		{"not a FeatureCollection", "x", `{"type":"Feature","properties":{"code":"1"},"geometry":` + square + `}`, `type is "Feature", want FeatureCollection`},
		{"no features", "x", string(featureCollection()), "no features"},
		{"feature of wrong type", "x", string(featureCollection(`{"type":"Polygon","properties":{"code":"1"},"geometry":` + square + `}`)), `want Feature`},
		{"missing code", "x", string(featureCollection(`{"type":"Feature","properties":{"name":"a"},"geometry":` + square + `}`)), "property code is <nil>"},
		{"numeric code", "x", string(featureCollection(`{"type":"Feature","properties":{"code":30280},"geometry":` + square + `}`)), "property code is 30280"},
		{"empty code", "x", string(featureCollection(feature("", square))), "want a non-empty string"},
		{"duplicate codes", "x", string(featureCollection(feature("1", square), feature("2", square), feature("1", square))), `duplicate code "1"`},
		{"missing geometry", "x", string(featureCollection(feature("1", "null"))), "geometry is missing"},
		{"point geometry", "x", string(featureCollection(feature("1", `{"type":"Point","coordinates":[105,10]}`))), `geometry type "Point"`},
		{"line geometry", "x", string(featureCollection(feature("1", geometry("LineString", rect(105, 10, 105.1, 10.1))))), `geometry type "LineString"`},
		{"polygon without rings", "x", string(featureCollection(feature("1", `{"type":"Polygon","coordinates":[]}`))), "polygon 0 has no rings"},
		{"multipolygon without polygons", "x", string(featureCollection(feature("1", `{"type":"MultiPolygon","coordinates":[]}`))), "no polygons"},
		{"empty ring", "x", string(featureCollection(feature("1", `{"type":"Polygon","coordinates":[[]]}`))), "polygon 0 ring 0: empty ring"},
		{"empty hole", "x", string(featureCollection(feature("1", geometry("Polygon", []orb.Ring{rect(105, 10, 105.1, 10.1), {}})))), "polygon 0 ring 1: empty ring"},
		{"degenerate ring", "x", string(featureCollection(feature("1", geometry("Polygon", []orb.Ring{{{105, 10}, {105.1, 10}, {105, 10}}})))), "ring has 3 positions"},
		{"latitude out of range", "x", string(featureCollection(feature("1", geometry("Polygon", []orb.Ring{rect(105, 10, 105.1, 90.5)})))), "out of range"},
		{"longitude out of range", "x", string(featureCollection(feature("1", geometry("Polygon", []orb.Ring{rect(179.9, 10, 180.1, 10.1)})))), "out of range"},
		{"negative longitude out of range", "x", string(featureCollection(feature("1", geometry("MultiPolygon", []orb.Polygon{{rect(-181, 10, -179, 10.1)}})))), "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.id, []byte(tt.data))
			if err == nil {
				t.Fatalf("Parse succeeded with %d areas, want error containing %q", len(s.Areas()), tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse error = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseNormalises(t *testing.T) {
	unclosed := orb.Ring{{105.2, 10}, {105.3, 10}, {105.3, 10.1}, {105.2, 10.1}}
	data := featureCollection(
		`{"type":"Feature","properties":{"code":"b","name":"B","full_name":"Xã B","kind":"xa","extra":1},"geometry":`+
			geometry("Polygon", []orb.Ring{unclosed})+`}`,
		`{"type":"Feature","properties":{"code":"a","name":"A","full_name":"Phường A","kind":"phuong"},"geometry":`+
			geometry("MultiPolygon", []orb.Polygon{{rect(105, 10, 105.1, 10.1)}})+`}`,
	)
	s, err := Parse("test-set", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Area{
		{
			Code: "a", Name: "A", FullName: "Phường A", Kind: "phuong",
			Geometry: orb.MultiPolygon{{rect(105, 10, 105.1, 10.1)}},
			Bound:    orb.Bound{Min: orb.Point{105, 10}, Max: orb.Point{105.1, 10.1}},
		},
		{
			Code: "b", Name: "B", FullName: "Xã B", Kind: "xa",
			Geometry: orb.MultiPolygon{{append(slices.Clone(unclosed), unclosed[0])}},
			Bound:    orb.Bound{Min: orb.Point{105.2, 10}, Max: orb.Point{105.3, 10.1}},
		},
	}
	if diff := cmp.Diff(want, s.Areas()); diff != "" {
		t.Errorf("Areas() mismatch (-want +got):\n%s", diff)
	}
	if got := s.ID(); got != "test-set" {
		t.Errorf("ID() = %q, want test-set", got)
	}
	if got, want := s.Bound(), (orb.Bound{Min: orb.Point{105, 10}, Max: orb.Point{105.3, 10.1}}); got != want {
		t.Errorf("Bound() = %v, want %v", got, want)
	}
	if a, ok := s.Area("b"); !ok || a.Name != "B" {
		t.Errorf(`Area("b") = %v, %v; want B`, a.Name, ok)
	}
	if _, ok := s.Area("c"); ok {
		t.Error(`Area("c") found an area that does not exist`)
	}
	s.Areas()[0].Code = "changed"
	if got := s.Areas()[0].Code; got != "a" {
		t.Errorf("modifying the result of Areas() changed the set: code %q", got)
	}
}

// The features of a set may come in any order; routing must not depend on it.
func TestParseIsOrderIndependent(t *testing.T) {
	s := loadSet(t, "longxuyen-2023")
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	data := mustReadTestdata(t, "longxuyen-2023")
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(fc.Features)
	reversed, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse("longxuyen-2023", reversed)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Areas(), r.Areas()); diff != "" {
		t.Errorf("areas depend on feature order (-forward +reversed):\n%s", diff)
	}
}
