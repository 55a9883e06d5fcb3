package models

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// VietnamTime is Asia/Ho_Chi_Minh: UTC+7 all year (no daylight saving since 1975). A fixed zone
// keeps deadlines identical on machines without a tz database (static containers).
var VietnamTime = time.FixedZone("ICT", 7*60*60)

// Calendar answers "when is N working hours after t" for state offices: Monday–Friday office
// hours minus the official days off, plus the Saturdays the government swaps into working days.
// Years absent from the data fall back to plain Monday–Friday, so deadlines never stop; an
// administrator enters a new year (CalendarYear) the day the government publishes it.
type Calendar struct {
	loc         *time.Location
	office      []officeInterval // minutes since midnight, sorted, non-overlapping
	officeHours [][2]string      // as given, to build a changed calendar with the same hours
	dayLen      time.Duration
	daysOff     map[civilDate]bool
	swapped     map[civilDate]bool
	years       map[int]CalendarYear
}

type officeInterval struct{ from, to int }

type civilDate struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// DefaultOfficeHours is the assumed schedule of a ward office: 07:00–11:30 and 13:00–17:00 as the
// workflow issue specifies. No An Giang decision fixing it was found (the provincial police
// receive citizens 07:30–11:00 and 13:30–17:00), hence OFFICE_HOURS.
var DefaultOfficeHours = [][2]string{{"07:00", "11:30"}, {"13:00", "17:00"}}

// calendarFile is the shape of data/calendar/vn-holidays.json; only the fields the maths needs.
type calendarFile struct {
	Years map[string]struct {
		DaysOff            []string `json:"days_off"`
		SwappedWorkingDays []string `json:"swapped_working_days"`
	} `json:"years"`
}

// CalendarYear is one year of the working calendar as the government publishes it and an
// administrator enters it: the official days off (a whole announced break, weekends inside it
// included) and the weekend days swapped into working days, as YYYY-MM-DD dates. A year entered
// by an administrator replaces the shipped data for that year.
type CalendarYear struct {
	Year               int       `json:"year"`
	DaysOff            []string  `json:"days_off"`
	SwappedWorkingDays []string  `json:"swapped_working_days"`
	UpdatedAt          time.Time `json:"updated_at,omitzero"`
	UpdatedBy          string    `json:"updated_by,omitempty"`
}

// Validate checks a year entered by an administrator and sorts its lists: every date is a real
// date of that year, no date is listed twice (in one list or both), and every swapped working
// day falls on a weekend (a weekday is a working day already).
func (y *CalendarYear) Validate() error {
	if y.Year < 2000 || y.Year > 2100 {
		return FieldError(EInvalid, "year", "year %d is out of range (2000–2100)", y.Year)
	}
	seen := map[string]string{}
	for _, list := range []struct {
		field string
		days  []string
	}{{"days_off", y.DaysOff}, {"swapped_working_days", y.SwappedWorkingDays}} {
		for _, s := range list.days {
			d, err := time.ParseInLocation(time.DateOnly, s, VietnamTime)
			if err != nil || d.Format(time.DateOnly) != s {
				return FieldError(EInvalid, list.field, "%q is not a date (want YYYY-MM-DD)", s)
			}
			if d.Year() != y.Year {
				return FieldError(EInvalid, list.field, "%s is not in %d", s, y.Year)
			}
			if other, dup := seen[s]; dup {
				return FieldError(EInvalid, list.field, "%s is listed twice (also in %s)", s, other)
			}
			seen[s] = list.field
			if wd := d.Weekday(); list.field == "swapped_working_days" && wd != time.Saturday && wd != time.Sunday {
				return FieldError(EInvalid, list.field, "%s is a %s: only a Saturday or Sunday can be swapped into a working day", s, wd)
			}
		}
	}
	slices.Sort(y.DaysOff)
	slices.Sort(y.SwappedWorkingDays)
	return nil
}

// ParseCalendar reads a holiday file and office hours ("HH:MM" pairs) into a Calendar in
// Vietnamese time.
func ParseCalendar(data []byte, officeHours [][2]string) (*Calendar, error) {
	var f calendarFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	years := make([]CalendarYear, 0, len(f.Years))
	for y, year := range f.Years {
		var yi int
		if _, err := fmt.Sscanf(y, "%d", &yi); err != nil {
			return nil, fmt.Errorf("calendar: year %q: %w", y, err)
		}
		years = append(years, CalendarYear{Year: yi, DaysOff: year.DaysOff, SwappedWorkingDays: year.SwappedWorkingDays})
	}
	return NewCalendar(years, officeHours)
}

// NewCalendar builds a Calendar in Vietnamese time from years of holiday data and office hours
// ("HH:MM" pairs).
func NewCalendar(years []CalendarYear, officeHours [][2]string) (*Calendar, error) {
	c := &Calendar{loc: VietnamTime, daysOff: map[civilDate]bool{}, swapped: map[civilDate]bool{},
		years: map[int]CalendarYear{}, officeHours: slices.Clone(officeHours)}
	for _, year := range years {
		c.years[year.Year] = year
		for _, list := range []struct {
			days []string
			into map[civilDate]bool
		}{{year.DaysOff, c.daysOff}, {year.SwappedWorkingDays, c.swapped}} {
			for _, s := range list.days {
				d, err := time.ParseInLocation(time.DateOnly, s, c.loc)
				if err != nil {
					return nil, fmt.Errorf("calendar: %w", err)
				}
				list.into[dateOf(d)] = true
			}
		}
	}
	if len(officeHours) == 0 {
		return nil, fmt.Errorf("calendar: no office hours")
	}
	prevEnd := -1
	for _, iv := range officeHours {
		from, err1 := parseClock(iv[0])
		to, err2 := parseClock(iv[1])
		if err1 != nil || err2 != nil || from >= to || from <= prevEnd {
			return nil, fmt.Errorf("calendar: bad office hours %v (want increasing HH:MM pairs)", officeHours)
		}
		prevEnd = to
		c.office = append(c.office, officeInterval{from, to})
		c.dayLen += time.Duration(to-from) * time.Minute
	}
	return c, nil
}

// WithYears is the calendar with the given years replacing its data for those years: what an
// administrator's edit makes of the running calendar.
func (c *Calendar) WithYears(years ...CalendarYear) (*Calendar, error) {
	merged := make(map[int]CalendarYear, len(c.years)+len(years))
	maps.Copy(merged, c.years)
	for _, y := range years {
		merged[y.Year] = y
	}
	return NewCalendar(slices.Collect(maps.Values(merged)), c.officeHours)
}

// Year is the holiday data of year y, if the calendar has any.
func (c *Calendar) Year(y int) (CalendarYear, bool) {
	year, ok := c.years[y]
	return year, ok
}

// ChangedDays lists, in order, the dates of year y whose status (working day or not) differs
// between c and other: the days an edit of that year moved.
func (c *Calendar) ChangedDays(other *Calendar, y int) []time.Time {
	var out []time.Time
	for d := time.Date(y, time.January, 1, 0, 0, 0, 0, c.loc); d.Year() == y; d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) != other.IsWorkingDay(d) {
			out = append(out, d)
		}
	}
	return out
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Location is the calendar's time zone; deadlines are returned in it.
func (c *Calendar) Location() *time.Location { return c.loc }

// Years lists the years the holiday data covers, in order.
func (c *Calendar) Years() []int { return slices.Sorted(maps.Keys(c.years)) }

// WorkingDayLength is the office time of one working day (8 h by default).
func (c *Calendar) WorkingDayLength() time.Duration { return c.dayLen }

// IsWorkingDay reports whether the date of t (in Vietnamese time) is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d := dateOf(t.In(c.loc))
	if c.swapped[d] {
		return true
	}
	if c.daysOff[d] {
		return false
	}
	wd := t.In(c.loc).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingTime returns the instant at which d of office time has elapsed after start. Time
// outside office hours does not count, so a report filed on Friday evening with 4 working hours
// is due on Monday at 11:00.
func (c *Calendar) AddWorkingTime(start time.Time, d time.Duration) time.Time {
	start = start.In(c.loc)
	if d <= 0 {
		return start
	}
	remaining := d
	y, m, day := start.Date()
	cursor := start
	// Ten years of days is far beyond any deadline; the bound only guards against a bug looping.
	for i := 0; i < 3660; i++ {
		midnight := time.Date(y, m, day+i, 0, 0, 0, 0, c.loc)
		if !c.IsWorkingDay(midnight) {
			continue
		}
		for _, iv := range c.office {
			from := midnight.Add(time.Duration(iv.from) * time.Minute)
			to := midnight.Add(time.Duration(iv.to) * time.Minute)
			if !cursor.Before(to) {
				continue
			}
			begin := from
			if cursor.After(from) {
				begin = cursor
			}
			avail := to.Sub(begin)
			if remaining <= avail {
				return begin.Add(remaining)
			}
			remaining -= avail
		}
	}
	return start.Add(d)
}

// AddWorkingDays returns the deadline n working days after start: the same office moment n
// working days later (n × the working day length of office time).
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	return c.AddWorkingTime(start, time.Duration(n)*c.dayLen)
}

// WorkingTimeBetween is the office time elapsed from a to b (0 when b is not after a); the
// statistics of later issues measure time to resolve with it.
func (c *Calendar) WorkingTimeBetween(a, b time.Time) time.Duration {
	a, b = a.In(c.loc), b.In(c.loc)
	if !b.After(a) {
		return 0
	}
	var total time.Duration
	y, m, day := a.Date()
	for i := 0; ; i++ {
		midnight := time.Date(y, m, day+i, 0, 0, 0, 0, c.loc)
		if !midnight.Before(b) {
			return total
		}
		if !c.IsWorkingDay(midnight) {
			continue
		}
		for _, iv := range c.office {
			from := midnight.Add(time.Duration(iv.from) * time.Minute)
			to := midnight.Add(time.Duration(iv.to) * time.Minute)
			if from.Before(a) {
				from = a
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
}
