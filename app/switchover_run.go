package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"phananh/geo"
	"phananh/models"
)

// CarryOut carries out every switch-over whose instant has passed: it marks it running (a
// compare-and-set, so one instance does it), then moves the officials of mapped units, rewrites
// the routing overrides, re-routes the tickets, and marks it done. Every step is idempotent, so
// a switch-over left running by a crash is resumed from the start by the next lease holder; its
// result then counts what the resumed run did.
func (s *Boundaries) CarryOut(ctx context.Context) error {
	all, err := s.store.SwitchOvers(ctx)
	if err != nil {
		return err
	}
	now := s.clock()
	for i := range all {
		so := &all[i]
		switch {
		case so.State == models.SwitchOverScheduled && !so.At.After(now):
			so.State = models.SwitchOverRunning
			if err := s.store.PutSwitchOver(ctx, so, models.SwitchOverScheduled); models.IsCode(err, models.EConflict) {
				continue // another instance started it
			} else if err != nil {
				return err
			}
		case so.State != models.SwitchOverRunning:
			continue
		}
		if err := s.carryOut(ctx, so); err != nil {
			return fmt.Errorf("switch-over %s to %s: %w", so.ID, so.ToSet, err)
		}
	}
	return nil
}

// switchOverActor is who a switch-over's changes are recorded as: the system, with the rights
// of an administrator for the accounts it moves.
func switchOverActor(so *models.SwitchOver) models.Principal {
	return models.Principal{UserID: "switchover:" + so.ID, Role: models.RoleAdmin}
}

func (s *Boundaries) carryOut(ctx context.Context, so *models.SwitchOver) error {
	from, err := s.load(ctx, so.FromSet)
	if err != nil {
		return err
	}
	to, err := s.load(ctx, so.ToSet)
	if err != nil {
		return err
	}
	res := models.SwitchOverResult{}
	if res.Officials, err = s.moveOfficials(ctx, so); err != nil {
		return err
	}
	if res.RulesRemoved, res.RulesRewritten, err = s.remapRules(ctx, so, from, to); err != nil {
		return err
	}
	if err := s.rerouteTickets(ctx, so, to, &res); err != nil {
		return err
	}
	so.State, so.DoneAt, so.Result = models.SwitchOverDone, s.clock(), res
	if err := s.store.PutSwitchOver(ctx, so, models.SwitchOverRunning); err != nil {
		return err
	}
	return s.audit(ctx, switchOverActor(so), "switchover_done", "", so.ID, fmt.Sprintf(
		"%s → %s: %d received tickets re-routed, %d in progress followed their unit, %d stayed, %d officials moved, %d routing overrides removed, %d rewritten",
		so.FromSet, so.ToSet, res.Rerouted, res.Followed, res.Stayed, res.Officials, res.RulesRemoved, res.RulesRewritten))
}

// moveOfficials moves every official of a mapped unit to its successor (audited as a move by the
// switch-over, which ends their sessions as any move does).
func (s *Boundaries) moveOfficials(ctx context.Context, so *models.SwitchOver) (int, error) {
	moved := 0
	for _, old := range slices.Sorted(maps.Keys(so.UnitMap)) {
		succ := so.UnitMap[old]
		if succ == old {
			continue
		}
		users, err := s.store.ListOfficials(ctx, models.UserQuery{UnitID: old, Limit: 10_000})
		if err != nil {
			return moved, err
		}
		for _, u := range users {
			if _, err := s.auth.UpdateOfficial(ctx, switchOverActor(so), u.ID, OfficialChange{UnitID: &succ}); err != nil {
				return moved, fmt.Errorf("move official %s: %w", u.Username, err)
			}
			moved++
		}
	}
	return moved, nil
}

// remapRules removes the routing overrides of codes the new map removes or gives to another
// unit, and points the others at the successors of their units.
func (s *Boundaries) remapRules(ctx context.Context, so *models.SwitchOver, from, to *geo.BoundarySet) (removed, rewritten int, err error) {
	rules, err := s.store.RoutingRules(ctx)
	if err != nil {
		return 0, 0, err
	}
	d := geo.Compare(from, to)
	gone := slices.Clone(d.Removed)
	for _, r := range d.Reused {
		gone = append(gone, r.Code)
	}
	for _, r := range rules {
		switch succ, mapped := so.UnitMap[r.UnitID]; {
		case slices.Contains(gone, r.AreaCode):
			if err := s.store.DeleteRoutingRule(ctx, r.Category, r.AreaCode); err != nil && !models.IsCode(err, models.ENotFound) {
				return removed, rewritten, err
			}
			removed++
		case mapped && succ != r.UnitID:
			r.UnitID = succ
			if err := s.store.PutRoutingRule(ctx, r); err != nil {
				return removed, rewritten, err
			}
			rewritten++
		}
	}
	if removed+rewritten > 0 {
		if _, err := s.store.BumpCatalogRevision(ctx); err != nil {
			return removed, rewritten, err
		}
		return removed, rewritten, s.cat.ReloadCatalog(ctx)
	}
	return 0, 0, nil
}

// rerouteTickets routes again every open ticket of the old map: received ones by their location
// in the new map, those in progress to their unit's successor when they follow it.
func (s *Boundaries) rerouteTickets(ctx context.Context, so *models.SwitchOver, to *geo.BoundarySet, res *models.SwitchOverResult) error {
	var ids []string
	q := models.TicketQuery{States: models.OpenStates}
	err := s.store.StreamTickets(ctx, q, func(t *models.Ticket) error {
		if t.BoundarySet == so.FromSet {
			ids = append(ids, t.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		outcome, err := s.rerouteTicket(ctx, so, to, id)
		if err != nil {
			return fmt.Errorf("re-route ticket %s: %w", id, err)
		}
		switch outcome {
		case "rerouted":
			res.Rerouted++
		case "followed":
			res.Followed++
		case "stayed":
			res.Stayed++
		}
	}
	return nil
}

// rerouteTicket re-reads one ticket and routes it again, retrying when a concurrent change gets
// there first. It answers what happened: rerouted, followed, stayed, or "" (nothing to do).
func (s *Boundaries) rerouteTicket(ctx context.Context, so *models.SwitchOver, to *geo.BoundarySet, id string) (string, error) {
	for attempt := 0; ; attempt++ {
		t, err := s.store.TicketByID(ctx, id)
		if err != nil {
			return "", err
		}
		if _, ok := models.Next(t.State, models.ActReroute, models.RoleSystem); t.BoundarySet != so.FromSet || !ok {
			return "", nil
		}
		received := t.State == models.StateReceived
		if !received && so.InProgress == models.InProgressStay {
			return "stayed", nil
		}
		now := s.clock()
		ev, ok := s.reroute(ctx, t, so, to, now)
		if !ok {
			return "stayed", nil
		}
		err = s.tickets.commit(ctx, t, ev, now)
		switch {
		case err == nil && received:
			return "rerouted", nil
		case err == nil:
			return "followed", nil
		case !models.IsCode(err, models.EConflict) || attempt == 3:
			return "", err
		}
	}
}

// reroute gives t its area in the new map and its new unit (by location when received, else its
// unit's successor), and returns the reroute event; false when there is nowhere to send it
// (outside the new map with no successor for its unit).
func (s *Boundaries) reroute(ctx context.Context, t *models.Ticket, so *models.SwitchOver, to *geo.BoundarySet, now time.Time) (models.Event, bool) {
	c := s.catalog.Load()
	m := to.Locate(t.Location.Lat, t.Location.Lng, s.cfg.NearestWithinM)
	succ, mapped := c.units[so.UnitMap[t.UnitID]]
	var unit models.Unit
	switch {
	case t.State == models.StateReceived && m.Area != nil:
		unit = c.unitFor(to.ID(), m.Area.Code, c.policyOf(t))
	case mapped:
		unit = succ
	default:
		return models.Event{}, false
	}
	if m.Area != nil {
		t.BoundarySet, t.AreaCode, t.AreaName = to.ID(), m.Area.Code, m.Area.Name
		t.RoutedByNearest, t.RoutingAmbiguous = m.Nearest, m.Ambiguous
	}
	if t.AssignedTo != "" && unit.ID != t.UnitID {
		if u, err := s.store.UserByID(ctx, t.AssignedTo); err != nil || u.UnitID != unit.ID {
			t.AssignedTo = "" // the assignee did not move to the new unit
		}
	}
	t.UnitID, t.UnitName, t.UnitKind = unit.ID, unit.Name, unit.Kind
	return models.Event{At: now, ActorRole: models.RoleSystem, Action: models.ActReroute, From: t.State, To: t.State,
		Visibility: models.Public, UnitID: unit.ID, UnitName: unit.Name,
		Note: fmt.Sprintf("Bản đồ hành chính mới / new ward map %s: %s %s", to.ID(), t.AreaCode, t.AreaName)}, true
}
