package app

import (
	"time"

	"phananh/models"
)

// The cap on waiting for the resident. A request for information pauses the ticket's deadline
// (awaiting_info); without a cap a unit could keep a report out of its figures indefinitely by
// asking a question nobody answers. Each category caps the wait (models.Category.InfoWaitDays,
// in working days, 5 by default): the SLA worker reminds the reporter once halfway
// (remind_info) and, at the cap, applies the category's policy — close the ticket as
// no_response (close_no_response), or send it back to the unit with its clock running
// (return_to_unit). Every step is one history event committed as a compare-and-set on the
// ticket version, so two workers, or two `admin sla run` passes, never repeat one.

// infoWaitTimes are the halfway point and the cap of t's current wait for the resident: those
// fixed when the unit asked (requestInfo), or, for a ticket that started waiting before they
// were recorded, counted from when the wait began under its category's policy.
func (s *Tickets) infoWaitTimes(t *models.Ticket) (half, capAt time.Time) {
	if !t.InfoWaitUntil.IsZero() {
		return t.InfoRemindAt, t.InfoWaitUntil
	}
	cat := s.catalog.Load().policyOf(t)
	return infoWaitTimes(s.cal(), t.PausedAt, cat.InfoWait())
}

// infoWaitTimes is the halfway point and the cap of a wait of days working days from start,
// in working time: office hours only, weekends and holidays skipped.
func infoWaitTimes(cal *models.Calendar, start time.Time, days int) (half, capAt time.Time) {
	d := time.Duration(days) * cal.WorkingDayLength()
	half = cal.AddWorkingTime(start, d/2).UTC().Truncate(time.Millisecond)
	capAt = cal.AddWorkingTime(start, d).UTC().Truncate(time.Millisecond)
	return half, capAt
}

// infoReminded reports whether the reporter was reminded during the current wait: a
// remind_info after the last request_info.
func infoReminded(t *models.Ticket) bool {
	for i := len(t.History) - 1; i >= 0; i-- {
		switch t.History[i].Action {
		case models.ActRemindInfo:
			return true
		case models.ActRequestInfo:
			return false
		}
	}
	return false
}

// infoWaitNext is when the SLA worker must look at a ticket awaiting the resident: halfway
// until the reminder is sent, then the cap.
func (s *Tickets) infoWaitNext(t *models.Ticket) time.Time {
	if t.PausedAt.IsZero() {
		return time.Time{}
	}
	half, capAt := s.infoWaitTimes(t)
	if !infoReminded(t) {
		return half
	}
	return capAt
}

// infoWaitStep applies to t the step its wait for the resident owes at now, if any, and fills
// ev: the policy at the cap (a reminder is pointless by then), else the halfway reminder.
func (s *Tickets) infoWaitStep(t *models.Ticket, now time.Time, ev *models.Event) bool {
	if t.PausedAt.IsZero() {
		return false
	}
	half, capAt := s.infoWaitTimes(t)
	switch {
	case !now.Before(capAt):
		cat := s.catalog.Load().policyOf(t)
		if cat.InfoWaitAction() == models.InfoWaitReturn {
			s.returnToUnit(t, cat, capAt, ev)
		} else {
			s.closeNoResponse(t, cat, capAt, now, ev)
		}
		return true
	case !infoReminded(t) && !now.Before(half):
		ev.Action, ev.DueAt = models.ActRemindInfo, capAt
		return true
	}
	return false
}

// closeNoResponse closes t with outcome no_response at now. The unit's handling is judged as of
// when it asked (its clock stopped then), and ResolvedAt is now, so the reporter may still
// reopen it within the reopen window like any closed ticket. The event is public: everyone who
// reads the report sees why it closed.
func (s *Tickets) closeNoResponse(t *models.Ticket, cat models.Category, capAt, now time.Time, ev *models.Event) {
	t.OnTimeClass = onTimeClass(t, t.PausedAt)
	s.endPause(t, cat, capAt)
	t.Outcome, t.ResolvedAt, t.ClosedAt, t.Extension = models.OutcomeNoResponse, now, now, nil
	ev.Action, ev.To, ev.Outcome, ev.Visibility = models.ActCloseNoResponse, models.StateClosed, models.OutcomeNoResponse, models.Public
}

// returnToUnit sends t back to its unit (in_progress) with the working time that was left when
// it asked, counted from the cap: a worker that ran late gives the unit no extra time. The
// event is internal; the reporter still hears of it (PushOutbox).
func (s *Tickets) returnToUnit(t *models.Ticket, cat models.Category, capAt time.Time, ev *models.Event) {
	t.ResolveDueAt = s.resumedDue(t, cat, capAt)
	s.endPause(t, cat, capAt)
	ev.Action, ev.To = models.ActReturnToUnit, models.StateInProgress
}

// startPause starts a wait for the resident at now: the clock stops with the working time
// left, and the halfway point and the cap of the wait are fixed under the category's policy.
func (s *Tickets) startPause(t *models.Ticket, cat models.Category, now time.Time) {
	t.PausedAt = now
	t.PausedRemaining = s.remaining(cat.ResolveSLA, now, t.ResolveDueAt)
	t.InfoRemindAt, t.InfoWaitUntil = infoWaitTimes(s.cal(), now, cat.InfoWait())
}

// endPause ends the wait for the resident at until (an answer, or the cap). The wait, up to its
// cap, is added to the end-to-end allowance (e2e.go), as the answer adds it to the unit's.
func (s *Tickets) endPause(t *models.Ticket, cat models.Category, until time.Time) {
	waited := until
	if !t.InfoWaitUntil.IsZero() && waited.After(t.InfoWaitUntil) {
		waited = t.InfoWaitUntil
	}
	t.E2EAdded += s.remaining(cat.ResolveSLA, t.PausedAt, waited)
	t.PausedTotal += until.Sub(t.PausedAt)
	t.PausedAt, t.PausedRemaining = time.Time{}, 0
	t.InfoRemindAt, t.InfoWaitUntil = time.Time{}, time.Time{}
}
