package models

import (
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func testCalendar(t *testing.T) *Calendar {
	t.Helper()
	data, err := os.ReadFile("../seed/data/calendar/vn-holidays.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCalendar(data, fourAndFour)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fourAndFour keeps the hand-computed expectations below simple: 07–11 and 13–17, 8 hours a day.
var fourAndFour = [][2]string{{"07:00", "11:00"}, {"13:00", "17:00"}}

func vn(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, VietnamTime)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddWorkingTime(t *testing.T) {
	c := testCalendar(t)
	tests := []struct {
		name  string
		start string
		d     time.Duration
		want  string
	}{
		{"within a morning", "2026-11-25 08:00", 2 * time.Hour, "2026-11-25 10:00"},
		{"over lunch", "2026-11-25 10:00", 2 * time.Hour, "2026-11-25 14:00"},
		{"ends exactly at closing", "2026-11-25 16:00", time.Hour, "2026-11-25 17:00"},
		{"friday evening to monday", "2026-11-27 16:00", 4 * time.Hour, "2026-11-30 10:00"},
		{"filed at night starts next morning", "2026-11-25 22:30", 3 * time.Hour, "2026-11-26 10:00"},
		{"filed on sunday", "2026-11-29 09:00", time.Hour, "2026-11-30 08:00"},
		{"tet 2026 is skipped", "2026-02-13 16:00", 2 * time.Hour, "2026-02-23 08:00"},
		{"swapped working saturday counts", "2026-01-09 16:00", 2 * time.Hour, "2026-01-10 08:00"},
		{"new year 2026 days off", "2025-12-31 16:00", 2 * time.Hour, "2026-01-05 08:00"},
		{"zero is start", "2026-11-25 22:30", 0, "2026-11-25 22:30"},
		{"year beyond data falls back to mon-fri", "2031-03-07 16:00", 2 * time.Hour, "2031-03-10 08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingTime(vn(tt.start), tt.d)
			if !got.Equal(vn(tt.want)) {
				t.Errorf("AddWorkingTime(%s, %v) = %s, want %s", tt.start, tt.d, got.Format(time.RFC3339), tt.want)
			}
			if got.Location() != VietnamTime {
				t.Errorf("location = %v, want Vietnam time", got.Location())
			}
		})
	}
}

func TestAddWorkingDaysAndBetween(t *testing.T) {
	c := testCalendar(t)
	// Three working days from Wednesday 10:00 skip the weekend: Monday 10:00.
	start := vn("2026-11-25 10:00")
	due := c.AddWorkingDays(start, 3)
	if want := vn("2026-11-30 10:00"); !due.Equal(want) {
		t.Fatalf("AddWorkingDays = %s, want %s", due, want)
	}
	if got := c.WorkingTimeBetween(start, due); got != 24*time.Hour {
		t.Errorf("WorkingTimeBetween = %v, want 24h of office time", got)
	}
	if got := c.WorkingTimeBetween(due, start); got != 0 {
		t.Errorf("WorkingTimeBetween reversed = %v, want 0", got)
	}
	// Round trip on many starts: the office time between start and AddWorkingTime(start, d) is d.
	for h := 0; h < 24*14; h += 5 {
		s := vn("2026-04-20 00:00").Add(time.Duration(h) * time.Hour)
		for _, d := range []time.Duration{30 * time.Minute, 4 * time.Hour, 24 * time.Hour} {
			if got := c.WorkingTimeBetween(s, c.AddWorkingTime(s, d)); got != d {
				t.Fatalf("start %s d %v: between = %v", s, d, got)
			}
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := testCalendar(t)
	for day, want := range map[string]bool{
		"2026-11-27": true,  // Friday
		"2026-11-28": false, // Saturday
		"2026-09-02": false, // National Day
		"2026-08-22": true,  // swapped working Saturday
		"2026-04-27": false, // Hùng Kings (observed)
	} {
		if got := c.IsWorkingDay(vn(day + " 12:00")); got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", day, got, want)
		}
	}
}

func TestParseCalendarErrors(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		office [][2]string
	}{
		{"bad json", `{`, fourAndFour},
		{"bad date", `{"years":{"2026":{"days_off":["2026-13-01"]}}}`, fourAndFour},
		{"bad year", `{"years":{"xx":{}}}`, fourAndFour},
		{"no office hours", `{"years":{}}`, nil},
		{"reversed interval", `{"years":{}}`, [][2]string{{"11:00", "07:00"}}},
		{"overlapping intervals", `{"years":{}}`, [][2]string{{"07:00", "12:00"}, {"11:00", "17:00"}}},
		{"bad clock", `{"years":{}}`, [][2]string{{"7am", "11:00"}}},
	}
	for _, tt := range tests {
		if _, err := ParseCalendar([]byte(tt.data), tt.office); err == nil {
			t.Errorf("%s: ParseCalendar succeeded, want an error", tt.name)
		}
	}
}

func TestSLADue(t *testing.T) {
	c := testCalendar(t)
	start := vn("2026-11-27 22:00") // Friday night
	tests := []struct {
		sla  SLA
		want string
	}{
		{SLA{3, ClockHours}, "2026-11-28 01:00"},
		{SLA{4, WorkingHours}, "2026-11-30 11:00"},
		{SLA{1, WorkingDays}, "2026-11-30 17:00"},
	}
	for _, tt := range tests {
		if got := tt.sla.Due(c, start); !got.Equal(vn(tt.want)) {
			t.Errorf("%v.Due = %s, want %s", tt.sla, got, tt.want)
		}
	}
	for _, bad := range []SLA{{0, WorkingDays}, {2, "weeks"}} {
		if bad.Validate() == nil {
			t.Errorf("%v validated", bad)
		}
	}
}

func defaultCalendar(t *testing.T) *Calendar {
	t.Helper()
	data, err := os.ReadFile("../seed/data/calendar/vn-holidays.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCalendar(data, DefaultOfficeHours)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFridayAfternoonThreeWorkingDays: filed Friday 24 April 2026 at 16:30 with a 3-working-day
// rule, the weekend, the Hùng Kings day (Mon 27), 30 April, 1 May and the weekend after them
// are skipped: half an hour on Friday, Tuesday and Wednesday, then 8 hours of Monday 4 May.
func TestFridayAfternoonThreeWorkingDays(t *testing.T) {
	c := defaultCalendar(t)
	got := SLA{3, WorkingDays}.Due(c, vn("2026-04-24 16:30"))
	if want := vn("2026-05-04 16:30"); !got.Equal(want) {
		t.Errorf("due %s, want %s", got, want)
	}
}

// TestWorkingTimeProperties checks, over many random starts and durations from 2025 to 2027,
// that measuring what was added gives it back and that a deadline always falls inside office
// hours of a working day.
func TestWorkingTimeProperties(t *testing.T) {
	c := defaultCalendar(t)
	rng := rand.New(rand.NewPCG(1, 2))
	base := vn("2025-01-01 00:00")
	for i := 0; i < 20000; i++ {
		start := base.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		d := time.Duration(1+rng.Int64N(int64(15*24*time.Hour))) / time.Minute * time.Minute
		due := c.AddWorkingTime(start, d)
		if got := c.WorkingTimeBetween(start, due); got != d {
			t.Fatalf("start %s + %v = %s, but %v of working time lies between", start, d, due, got)
		}
		if !c.IsWorkingDay(due) {
			t.Fatalf("start %s + %v = %s, not a working day", start, d, due)
		}
		min := due.Hour()*60 + due.Minute()
		inside := false
		for _, iv := range c.office {
			// A deadline may be the end of an interval (work finished at closing time) but not its
			// start (no work would have been done in it).
			inside = inside || (min > iv.from && min <= iv.to) || (min == iv.from && due.Second() > 0)
		}
		if !inside {
			t.Fatalf("start %s + %v = %s, outside office hours", start, d, due)
		}
	}
}

func TestCalendarYearValidate(t *testing.T) {
	tests := []struct {
		name  string
		year  CalendarYear
		field string // "" when valid
	}{
		{"valid, sorted on the way", CalendarYear{Year: 2027, DaysOff: []string{"2027-09-02", "2027-01-01"}, SwappedWorkingDays: []string{"2027-02-20"}}, ""},
		{"empty year is valid", CalendarYear{Year: 2028}, ""},
		{"year out of range", CalendarYear{Year: 1999}, "year"},
		{"not a date", CalendarYear{Year: 2027, DaysOff: []string{"2027-02-30"}}, "days_off"},
		{"not zero-padded", CalendarYear{Year: 2027, DaysOff: []string{"2027-1-01"}}, "days_off"},
		{"other year", CalendarYear{Year: 2027, DaysOff: []string{"2026-12-31"}}, "days_off"},
		{"twice in one list", CalendarYear{Year: 2027, DaysOff: []string{"2027-01-01", "2027-01-01"}}, "days_off"},
		{"in both lists", CalendarYear{Year: 2027, DaysOff: []string{"2027-02-20"}, SwappedWorkingDays: []string{"2027-02-20"}}, "swapped_working_days"},
		{"swap on a weekday", CalendarYear{Year: 2027, SwappedWorkingDays: []string{"2027-02-22"}}, "swapped_working_days"},
	}
	for _, tt := range tests {
		err := tt.year.Validate()
		var e *Error
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &e) || e.Field != tt.field || e.Code != EInvalid):
			t.Errorf("%s: err = %v, want invalid %s", tt.name, err, tt.field)
		}
	}
	y := CalendarYear{Year: 2027, DaysOff: []string{"2027-09-02", "2027-01-01"}}
	if err := y.Validate(); err != nil || y.DaysOff[0] != "2027-01-01" {
		t.Errorf("Validate left %v (%v), want sorted", y.DaysOff, err)
	}
}

func TestCalendarWithYears(t *testing.T) {
	c := defaultCalendar(t)
	next, err := c.WithYears(CalendarYear{Year: 2026, DaysOff: []string{"2026-12-08"}, SwappedWorkingDays: []string{"2026-12-12"}})
	if err != nil {
		t.Fatal(err)
	}
	changed := c.ChangedDays(next, 2026)
	var got []string
	for _, d := range changed {
		got = append(got, d.Format(time.DateOnly))
	}
	// The edit replaced 2026: the shipped weekdays off of 2026 are working days again, the
	// shipped swapped Saturdays are rest days again, 8 December is off and Saturday 12 works.
	old, _ := c.Year(2026)
	want := append([]string{"2026-12-08", "2026-12-12"}, old.SwappedWorkingDays...)
	for _, d := range old.DaysOff {
		day, _ := time.ParseInLocation(time.DateOnly, d, VietnamTime)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			want = append(want, d)
		}
	}
	slices.Sort(want)
	if len(want) < 5 {
		t.Fatalf("the shipped 2026 has too few days to test with: %v", want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ChangedDays (-want +got):\n%s", diff)
	}
	if next.IsWorkingDay(vn("2026-12-08 12:00")) || !next.IsWorkingDay(vn("2026-12-12 12:00")) {
		t.Error("the new year's days are not in the calendar")
	}
	if !c.IsWorkingDay(vn("2026-12-08 12:00")) {
		t.Error("WithYears changed the calendar it was called on")
	}
	if y, ok := next.Year(2025); !ok || len(y.DaysOff) == 0 {
		t.Error("WithYears lost the other years")
	}
	if got := next.Years(); !slices.Equal(got, c.Years()) {
		t.Errorf("Years = %v, want %v", got, c.Years())
	}
}
