package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// Effect is a derived consequence of a ticket change: push messages, statistics facts, change-feed
// entries. Apply runs after the change is stored, once per version, and again for the same
// version after a crash or failure (the sweeper), so it must be idempotent — deterministic ids,
// overwrite-style writes (docs/ARCHITECTURE.md, effects).
type Effect interface {
	Apply(ctx context.Context, t *models.Ticket, version int, e models.Event) error
}

// ActionInput is one requested action with its fields (one vocabulary for all actions).
type ActionInput struct {
	Action          models.Action
	ExpectedVersion int
	Note            string
	Visibility      models.Visibility
	Reason          string
	Outcome         models.Outcome
	Rating          int
	Comment         string
	DueAt           time.Time
	Unit            string
	Area            string
	Officer         string
	DuplicateOf     string
	Media           []string
	// Category is the category a recategorize moves the ticket to.
	Category string
	// Description is the text a hide_from_public gives the public views.
	Description string
}

// reporterActions may only be performed by the ticket's reporter.
var reporterActions = []models.Action{models.ActProvideInfo, models.ActWithdraw, models.ActRate, models.ActReopen, models.ActAddComment}

// Act performs one action on a ticket as p, atomically against concurrent changes: the write
// is a compare-and-set on the version the caller saw.
func (s *Tickets) Act(ctx context.Context, p models.Principal, id string, in ActionInput) (*models.Ticket, error) {
	if err := models.CheckAction(in.Action); err != nil {
		return nil, err
	}
	if p.Role == models.RoleSystem || models.SystemAction(in.Action) {
		return nil, models.FieldError(models.EForbidden, "action", "%s is performed by the system only", in.Action)
	}
	t, err := s.store.TicketByID(ctx, id)
	if err != nil {
		return nil, err
	}
	access := p.TicketAccess(t)
	if err := s.mayAct(p, t, access, in.Action); err != nil {
		return nil, err
	}
	if in.ExpectedVersion != t.Version {
		return nil, models.Errorf(models.EConflict, "the ticket changed meanwhile: it is at version %d, not %d; reload it", t.Version, in.ExpectedVersion)
	}
	if (in.Action == models.ActFollow) == t.IsFollower(p.UserID) && (in.Action == models.ActFollow || in.Action == models.ActUnfollow) {
		return t, nil // following twice, or unfollowing what one does not follow, changes nothing
	}
	if err := s.mayChangeFollowers(t, in.Action); err != nil {
		return nil, err
	}
	next, ok := models.Next(t.State, in.Action, p.Role)
	if !ok {
		allowed := models.AllowedActions(t.State, p.Role)
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return nil, models.Errorf(models.EConflict, "%s is not possible while the ticket is %s; allowed now: %s",
			in.Action, t.State, strings.Join(names, ", "))
	}
	now := s.clock()
	vis := models.Public
	if models.AlwaysInternal(in.Action) {
		vis = models.Internal
	}
	c := &change{t: t, p: p, in: in, now: now,
		ev: models.Event{At: now, ActorRole: p.Role, ActorID: p.UserID, Action: in.Action, From: t.State, To: next, Visibility: vis}}
	hooks, err := s.apply(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := s.commit(ctx, t, c.ev, now); err != nil {
		return nil, err
	}
	for _, h := range hooks {
		h(ctx, t)
	}
	return t, nil
}

// mayAct applies the policy table before the state table: who may act on this ticket at all.
func (s *Tickets) mayAct(p models.Principal, t *models.Ticket, access models.Access, a models.Action) error {
	follow := a == models.ActFollow || a == models.ActUnfollow
	switch {
	case access == models.AccessNone && !(p.Role == models.RoleResident && follow && !s.isPrivate(t)):
		return models.Errorf(models.ENotFound, "ticket not found")
	case !roleEverMay(p.Role, a):
		return models.Errorf(models.EForbidden, "a %s may not %s", p.Role, a)
	case p.Role == models.RoleResident && slices.Contains(reporterActions, a) && access != models.AccessReporter:
		return models.Errorf(models.EForbidden, "only the reporter may %s", a)
	case p.Role == models.RoleResident && follow && access == models.AccessReporter:
		return models.Errorf(models.EForbidden, "the reporter follows their own report already")
	case p.Role.NeedsUnit() && access != models.AccessUnit:
		return models.Errorf(models.EForbidden, "the ticket is at unit %s now; your unit may read it but not act", t.UnitID)
	}
	return nil
}

// mayChangeFollowers refuses a follow or unfollow once the ticket has recorded
// MaxFollowChanges of them.
func (s *Tickets) mayChangeFollowers(t *models.Ticket, a models.Action) error {
	if a != models.ActFollow && a != models.ActUnfollow || s.cfg.MaxFollowChanges <= 0 {
		return nil
	}
	n := 0
	for _, ev := range t.History {
		if ev.Action == models.ActFollow || ev.Action == models.ActUnfollow {
			n++
		}
	}
	if n >= s.cfg.MaxFollowChanges {
		return models.Errorf(models.EUnprocessable, "this report's followers have changed %d times, the most one report records; following or unfollowing it is no longer possible", n)
	}
	return nil
}

func roleEverMay(r models.Role, a models.Action) bool {
	for _, t := range models.Transitions() {
		if t.Action == a && slices.Contains(t.Roles, r) {
			return true
		}
	}
	return false
}

// commit appends the event, bumps the version, refreshes the derived deadline fields and writes
// with compare-and-set; then it performs the derived effects.
func (s *Tickets) commit(ctx context.Context, t *models.Ticket, ev models.Event, now time.Time) error {
	prev := t.Version
	t.State = ev.To
	t.History = append(t.History, ev)
	t.Version++
	t.UpdatedAt = now
	s.followEndToEnd(t, ev.From, now)
	s.schedule(t, now)
	if err := s.store.UpdateTicket(ctx, t, prev); err != nil {
		if models.IsCode(err, models.EConflict) {
			cur, rerr := s.store.TicketByID(ctx, t.ID)
			if rerr == nil {
				return models.Errorf(models.EConflict, "the ticket changed meanwhile: it is at version %d, not %d; reload it", cur.Version, prev)
			}
			s.log.LogAttrs(ctx, slog.LevelWarn, "re-read after a version conflict", slog.String("ticket", t.ID), slog.String("error", rerr.Error()))
			return models.Errorf(models.EConflict, "the ticket changed meanwhile (version %d is no longer current); reload it", prev)
		}
		return err
	}
	s.applyEffects(ctx, t)
	return nil
}

// applyEffects performs the effects of every version after t.AppliedVersion and records them as
// applied, batched into one commit where the store can. A failure is logged and left for the
// sweeper: the change itself is already stored.
func (s *Tickets) applyEffects(ctx context.Context, t *models.Ticket) {
	ctx, end := s.spans.Start(ctx, "effects.apply")
	err := s.store.Batched(ctx, func(ctx context.Context) error {
		for v := t.AppliedVersion + 1; v <= t.Version && v <= len(t.History); v++ {
			ev := t.History[v-1] // every version adds exactly one history event
			for _, eff := range s.effects {
				ectx, endEffect := s.spans.Start(ctx, "effect."+effectName(eff))
				err := eff.Apply(ectx, t, v, ev)
				endEffect(err)
				if err != nil {
					return fmt.Errorf("effect of version %d: %w", v, err)
				}
			}
		}
		if err := s.store.MarkApplied(ctx, t.ID, t.Version); err != nil {
			return fmt.Errorf("mark effects applied: %w", err)
		}
		return nil
	})
	end(err)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "ticket effects failed; the sweeper will retry",
			slog.String("ticket", t.ID), slog.Int("version", t.Version), slog.String("error", err.Error()))
		return
	}
	t.AppliedVersion = t.Version
}

// effectName names an effect in traces: a fixed word per kind, never anything of the ticket.
func effectName(e Effect) string {
	switch e.(type) {
	case factsEffect:
		return "facts"
	case feedEffect:
		return "feed"
	case *PushOutbox:
		return "push_outbox"
	}
	return "other"
}

// SweepEffects re-applies the effects of tickets whose last changes were stored but not
// followed through (a crash between the two steps). Returns how many tickets it completed.
func (s *Tickets) SweepEffects(ctx context.Context) (int, error) {
	ts, err := s.store.FindUnapplied(ctx, 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range ts {
		s.applyEffects(ctx, t)
		if t.AppliedVersion == t.Version {
			n++
		}
	}
	return n, nil
}

// FinishEffects is the last step of a graceful stop, once no request runs and the periodic
// sweeps have stopped. A request whose deadline ran out after its change was stored (a loaded
// store) leaves that change's effects pending — its push, feed entry and facts — for the
// sweeper; this instance would then keep the "sla" lease (3 × SLA interval) after exiting, so no
// other instance would sweep them for minutes. FinishEffects hands that lease back (a renewal
// for holder that expires at once; a lease held by another instance is left alone) and then
// completes every pending ticket it can until ctx ends. Both steps are safe next to another
// instance's sweep: effects are idempotent and MarkApplied is a compare-and-set. Returns how
// many tickets it completed.
func (s *Tickets) FinishEffects(ctx context.Context, holder string) (int, error) {
	if _, err := s.store.AcquireLease(ctx, "sla", holder, s.clock(), 0); err != nil {
		return 0, fmt.Errorf("release the sla lease: %w", err)
	}
	total := 0
	for {
		n, err := s.SweepEffects(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

func required(field, v string, max int) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return models.FieldError(models.EInvalid, field, "%s is required for this action", field)
	}
	if utf8.RuneCountInString(v) > max {
		return models.FieldError(models.EInvalid, field, "%s is longer than %d characters", field, max)
	}
	return nil
}

// residentNoteInternal reads the visibility a resident chose for their answer or rating comment:
// internal unless they said "public" (silence is not consent to publish what they wrote).
func residentNoteInternal(v models.Visibility) (bool, error) {
	switch v {
	case "", models.Internal:
		return true, nil
	case models.Public:
		return false, nil
	}
	return false, models.FieldError(models.EInvalid, "visibility", "visibility must be public or internal")
}

// onTimeClass classifies a resolution: within the original deadline, within an approved
// extension, or late.
func onTimeClass(t *models.Ticket, at time.Time) models.OnTimeClass {
	switch {
	case t.ExtendedFrom.IsZero() && !at.After(t.ResolveDueAt):
		return models.OnTime
	case !t.ExtendedFrom.IsZero() && !at.After(t.ExtendedFrom):
		return models.OnTime
	case !t.ExtendedFrom.IsZero() && !at.After(t.ResolveDueAt):
		return models.LateWithExtension
	}
	return models.Late
}

// transferTarget resolves the unit a ticket is transferred to: a named unit, or the unit of the
// same kind in another area, and the ticket's area then. An area of the active boundary set
// also moves the ticket to that set (the code may name another ward in the set it was filed
// under).
func (s *Tickets) transferTarget(t *models.Ticket, cat models.Category, in ActionInput) (models.Unit, ticketArea, error) {
	c := s.catalog.Load()
	set := s.boundarySet() // once: a switch-over may change it between two reads
	var unit models.Unit
	area := ticketArea{set: t.BoundarySet, code: t.AreaCode, name: t.AreaName}
	switch {
	case in.Unit != "":
		u, ok := c.units[in.Unit]
		if !ok {
			return unit, area, models.FieldError(models.EUnprocessable, "unit", "unknown unit %q", in.Unit)
		}
		unit = u
		if u.AreaCode != "" && u.BoundarySet == set.ID() {
			if a, ok := set.Area(u.AreaCode); ok {
				area = ticketArea{set: set.ID(), code: a.Code, name: a.Name}
			}
		}
	case in.Area != "":
		a, ok := set.Area(in.Area)
		if !ok {
			return unit, area, models.FieldError(models.EUnprocessable, "area", "unknown area %q in boundary set %s", in.Area, set.ID())
		}
		kind := t.UnitKind
		if kind == "" || kind == models.UnitIOC {
			kind = cat.UnitKind
		}
		u, ok := c.units[models.WardUnitID(set.ID(), a.Code, kind)]
		if !ok {
			return unit, area, models.FieldError(models.EUnprocessable, "area", "area %s has no %s unit", a.Code, kind)
		}
		unit, area = u, ticketArea{set: set.ID(), code: a.Code, name: a.Name}
	default:
		return unit, area, models.FieldError(models.EInvalid, "unit", "transfer needs a unit or an area")
	}
	if unit.ID == t.UnitID {
		return unit, area, models.FieldError(models.EUnprocessable, "unit", "the ticket is already at %s", unit.ID)
	}
	if unit.Disabled {
		return unit, area, models.FieldError(models.EUnprocessable, "unit", "unit %s is disabled and takes no tickets", unit.ID)
	}
	return unit, area, nil
}

// ticketArea is where a ticket lies: an area code of a boundary set, and the area's name.
type ticketArea struct{ set, code, name string }

// addFollower makes user a follower of ticket id (mark_duplicate, merge), retrying on concurrent
// changes, within MaxFollowChanges; a failure is logged, never surfaced: the duplicate is
// already recorded.
func (s *Tickets) addFollower(ctx context.Context, id, user string) {
	for attempt := 0; attempt < 5; attempt++ {
		t, err := s.store.TicketByID(ctx, id)
		if err != nil {
			break
		}
		if user == "" || t.IsFollower(user) || t.ReporterID == user {
			return
		}
		if err := s.mayChangeFollowers(t, models.ActFollow); err != nil {
			break
		}
		now := s.clock()
		t.Followers = append(t.Followers, user)
		ev := models.Event{At: now, ActorRole: models.RoleSystem, Action: models.ActFollow, From: t.State, To: t.State,
			Visibility: models.Internal, Reason: models.FollowDuplicateMerged}
		err = s.commit(ctx, t, ev, now)
		if err == nil {
			return
		}
		if !models.IsCode(err, models.EConflict) {
			break
		}
	}
	s.log.Warn("could not add the duplicate's reporter as follower", "ticket", id)
}

// Pseudonym is the stable name ward staff see instead of a reporter they may not identify; ""
// for no account (a report filed on behalf of a resident who gave no phone), which no name
// must pretend to be.
func (s *Tickets) Pseudonym(userID string) string {
	if userID == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.cfg.PseudonymKey)
	m.Write([]byte(userID))
	return "Người dân #" + strings.ToUpper(hex.EncodeToString(m.Sum(nil))[:6])
}
