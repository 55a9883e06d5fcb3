package app

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"phananh/models"
)

// CategoryChange edits a category: nil fields stay as they are. A change of a deadline,
// the priority or a privacy field makes a new policy version; tickets filed before keep theirs.
type CategoryChange struct {
	Name           *string
	NameEN         *string
	Description    *string
	Group          *models.Group
	TriageSLA      *models.SLA
	ResolveSLA     *models.SLA
	Priority       *models.Priority
	Private        *bool
	ContactAllowed *bool
	Emergency      *string
	Attributes     *[]models.Attribute
	Active         *bool
	// InfoWaitDays and InfoWaitPolicy change the cap on waiting for the resident (policy).
	InfoWaitDays   *int
	InfoWaitPolicy *models.InfoWaitPolicy
}

// groups are the known category groups.
func groups() []models.Group {
	return []models.Group{models.GroupANTT, models.GroupASXH, models.GroupDoThi, models.GroupMoiTruong,
		models.GroupGiaoThong, models.GroupKhac}
}

// datatypes are the Open311 attribute datatypes.
func datatypes() []string {
	return []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
}

// checkCategory validates a category as a whole.
func checkCategory(c *models.Category) error {
	if err := checkName(c.Name, c.NameEN); err != nil {
		return err
	}
	if !contains(groups(), c.Group) {
		return models.FieldError(models.EInvalid, "group", "group must be one of antt, asxh, do_thi, moi_truong, giao_thong, khac")
	}
	if !validCode(string(c.UnitKind)) {
		return models.FieldError(models.EInvalid, "unit_kind", "unit_kind must name a kind of unit, e.g. ubnd, cong_an, vhxh, ioc")
	}
	if c.Priority != models.PriorityNormal && c.Priority != models.PriorityUrgent {
		return models.FieldError(models.EInvalid, "priority", "priority must be normal or urgent")
	}
	if err := c.TriageSLA.Validate(); err != nil {
		return models.FieldError(models.EInvalid, "triage_sla", "triage_sla: %v", err)
	}
	if err := c.ResolveSLA.Validate(); err != nil {
		return models.FieldError(models.EInvalid, "resolve_sla", "resolve_sla: %v", err)
	}
	if c.TriageSLA.Value > 10000 || c.ResolveSLA.Value > 10000 {
		return models.FieldError(models.EInvalid, "resolve_sla", "a deadline value must be at most 10000")
	}
	if err := checkInfoWait(c); err != nil {
		return err
	}
	for i, a := range c.Attributes {
		if !validCode(a.Code) || !contains(datatypes(), a.Datatype) {
			return models.FieldError(models.EInvalid, "attributes", "attribute %d needs a code of a–z, A–Z, 0–9, '.', '_' or '-' and a datatype among %s",
				i+1, strings.Join(datatypes(), ", "))
		}
	}
	return nil
}

// checkInfoWait validates the cap on waiting for the resident: 0 (the default) to 365 working
// days, and close, return or unset as the policy at the cap.
func checkInfoWait(c *models.Category) error {
	if c.InfoWaitDays < 0 || c.InfoWaitDays > 365 {
		return models.FieldError(models.EInvalid, "info_wait_days", "info_wait_days must be 0 (the default, %d) to 365 working days", models.DefaultInfoWaitDays)
	}
	switch c.InfoWaitPolicy {
	case "", models.InfoWaitClose, models.InfoWaitReturn:
		return nil
	}
	return models.FieldError(models.EInvalid, "info_wait_policy", "info_wait_policy must be close or return")
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// AdminCategories lists every category, inactive ones included, sorted by code.
func (s *Catalog) AdminCategories(p models.Principal) ([]models.Category, error) {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return nil, err
	}
	return append([]models.Category{}, s.catalog.Load().catList...), nil
}

// CategoryPolicies lists the kept policy versions of a category, oldest first.
func (s *Catalog) CategoryPolicies(ctx context.Context, p models.Principal, code string) ([]models.Category, error) {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return nil, err
	}
	c, ok := s.catalog.Load().categories[code]
	if !ok {
		return nil, models.Errorf(models.ENotFound, "no category with code %q", code)
	}
	out, err := s.store.CategoryPolicies(ctx, code)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 || out[len(out)-1].Policy() < c.Policy() {
		out = append(out, c) // a category never edited since versions exist
	}
	return out, nil
}

// CreateCategory creates an active category at policy version 1 (priority normal when
// unset) with its Vietnamese and English names; its code must be free and every area must have
// a unit for it. Audited as
// category_create.
func (s *Catalog) CreateCategory(ctx context.Context, p models.Principal, c models.Category) (*models.Category, error) {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return nil, err
	}
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	c.Code = strings.TrimSpace(c.Code)
	c.Name, c.NameEN = strings.TrimSpace(c.Name), strings.TrimSpace(c.NameEN)
	if c.Priority == "" {
		c.Priority = models.PriorityNormal
	}
	c.Active, c.PolicyVersion = true, 1
	switch {
	case !validCode(c.Code):
		return nil, models.FieldError(models.EInvalid, "code", "code must be 1–100 characters of a–z, A–Z, 0–9, '.', '_' or '-'")
	case c.NameEN == "":
		return nil, models.FieldError(models.EInvalid, "name_en", "name_en (English) is required: the app shows it to English speakers")
	}
	if err := checkCategory(&c); err != nil {
		return nil, err
	}
	cur := s.catalog.Load()
	if _, ok := cur.categories[c.Code]; ok {
		return nil, models.FieldError(models.EConflict, "code", "category %q exists", c.Code)
	}
	if err := s.checkRoutable(cur, c); err != nil {
		return nil, err
	}
	n, err := s.store.InsertCategories(ctx, []models.Category{c})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, models.FieldError(models.EConflict, "code", "category %q exists", c.Code)
	}
	keepErr := s.store.PutCategoryPolicy(ctx, c)
	detail := fmt.Sprintf("name=%q unit_kind=%s triage=%s resolve=%s private=%t contact=%t policy=1", c.Name, c.UnitKind,
		slaText(c.TriageSLA), slaText(c.ResolveSLA), c.Private, c.ContactAllowed)
	if err := cmp.Or(keepErr, s.changed(ctx, p, "category_create", c.Code, detail)); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkRoutable refuses an active category some area of the active boundary set would route
// to the IOC only as the fallback of a gap (no unit of its kind, and no override).
func (s *Catalog) checkRoutable(cur *catalog, c models.Category) error {
	for o := range s.orphans(cur, []models.Category{c}) {
		return models.FieldError(models.EInvalid, "unit_kind", "%s would have no unit of kind %s (add the unit or a routing rule first)", o, c.UnitKind)
	}
	return nil
}

// slaText shows a deadline rule in the audit log.
func slaText(r models.SLA) string { return fmt.Sprintf("%d %s", r.Value, r.Unit) }

// applyCategoryChange returns c with ch applied.
func applyCategoryChange(c models.Category, ch CategoryChange) models.Category {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.Name, ch.Name)
	set(&c.NameEN, ch.NameEN)
	set(&c.Description, ch.Description)
	set(&c.Emergency, ch.Emergency)
	if ch.Group != nil {
		c.Group = *ch.Group
	}
	if ch.TriageSLA != nil {
		c.TriageSLA = *ch.TriageSLA
	}
	if ch.ResolveSLA != nil {
		c.ResolveSLA = *ch.ResolveSLA
	}
	if ch.Priority != nil {
		c.Priority = *ch.Priority
	}
	if ch.Private != nil {
		c.Private = *ch.Private
	}
	if ch.ContactAllowed != nil {
		c.ContactAllowed = *ch.ContactAllowed
	}
	if ch.Attributes != nil {
		c.Attributes = *ch.Attributes
	}
	if ch.Active != nil {
		c.Active = *ch.Active
	}
	if ch.InfoWaitDays != nil {
		c.InfoWaitDays = *ch.InfoWaitDays
	}
	if ch.InfoWaitPolicy != nil {
		c.InfoWaitPolicy = *ch.InfoWaitPolicy
	}
	return c
}

// UpdateCategory edits the category code. A change of the policy (deadlines, priority,
// privacy) makes version n+1, kept beside the earlier ones; new tickets are filed under it and
// earlier ones keep theirs. A deactivated category is no longer offered nor accepted for new
// reports; its tickets keep it. Audited as category_update with the values before and after.
func (s *Catalog) UpdateCategory(ctx context.Context, p models.Principal, code string, ch CategoryChange) (*models.Category, error) {
	if err := requireAdmin(p, "catalog administration"); err != nil {
		return nil, err
	}
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	cur := s.catalog.Load()
	old, ok := cur.categories[code]
	if !ok {
		return nil, models.Errorf(models.ENotFound, "no category with code %q", code)
	}
	next := applyCategoryChange(old, ch)
	if err := checkCategory(&next); err != nil {
		return nil, err
	}
	if next.Active && !old.Active {
		if err := s.checkRoutable(cur, next); err != nil {
			return nil, err
		}
	}
	if !next.SamePolicy(&old) {
		next.PolicyVersion = old.Policy() + 1
	}
	changes := categoryDiff(&old, &next)
	if changes == "" {
		return &old, nil
	}
	// The version being replaced is kept first, then the category written, then its new version
	// kept: a failure in between leaves no kept version that differs from what was in force
	// (CategoryPolicies shows the current category when its version is not kept yet).
	newPolicy := next.PolicyVersion != old.PolicyVersion
	if newPolicy {
		if err := s.store.PutCategoryPolicy(ctx, old); err != nil {
			return nil, err
		}
	}
	if err := s.store.UpsertCategories(ctx, []models.Category{next}); err != nil {
		return nil, err
	}
	var keepErr error
	if newPolicy {
		keepErr = s.store.PutCategoryPolicy(ctx, next)
	}
	if err := cmp.Or(keepErr, s.changed(ctx, p, "category_update", code, changes)); err != nil {
		return nil, err
	}
	return &next, nil
}

// categoryDiff describes what changed from a to b for the audit log.
func categoryDiff(a, b *models.Category) string {
	return diff([][3]string{
		{"name", a.Name, b.Name}, {"name_en", a.NameEN, b.NameEN}, {"description", a.Description, b.Description},
		{"group", string(a.Group), string(b.Group)}, {"priority", string(a.Priority), string(b.Priority)},
		{"triage_sla", slaText(a.TriageSLA), slaText(b.TriageSLA)}, {"resolve_sla", slaText(a.ResolveSLA), slaText(b.ResolveSLA)},
		{"private_by_default", fmt.Sprint(a.Private), fmt.Sprint(b.Private)},
		{"contact_allowed", fmt.Sprint(a.ContactAllowed), fmt.Sprint(b.ContactAllowed)},
		{"emergency_number", a.Emergency, b.Emergency}, {"attributes", fmt.Sprint(a.Attributes), fmt.Sprint(b.Attributes)},
		{"active", fmt.Sprint(a.Active), fmt.Sprint(b.Active)},
		{"info_wait_days", fmt.Sprint(a.InfoWait()), fmt.Sprint(b.InfoWait())},
		{"info_wait_policy", string(a.InfoWaitAction()), string(b.InfoWaitAction())},
		{"policy_version", fmt.Sprint(a.Policy()), fmt.Sprint(b.Policy())},
	})
}

// MergeReferenceData merges the shipped categories and city units of reference-data version
// into store unless a version at least as new was merged before: it creates those whose code or
// id is missing and never changes an existing one (an administrator may have edited it), then
// records version. It returns how many categories and units it created; the catalog revision
// is raised when it created any.
func MergeReferenceData(ctx context.Context, store CatalogStore, version int, cats []models.Category, units []models.Unit, now time.Time) (newCats, newUnits int, err error) {
	have, err := store.ReferenceDataVersion(ctx)
	if err != nil || have >= version {
		return 0, 0, err
	}
	for i := range cats {
		cats[i].PolicyVersion = cats[i].Policy()
	}
	if newUnits, err = store.InsertUnits(ctx, units); err != nil {
		return 0, 0, err
	}
	if newCats, err = store.InsertCategories(ctx, cats); err != nil {
		return 0, newUnits, err
	}
	if newCats+newUnits > 0 {
		if _, err := store.BumpCatalogRevision(ctx); err != nil {
			return newCats, newUnits, err
		}
	}
	return newCats, newUnits, store.SetReferenceDataVersion(ctx, version, now)
}
