package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"phananh/geo"
	"phananh/models"
)

// catalog is an immutable snapshot of the reference data intake reads on every report.
type catalog struct {
	categories map[string]models.Category
	catList    []models.Category
	units      map[string]models.Unit
	unitList   []models.Unit
}

// ReloadCatalog reads units and categories from the store into a new snapshot.
func (s *Catalog) ReloadCatalog(ctx context.Context) error {
	cats, err := s.store.Categories(ctx)
	if err != nil {
		return fmt.Errorf("load categories: %w", err)
	}
	units, err := s.store.Units(ctx)
	if err != nil {
		return fmt.Errorf("load units: %w", err)
	}
	c := &catalog{
		categories: make(map[string]models.Category, len(cats)),
		units:      make(map[string]models.Unit, len(units)),
		catList:    cats,
		unitList:   units,
	}
	for _, cat := range cats {
		c.categories[cat.Code] = cat
	}
	for _, u := range units {
		c.units[u.ID] = u
	}
	s.catalog.Store(c)
	return nil
}

// ImportBoundarySet validates a GeoJSON FeatureCollection, stores it as a versioned boundary set
// and creates the ward units of every area from the templates (models.WardUnitKinds). Importing
// the same id again replaces the set and refreshes unit names; unit ids stay stable.
func ImportBoundarySet(ctx context.Context, store CatalogStore, id, name string, data []byte, now time.Time) (*geo.BoundarySet, error) {
	// Statistics key areas by set id and code joined by a control character (models.AreaKey).
	if id == "" || strings.ContainsFunc(id, unicode.IsControl) {
		return nil, models.FieldError(models.EInvalid, "id", "a boundary set id is a non-empty name without control characters, e.g. longxuyen-2025")
	}
	set, err := geo.Parse(id, data)
	if err != nil {
		return nil, models.WrapError(models.EInvalid, err, "boundary set %s is not valid GeoJSON boundaries: %v", id, err)
	}
	areas := set.Areas()
	units := make([]models.Unit, 0, len(areas)*len(models.WardUnitKinds))
	for _, a := range areas {
		for _, kind := range models.WardUnitKinds {
			vi, en := models.WardUnitName(kind, a.Name, a.Kind)
			units = append(units, models.Unit{
				ID: models.WardUnitID(id, a.Code, kind), Kind: kind, Name: vi, NameEN: en,
				BoundarySet: id, AreaCode: a.Code,
			})
		}
	}
	info := models.BoundarySetInfo{ID: id, Name: name, Areas: len(areas), ImportedAt: now.UTC().Truncate(time.Millisecond)}
	if err := store.PutBoundarySet(ctx, info, data); err != nil {
		return nil, fmt.Errorf("store boundary set %s: %w", id, err)
	}
	if err := store.UpsertUnits(ctx, units); err != nil {
		return nil, fmt.Errorf("create units of %s: %w", id, err)
	}
	return set, nil
}

// LoadBoundarySet parses a stored boundary set (store is a CatalogStore, or any store of the
// sets' GeoJSON).
func LoadBoundarySet(ctx context.Context, store interface {
	BoundarySetGeoJSON(ctx context.Context, id string) ([]byte, error)
}, id string) (*geo.BoundarySet, error) {
	data, err := store.BoundarySetGeoJSON(ctx, id)
	if err != nil {
		return nil, err
	}
	set, err := geo.Parse(id, data)
	if err != nil {
		return nil, fmt.Errorf("stored boundary set %s: %w", id, err)
	}
	return set, nil
}

// Categories lists the active categories, sorted by code.
func (s *Catalog) Categories() []models.Category {
	var out []models.Category
	for _, c := range s.catalog.Load().catList {
		if c.Active {
			out = append(out, c)
		}
	}
	return out
}

// Units lists every unit, sorted by id.
func (s *Catalog) Units() []models.Unit { return slices.Clone(s.catalog.Load().unitList) }

// Unit returns a unit by id.
func (s *Catalog) Unit(id string) (models.Unit, bool) {
	u, ok := s.catalog.Load().units[id]
	return u, ok
}

// BoundarySet is the active boundary set.
func (s *Catalog) BoundarySet() *geo.BoundarySet { return s.boundaries }

// Area returns an area of the active boundary set.
func (s *Catalog) Area(code string) (geo.Area, error) {
	a, ok := s.boundaries.Area(code)
	if !ok {
		return geo.Area{}, models.Errorf(models.ENotFound, "area %s not found in boundary set %s", code, s.boundaries.ID())
	}
	return a, nil
}

// Location is the answer to "which area and units cover this point".
type Location struct {
	Area            geo.Area
	Units           []models.Unit
	RoutedByNearest bool
	Ambiguous       bool
}

// Locate routes a point to an area of the active boundary set: inside a polygon, or the nearest
// area within Config.NearestWithinM; farther away is EOutsideJurisdiction.
func (s *Catalog) Locate(loc models.Location) (Location, error) {
	if err := loc.Validate(); err != nil {
		return Location{}, err
	}
	m := s.boundaries.Locate(loc.Lat, loc.Lng, s.cfg.NearestWithinM)
	if m.Area == nil {
		return Location{}, models.FieldError(models.EOutsideJurisdiction, "location",
			"the point (lat %.6f, lng %.6f) is outside the jurisdiction: it is more than %.0f m from every area of boundary set %s",
			loc.Lat, loc.Lng, s.cfg.NearestWithinM, s.boundaries.ID())
	}
	out := Location{Area: *m.Area, RoutedByNearest: m.Nearest, Ambiguous: m.Ambiguous}
	cat := s.catalog.Load()
	for _, kind := range models.WardUnitKinds {
		if u, ok := cat.units[models.WardUnitID(s.boundaries.ID(), m.Area.Code, kind)]; ok {
			out.Units = append(out.Units, u)
		}
	}
	return out, nil
}

// unitFor picks the unit that handles a category in an area: the city unit of the category's
// kind for city-level categories, the ward unit otherwise, and the IOC when the catalog lacks the
// expected unit (so a report is never lost to a configuration gap).
func (c *catalog) unitFor(set, area string, cat models.Category) models.Unit {
	id := models.WardUnitID(set, area, cat.UnitKind)
	if cat.CityLevel {
		id = models.CityUnitID(cat.UnitKind)
	}
	if u, ok := c.units[id]; ok {
		return u
	}
	if u, ok := c.units[models.CityUnitID(models.UnitIOC)]; ok {
		return u
	}
	return models.Unit{ID: models.CityUnitID(models.UnitIOC), Kind: models.UnitIOC, Name: "IOC"}
}

// Catalog serves the reference data every report is routed with: units, categories, the
// boundary set's areas and the working calendar. Its snapshot lives in the shared core, so the
// other services read it without a store call.
type Catalog struct {
	*core
	store CatalogStore
}

// Calendar is the working calendar deadlines are computed with.
func (s *Catalog) Calendar() *models.Calendar { return s.cal() }

// BoundaryCheck is what an administrator reads before importing a boundary set: its quality and,
// when another set serves now, what the import would change against it.
type BoundaryCheck struct {
	Set    *geo.BoundarySet
	Report geo.Report
	// Against is the active set compared with ("" when the checked set is the active one or no
	// set is stored yet); Diff is nil then.
	Against string
	Diff    *geo.Diff
}

// boundaryCheckSamples is how many grid points Check samples: enough to find overlaps of a
// fraction of a ward, a fraction of a second even on the national set.
const boundaryCheckSamples = 50_000

// CheckBoundarySet parses data as boundary set id, samples its quality and compares it with the
// active set, changing nothing.
func CheckBoundarySet(ctx context.Context, store CatalogStore, active, id string, data []byte) (BoundaryCheck, error) {
	set, err := geo.Parse(id, data)
	if err != nil {
		return BoundaryCheck{}, models.WrapError(models.EInvalid, err, "boundary set %s is not valid GeoJSON boundaries: %v", id, err)
	}
	c := BoundaryCheck{Set: set, Report: set.Check(boundaryCheckSamples)}
	if active == "" || active == id {
		return c, nil
	}
	old, err := LoadBoundarySet(ctx, store, active)
	if models.IsCode(err, models.ENotFound) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	d := geo.Compare(old, set)
	c.Against, c.Diff = active, &d
	return c, nil
}
