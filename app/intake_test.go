package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
)

// newService builds the real app on a real SQLite file with a controllable clock.
func newService(t *testing.T, now *time.Time) *app.App {
	t.Helper()
	return newServiceOn(t, newStore(t, *now), now, nil)
}

// newStore opens a SQLite store with the Long Xuyên wards, units and categories.
func newStore(t *testing.T, now time.Time) app.Store {
	t.Helper()
	return apptest.Store(t, now)
}

// newServiceOn builds the app on an existing store: several of them act as several server
// instances.
func newServiceOn(t *testing.T, store app.Store, now *time.Time, effect app.Effect) *app.App {
	t.Helper()
	return newServiceWith(t, store, now, app.DefaultConfig(), effect)
}

// newServiceWith is newServiceOn with a configuration of its own.
func newServiceWith(t *testing.T, store app.Store, now *time.Time, cfg app.Config, effect app.Effect) *app.App {
	t.Helper()
	var effects []app.Effect
	if effect != nil {
		effects = []app.Effect{effect}
	}
	return apptest.New(t, store, apptest.Options{Config: &cfg, Effects: effects, Now: func() time.Time { return *now }})
}

func vn(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, models.VietnamTime)
	if err != nil {
		panic(err)
	}
	return t
}

// TestDeadlinesFollowTheWorkingCalendar files reports at chosen moments and checks the
// deadlines against the calendar by hand.
func TestDeadlinesFollowTheWorkingCalendar(t *testing.T) {
	now := vn("2026-11-27 16:00") // a Friday afternoon
	svc := newService(t, &now)
	p := inside(t, svc, "30280")
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	tests := []struct {
		name, at, category, triage, resolve string
	}{
		// Routine welfare: acknowledge within 8 working hours, resolve within 3 working days.
		{"routine on friday afternoon", "2026-11-27 16:00", "ASXH.02", "2026-11-30 16:00", "2026-12-02 16:00"},
		// Ongoing disorder runs on the clock, nights and weekends included.
		{"disorder on saturday night", "2026-11-28 23:30", "ANTT.01", "2026-11-29 00:30", "2026-11-29 02:30"},
		// Construction order: 7 working days, here across the 2026 Tết break (14–22 Feb).
		{"construction before tet", "2026-02-12 09:00", "TTXD", "2026-02-13 09:00", "2026-03-02 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = vn(tt.at)
			tk, created, err := svc.Tickets.FileReport(context.Background(), resident, models.ReportInput{
				Category: tt.category, Description: "mô tả", Location: p,
			})
			if err != nil || !created {
				t.Fatalf("FileReport: %v created=%v", err, created)
			}
			if !tk.TriageDueAt.Equal(vn(tt.triage)) || !tk.ResolveDueAt.Equal(vn(tt.resolve)) {
				t.Errorf("due triage %s resolve %s, want %s and %s",
					tk.TriageDueAt.In(models.VietnamTime), tk.ResolveDueAt.In(models.VietnamTime), tt.triage, tt.resolve)
			}
			if want := "LX-" + tt.at[:4] + "-"; tk.Code[:len(want)] != want {
				t.Errorf("code %s does not carry the year of filing in Vietnam", tk.Code)
			}
		})
	}
}

// TestCityLevelCategoriesRouteToCityUnits checks that a broken street light goes to the city's
// lighting unit whatever the ward.
func TestCityLevelCategoriesRouteToCityUnits(t *testing.T) {
	now := vn("2026-11-25 09:00")
	svc := newService(t, &now)
	var city models.Category
	for _, c := range svc.Catalog.Categories() {
		if c.CityLevel {
			city = c
			break
		}
	}
	if city.Code == "" {
		t.Fatal("the catalog has no city-level category")
	}
	tk, _, err := svc.Tickets.FileReport(context.Background(), models.Principal{UserID: "r", Role: models.RoleResident},
		models.ReportInput{Category: city.Code, Description: "đèn đường hỏng", Location: inside(t, svc, "30307")})
	if err != nil {
		t.Fatal(err)
	}
	if tk.UnitID != models.CityUnitID(city.UnitKind) || tk.AreaCode != "30307" {
		t.Errorf("routed to %s in %s, want %s", tk.UnitID, tk.AreaCode, models.CityUnitID(city.UnitKind))
	}
}

func inside(t *testing.T, svc *app.App, code string) models.Location {
	t.Helper()
	a, err := svc.Catalog.Area(code)
	if err != nil {
		t.Fatal(err)
	}
	p := a.InteriorPoint()
	return models.Location{Lat: p.Lat(), Lng: p.Lon()}
}

// TestIncidentTimeBounds pins occurred_at's bounds against the injected clock: up to 5 minutes
// ahead (a phone's clock skew) and back to Config.MaxIncidentAge, both inclusive; the time is
// stored in UTC and the deadlines are those of the same report filed without it.
func TestIncidentTimeBounds(t *testing.T) {
	now := vn("2026-11-25 09:00")
	cfg := app.DefaultConfig()
	cfg.MaxIncidentAge = 7 * 24 * time.Hour
	svc := newServiceWith(t, newStore(t, now), &now, cfg, nil)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	file := func(at time.Time) (*models.Ticket, error) {
		tk, _, err := svc.Tickets.FileReport(context.Background(), resident, models.ReportInput{
			Category: "ASXH.02", Description: "mô tả", Location: inside(t, svc, "30280"), OccurredAt: at})
		return tk, err
	}
	plain, err := file(time.Time{})
	if err != nil || !plain.OccurredAt.IsZero() {
		t.Fatalf("without occurred_at: %v, stored %v", err, plain.OccurredAt)
	}
	tests := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"5 minutes ahead", now.Add(5 * time.Minute), true},
		{"just beyond the skew", now.Add(5*time.Minute + time.Millisecond), false},
		{"the oldest allowed", now.Add(-7 * 24 * time.Hour), true},
		{"just too old", now.Add(-7*24*time.Hour - time.Millisecond), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := file(tt.at)
			if !tt.ok {
				if !models.IsCode(err, models.EInvalid) || !strings.Contains(err.Error(), "occurred_at") {
					t.Fatalf("FileReport = %v, want invalid occurred_at", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tk.OccurredAt.Equal(tt.at) || tk.OccurredAt.Location() != time.UTC || !tk.CreatedAt.Equal(now) {
				t.Errorf("occurred_at %v, created_at %v; want %v and %v", tk.OccurredAt, tk.CreatedAt, tt.at, now)
			}
			if !tk.TriageDueAt.Equal(plain.TriageDueAt) || !tk.ResolveDueAt.Equal(plain.ResolveDueAt) {
				t.Errorf("deadlines %v %v, without occurred_at %v %v", tk.TriageDueAt, tk.ResolveDueAt, plain.TriageDueAt, plain.ResolveDueAt)
			}
		})
	}
}
