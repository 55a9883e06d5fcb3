package tests

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// calendarYear is a year as /v1/admin/calendar shows it.
type calendarYear struct {
	Year               int      `json:"year"`
	DaysOff            []string `json:"days_off"`
	SwappedWorkingDays []string `json:"swapped_working_days"`
	Source             string   `json:"source"`
	UpdatedBy          string   `json:"updated_by"`
	ChangedDays        []string `json:"changed_days"`
	MovedTickets       int      `json:"moved_tickets"`
}

var vnZone = time.FixedZone("ICT", 7*60*60)

// calendarYears reads the working calendar in force on s.
func calendarYears(t *testing.T, s *server, admin string) map[int]calendarYear {
	t.Helper()
	var out struct{ Years []calendarYear }
	s.request(t, "GET", "/v1/admin/calendar", admin, nil).expect(t, http.StatusOK).json(t, &out)
	m := map[int]calendarYear{}
	for _, y := range out.Years {
		m[y.Year] = y
	}
	return m
}

// vnTime parses an answer's RFC 3339 time into Vietnamese time.
func vnTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return at.In(vnZone)
}

// TestWorkingCalendarAdministration adds a day off on the day an open ticket is due: the
// deadline moves to the next working day at the same office time with a move_deadline event, a
// second instance files with the new calendar within seconds, bad input changes nothing, the
// edit is audited, and the command line does the same.
func TestWorkingCalendarAdministration(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 5)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		b := startServer(t, storeKind{name: st.name}, sameStore(s)...)
		admin := s.createOfficial("admin", "cal.admin", "").AccessToken
		resident := s.signInResident("0913000021")
		tk := fileTicket(t, s, resident.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè trước chợ", false))
		due := vnTime(t, tk.ResolveDueAt)
		day := due.Format(time.DateOnly)
		before := calendarYears(t, s, admin)
		year := before[due.Year()]

		badInput(t, s, admin, due.Year(), year)

		var ch calendarYear
		s.request(t, "PUT", fmt.Sprintf("/v1/admin/calendar/%d", due.Year()), admin, map[string][]string{
			"days_off": append(slices.Clone(year.DaysOff), day), "swapped_working_days": nonNilList(year.SwappedWorkingDays),
		}).expect(t, http.StatusOK).json(t, &ch)
		if !slices.Equal(ch.ChangedDays, []string{day}) || ch.MovedTickets != 1 || ch.Source != "edited" {
			t.Fatalf("edit answered changed %v, moved %d, source %q; want [%s], 1, edited", ch.ChangedDays, ch.MovedTickets, ch.Source, day)
		}
		var got wfTicket
		s.request(t, "GET", "/v1/tickets/"+tk.ID, resident.AccessToken, nil).expect(t, http.StatusOK).json(t, &got)
		want := nextWorkingDay(due, append(slices.Clone(year.DaysOff), day), year.SwappedWorkingDays)
		if moved := vnTime(t, got.ResolveDueAt); !moved.Equal(want) {
			t.Errorf("resolve deadline %s after a day off on %s, want %s (the next working day, same office time)", moved, day, want)
		}
		if got.TriageDueAt != tk.TriageDueAt {
			t.Errorf("the triage deadline %s, before %s, moved though %s is later", got.TriageDueAt, tk.TriageDueAt, day)
		}
		if ev := got.last(t); ev.Action != "move_deadline" || !strings.Contains(ev.Note, day) || got.Version != tk.Version+1 {
			t.Errorf("last event %+v at version %d, want move_deadline naming %s at version %d", ev, got.Version, day, tk.Version+1)
		}
		if recs := auditRecords(t, s, admin, "calendar_edit"); len(recs) != 1 || !strings.Contains(recs[0].Detail, day) {
			t.Errorf("audit of the edit: %+v", recs)
		}
		// The other instance computes deadlines with the new calendar within its refresh.
		waitFor(t, "the second instance to file with the new calendar", 10*time.Second, func() bool {
			other := fileTicket(t, b, resident.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè lần nữa", false))
			return vnTime(t, other.ResolveDueAt).Format(time.DateOnly) != day
		})
		if y := calendarYears(t, b, admin)[due.Year()]; !slices.Contains(y.DaysOff, day) || y.Source != "edited" {
			t.Errorf("second instance lists %+v", y)
		}

		out, err := s.admin("", "calendar", "set", "--year", "2098", "--days-off", "2098-01-01, 2098-09-02", "--swapped", "2098-01-04")
		if err != nil || !strings.Contains(out, "stored 2098") {
			t.Fatalf("admin calendar set: %v\n%s", err, out)
		}
		if out, err = s.admin("", "calendar", "list"); err != nil || !strings.Contains(out, "2098-01-01 2098-09-02") || !strings.Contains(out, "2098-01-04") {
			t.Errorf("admin calendar list: %v\n%s", err, out)
		}
		if _, err := s.admin("", "calendar", "set", "--year", "2098", "--swapped", "2098-01-06"); err == nil || !strings.Contains(err.Error(), "Monday") {
			t.Errorf("admin calendar set with a weekday swapped: %v", err)
		}
	})
}

// badInput sends invalid edits of year: each is a 400 naming the field, and the calendar in
// force stays as it was.
func badInput(t *testing.T, s *server, admin string, year int, was calendarYear) {
	t.Helper()
	y := func(m, d int) string {
		return time.Date(year, time.Month(m), d, 0, 0, 0, 0, vnZone).Format(time.DateOnly)
	}
	weekday := time.Date(year, 3, 10, 0, 0, 0, 0, vnZone)
	for weekday.Weekday() == time.Saturday || weekday.Weekday() == time.Sunday {
		weekday = weekday.AddDate(0, 0, 1)
	}
	saturday := weekday.AddDate(0, 0, int(time.Saturday-weekday.Weekday()))
	tests := []struct {
		name, path string
		body       any
		field      string
	}{
		{"not a number", "/v1/admin/calendar/20x7", map[string][]string{"days_off": {}, "swapped_working_days": {}}, "year"},
		{"year out of range", "/v1/admin/calendar/1999", map[string][]string{"days_off": {}, "swapped_working_days": {}}, "year"},
		{"not a date", "", map[string][]string{"days_off": {y(2, 1)[:5] + "02-30"}, "swapped_working_days": {}}, "days_off"},
		{"another year", "", map[string][]string{"days_off": {fmt.Sprintf("%d-01-01", year+1)}, "swapped_working_days": {}}, "days_off"},
		{"twice", "", map[string][]string{"days_off": {y(4, 30), y(4, 30)}, "swapped_working_days": {}}, "days_off"},
		{"in both lists", "", map[string][]string{"days_off": {saturday.Format(time.DateOnly)}, "swapped_working_days": {saturday.Format(time.DateOnly)}}, "swapped_working_days"},
		{"weekday swapped", "", map[string][]string{"days_off": {}, "swapped_working_days": {weekday.Format(time.DateOnly)}}, "swapped_working_days"},
		{"list missing", "", map[string][]string{"days_off": {}}, "days_off"},
		{"unknown field", "", map[string]any{"days_off": []string{}, "swapped_working_days": []string{}, "holidays": []string{}}, ""},
		{"wrong type", "", map[string]any{"days_off": "2027-01-01", "swapped_working_days": []string{}}, ""},
	}
	for _, tt := range tests {
		path := tt.path
		if path == "" {
			path = fmt.Sprintf("/v1/admin/calendar/%d", year)
		}
		e := s.request(t, "PUT", path, admin, tt.body).expect(t, http.StatusBadRequest).apiError(t)
		if tt.field != "" && e.Error.Field != tt.field {
			t.Errorf("%s: error field %q, want %q (%s)", tt.name, e.Error.Field, tt.field, e.Error.Message)
		}
	}
	if now := calendarYears(t, s, admin)[year]; !slices.Equal(now.DaysOff, was.DaysOff) || now.Source != was.Source {
		t.Errorf("bad input changed the calendar: %+v, was %+v", now, was)
	}
}

// nextWorkingDay is the same office time on the first working day after due's date, by the
// rule working = (Monday–Friday and not a day off) or a swapped working day.
func nextWorkingDay(due time.Time, daysOff, swapped []string) time.Time {
	for d := due.AddDate(0, 0, 1); ; d = d.AddDate(0, 0, 1) {
		s := d.Format(time.DateOnly)
		weekday := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
		if slices.Contains(swapped, s) || weekday && !slices.Contains(daysOff, s) {
			return d
		}
	}
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
