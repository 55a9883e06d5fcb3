package seed

import (
	"embed"
	"io/fs"
)

// files holds the data shipped in the binary; read-only, so sharing it is safe.
//
//go:embed data/boundaries/*.geojson data/calendar/vn-holidays.json
var files embed.FS

// DefaultBoundarySet is the set a fresh deployment routes with: the 13 wards of Long Xuyên as in
// the city's 2023 plan.
const DefaultBoundarySet = "longxuyen-2023"

// ReferenceDataVersion is the version of the shipped categories and city units (Categories,
// CityUnits). A release that adds one raises it: at start, a deployment that merged an older
// version gets the new categories and units created, and nothing it has changed (bootstrap,
// app.MergeReferenceData).
const ReferenceDataVersion = 1

// BoundaryFile is a boundary set shipped inside the binary.
type BoundaryFile struct {
	ID   string
	Name string
}

// BoundaryFiles lists the boundary sets shipped in the binary. The national file is not among
// them (163 MB); operators import it from disk.
func BoundaryFiles() []BoundaryFile {
	return []BoundaryFile{
		{ID: "longxuyen-2023", Name: "Long Xuyên — 13 phường, xã (2023)"},
		{ID: "longxuyen-2025", Name: "Long Xuyên — 4 phường, xã (2025)"},
		{ID: "angiang-2025", Name: "An Giang — 102 xã, phường, đặc khu (2025)"},
	}
}

// BoundaryGeoJSON returns the GeoJSON of a shipped boundary set.
func BoundaryGeoJSON(id string) ([]byte, error) {
	return fs.ReadFile(files, "data/boundaries/"+id+".geojson")
}

// HolidayCalendar returns the official days off and swapped working days (2025–2026 official,
// 2027 derived) in the format of models.ParseCalendar.
func HolidayCalendar() []byte {
	b, err := files.ReadFile("data/calendar/vn-holidays.json")
	if err != nil {
		// The file is embedded at build time; failing here means the binary is broken.
		panic("seed: embedded calendar missing: " + err.Error())
	}
	return b
}
