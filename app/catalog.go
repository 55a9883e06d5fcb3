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
	policies   map[policyKey]models.Category // kept policy versions
	rules      map[ruleKey]string            // routing overrides: unit id by (category, area)
	ruleList   []models.RoutingRule
	revision   int64 // the store's catalog revision when the snapshot was read
}

// ruleKey names the routing override of a category in an area.
type ruleKey struct{ category, area string }

// policyKey names a version of a category's policy.
type policyKey struct {
	code    string
	version int
}

// ReloadCatalog reads units, categories and routing overrides from the store into a new
// snapshot. The revision is read first, so a change made while loading makes the snapshot look
// older than the store and the next check (WatchCatalog) loads it again.
func (s *Catalog) ReloadCatalog(ctx context.Context) error {
	rev, err := s.store.CatalogRevision(ctx)
	if err != nil {
		return fmt.Errorf("load catalog revision: %w", err)
	}
	rules, err := s.store.RoutingRules(ctx)
	if err != nil {
		return fmt.Errorf("load routing rules: %w", err)
	}
	policies, err := s.store.CategoryPolicies(ctx, "")
	if err != nil {
		return fmt.Errorf("load category policies: %w", err)
	}
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
		rules:      make(map[ruleKey]string, len(rules)),
		policies:   make(map[policyKey]models.Category, len(policies)),
		ruleList:   rules,
		revision:   rev,
	}
	for i := range cats {
		cats[i].PolicyVersion = cats[i].Policy()
		c.categories[cats[i].Code] = cats[i]
	}
	for _, r := range rules {
		c.rules[ruleKey{r.Category, r.AreaCode}] = r.UnitID
	}
	for _, p := range policies {
		c.policies[policyKey{p.Code, p.Policy()}] = p
	}
	for _, u := range units {
		c.units[u.ID] = u
	}
	s.catalog.Store(c)
	return nil
}

// ImportBoundarySet validates a GeoJSON FeatureCollection, stores it as a versioned boundary set
// and creates the ward units of every area from the templates (models.WardUnitKinds). Importing
// the same id again replaces the set and creates the units of new areas; existing units keep
// their names and state, which an administrator may have changed; unit ids stay stable.
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
	n, err := store.InsertUnits(ctx, units)
	if err != nil {
		return nil, fmt.Errorf("create units of %s: %w", id, err)
	}
	if n > 0 { // running instances reload their catalog (WatchCatalog) and see the new units
		if _, err := store.BumpCatalogRevision(ctx); err != nil {
			return nil, err
		}
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

// Category returns a category by code, deactivated ones included (their tickets keep them).
func (s *Catalog) Category(code string) (models.Category, bool) {
	c, ok := s.catalog.Load().categories[code]
	return c, ok
}

// Units lists every unit, sorted by id.
func (s *Catalog) Units() []models.Unit { return slices.Clone(s.catalog.Load().unitList) }

// Unit returns a unit by id.
func (s *Catalog) Unit(id string) (models.Unit, bool) {
	u, ok := s.catalog.Load().units[id]
	return u, ok
}

// BoundarySet is the active boundary set.
func (s *Catalog) BoundarySet() *geo.BoundarySet { return s.boundarySet() }

// Area returns an area of the active boundary set.
func (s *Catalog) Area(code string) (geo.Area, error) {
	set := s.boundarySet()
	a, ok := set.Area(code)
	if !ok {
		return geo.Area{}, models.Errorf(models.ENotFound, "area %s not found in boundary set %s", code, set.ID())
	}
	return a, nil
}

// Location is the answer to "which area and units cover this point".
type Location struct {
	// BoundarySet is the set the point was located in: the one in force at that moment.
	BoundarySet     string
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
	set := s.boundarySet() // once: a switch-over may change it between two reads
	m := set.Locate(loc.Lat, loc.Lng, s.cfg.NearestWithinM)
	if m.Area == nil {
		return Location{}, models.FieldError(models.EOutsideJurisdiction, "location",
			"the point (lat %.6f, lng %.6f) is outside the jurisdiction: it is more than %.0f m from every area of boundary set %s",
			loc.Lat, loc.Lng, s.cfg.NearestWithinM, set.ID())
	}
	out := Location{BoundarySet: set.ID(), Area: *m.Area, RoutedByNearest: m.Nearest, Ambiguous: m.Ambiguous}
	cat := s.catalog.Load()
	for _, kind := range models.WardUnitKinds {
		if u, ok := cat.units[models.WardUnitID(set.ID(), m.Area.Code, kind)]; ok {
			out.Units = append(out.Units, u)
		}
	}
	return out, nil
}

// policyOf is the category of t with the deadline and privacy policy t was filed under: the
// category as it is, with the deadlines, priority and privacy of the kept version t names when
// that is not the current one (the current ones when that version is not kept).
func (c *catalog) policyOf(t *models.Ticket) models.Category {
	cur := c.categories[t.Category]
	if cur.Policy() == t.Policy() {
		return cur
	}
	if p, ok := c.policies[policyKey{t.Category, t.Policy()}]; ok {
		cur.TriageSLA, cur.ResolveSLA, cur.Priority = p.TriageSLA, p.ResolveSLA, p.Priority
		cur.Private, cur.ContactAllowed, cur.PolicyVersion = p.Private, p.ContactAllowed, p.Policy()
		cur.InfoWaitDays, cur.InfoWaitPolicy = p.InfoWaitDays, p.InfoWaitPolicy
	}
	return cur
}

// unitFor picks the unit that handles a category in an area: the unit of the area's routing
// override for the category, else the city unit of the category's kind for city-level
// categories and the ward unit otherwise, and the IOC when the catalog lacks the expected unit
// or it is disabled (so a report is never lost to a configuration gap).
func (c *catalog) unitFor(set, area string, cat models.Category) models.Unit {
	u, _ := c.route(set, area, cat)
	return u
}

// route is unitFor, and whether the unit is the IOC as the fallback of a gap rather than as
// the unit the category names.
func (c *catalog) route(set, area string, cat models.Category) (models.Unit, bool) {
	if id, ok := c.rules[ruleKey{cat.Code, area}]; ok {
		if u, ok := c.units[id]; ok && !u.Disabled {
			return u, false
		}
	}
	id := models.WardUnitID(set, area, cat.UnitKind)
	if cat.CityLevel || cat.UnitKind == models.UnitIOC {
		id = models.CityUnitID(cat.UnitKind)
	}
	if u, ok := c.units[id]; ok && !u.Disabled {
		return u, false
	}
	if u, ok := c.units[models.CityUnitID(models.UnitIOC)]; ok {
		return u, true
	}
	return models.Unit{ID: models.CityUnitID(models.UnitIOC), Kind: models.UnitIOC, Name: "IOC"}, true
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
