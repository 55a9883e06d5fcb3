package models

import (
	"strings"
	"time"
)

// UnitKind says what a unit does; categories name the kind that handles them and routing picks
// the unit of that kind in the routed area (or the city-level one).
type UnitKind string

// Ward-level kinds are created for every area of a boundary set; the others exist once per city.
const (
	UnitUBND   UnitKind = "ubnd"    // ward People's Committee (urban matters, triage of "other")
	UnitCongAn UnitKind = "cong_an" // ward police (security and public order)
	UnitVHXH   UnitKind = "vhxh"    // ward culture–social office (social welfare)
	UnitIOC    UnitKind = "ioc"     // the city's operations centre
)

// WardUnitKinds are the templates instantiated for every area of an imported boundary set.
var WardUnitKinds = []UnitKind{UnitUBND, UnitCongAn, UnitVHXH}

// Unit is an organisation that handles tickets. Its ID is stable and human-readable:
// "<boundary set>.<area code>.<kind>" for ward units, "city.<kind>" for city-level ones.
type Unit struct {
	ID          string   `json:"id"`
	Kind        UnitKind `json:"kind"`
	Name        string   `json:"name"`
	NameEN      string   `json:"name_en,omitempty"`
	BoundarySet string   `json:"boundary_set,omitempty"`
	AreaCode    string   `json:"area_code,omitempty"`
	// Disabled units receive no new tickets: routing sends what they would get to the IOC.
	Disabled bool `json:"disabled,omitempty" jsonschema_description:"receives no new tickets (routing sends them to the IOC)"`
}

// RoutingRule overrides routing: reports of Category located in AreaCode (of the active
// boundary set) go to UnitID instead of the unit the category's kind names.
type RoutingRule struct {
	Category string `json:"category"`
	AreaCode string `json:"area_code"`
	UnitID   string `json:"unit_id"`
}

// WardUnitID is the stable id of the unit of a kind in an area of a boundary set.
func WardUnitID(set, area string, kind UnitKind) string {
	return set + "." + area + "." + string(kind)
}

// CityUnitID is the stable id of a city-level unit.
func CityUnitID(kind UnitKind) string { return "city." + string(kind) }

// WardUnitName names a ward unit in Vietnamese and English from its area's name and kind
// ("phuong", "xa" or "dac_khu").
func WardUnitName(kind UnitKind, areaName, areaKind string) (vi, en string) {
	level, levelEN := "phường", "Ward"
	switch areaKind {
	case "xa":
		level, levelEN = "xã", "Commune"
	case "dac_khu":
		level, levelEN = "đặc khu", "Special Zone"
	}
	name := strings.TrimSpace(areaName)
	switch kind {
	case UnitCongAn:
		return "Công an " + level + " " + name, name + " " + levelEN + " Police"
	case UnitVHXH:
		return "Phòng Văn hóa – Xã hội " + level + " " + name, name + " " + levelEN + " Culture and Social Affairs Office"
	default:
		return "UBND " + level + " " + name, name + " " + levelEN + " People's Committee"
	}
}

// BoundarySetInfo describes an imported boundary set; the GeoJSON itself is stored beside it.
type BoundarySetInfo struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Areas      int       `json:"areas"`
	ImportedAt time.Time `json:"imported_at"`
}
