package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"phananh/app/apptest"
	"phananh/models"
)

// TestReportScheduleFirstWorkingDay: December 2026's reports are due on the first working day of
// January 2027 — Monday the 4th, after the New Year holiday and the weekend — from 07:00, made
// once, and the archive gives them back with their figures.
func TestReportScheduleFirstWorkingDay(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, models.VietnamTime)
	store := apptest.Store(t, now)
	a := apptest.New(t, store, apptest.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	ioc := models.Principal{UserID: "ioc", Role: models.RoleIOCViewer}
	for _, at := range []time.Time{
		time.Date(2027, 1, 1, 9, 0, 0, 0, models.VietnamTime), // New Year's Day
		time.Date(2027, 1, 3, 9, 0, 0, 0, models.VietnamTime), // Sunday
		time.Date(2027, 1, 4, 6, 59, 0, 0, models.VietnamTime),
	} {
		if made, err := a.Reports.RunDue(ctx, at); err != nil || len(made) != 0 {
			t.Errorf("RunDue(%s) = %v, %v; want nothing due", at, made, err)
		}
	}
	due := time.Date(2027, 1, 4, 7, 0, 0, 0, models.VietnamTime)
	made, err := a.Reports.RunDue(ctx, due)
	if err != nil || !slices.Equal(made, []string{"2026-12-unit", "2026-12-area"}) {
		t.Fatalf("RunDue(%s) = %v, %v; want December's two reports", due, made, err)
	}
	if again, err := a.Reports.RunDue(ctx, due.Add(time.Hour)); err != nil || len(again) != 0 {
		t.Errorf("a second run made %v, %v", again, err)
	}
	list, err := a.Reports.Archive(ctx, ioc)
	if err != nil || len(list) != 2 {
		t.Fatalf("Archive = %v, %v", list, err)
	}
	r, err := a.Reports.Archived(ctx, ioc, "2026-12-area")
	if err != nil || r.Period.Name != "2026-12" || r.By != models.ByArea || len(r.Rows) == 0 {
		t.Errorf("Archived = period %q by %q with %d rows, %v", r.Period.Name, r.By, len(r.Rows), err)
	}
	if _, err := a.Reports.Archive(ctx, models.Principal{UserID: "r", Role: models.RoleResident}); !models.IsCode(err, models.EForbidden) {
		t.Errorf("a resident's Archive = %v, want forbidden", err)
	}
}
