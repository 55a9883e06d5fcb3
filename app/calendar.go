package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"phananh/models"
)

// WorkingCalendar is the working calendar in force: the holidays shipped with the program with
// the years an administrator entered over them. Deadlines, reminders and statistics read it at
// every use, so an edit takes effect without a restart: at once on the instance that made it,
// and on the others at their next refresh (Calendar.RunRefresh).
type WorkingCalendar struct {
	shipped *models.Calendar
	current atomic.Pointer[models.Calendar]
	mu      sync.Mutex            // serializes apply
	stored  []models.CalendarYear // what the current calendar was built from
}

// NewWorkingCalendar starts from the shipped calendar; App.New loads the stored years over it.
func NewWorkingCalendar(shipped *models.Calendar) *WorkingCalendar {
	w := &WorkingCalendar{shipped: shipped}
	w.current.Store(shipped)
	return w
}

// Current is the calendar in force now.
func (w *WorkingCalendar) Current() *models.Calendar { return w.current.Load() }

// apply builds the calendar of the shipped data with the stored years over it and puts it in
// force, unless it is what is in force already (changed false).
func (w *WorkingCalendar) apply(stored []models.CalendarYear) (changed bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if slices.EqualFunc(stored, w.stored, sameCalendarYear) {
		return false, nil
	}
	next, err := w.shipped.WithYears(stored...)
	if err != nil {
		return false, err
	}
	w.current.Store(next)
	w.stored = stored
	return true, nil
}

func sameCalendarYear(a, b models.CalendarYear) bool {
	return a.Year == b.Year && slices.Equal(a.DaysOff, b.DaysOff) && slices.Equal(a.SwappedWorkingDays, b.SwappedWorkingDays)
}

// CalendarStore keeps the years of the working calendar an administrator entered.
type CalendarStore interface {
	// CalendarYears lists the stored years in year order.
	CalendarYears(ctx context.Context) ([]models.CalendarYear, error)
	// PutCalendarYear stores y, replacing what was stored for its year.
	PutCalendarYear(ctx context.Context, y *models.CalendarYear) error
}

// Calendar administers the working calendar: an administrator enters a year's days off and
// swapped working days the day the government publishes them, and the deadlines of open
// tickets that span a changed day move with it.
type Calendar struct {
	*core
	store interface {
		CalendarStore
		StreamTickets(ctx context.Context, q models.TicketQuery, fn func(*models.Ticket) error) error
	}
	tickets *Tickets
}

// CalendarYearView is a year of the calendar in force and where it comes from.
type CalendarYearView struct {
	models.CalendarYear
	// Edited is true for a year an administrator entered, false for the shipped data.
	Edited bool
}

// Years lists every year the calendar in force has data for.
func (s *Calendar) Years(ctx context.Context, p models.Principal) ([]CalendarYearView, error) {
	if err := requireAdmin(p, "the working calendar"); err != nil {
		return nil, err
	}
	if _, err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	cal := s.working.Current()
	edited := map[int]models.CalendarYear{}
	s.working.mu.Lock()
	for _, y := range s.working.stored {
		edited[y.Year] = y
	}
	s.working.mu.Unlock()
	var out []CalendarYearView
	for _, y := range cal.Years() {
		year, _ := cal.Year(y)
		e, ok := edited[y]
		if ok {
			year = e
		}
		out = append(out, CalendarYearView{CalendarYear: year, Edited: ok})
	}
	return out, nil
}

// CalendarChange is the outcome of an edit of the calendar.
type CalendarChange struct {
	Year CalendarYearView
	// ChangedDays are the dates of the year that became working days or days off.
	ChangedDays []string
	// MovedTickets counts the open tickets whose deadline moved.
	MovedTickets int
}

// SetYear replaces a year of the working calendar (administrators), puts it in force and moves
// the deadlines of the open tickets that span a changed day, each with a history event.
func (s *Calendar) SetYear(ctx context.Context, p models.Principal, y models.CalendarYear) (CalendarChange, error) {
	if err := requireAdmin(p, "the working calendar"); err != nil {
		return CalendarChange{}, err
	}
	if err := y.Validate(); err != nil {
		return CalendarChange{}, err
	}
	// The calendar before the edit is taken before it is stored: this instance's refresh loop
	// may put the stored year in force before apply below does.
	old := s.working.Current()
	before, hadYear := old.Year(y.Year)
	y.UpdatedAt, y.UpdatedBy = s.clock(), p.UserID
	if err := s.store.PutCalendarYear(ctx, &y); err != nil {
		return CalendarChange{}, fmt.Errorf("store calendar year %d: %w", y.Year, err)
	}
	stored, err := s.store.CalendarYears(ctx)
	if err != nil {
		return CalendarChange{}, err
	}
	if _, err := s.working.apply(stored); err != nil {
		return CalendarChange{}, err
	}
	next := s.working.Current()
	days := old.ChangedDays(next, y.Year)
	out := CalendarChange{Year: CalendarYearView{CalendarYear: y, Edited: true}}
	for _, d := range days {
		out.ChangedDays = append(out.ChangedDays, d.Format(time.DateOnly))
	}
	if err := s.audit(ctx, p, "calendar_edit", "", "", calendarEditSummary(before, hadYear, y, out.ChangedDays)); err != nil {
		return out, err
	}
	out.MovedTickets, err = s.moveDeadlines(ctx, old, next, days)
	return out, err
}

// calendarEditSummary is the audit detail of an edit: the year's lists before and after, and
// the days whose status changed.
func calendarEditSummary(before models.CalendarYear, had bool, after models.CalendarYear, changed []string) string {
	was := "none"
	if had {
		was = fmt.Sprintf("%d days off, %d swapped working days", len(before.DaysOff), len(before.SwappedWorkingDays))
	}
	return fmt.Sprintf("year %d: before %s; after %d days off, %d swapped working days; changed: %s",
		after.Year, was, len(after.DaysOff), len(after.SwappedWorkingDays), strings.Join(changed, " "))
}

// Refresh puts the stored years in force if they are not yet, e.g. after another instance's
// edit; that instance moved the open tickets' deadlines already.
func (s *Calendar) Refresh(ctx context.Context) (bool, error) {
	stored, err := s.store.CalendarYears(ctx)
	if err != nil {
		return false, fmt.Errorf("load the working calendar: %w", err)
	}
	changed, err := s.working.apply(stored)
	return changed, err
}

// RunRefresh refreshes the calendar every interval until ctx ends, so an edit made on another
// instance is in force here within one interval.
func (s *Calendar) RunRefresh(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	cycle, stopped := s.workers.started("calendar", interval)
	defer stopped()
	for {
		if changed, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("calendar refresh", "error", err)
		} else if changed {
			s.log.LogAttrs(ctx, slog.LevelInfo, "working calendar changed")
		}
		cycle()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// moveDeadlines gives every open ticket whose running deadline spans one of the changed days
// the deadline the new calendar makes of it: the working time that was left at now, counted
// again on next from now. Days already past move nothing; a deadline in clock hours never
// moves. Each moved ticket gets a move_deadline event. Returns how many moved.
func (s *Calendar) moveDeadlines(ctx context.Context, old, next *models.Calendar, days []time.Time) (int, error) {
	now := s.clock()
	if len(days) == 0 || !days[len(days)-1].AddDate(0, 0, 1).After(now) {
		return 0, nil
	}
	var ids []string
	q := models.TicketQuery{States: []models.State{models.StateReceived, models.StateAssigned, models.StateInProgress}}
	err := s.store.StreamTickets(ctx, q, func(t *models.Ticket) error {
		if s.tickets.shiftDeadlines(t, old, next, days, now) {
			ids = append(ids, t.ID)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, id := range ids {
		ok, err := s.tickets.moveDeadline(ctx, id, old, next, days)
		if err != nil {
			return moved, fmt.Errorf("move the deadline of %s: %w", id, err)
		}
		if ok {
			moved++
		}
	}
	return moved, nil
}

// moveDeadline re-reads one ticket and moves its deadlines, retrying when a concurrent change
// gets there first.
func (s *Tickets) moveDeadline(ctx context.Context, id string, old, next *models.Calendar, days []time.Time) (bool, error) {
	for attempt := 0; ; attempt++ {
		t, err := s.store.TicketByID(ctx, id)
		if err != nil {
			return false, err
		}
		now := s.clock()
		if !s.shiftDeadlines(t, old, next, days, now) {
			return false, nil
		}
		note := make([]string, len(days))
		for i, d := range days {
			state := "ngày nghỉ / day off"
			if next.IsWorkingDay(d) {
				state = "ngày làm việc / working day"
			}
			note[i] = d.Format(time.DateOnly) + ": " + state
		}
		ev := models.Event{At: now, ActorRole: models.RoleSystem, Action: models.ActMoveDeadline, From: t.State, To: t.State,
			Visibility: models.Public, Note: "Lịch làm việc thay đổi / working calendar changed: " + strings.Join(note, "; ")}
		ev.DueAt = t.ResolveDueAt
		if t.State == models.StateReceived {
			ev.DueAt = t.TriageDueAt
		}
		err = s.commit(ctx, t, ev, now)
		if err == nil || !models.IsCode(err, models.EConflict) || attempt == 3 {
			return err == nil, err
		}
	}
}

// shiftDeadlines moves t's running deadlines (triage while received, resolution) from old to
// next and reports whether any moved. A resolution deadline granted by an extension stays: it
// is a date the approver chose, not a count of working time.
func (s *Tickets) shiftDeadlines(t *models.Ticket, old, next *models.Calendar, days []time.Time, now time.Time) bool {
	cat := s.catalog.Load().policyOf(t) // the deadlines t was filed under
	triage, resolve := false, false
	if t.State == models.StateReceived {
		t.TriageDueAt, triage = shiftDeadline(cat.TriageSLA, t.TriageDueAt, old, next, days, now)
	}
	if t.ExtendedFrom.IsZero() {
		t.ResolveDueAt, resolve = shiftDeadline(cat.ResolveSLA, t.ResolveDueAt, old, next, days, now)
	}
	return triage || resolve
}

// shiftDeadline is the deadline due under old counted on next: the same working time left
// from now. Unchanged unless a changed day lies between now and due.
func shiftDeadline(sla models.SLA, due time.Time, old, next *models.Calendar, days []time.Time, now time.Time) (time.Time, bool) {
	if sla.Unit == models.ClockHours || !due.After(now) {
		return due, false
	}
	spans := slices.ContainsFunc(days, func(d time.Time) bool { return d.Before(due) && d.AddDate(0, 0, 1).After(now) })
	if !spans {
		return due, false
	}
	moved := next.AddWorkingTime(now, old.WorkingTimeBetween(now, due)).UTC()
	return moved, !moved.Equal(due)
}
