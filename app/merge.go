package app

import (
	"context"
	"log/slog"
	"slices"

	"phananh/models"
)

// Merging a duplicate D into the ticket kept, K. Two tickets change, and the store offers a
// compare-and-set per ticket, not across two, so the merge writes them one after the other:
//
//  1. D, with the version its caller saw (Tickets.Act): state duplicate, DuplicateOf = K, a merge
//     event naming K by code. A concurrent change of D refuses the merge (conflict), and nothing
//     has changed anywhere.
//  2. K, re-read and written with its own compare-and-set, retried on a concurrent change
//     (mergeInto): D's photos join K's media, one merged_from event names D. This step is
//     idempotent — a K whose history already holds a merged_from naming D is not written again.
//  3. D's reporter and followers become K's followers, one follow event each (addFollower, the
//     mark_duplicate machinery), each idempotent, within Config.MaxFollowChanges.
//
// Should step 2 or 3 fail after its retries (the store unreachable, K changing without pause), D
// is already a duplicate of K and the failure is logged; merging D into K again completes K's
// side — the table allows merge on a ticket marked duplicate of that same ticket — and changes
// nothing twice.

// mergeSource is what step 2 and 3 need of the duplicate, taken when it was merged.
type mergeSource struct {
	code      string
	public    bool
	media     []string
	residents []string // the reporter, then the followers
	actor     models.Principal
}

// merge validates the ticket kept and closes c.t as its duplicate; the kept ticket's side is the
// hook's (mergeInto).
func (s *Tickets) merge(ctx context.Context, c *change) ([]hook, error) {
	d, in := c.t, c.in
	if in.DuplicateOf == "" || in.DuplicateOf == d.ID {
		return nil, models.FieldError(models.EInvalid, "duplicate_of", "duplicate_of must name another ticket")
	}
	k, err := s.mergeTarget(ctx, c.p, d, in.DuplicateOf)
	if err != nil {
		return nil, err
	}
	d.DuplicateOf = k.ID
	if d.ClosedAt.IsZero() {
		d.ClosedAt = c.now
	}
	c.ev.DuplicateOf = k.Code
	src := mergeSource{code: d.Code, public: !s.isPrivate(d), actor: c.p,
		media:     slices.DeleteFunc(slices.Clone(d.Media), func(id string) bool { return slices.Contains(keptFromPublic(d), id) }),
		residents: append([]string{d.ReporterID}, d.Followers...)}
	id := k.ID
	return []hook{func(ctx context.Context, _ *models.Ticket) { s.mergeInto(ctx, id, src) }}, nil
}

// mergeTarget reads the ticket kept and refuses one the caller may not merge into: unknown or
// unreadable (answered alike, as mark_duplicate does), not open, at another unit than the
// duplicate for a unit's official (the IOC merges across units), or another than the one a
// duplicate was already marked a duplicate of.
func (s *Tickets) mergeTarget(ctx context.Context, p models.Principal, d *models.Ticket, id string) (*models.Ticket, error) {
	k, err := s.store.TicketByID(ctx, id)
	if models.IsCode(err, models.ENotFound) || (err == nil && !p.CanReadTicket(k)) {
		return nil, models.FieldError(models.EUnprocessable, "duplicate_of", "duplicate_of names no ticket you may read")
	} else if err != nil {
		return nil, err
	}
	switch {
	case k.ID == d.ID:
		return nil, models.FieldError(models.EInvalid, "duplicate_of", "a ticket cannot be merged into itself")
	case !k.State.Open():
		return nil, models.FieldError(models.EUnprocessable, "duplicate_of", "ticket %s is %s: merge into an open ticket", k.Code, k.State)
	case p.Role.NeedsUnit() && k.UnitID != d.UnitID:
		return nil, models.FieldError(models.EForbidden, "duplicate_of", "ticket %s is at another unit; only the IOC merges across units", k.Code)
	case d.State == models.StateDuplicate && d.DuplicateOf != k.ID:
		return nil, models.FieldError(models.EUnprocessable, "duplicate_of", "this ticket is a duplicate of another ticket already")
	}
	return k, nil
}

// mergeInto is steps 2 and 3 of a merge: K takes in D's photos and a merged_from event, then
// D's residents follow K — unless K is private, which only its own reporter, its unit and the
// IOC read.
func (s *Tickets) mergeInto(ctx context.Context, kID string, src mergeSource) {
	k, ok := s.writeMergedFrom(ctx, kID, src)
	if !ok || s.isPrivate(k) {
		return
	}
	for _, user := range src.residents {
		s.addFollower(ctx, kID, user)
	}
}

// writeMergedFrom is step 2, retried on concurrent changes of K: D's photos are added to K's
// media while K has fewer than MaxMediaPerTicket (the rest stay on D, whose code the event
// names), and the merged_from event is public only when D was.
func (s *Tickets) writeMergedFrom(ctx context.Context, kID string, src mergeSource) (*models.Ticket, bool) {
	for attempt := 0; attempt < 5; attempt++ {
		k, err := s.store.TicketByID(ctx, kID)
		if err != nil {
			break
		}
		if slices.ContainsFunc(k.History, func(e models.Event) bool {
			return e.Action == models.ActMergedFrom && e.MergedFrom == src.code
		}) {
			return k, true
		}
		var added []string
		for _, id := range src.media {
			if len(k.Media) < models.MaxMediaPerTicket && !slices.Contains(k.Media, id) {
				k.Media = append(k.Media, id)
				added = append(added, id)
			}
		}
		vis := models.Internal
		if src.public {
			vis = models.Public
		}
		now := s.clock()
		ev := models.Event{At: now, ActorRole: src.actor.Role, ActorID: src.actor.UserID, Action: models.ActMergedFrom,
			From: k.State, To: k.State, Visibility: vis, MergedFrom: src.code, Media: added}
		err = s.commit(ctx, k, ev, now)
		if err == nil {
			return k, true
		}
		if !models.IsCode(err, models.EConflict) {
			break
		}
	}
	s.log.LogAttrs(ctx, slog.LevelWarn, "could not record the merge on the ticket kept; merging again completes it",
		slog.String("ticket", kID), slog.String("duplicate", src.code))
	return nil, false
}

// mergedMedia lists the photos public merged_from events brought to t: the public views list
// them although they stay attached to their own ticket (the duplicate, public too).
func mergedMedia(t *models.Ticket) []string {
	var out []string
	for _, e := range t.History {
		if e.Action == models.ActMergedFrom && e.Visibility == models.Public {
			out = append(out, e.Media...)
		}
	}
	return out
}
