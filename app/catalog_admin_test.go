package app_test

import (
	"context"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
	"phananh/seed"
)

// TestMergeReferenceDataNeverOverwrites: a newer reference-data version creates what the store
// lacks and keeps what an administrator changed; the same version again does nothing.
func TestMergeReferenceDataNeverOverwrites(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-11-27 16:00")
	store := newStore(t, now)
	cats := seed.Categories()
	edited := cats[0]
	edited.Name, edited.PolicyVersion = "Sửa bởi quản trị", 2
	if err := store.UpsertCategories(ctx, []models.Category{edited}); err != nil {
		t.Fatal(err)
	}
	ioc := seed.CityUnits()[0]
	ioc.Name = "IOC (đổi tên)"
	if err := store.UpsertUnits(ctx, []models.Unit{ioc}); err != nil {
		t.Fatal(err)
	}
	fresh := cats[0]
	fresh.Code = "MOI.01"
	merge := func(version int, extra ...models.Category) (int, int) {
		t.Helper()
		nc, nu, err := app.MergeReferenceData(ctx, store, version, append(seed.Categories(), extra...), seed.CityUnits(), now)
		if err != nil {
			t.Fatal(err)
		}
		return nc, nu
	}
	if nc, nu := merge(1, fresh); nc != 1 || nu != 0 {
		t.Errorf("first merge created %d categories and %d units, want the one new category", nc, nu)
	}
	if nc, _ := merge(1, models.Category{Code: "MOI.02"}); nc != 0 {
		t.Errorf("the same version merged again created %d categories", nc)
	}
	if v, err := store.ReferenceDataVersion(ctx); err != nil || v != 1 {
		t.Errorf("recorded reference-data version %d, %v", v, err)
	}
	got, err := store.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		if c.Code == edited.Code && (c.Name != edited.Name || c.PolicyVersion != 2) {
			t.Errorf("merge overwrote the edited category: %+v", c)
		}
	}
	if u, err := store.UnitByID(ctx, ioc.ID); err != nil || u.Name != ioc.Name {
		t.Errorf("merge overwrote the renamed unit: %+v, %v", u, err)
	}
}

// TestCatalogChangeReachesOtherInstances: a change on one instance is served by another once
// it checks the store's catalog revision (WatchCatalog does every CatalogWatchInterval), and a
// change is validated against the newest catalog even before that check.
func TestCatalogChangeReachesOtherInstances(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-11-27 16:00")
	store := newStore(t, now)
	a, b := newServiceOn(t, store, &now, nil), newServiceOn(t, store, &now, nil)
	admin := models.Principal{UserID: "adm", Role: models.RoleAdmin}
	name := "Trung tâm IOC (mới)"
	if _, err := a.Catalog.UpdateUnit(ctx, admin, "city.ioc", app.UnitChange{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if u, _ := b.Catalog.Unit("city.ioc"); u.Name == name {
		t.Fatal("the other instance changed before checking")
	}
	if err := b.Catalog.CheckCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	if u, _ := b.Catalog.Unit("city.ioc"); u.Name != name {
		t.Errorf("the other instance serves %q after checking", u.Name)
	}
	if _, err := a.Catalog.CreateUnit(ctx, admin, app.NewUnit{ID: "city.x", Kind: "x", Name: "X"}); err != nil {
		t.Fatal(err)
	}
	off := true
	if _, err := b.Catalog.UpdateUnit(ctx, admin, "city.x", app.UnitChange{Disabled: &off}); err != nil {
		t.Errorf("the other instance does not find the unit just created: %v", err)
	}
	if _, err := a.Catalog.CreateUnit(ctx, models.Principal{UserID: "o", Role: models.RoleOfficer}, app.NewUnit{ID: "city.y", Kind: "y", Name: "Y"}); !models.IsCode(err, models.EForbidden) {
		t.Errorf("an officer created a unit: %v", err)
	}
}

// TestRoutingFallsBackFromDisabledUnits: a report of a category whose unit was disabled (on an
// instance that did not refuse it, or before an override was removed) goes to the IOC; an
// override to an enabled unit wins over the category's kind.
func TestRoutingFallsBackFromDisabledUnits(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-11-27 16:00")
	store := newStore(t, now)
	unit := "longxuyen-2023.30280.ubnd"
	u, err := store.UnitByID(ctx, unit)
	if err != nil {
		t.Fatal(err)
	}
	u.Disabled = true
	if err := store.UpsertUnits(ctx, []models.Unit{*u}); err != nil {
		t.Fatal(err)
	}
	svc := newServiceOn(t, store, &now, nil)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	file := func() string {
		t.Helper()
		tk, _, err := svc.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "TTDT", Description: "Lấn chiếm vỉa hè trước chợ",
			Location: inside(t, svc, "30280")})
		if err != nil {
			t.Fatal(err)
		}
		if tk.PolicyVersion != 1 {
			t.Errorf("policy version %d", tk.PolicyVersion)
		}
		return tk.UnitID
	}
	if got := file(); got != "city.ioc" {
		t.Errorf("report for a disabled unit routed to %s, want the IOC", got)
	}
	admin := models.Principal{UserID: "adm", Role: models.RoleAdmin}
	target := "longxuyen-2023.30280.cong_an"
	if err := svc.Catalog.PutRoutingRule(ctx, admin, models.RoutingRule{Category: "TTDT", AreaCode: "30280", UnitID: target}); err != nil {
		t.Fatal(err)
	}
	if got := file(); got != target {
		t.Errorf("report with an override routed to %s, want %s", got, target)
	}
}

// TestOldTicketsKeepTheirPolicy: after a deadline edit, an action that restarts the deadlines of
// a ticket filed before it (a transfer) counts them by the policy the ticket was filed under.
func TestOldTicketsKeepTheirPolicy(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-11-25 08:00") // a Wednesday morning
	svc := newService(t, &now)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	in := models.ReportInput{Category: "TTDT", Description: "Lấn chiếm vỉa hè trước chợ", Location: inside(t, svc, "30280")}
	old, _, err := svc.Tickets.FileReport(ctx, resident, in)
	if err != nil {
		t.Fatal(err)
	}
	admin := models.Principal{UserID: "adm", Role: models.RoleAdmin}
	clock := models.SLA{Value: 1, Unit: models.ClockHours}
	cat, err := svc.Catalog.UpdateCategory(ctx, admin, "TTDT", app.CategoryChange{TriageSLA: &clock})
	if err != nil || cat.PolicyVersion != 2 {
		t.Fatalf("edit: %+v, %v", cat, err)
	}
	fresh, _, err := svc.Tickets.FileReport(ctx, resident, in)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.PolicyVersion != 2 || !fresh.TriageDueAt.Equal(now.Add(time.Hour)) {
		t.Errorf("new ticket: policy %d, triage due %s", fresh.PolicyVersion, fresh.TriageDueAt)
	}
	op := models.Principal{UserID: "op", Role: models.RoleIOCOperator}
	moved, err := svc.Tickets.Act(ctx, op, old.ID, app.ActionInput{Action: models.ActTransfer, ExpectedVersion: old.Version,
		Area: "30286", Reason: "sai địa bàn"})
	if err != nil {
		t.Fatal(err)
	}
	if moved.PolicyVersion != 1 || !moved.TriageDueAt.Equal(old.TriageDueAt) {
		t.Errorf("old ticket transferred: policy %d, triage due %s; want 1 and %s (version 1's deadline from the same instant)",
			moved.PolicyVersion, moved.TriageDueAt, old.TriageDueAt)
	}
}

// TestShippedCategoriesAreEditable: every shipped category passes the validation of an edit, so
// an administrator can change any of them.
func TestShippedCategoriesAreEditable(t *testing.T) {
	ctx := context.Background()
	now := vn("2026-11-25 08:00")
	svc := newService(t, &now)
	admin := models.Principal{UserID: "adm", Role: models.RoleAdmin}
	cats, err := svc.Catalog.AdminCategories(admin)
	if err != nil || len(cats) == 0 {
		t.Fatalf("categories: %d, %v", len(cats), err)
	}
	for _, c := range cats {
		desc := c.Description + " (sửa)"
		got, err := svc.Catalog.UpdateCategory(ctx, admin, c.Code, app.CategoryChange{Description: &desc})
		if err != nil {
			t.Errorf("edit of %s refused: %v", c.Code, err)
		} else if got.PolicyVersion != 1 {
			t.Errorf("a description edit of %s made policy version %d", c.Code, got.PolicyVersion)
		}
	}
}
