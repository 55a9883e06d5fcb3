package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// The working calendar for administrators: the years in force (shipped or entered) and the edit
// of one year, which moves the deadlines of open tickets spanning a changed day.

// calendarYearBody is a year of the working calendar.
type calendarYearBody struct {
	Year               int      `json:"year"`
	DaysOff            []string `json:"days_off" jsonschema_description:"official days off (YYYY-MM-DD), weekends inside an announced break included"`
	SwappedWorkingDays []string `json:"swapped_working_days" jsonschema_description:"Saturdays or Sundays swapped into working days (YYYY-MM-DD)"`
	Source             string   `json:"source" jsonschema:"enum=shipped,enum=edited" jsonschema_description:"shipped with the program, or entered by an administrator"`
	UpdatedAt          string   `json:"updated_at,omitempty" jsonschema:"format=date-time"`
	UpdatedBy          string   `json:"updated_by,omitempty" jsonschema_description:"the administrator's user id"`
}

// calendarYearList is GET /v1/admin/calendar.
type calendarYearList struct {
	Years []calendarYearBody `json:"years"`
}

func calendarYearView(y app.CalendarYearView) calendarYearBody {
	b := calendarYearBody{Year: y.Year, DaysOff: y.DaysOff, SwappedWorkingDays: y.SwappedWorkingDays, Source: "shipped",
		UpdatedAt: formatTime(y.UpdatedAt), UpdatedBy: y.UpdatedBy}
	if y.Edited {
		b.Source = "edited"
	}
	if b.DaysOff == nil {
		b.DaysOff = []string{}
	}
	if b.SwappedWorkingDays == nil {
		b.SwappedWorkingDays = []string{}
	}
	return b
}

func (s *jsonAPI) listCalendar(c *fiber.Ctx) error {
	years, err := s.svc.Calendar.Years(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]calendarYearBody, 0, len(years))
	for _, y := range years {
		out = append(out, calendarYearView(y))
	}
	return c.JSON(calendarYearList{Years: out})
}

// putCalendarYearRequest is the body of PUT /v1/admin/calendar/:year: the whole year.
type putCalendarYearRequest struct {
	DaysOff            *[]string `json:"days_off" jsonschema:"required" jsonschema_description:"the year's official days off (YYYY-MM-DD); no date twice"`
	SwappedWorkingDays *[]string `json:"swapped_working_days" jsonschema:"required" jsonschema_description:"weekend days worked instead (YYYY-MM-DD); each a Saturday or Sunday, not also a day off"`
}

// calendarChangeBody answers an edit: the year as stored, the days whose status changed and how
// many open tickets' deadlines moved.
type calendarChangeBody struct {
	calendarYearBody
	ChangedDays  []string `json:"changed_days" jsonschema_description:"the dates of the year that became working days or days off"`
	MovedTickets int      `json:"moved_tickets" jsonschema_description:"open tickets whose deadline moved (each got a move_deadline history event)"`
}

func (s *jsonAPI) putCalendarYear(c *fiber.Ctx) error {
	year, err := strconv.Atoi(c.Params("year"))
	if err != nil {
		return models.FieldError(models.EInvalid, "year", "the year in the path must be a number such as 2027")
	}
	var req putCalendarYearRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.DaysOff == nil || req.SwappedWorkingDays == nil {
		return models.FieldError(models.EInvalid, "days_off", "give the whole year: days_off and swapped_working_days (either may be [])")
	}
	ch, err := s.svc.Calendar.SetYear(c.UserContext(), principal(c),
		models.CalendarYear{Year: year, DaysOff: *req.DaysOff, SwappedWorkingDays: *req.SwappedWorkingDays})
	if err != nil {
		return err
	}
	out := calendarChangeBody{calendarYearBody: calendarYearView(ch.Year), ChangedDays: ch.ChangedDays, MovedTickets: ch.MovedTickets}
	if out.ChangedDays == nil {
		out.ChangedDays = []string{}
	}
	return c.JSON(out)
}

// addCalendarPaths documents the working calendar routes.
func addCalendarPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	paths["/v1/admin/calendar"] = map[string]any{"get": op("The working calendar in force: every year with holiday data, shipped or entered (administrators). "+
		"Years without data count Monday–Friday as working days",
		[]string{"admin"}, true, nil, nil,
		map[string]any{"200": resp("years", answerSchema(calendarYearList{}))},
		"401", "403")}
	paths["/v1/admin/calendar/{year}"] = map[string]any{"put": op("Enter or replace a year of the working calendar (administrators; audited as calendar_edit). "+
		"In force at once here and within seconds on every instance; open tickets whose running deadline spans a changed day get the deadline "+
		"of the new calendar (the working time left, counted again) and a move_deadline history event",
		[]string{"admin"}, true, requestSchema(putCalendarYearRequest{}), []any{param("year", "path", true, "integer", "the year, 2000–2100")},
		map[string]any{"200": resp("stored", answerSchema(calendarChangeBody{}))},
		"400", "401", "403", "415")}
}
