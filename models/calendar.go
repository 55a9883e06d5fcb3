package models

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// VietnamTime is Asia/Ho_Chi_Minh: UTC+7 all year (no daylight saving since 1975). A fixed zone
// keeps deadlines identical on machines without a tz database (static containers).
var VietnamTime = time.FixedZone("ICT", 7*60*60)

// Calendar answers "when is N working hours after t" for state offices: Monday–Friday office
// hours minus the official days off, plus the Saturdays the government swaps into working days.
// Years absent from the data fall back to plain Monday–Friday, so deadlines never stop; an
// administrator replaces the file when the Ministry publishes a new year.
type Calendar struct {
	loc     *time.Location
	office  []officeInterval // minutes since midnight, sorted, non-overlapping
	dayLen  time.Duration
	daysOff map[civilDate]bool
	swapped map[civilDate]bool
	years   []int
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

// ParseCalendar reads a holiday file and office hours ("HH:MM" pairs) into a Calendar in
// Vietnamese time.
func ParseCalendar(data []byte, officeHours [][2]string) (*Calendar, error) {
	var f calendarFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	c := &Calendar{loc: VietnamTime, daysOff: map[civilDate]bool{}, swapped: map[civilDate]bool{}}
	for y, year := range f.Years {
		var yi int
		if _, err := fmt.Sscanf(y, "%d", &yi); err != nil {
			return nil, fmt.Errorf("calendar: year %q: %w", y, err)
		}
		c.years = append(c.years, yi)
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
	sort.Ints(c.years)
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

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Location is the calendar's time zone; deadlines are returned in it.
func (c *Calendar) Location() *time.Location { return c.loc }

// Years lists the years the holiday data covers.
func (c *Calendar) Years() []int { return append([]int(nil), c.years...) }

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
