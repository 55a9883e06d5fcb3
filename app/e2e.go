package app

import (
	"time"

	"phananh/models"
)

// End-to-end deadlines and per-unit held time. A transfer gives the receiving unit a fresh
// deadline of its own (ResolveDueAt), which is fair to that unit but would let a ticket passed
// between units stay "on time" for ever. So the ticket also keeps the city's end-to-end
// deadline: the category's resolution allowance from filing, plus approved extensions and the
// waits for the resident up to their caps (Ticket.E2EAdded), which no transfer resets; and
// each unit's held time (Ticket.UnitHolds), from when it received the ticket until it passed it
// on or the ticket left the open states. Statistics report both: the end-to-end figure for the
// city, the unit's own deadline for the unit.

// startEndToEnd starts the end-to-end deadline and the first unit's hold of a ticket being filed.
func (s *Tickets) startEndToEnd(t *models.Ticket, cat models.Category) {
	t.E2EDueAt = cat.ResolveSLA.Due(s.cal(), t.CreatedAt).UTC().Truncate(time.Millisecond)
	t.UnitHolds = []models.UnitHold{{UnitID: t.UnitID, UnitName: t.UnitName, From: t.CreatedAt}}
}

// followEndToEnd brings the end-to-end deadline and the unit holds up to date after a change
// at now from state from (commit calls it for every change, so no action has to remember it).
// While the ticket is open, and by the change that finishes it, the deadline is restated from
// filing under the ticket's policy (a recategorization changes the allowance, an edit of the
// working calendar the days it spans); a finished ticket's stays as it was judged by. A hold
// ends when the ticket moved to another unit (transfer, recategorize, reroute) or left the open
// states, and starts when it is open again at a unit (a transfer's receiver, a reopen). Tickets
// filed before either existed (zero E2EDueAt, no holds) are left as they are.
func (s *Tickets) followEndToEnd(t *models.Ticket, from models.State, now time.Time) {
	if !t.E2EDueAt.IsZero() && (from.Open() || t.State.Open()) {
		sla := s.catalog.Load().policyOf(t).ResolveSLA
		base := sla.Due(s.cal(), t.CreatedAt).UTC()
		t.E2EDueAt = s.addSLATime(sla, base, t.E2EAdded).Truncate(time.Millisecond)
	}
	if len(t.UnitHolds) == 0 {
		return
	}
	last := &t.UnitHolds[len(t.UnitHolds)-1]
	held := last.Until.IsZero()
	if held && (last.UnitID != t.UnitID || !t.State.Open()) {
		last.Until, last.Held = now, s.cal().WorkingTimeBetween(last.From, now)
		held = false
	}
	if !held && t.State.Open() {
		t.UnitHolds = append(t.UnitHolds, models.UnitHold{UnitID: t.UnitID, UnitName: t.UnitName, From: now})
	}
}

// e2eClass classifies a resolution at at against the end-to-end deadline; a ticket filed
// before it existed keeps its unit's classification (late with an extension counts late).
func e2eClass(t *models.Ticket, at time.Time) models.OnTimeClass {
	switch {
	case t.E2EDueAt.IsZero() && t.OnTimeClass == models.OnTime:
		return models.OnTime
	case t.E2EDueAt.IsZero():
		return models.Late
	case at.After(t.E2EDueAt):
		return models.Late
	}
	return models.OnTime
}
