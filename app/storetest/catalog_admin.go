package storetest

import (
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var catalogAdminTests = []storeTest{
	{"InsertUnits", testInsertUnits},
	{"InsertCategories", testInsertCategories},
	{"CategoryPolicies", testCategoryPolicies},
	{"RoutingRules", testRoutingRules},
	{"Revisions", testCatalogRevisions},
}

// testInsertUnits: existing units are left as they are (renamed, disabled), new ones created
// and counted; Disabled is kept.
func testInsertUnits(t *testing.T, s app.Store) {
	n, err := s.InsertUnits(ctx(t), nil)
	must(t, err, "InsertUnits(nil)")
	wantEqual(t, "InsertUnits(nil) count", 0, n)
	ioc := models.Unit{ID: "city.ioc", Kind: models.UnitIOC, Name: "IOC", NameEN: "Operations centre"}
	water := models.Unit{ID: "city.cap_nuoc", Kind: "cap_nuoc", Name: "Công ty cấp nước"}
	n, err = s.InsertUnits(ctx(t), []models.Unit{ioc, water})
	must(t, err, "InsertUnits")
	wantEqual(t, "InsertUnits count", 2, n)

	renamed := water
	renamed.Name, renamed.Disabled = "Công ty Điện nước (đổi tên)", true
	must(t, s.UpsertUnits(ctx(t), []models.Unit{renamed}), "UpsertUnits disable")
	light := models.Unit{ID: "city.chieu_sang", Kind: "chieu_sang", Name: "Chiếu sáng"}
	n, err = s.InsertUnits(ctx(t), []models.Unit{ioc, water, light})
	must(t, err, "InsertUnits again")
	wantEqual(t, "InsertUnits again count", 1, n)
	units, err := s.Units(ctx(t))
	must(t, err, "Units")
	wantEqual(t, "Units after InsertUnits (existing kept)", []models.Unit{renamed, light, ioc}, units)
	got, err := s.UnitByID(ctx(t), water.ID)
	must(t, err, "UnitByID")
	wantEqual(t, "UnitByID disabled", &renamed, got)
}

// policyCategory is a category at a policy version.
func policyCategory(code string, version, triageHours int) models.Category {
	return models.Category{
		Code: code, Group: models.GroupDoThi, Name: "Lấn chiếm vỉa hè", NameEN: "Sidewalk", UnitKind: models.UnitUBND,
		Priority: models.PriorityNormal, TriageSLA: models.SLA{Value: triageHours, Unit: models.WorkingHours},
		ResolveSLA: models.SLA{Value: 5, Unit: models.WorkingDays}, Active: true, PolicyVersion: version,
	}
}

// testInsertCategories: existing codes are never overwritten; the policy version is kept.
func testInsertCategories(t *testing.T, s app.Store) {
	a, b := policyCategory("do_thi.a", 1, 8), policyCategory("do_thi.b", 0, 8)
	n, err := s.InsertCategories(ctx(t), []models.Category{a, b})
	must(t, err, "InsertCategories")
	wantEqual(t, "InsertCategories count", 2, n)
	edited := policyCategory("do_thi.a", 2, 4)
	edited.Name = "Sửa"
	must(t, s.UpsertCategories(ctx(t), []models.Category{edited}), "UpsertCategories")
	c := policyCategory("do_thi.c", 1, 8)
	n, err = s.InsertCategories(ctx(t), []models.Category{a, c})
	must(t, err, "InsertCategories again")
	wantEqual(t, "InsertCategories again count", 1, n)
	cats, err := s.Categories(ctx(t))
	must(t, err, "Categories")
	wantEqual(t, "Categories after InsertCategories (edits kept)", []models.Category{edited, b, c}, cats)
}

// testCategoryPolicies: versions are kept once each, listed oldest first, per code.
func testCategoryPolicies(t *testing.T, s app.Store) {
	got, err := s.CategoryPolicies(ctx(t), "do_thi.a")
	must(t, err, "CategoryPolicies none")
	if len(got) != 0 {
		t.Fatalf("CategoryPolicies on an empty store = %v", got)
	}
	v1, v2 := policyCategory("do_thi.a", 1, 8), policyCategory("do_thi.a", 2, 4)
	must(t, s.PutCategoryPolicy(ctx(t), v2), "PutCategoryPolicy v2")
	must(t, s.PutCategoryPolicy(ctx(t), v1), "PutCategoryPolicy v1")
	must(t, s.PutCategoryPolicy(ctx(t), policyCategory("do_thi.b", 0, 2)), "PutCategoryPolicy other (version 0 is 1)")
	changed := policyCategory("do_thi.a", 1, 99)
	must(t, s.PutCategoryPolicy(ctx(t), changed), "PutCategoryPolicy v1 again")
	got, err = s.CategoryPolicies(ctx(t), "do_thi.a")
	must(t, err, "CategoryPolicies")
	wantEqual(t, "CategoryPolicies (first write of each version stays)", []models.Category{v1, v2}, got)
	got, err = s.CategoryPolicies(ctx(t), "do_thi.b")
	must(t, err, "CategoryPolicies other")
	wantEqual(t, "CategoryPolicies other", []models.Category{policyCategory("do_thi.b", 1, 2)}, got)
	got, err = s.CategoryPolicies(ctx(t), "")
	must(t, err, "CategoryPolicies of every code")
	wantEqual(t, "CategoryPolicies of every code (by code, version)", []models.Category{v1, v2, policyCategory("do_thi.b", 1, 2)}, got)
}

// testRoutingRules: put replaces the pair's unit, list is sorted, delete of a missing pair is
// ENotFound.
func testRoutingRules(t *testing.T, s app.Store) {
	rules, err := s.RoutingRules(ctx(t))
	must(t, err, "RoutingRules empty")
	if len(rules) != 0 {
		t.Fatalf("RoutingRules on an empty store = %v", rules)
	}
	r1 := models.RoutingRule{Category: "do_thi.b", AreaCode: "30310", UnitID: "city.ioc"}
	r2 := models.RoutingRule{Category: "do_thi.a", AreaCode: "30316", UnitID: "lx.30316.ubnd"}
	r3 := models.RoutingRule{Category: "do_thi.a", AreaCode: "30301", UnitID: "lx.30301.ubnd"}
	for _, r := range []models.RoutingRule{r1, r2, r3} {
		must(t, s.PutRoutingRule(ctx(t), r), "PutRoutingRule")
	}
	r2.UnitID = "city.cap_nuoc"
	must(t, s.PutRoutingRule(ctx(t), r2), "PutRoutingRule replace")
	rules, err = s.RoutingRules(ctx(t))
	must(t, err, "RoutingRules")
	wantEqual(t, "RoutingRules (sorted by category, area)", []models.RoutingRule{r3, r2, r1}, rules)
	must(t, s.DeleteRoutingRule(ctx(t), "do_thi.a", "30301"), "DeleteRoutingRule")
	wantCode(t, s.DeleteRoutingRule(ctx(t), "do_thi.a", "30301"), models.ENotFound, "DeleteRoutingRule again")
	rules, err = s.RoutingRules(ctx(t))
	must(t, err, "RoutingRules after delete")
	wantEqual(t, "RoutingRules after delete", []models.RoutingRule{r2, r1}, rules)
}

// testCatalogRevisions: the catalog revision starts at 0 and counts bumps; the reference-data
// version starts at 0 and keeps the last value set.
func testCatalogRevisions(t *testing.T, s app.Store) {
	rev, err := s.CatalogRevision(ctx(t))
	must(t, err, "CatalogRevision")
	wantEqual(t, "CatalogRevision fresh", int64(0), rev)
	for want := int64(1); want <= 3; want++ {
		rev, err = s.BumpCatalogRevision(ctx(t))
		must(t, err, "BumpCatalogRevision")
		wantEqual(t, "BumpCatalogRevision", want, rev)
	}
	rev, err = s.CatalogRevision(ctx(t))
	must(t, err, "CatalogRevision after bumps")
	wantEqual(t, "CatalogRevision after bumps", int64(3), rev)
	v, err := s.ReferenceDataVersion(ctx(t))
	must(t, err, "ReferenceDataVersion")
	wantEqual(t, "ReferenceDataVersion fresh", 0, v)
	must(t, s.SetReferenceDataVersion(ctx(t), 2, at(time.Hour)), "SetReferenceDataVersion")
	must(t, s.SetReferenceDataVersion(ctx(t), 3, at(2*time.Hour)), "SetReferenceDataVersion again")
	v, err = s.ReferenceDataVersion(ctx(t))
	must(t, err, "ReferenceDataVersion after set")
	wantEqual(t, "ReferenceDataVersion after set", 3, v)
}
