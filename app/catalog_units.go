package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// Catalog administration: administrators (the API, or the command line as CommandLine) create,
// rename, disable and enable units, override routing per category and area, and create, edit
// and deactivate categories. Every change is validated against the whole catalog first and
// changes nothing when refused; it is audited, raises the store's catalog revision (other
// instances reload within CatalogWatchInterval) and reloads this instance's snapshot. Each is a
// read-modify-write of one record: two administrators changing the same record at the same
// instant may lose one change, which the audit log then shows.

// CatalogWatchInterval is how often WatchCatalog checks the store's catalog revision.
const CatalogWatchInterval = 2 * time.Second

// maxUnitName bounds unit and category names.
const maxUnitName = 200

// NewUnit is what an administrator gives to create a unit.
type NewUnit struct {
	ID       string
	Kind     models.UnitKind
	Name     string
	NameEN   string
	AreaCode string // the unit's area in the active boundary set; empty: city-level
}

// UnitChange renames, disables or enables a unit: nil fields stay as they are.
type UnitChange struct {
	Name     *string
	NameEN   *string
	Disabled *bool
}

// validCode reports whether s is a code or id of letters a–z or A–Z, digits, '.', '_' or '-',
// 1–100 long.
func validCode(s string) bool {
	return s != "" && len(s) <= 100 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
}

// checkName validates a required Vietnamese and an optional English name.
func checkName(vi, en string) error {
	switch {
	case strings.TrimSpace(vi) == "":
		return models.FieldError(models.EInvalid, "name", "name (Vietnamese) is required")
	case utf8.RuneCountInString(vi) > maxUnitName:
		return models.FieldError(models.EInvalid, "name", "name must have at most %d characters", maxUnitName)
	case utf8.RuneCountInString(en) > maxUnitName:
		return models.FieldError(models.EInvalid, "name_en", "name_en must have at most %d characters", maxUnitName)
	}
	return nil
}

// AdminUnits lists every unit, disabled ones included, sorted by id.
func (s *Catalog) AdminUnits(p models.Principal) ([]models.Unit, error) {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return nil, err
	}
	return s.Units(), nil
}

// CreateUnit creates a unit; its id must be free and its area, if any, an area of the active
// boundary set. Audited as unit_create.
func (s *Catalog) CreateUnit(ctx context.Context, p models.Principal, in NewUnit) (*models.Unit, error) {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return nil, err
	}
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	u := models.Unit{ID: strings.TrimSpace(in.ID), Kind: models.UnitKind(strings.TrimSpace(string(in.Kind))),
		Name: strings.TrimSpace(in.Name), NameEN: strings.TrimSpace(in.NameEN), AreaCode: strings.TrimSpace(in.AreaCode)}
	switch {
	case !validCode(u.ID):
		return nil, models.FieldError(models.EInvalid, "id", "id must be 1–100 characters of a–z, A–Z, 0–9, '.', '_' or '-'")
	case !validCode(string(u.Kind)):
		return nil, models.FieldError(models.EInvalid, "kind", "kind must be 1–100 characters of a–z, A–Z, 0–9, '.', '_' or '-', e.g. ubnd, cong_an, vhxh")
	}
	if err := checkName(u.Name, u.NameEN); err != nil {
		return nil, err
	}
	if set := s.boundarySet(); u.AreaCode != "" {
		if _, ok := set.Area(u.AreaCode); !ok {
			return nil, models.FieldError(models.EInvalid, "area_code", "unknown area %q in boundary set %s", u.AreaCode, set.ID())
		}
		u.BoundarySet = set.ID()
	}
	n, err := s.store.InsertUnits(ctx, []models.Unit{u})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, models.FieldError(models.EConflict, "id", "unit %q exists", u.ID)
	}
	detail := fmt.Sprintf("kind=%s name=%q name_en=%q area=%q", u.Kind, u.Name, u.NameEN, u.AreaCode)
	if err := s.changed(ctx, p, "unit_create", u.ID, detail); err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUnit renames, disables or enables the unit id. Disabling is refused (EConflict, naming
// them) when some active category in some area of the active boundary set would lose its unit
// and fall back to the IOC: a routing override to another unit must come first. The IOC, which
// is that fallback, cannot be disabled. Audited as unit_update with the values before and after.
func (s *Catalog) UpdateUnit(ctx context.Context, p models.Principal, id string, ch UnitChange) (*models.Unit, error) {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return nil, err
	}
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	cur := s.catalog.Load()
	u, ok := cur.units[id]
	if !ok {
		return nil, models.Errorf(models.ENotFound, "no unit with id %q", id)
	}
	next := u
	if ch.Name != nil {
		next.Name = strings.TrimSpace(*ch.Name)
	}
	if ch.NameEN != nil {
		next.NameEN = strings.TrimSpace(*ch.NameEN)
	}
	if ch.Disabled != nil {
		next.Disabled = *ch.Disabled
	}
	if err := checkName(next.Name, next.NameEN); err != nil {
		return nil, err
	}
	if next.Disabled && !u.Disabled {
		if id == models.CityUnitID(models.UnitIOC) {
			return nil, models.FieldError(models.EConflict, "disabled", "the IOC cannot be disabled: routing falls back to it")
		}
		if err := s.checkOrphans(cur, cur.withUnit(next), "disabling unit "+id); err != nil {
			return nil, err
		}
	}
	changes := diff([][3]string{{"name", u.Name, next.Name}, {"name_en", u.NameEN, next.NameEN},
		{"disabled", fmt.Sprint(u.Disabled), fmt.Sprint(next.Disabled)}})
	if changes == "" {
		return &u, nil
	}
	if err := s.store.UpsertUnits(ctx, []models.Unit{next}); err != nil {
		return nil, err
	}
	if err := s.changed(ctx, p, "unit_update", id, changes); err != nil {
		return nil, err
	}
	return &next, nil
}

// diff describes the fields (name, before, after) that changed, "" when none did.
func diff(fields [][3]string) string {
	var out []string
	for _, f := range fields {
		if f[1] != f[2] {
			out = append(out, fmt.Sprintf("%s %q→%q", f[0], f[1], f[2]))
		}
	}
	return strings.Join(out, "; ")
}

// withUnit is a copy of the snapshot with u replacing the unit of its id (for validation).
func (c *catalog) withUnit(u models.Unit) *catalog {
	next := *c
	next.units = make(map[string]models.Unit, len(c.units))
	for id, v := range c.units {
		next.units[id] = v
	}
	next.units[u.ID] = u
	return &next
}

// withRules is a copy of the snapshot with its routing overrides replaced by rules.
func (c *catalog) withRules(rules map[ruleKey]string) *catalog {
	next := *c
	next.rules = rules
	return &next
}

// orphans lists "category X in area Y" for every active category of cats that the snapshot
// routes to the IOC only as the fallback of a gap, in an area of the active boundary set.
func (s *Catalog) orphans(c *catalog, cats []models.Category) map[string]bool {
	set := s.boundarySet() // once: a switch-over may change it between two reads
	out := map[string]bool{}
	for _, cat := range cats {
		if !cat.Active {
			continue
		}
		for _, a := range set.Areas() {
			if _, fallback := c.route(set.ID(), a.Code, cat); fallback {
				out[fmt.Sprintf("category %s in area %s (%s)", cat.Code, a.Code, a.Name)] = true
			}
		}
	}
	return out
}

// checkOrphans refuses a change (what) that leaves an active category without its unit in an
// area where it has one now, naming the first twenty.
func (s *Catalog) checkOrphans(before, after *catalog, what string) error {
	had := s.orphans(before, before.catList)
	var lost []string
	for o := range s.orphans(after, after.catList) {
		if !had[o] {
			lost = append(lost, o)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	slices.Sort(lost)
	more := ""
	if len(lost) > 20 {
		more = fmt.Sprintf(" and %d more", len(lost)-20)
		lost = lost[:20]
	}
	return models.Errorf(models.EConflict, "%s would leave %s%s without a unit (only the IOC fallback); add a routing rule to another unit first",
		what, strings.Join(lost, ", "), more)
}

// changed follows an administrator's stored change of the catalog: it raises the store's
// catalog revision so other instances reload, audits the change and reloads this instance's
// snapshot. Each step is tried whatever the others did — a change that is stored must reach
// every instance and the audit log — and the first failure is returned.
func (s *Catalog) changed(ctx context.Context, p models.Principal, action, subject, detail string) error {
	_, bumpErr := s.store.BumpCatalogRevision(ctx)
	auditErr := s.audit(ctx, p, action, "", subject, detail)
	reloadErr := s.ReloadCatalog(ctx)
	return cmp.Or(bumpErr, auditErr, reloadErr)
}

// WatchCatalog reloads the snapshot whenever the store's catalog revision differs from the
// snapshot's, checking every interval until ctx ends, so a change made on another instance
// (or by the command line) is served here within an interval.
func (s *Catalog) WatchCatalog(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.CheckCatalog(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("catalog reload", "error", err)
		}
	}
}

// fresh brings the snapshot up to date before a change is validated against it, so a change
// made on another instance a moment ago is seen (one read of the revision).
func (s *Catalog) fresh(ctx context.Context) error {
	if err := s.CheckCatalog(ctx); err != nil {
		return fmt.Errorf("read the catalog: %w", err)
	}
	return nil
}

// CheckCatalog reloads the snapshot if the store's catalog revision changed since it was read.
func (s *Catalog) CheckCatalog(ctx context.Context) error {
	rev, err := s.store.CatalogRevision(ctx)
	if err != nil || rev == s.catalog.Load().revision {
		return err
	}
	return s.ReloadCatalog(ctx)
}

// RoutingRules lists the routing overrides sorted by category, then area.
func (s *Catalog) RoutingRules(p models.Principal) ([]models.RoutingRule, error) {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return nil, err
	}
	return append([]models.RoutingRule{}, s.catalog.Load().ruleList...), nil
}

// PutRoutingRule makes reports of r.Category in area r.AreaCode go to r.UnitID, replacing an
// earlier override of the pair. The category must exist, the area be one of the active
// boundary set and the unit exist and be enabled. Audited as routing_rule_put.
func (s *Catalog) PutRoutingRule(ctx context.Context, p models.Principal, r models.RoutingRule) error {
	set := s.boundarySet() // once: a switch-over may change it between two reads
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return err
	}
	if err := s.fresh(ctx); err != nil {
		return err
	}
	cur := s.catalog.Load()
	r = models.RoutingRule{Category: strings.TrimSpace(r.Category), AreaCode: strings.TrimSpace(r.AreaCode), UnitID: strings.TrimSpace(r.UnitID)}
	if _, ok := cur.categories[r.Category]; !ok {
		return models.FieldError(models.EInvalid, "category", "unknown category %q", r.Category)
	}
	if _, ok := set.Area(r.AreaCode); !ok {
		return models.FieldError(models.EInvalid, "area_code", "unknown area %q in boundary set %s", r.AreaCode, set.ID())
	}
	u, ok := cur.units[r.UnitID]
	switch {
	case !ok:
		return models.FieldError(models.EInvalid, "unit_id", "unknown unit %q", r.UnitID)
	case u.Disabled:
		return models.FieldError(models.EInvalid, "unit_id", "unit %q is disabled", r.UnitID)
	}
	before := cur.rules[ruleKey{r.Category, r.AreaCode}]
	if before == r.UnitID {
		return nil
	}
	if err := s.store.PutRoutingRule(ctx, r); err != nil {
		return err
	}
	return s.changed(ctx, p, "routing_rule_put", r.Category+"/"+r.AreaCode, fmt.Sprintf("unit %q→%q", before, r.UnitID))
}

// DeleteRoutingRule removes the override of category in area, so the category's own unit
// handles it again; refused (EConflict) when that unit is missing or disabled and the category
// would be left to the IOC fallback there. Audited as routing_rule_delete.
func (s *Catalog) DeleteRoutingRule(ctx context.Context, p models.Principal, category, area string) error {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return err
	}
	if err := s.fresh(ctx); err != nil {
		return err
	}
	cur := s.catalog.Load()
	unit, ok := cur.rules[ruleKey{category, area}]
	if !ok {
		return models.Errorf(models.ENotFound, "no routing rule for category %q in area %q", category, area)
	}
	rules := make(map[ruleKey]string, len(cur.rules))
	for k, v := range cur.rules {
		rules[k] = v
	}
	delete(rules, ruleKey{category, area})
	if err := s.checkOrphans(cur, cur.withRules(rules), "removing the routing rule"); err != nil {
		return err
	}
	if err := s.store.DeleteRoutingRule(ctx, category, area); err != nil {
		return err
	}
	return s.changed(ctx, p, "routing_rule_delete", category+"/"+area, fmt.Sprintf("unit %q removed", unit))
}
