package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"phananh/geo"
	"phananh/models"
)

// boundaryState is the boundary sets in force: the current one, and the next one from the
// instant of a scheduled switch-over, loaded ahead so that every instance changes maps at that
// instant without a pause. loaded keeps every set parsed so far by id, for the tickets routed by
// an earlier map.
type boundaryState struct {
	current *geo.BoundarySet
	next    *geo.BoundarySet // nil: no switch-over ahead
	at      time.Time
	loaded  map[string]*geo.BoundarySet
}

func newBoundaryState(set *geo.BoundarySet) *atomic.Pointer[boundaryState] {
	p := new(atomic.Pointer[boundaryState])
	if set != nil {
		p.Store(&boundaryState{current: set, loaded: map[string]*geo.BoundarySet{set.ID(): set}})
	}
	return p
}

// boundarySet is the boundary set in force now. Read it once per computation: a switch-over
// changes it at its instant.
func (s *core) boundarySet() *geo.BoundarySet {
	st := s.bounds.Load()
	if st.next != nil && !s.now().Before(st.at) {
		return st.next
	}
	return st.current
}

// SwitchOverStore keeps the boundary switch-overs.
type SwitchOverStore interface {
	// PutSwitchOver inserts so when from is "" (a taken id is EConflict), else replaces it only
	// while its stored state is from (EConflict otherwise): two instances never both start or
	// finish one.
	PutSwitchOver(ctx context.Context, so *models.SwitchOver, from models.SwitchOverState) error
	// SwitchOvers lists every switch-over by instant, then id.
	SwitchOvers(ctx context.Context) ([]models.SwitchOver, error)
}

// Boundaries schedules and carries out boundary switch-overs, and keeps every instance's
// boundary sets in force (boundarySet) in step with them.
type Boundaries struct {
	*core
	store interface {
		SwitchOverStore
		CatalogStore
		UserStore
		StreamTickets(ctx context.Context, q models.TicketQuery, fn func(*models.Ticket) error) error
		TicketByID(ctx context.Context, id string) (*models.Ticket, error)
		AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	}
	tickets *Tickets
	auth    *Auth
	cat     *Catalog
	initial string     // the set the configuration names, in force until a switch-over
	loadMu  sync.Mutex // one parse of a set at a time
}

// switchOverMinLead is how far ahead a switch-over must be scheduled: every instance loads the
// new set before the instant (they look every few seconds).
const switchOverMinLead = 10 * time.Second

// SetFor returns a boundary set this instance has loaded: the one in force, the next one, or
// one of an earlier map, for the tickets it routed.
func (s *Boundaries) SetFor(id string) (*geo.BoundarySet, bool) {
	set, ok := s.bounds.Load().loaded[id]
	return set, ok
}

// load returns a set, parsed from the store the first time.
func (s *Boundaries) load(ctx context.Context, id string) (*geo.BoundarySet, error) {
	if set, ok := s.SetFor(id); ok {
		return set, nil
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if set, ok := s.SetFor(id); ok {
		return set, nil
	}
	set, err := LoadBoundarySet(ctx, s.store, id)
	if err != nil {
		return nil, err
	}
	for {
		old := s.bounds.Load()
		st := *old
		st.loaded = maps.Clone(old.loaded)
		st.loaded[id] = set
		if s.bounds.CompareAndSwap(old, &st) {
			return set, nil
		}
	}
}

// Refresh puts the switch-overs in force on this instance: the set of the last one whose instant
// has passed is current (the configured set when none), and the next scheduled one is loaded for
// its instant. Returns whether the current set changed.
func (s *Boundaries) Refresh(ctx context.Context) (bool, error) {
	all, err := s.store.SwitchOvers(ctx)
	if err != nil {
		return false, fmt.Errorf("load switch-overs: %w", err)
	}
	now := s.clock()
	currentID, nextID, at := s.initial, "", time.Time{}
	for _, so := range all {
		switch {
		case so.State == models.SwitchOverCancelled:
		case !so.At.After(now):
			currentID = so.ToSet
		case nextID == "":
			nextID, at = so.ToSet, so.At
		}
	}
	current, err := s.load(ctx, currentID)
	if err != nil {
		return false, err
	}
	var next *geo.BoundarySet
	if nextID != "" {
		if next, err = s.load(ctx, nextID); err != nil {
			return false, err
		}
	}
	for {
		old := s.bounds.Load()
		st := &boundaryState{current: current, next: next, at: at, loaded: old.loaded}
		if s.bounds.CompareAndSwap(old, st) {
			return old.current != current, nil
		}
	}
}

// SwitchOverRequest is what an administrator asks for: the set to switch to, when, what happens
// to tickets in progress, and units mapped otherwise than by geography.
type SwitchOverRequest struct {
	ToSet      string
	At         time.Time
	InProgress string
	UnitMap    map[string]string
}

// Schedule validates and stores a switch-over from the set in force (administrators; audited).
// The unit map starts from geography — each ward unit of the old map goes to the unit of its
// kind in the new area that holds the old area's interior — and the request's entries replace
// those of their units.
func (s *Boundaries) Schedule(ctx context.Context, p models.Principal, in SwitchOverRequest) (*models.SwitchOver, error) {
	if err := requireAdmin(p, "boundary switch-overs"); err != nil {
		return nil, err
	}
	if _, err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	if err := s.cat.CheckCatalog(ctx); err != nil { // the units of a set imported a moment ago
		return nil, err
	}
	from := s.boundarySet()
	if err := s.checkRequest(ctx, from, in); err != nil {
		return nil, err
	}
	to, err := s.load(ctx, in.ToSet)
	if err != nil {
		return nil, err
	}
	unitMap, err := s.unitMap(from, to, in.UnitMap)
	if err != nil {
		return nil, err
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	so := &models.SwitchOver{ID: id, FromSet: from.ID(), ToSet: to.ID(), At: in.At.UTC().Truncate(time.Millisecond), UnitMap: unitMap,
		InProgress: in.InProgress, State: models.SwitchOverScheduled, CreatedBy: p.UserID, CreatedAt: s.clock()}
	if err := s.store.PutSwitchOver(ctx, so, ""); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("scheduled %s → %s at %s, in progress: %s, %d units mapped", so.FromSet, so.ToSet,
		so.At.Format(time.RFC3339), so.InProgress, len(so.UnitMap))
	if err := s.audit(ctx, p, "switchover_schedule", "", so.ID, detail); err != nil {
		return nil, err
	}
	_, err = s.Refresh(ctx)
	return so, err
}

// checkRequest refuses a switch-over that cannot be carried out as asked.
func (s *Boundaries) checkRequest(ctx context.Context, from *geo.BoundarySet, in SwitchOverRequest) error {
	switch {
	case in.InProgress != models.InProgressStay && in.InProgress != models.InProgressFollow:
		return models.FieldError(models.EInvalid, "in_progress", "in_progress must be %q or %q", models.InProgressStay, models.InProgressFollow)
	case in.At.Before(s.clock().Add(switchOverMinLead)):
		return models.FieldError(models.EInvalid, "at", "the switch-over must be at least %s ahead, so that every instance loads the new map in time", switchOverMinLead)
	case in.ToSet == from.ID():
		return models.FieldError(models.EInvalid, "to_set", "%s is already the boundary set in force", in.ToSet)
	}
	sets, err := s.store.BoundarySets(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(sets, func(b models.BoundarySetInfo) bool { return b.ID == in.ToSet }) {
		return models.FieldError(models.EInvalid, "to_set", "boundary set %q is not imported (phananh admin boundaries import)", in.ToSet)
	}
	all, err := s.store.SwitchOvers(ctx)
	if err != nil {
		return err
	}
	for _, so := range all {
		if so.State == models.SwitchOverScheduled || so.State == models.SwitchOverRunning {
			return models.Errorf(models.EConflict, "switch-over %s to %s is %s; cancel it or let it finish first", so.ID, so.ToSet, so.State)
		}
	}
	return nil
}

// unitMap maps every ward unit of from to its successor in to by geography, then applies the
// administrator's entries, which must name existing units, the targets enabled ones.
func (s *Boundaries) unitMap(from, to *geo.BoundarySet, explicit map[string]string) (map[string]string, error) {
	c := s.catalog.Load()
	out := map[string]string{}
	for _, u := range c.unitList {
		a, ok := from.Area(u.AreaCode)
		if u.BoundarySet != from.ID() || !ok {
			continue
		}
		p := a.InteriorPoint()
		if m := to.Locate(p.Lat(), p.Lon(), s.cfg.NearestWithinM); m.Area != nil {
			if succ, ok := c.units[models.WardUnitID(to.ID(), m.Area.Code, u.Kind)]; ok {
				out[u.ID] = succ.ID
			}
		}
	}
	for old, succ := range explicit {
		if _, ok := c.units[old]; !ok {
			return nil, models.FieldError(models.EInvalid, "unit_map", "unknown unit %q", old)
		}
		if u, ok := c.units[succ]; !ok || u.Disabled {
			return nil, models.FieldError(models.EInvalid, "unit_map", "unit %q (successor of %s) is unknown or disabled", succ, old)
		}
		out[old] = succ
	}
	return out, nil
}

// List returns every switch-over (administrators).
func (s *Boundaries) List(ctx context.Context, p models.Principal) ([]models.SwitchOver, error) {
	if err := requireAdmin(p, "boundary switch-overs"); err != nil {
		return nil, err
	}
	return s.store.SwitchOvers(ctx)
}

// Cancel calls off a scheduled switch-over (administrators; audited). One that has started
// cannot be cancelled: it is carried out to the end.
func (s *Boundaries) Cancel(ctx context.Context, p models.Principal, id string) (*models.SwitchOver, error) {
	if err := requireAdmin(p, "boundary switch-overs"); err != nil {
		return nil, err
	}
	so, err := s.find(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case so.State != models.SwitchOverScheduled:
		return nil, models.Errorf(models.EConflict, "switch-over %s is %s and can no longer be cancelled", id, so.State)
	case !so.At.After(s.clock()):
		return nil, models.Errorf(models.EConflict, "switch-over %s is past its instant (%s) and can no longer be cancelled", id, so.At.Format(time.RFC3339))
	}
	so.State = models.SwitchOverCancelled
	if err := s.store.PutSwitchOver(ctx, so, models.SwitchOverScheduled); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, p, "switchover_cancel", "", so.ID, "cancelled "+so.FromSet+" → "+so.ToSet); err != nil {
		return nil, err
	}
	_, err = s.Refresh(ctx)
	return so, err
}

func (s *Boundaries) find(ctx context.Context, id string) (*models.SwitchOver, error) {
	all, err := s.store.SwitchOvers(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, models.Errorf(models.ENotFound, "switch-over %s not found", id)
}

// RunSwitchOvers keeps this instance's boundary sets in step with the switch-overs every
// interval, and while it holds the "switchover" lease carries out those whose instant has
// passed, until ctx ends.
func (s *Boundaries) RunSwitchOvers(ctx context.Context, holder string, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	cycle, stopped := s.workers.started("switchover", interval)
	defer stopped()
	for {
		if changed, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("boundary refresh", "error", err)
		} else if changed {
			s.log.LogAttrs(ctx, slog.LevelInfo, "boundary set in force", slog.String("set", s.boundarySet().ID()))
		}
		if ok, err := s.store.AcquireLease(ctx, "switchover", holder, s.clock(), 3*interval); err == nil && ok {
			if err := s.CarryOut(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("switch-over", "error", err)
			}
		}
		cycle()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
