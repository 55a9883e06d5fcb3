package handlers

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// The console's administration pages (role admin): officials, machine keys and the working
// calendar. Each form calls the same app service as the admin API and the CLI, so the three
// share their rules, errors and audit records; a failed form comes back with the error and
// changes nothing.

// consoleAdminUsers is the data of the officials page.
type consoleAdminUsers struct {
	Q        string
	Users    []models.User
	Roles    []string
	Units    []consoleOption
	UnitName map[string]string
	Next     string
}

func (s *consoleUI) consoleAdminUsersData(c *fiber.Ctx) (consoleAdminUsers, error) {
	lang := s.consoleLang(c)
	v := consoleAdminUsers{Q: c.Query("q"), Units: s.consoleUnits(lang), UnitName: map[string]string{}}
	for _, r := range models.Roles {
		if r.Official() {
			v.Roles = append(v.Roles, string(r))
		}
	}
	for _, u := range v.Units {
		v.UnitName[u.Value] = u.Label
	}
	users, next, err := s.svc.Auth.ListOfficials(c.UserContext(), principal(c), models.UserQuery{Q: v.Q, After: c.Query("after"), Limit: 100})
	v.Users, v.Next = users, next
	return v, err
}

func (s *consoleUI) consoleAdminUsers(c *fiber.Ctx) error {
	return s.consoleAdminUsersPage(c, fiber.StatusOK, s.doneFlash(c))
}

// consoleAdminUsersPage renders the officials page with flash and status.
func (s *consoleUI) consoleAdminUsersPage(c *fiber.Ctx, status int, flash *consoleFlash) error {
	v, err := s.consoleAdminUsersData(c)
	if err != nil {
		return err
	}
	return s.consoleRender(c, status, "admin_users", "admin.users.title", flash, v)
}

// consoleAdminCreateUser creates an official; the page shows the one-time password once.
func (s *consoleUI) consoleAdminCreateUser(c *fiber.Ctx) error {
	password, u, err := s.svc.Auth.CreateOfficialAccount(c.UserContext(), principal(c), app.NewOfficial{
		Username: strings.TrimSpace(c.FormValue("username")), Role: models.Role(c.FormValue("role")),
		UnitID: c.FormValue("unit_id"), DisplayName: strings.TrimSpace(c.FormValue("display_name")),
		Title: strings.TrimSpace(c.FormValue("title"))})
	if err != nil {
		return s.consoleFormError(c, err, s.consoleAdminUsersPage)
	}
	lang := s.consoleLang(c)
	return s.consoleAdminUsersPage(c, fiber.StatusCreated, &consoleFlash{Kind: "ok", Secret: password,
		Message: translate(lang, "admin.users.created") + " " + u.Username + ". " + translate(lang, "admin.once")})
}

// consoleAdminDisableUser disables (with a reason) or enables an account.
func (s *consoleUI) consoleAdminDisableUser(c *fiber.Ctx) error {
	disable := strings.HasSuffix(c.Path(), "/disable")
	_, err := s.svc.Auth.SetDisabled(c.UserContext(), principal(c), c.Params("id"), disable, strings.TrimSpace(c.FormValue("reason")))
	if err != nil {
		return s.consoleFormError(c, err, s.consoleAdminUsersPage)
	}
	done := "enabled"
	if disable {
		done = "disabled"
	}
	return c.Redirect(consolePrefix+"/admin/users?done="+done, fiber.StatusSeeOther)
}

// consoleAdminKeys is the data of the machine keys page.
type consoleAdminKeys struct {
	Keys   []models.APIKey
	Scopes []models.APIKeyScope
}

func (s *consoleUI) consoleAdminKeys(c *fiber.Ctx) error {
	return s.consoleAdminKeysPage(c, fiber.StatusOK, s.doneFlash(c))
}

func (s *consoleUI) consoleAdminKeysPage(c *fiber.Ctx, status int, flash *consoleFlash) error {
	keys, err := s.svc.Auth.ListAPIKeys(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return s.consoleRender(c, status, "admin_keys", "admin.keys.title", flash, consoleAdminKeys{Keys: keys, Scopes: models.APIKeyScopes})
}

// consoleAdminCreateKey creates a key; the page shows its secret once.
func (s *consoleUI) consoleAdminCreateKey(c *fiber.Ctx) error {
	in := app.NewAPIKey{Name: strings.TrimSpace(c.FormValue("name")), Scope: models.APIKeyScope(c.FormValue("scope"))}
	if exp := c.FormValue("expires"); exp != "" {
		t, err := time.ParseInLocation(time.DateOnly, exp, models.VietnamTime)
		if err != nil {
			return s.consoleFormError(c, models.FieldError(models.EInvalid, "expires", "the expiry must be a date"), s.consoleAdminKeysPage)
		}
		in.ExpiresAt = t.AddDate(0, 0, 1) // to the end of that day
	}
	secret, k, err := s.svc.Auth.CreateAPIKey(c.UserContext(), principal(c), in)
	if err != nil {
		return s.consoleFormError(c, err, s.consoleAdminKeysPage)
	}
	lang := s.consoleLang(c)
	return s.consoleAdminKeysPage(c, fiber.StatusCreated, &consoleFlash{Kind: "ok", Secret: secret,
		Message: translate(lang, "admin.keys.created") + " " + k.Name + ". " + translate(lang, "admin.once")})
}

func (s *consoleUI) consoleAdminRevokeKey(c *fiber.Ctx) error {
	if err := s.svc.Auth.RevokeAPIKey(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return s.consoleFormError(c, err, s.consoleAdminKeysPage)
	}
	return c.Redirect(consolePrefix+"/admin/keys?done=revoked", fiber.StatusSeeOther)
}

// consoleAdminCalendar is the data of the working calendar page: every year, and the form
// filled with the year being edited.
type consoleAdminCalendar struct {
	Years   []app.CalendarYearView
	Year    int
	DaysOff string // one date per line
	Swapped string
}

func (s *consoleUI) consoleAdminCalendar(c *fiber.Ctx) error {
	return s.consoleAdminCalendarPage(c, fiber.StatusOK, s.doneFlash(c))
}

func (s *consoleUI) consoleAdminCalendarPage(c *fiber.Ctx, status int, flash *consoleFlash) error {
	years, err := s.svc.Calendar.Years(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	v := consoleAdminCalendar{Years: years, Year: time.Now().In(models.VietnamTime).Year() + 1}
	if y, err := strconv.Atoi(c.Query("year", c.FormValue("year"))); err == nil {
		v.Year = y
	}
	for _, y := range years {
		if y.Year == v.Year {
			v.DaysOff, v.Swapped = strings.Join(y.DaysOff, "\n"), strings.Join(y.SwappedWorkingDays, "\n")
		}
	}
	if c.Method() == fiber.MethodPost { // a refused form keeps what was typed
		v.DaysOff, v.Swapped = c.FormValue("days_off"), c.FormValue("swapped")
	}
	return s.consoleRender(c, status, "admin_calendar", "admin.calendar.title", flash, v)
}

// consoleAdminSetCalendar stores a year from the form (dates separated by lines, commas or
// spaces) and reports which days changed and how many deadlines moved.
func (s *consoleUI) consoleAdminSetCalendar(c *fiber.Ctx) error {
	year, err := strconv.Atoi(c.FormValue("year"))
	if err != nil {
		return s.consoleFormError(c, models.FieldError(models.EInvalid, "year", "the year must be a number such as 2027"), s.consoleAdminCalendarPage)
	}
	ch, err := s.svc.Calendar.SetYear(c.UserContext(), principal(c), models.CalendarYear{Year: year,
		DaysOff:            strings.Fields(strings.ReplaceAll(c.FormValue("days_off"), ",", " ")),
		SwappedWorkingDays: strings.Fields(strings.ReplaceAll(c.FormValue("swapped"), ",", " "))})
	if err != nil {
		return s.consoleFormError(c, err, s.consoleAdminCalendarPage)
	}
	lang := s.consoleLang(c)
	msg := translate(lang, "admin.calendar.stored") + " " + strconv.Itoa(year) + ". " + translate(lang, "admin.calendar.changed") + ": " +
		orNone(strings.Join(ch.ChangedDays, ", ")) + ". " + translate(lang, "admin.calendar.moved") + ": " + strconv.Itoa(ch.MovedTickets) + "."
	return s.consoleAdminCalendarPage(c, fiber.StatusOK, &consoleFlash{Kind: "ok", Message: msg})
}

func orNone(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// consoleFormError shows a refused form's page again with the error, or fails the request for
// errors that are not the form's fault.
func (s *consoleUI) consoleFormError(c *fiber.Ctx, err error, page func(*fiber.Ctx, int, *consoleFlash) error) error {
	status := statusOf(models.ErrorCode(err))
	if status >= 500 || status == fiber.StatusUnauthorized {
		return err
	}
	return page(c, status, &consoleFlash{Kind: "error", Message: models.ErrorMessage(err)})
}

// doneFlash is the success message named by ?done= after a redirect.
func (s *consoleUI) doneFlash(c *fiber.Ctx) *consoleFlash {
	done := c.Query("done")
	if !slices.Contains([]string{"disabled", "enabled", "revoked", "reply_saved", "reply_deleted"}, done) {
		return nil
	}
	return &consoleFlash{Kind: "ok", Message: translate(s.consoleLang(c), "admin.done."+done)}
}

// consoleAdminCategories is the data of the categories page: every category, and the one being
// edited (Edit nil: none).
type consoleAdminCategories struct {
	Categories []models.Category
	Edit       *models.Category
	SLAUnits   []models.SLAUnit
	// InfoWaitPolicies are what may happen when a wait for the resident reaches its cap.
	InfoWaitPolicies []string
}

func (s *consoleUI) consoleAdminCategories(c *fiber.Ctx) error {
	return s.consoleAdminCategoriesPage(c, fiber.StatusOK, nil)
}

func (s *consoleUI) consoleAdminCategoriesPage(c *fiber.Ctx, status int, flash *consoleFlash) error {
	cats, err := s.svc.Catalog.AdminCategories(principal(c))
	if err != nil {
		return err
	}
	v := consoleAdminCategories{Categories: cats, SLAUnits: []models.SLAUnit{models.WorkingHours, models.WorkingDays, models.ClockHours}}
	v.InfoWaitPolicies = []string{string(models.InfoWaitClose), string(models.InfoWaitReturn)}
	code := c.Query("code", c.Params("code"))
	for i := range cats {
		if cats[i].Code == code {
			v.Edit = &cats[i]
		}
	}
	return s.consoleRender(c, status, "admin_categories", "admin.categories.title", flash, v)
}

// consoleAdminUpdateCategory saves the edit form of one category: names, deadlines, privacy and
// whether it is offered. A deadline or privacy change makes a new policy version, which the
// answer names; tickets filed before keep theirs.
func (s *consoleUI) consoleAdminUpdateCategory(c *fiber.Ctx) error {
	ch, err := categoryForm(c)
	if err == nil {
		var cat *models.Category
		if cat, err = s.svc.Catalog.UpdateCategory(c.UserContext(), principal(c), c.Params("code"), ch); err == nil {
			lang := s.consoleLang(c)
			return s.consoleAdminCategoriesPage(c, fiber.StatusOK, &consoleFlash{Kind: "ok",
				Message: translate(lang, "admin.categories.saved") + " " + cat.Code + ", " + translate(lang, "admin.categories.policy") + " " + strconv.Itoa(cat.Policy()) + "."})
		}
	}
	return s.consoleFormError(c, err, s.consoleAdminCategoriesPage)
}

// categoryForm reads the category edit form into a change of every field it shows.
func categoryForm(c *fiber.Ctx) (app.CategoryChange, error) {
	sla := func(field string) (*models.SLA, error) {
		n, err := strconv.Atoi(c.FormValue(field + "_value"))
		if err != nil {
			return nil, models.FieldError(models.EInvalid, field, "the deadline must be a whole number")
		}
		return &models.SLA{Value: n, Unit: models.SLAUnit(c.FormValue(field + "_unit"))}, nil
	}
	triage, err := sla("triage_sla")
	if err != nil {
		return app.CategoryChange{}, err
	}
	resolve, err := sla("resolve_sla")
	if err != nil {
		return app.CategoryChange{}, err
	}
	name, nameEN := strings.TrimSpace(c.FormValue("name")), strings.TrimSpace(c.FormValue("name_en"))
	private, contact, active := c.FormValue("private") == "true", c.FormValue("contact") == "true", c.FormValue("active") == "true"
	ch := app.CategoryChange{Name: &name, NameEN: &nameEN, TriageSLA: triage, ResolveSLA: resolve,
		Private: &private, ContactAllowed: &contact, Active: &active}
	if v := c.FormValue("info_wait_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return app.CategoryChange{}, models.FieldError(models.EInvalid, "info_wait_days", "the wait must be a whole number of working days")
		}
		ch.InfoWaitDays = &n
	}
	if v := c.FormValue("info_wait_policy"); v != "" {
		p := models.InfoWaitPolicy(v)
		ch.InfoWaitPolicy = &p
	}
	return ch, nil
}
