package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"phananh/app"
	"phananh/models"
)

var calendarTests = []storeTest{
	{"PutAndList", testCalendarYears},
}

// testCalendarYears: an empty store has no years; a put year reads back whole (an empty list
// as empty), years list in year order, and a second put of a year replaces it.
func testCalendarYears(t *testing.T, s app.Store) {
	got, err := s.CalendarYears(ctx(t))
	must(t, err, "CalendarYears of an empty store")
	if len(got) != 0 {
		t.Fatalf("empty store lists %v", got)
	}
	at := time.Date(2026, 12, 3, 1, 2, 3, 456_000_000, time.UTC)
	y2027 := models.CalendarYear{Year: 2027, DaysOff: []string{"2027-01-01", "2027-02-05"}, SwappedWorkingDays: []string{"2027-02-20"},
		UpdatedAt: at, UpdatedBy: "admin-1"}
	y2026 := models.CalendarYear{Year: 2026, DaysOff: []string{"2026-12-08"}, UpdatedAt: at, UpdatedBy: "admin-2"}
	for _, y := range []models.CalendarYear{y2027, y2026} {
		must(t, s.PutCalendarYear(ctx(t), &y), "PutCalendarYear")
	}
	got, err = s.CalendarYears(ctx(t))
	must(t, err, "CalendarYears")
	if diff := cmp.Diff([]models.CalendarYear{y2026, y2027}, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("CalendarYears (-want +got):\n%s", diff)
	}
	y2027b := models.CalendarYear{Year: 2027, DaysOff: []string{"2027-01-01"}, UpdatedAt: at.Add(time.Hour), UpdatedBy: "admin-2"}
	must(t, s.PutCalendarYear(ctx(t), &y2027b), "PutCalendarYear again")
	got, err = s.CalendarYears(ctx(t))
	must(t, err, "CalendarYears")
	if diff := cmp.Diff([]models.CalendarYear{y2026, y2027b}, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("CalendarYears after a replace (-want +got):\n%s", diff)
	}
}
