package app

import (
	"context"

	"phananh/models"
)

// A ticket has three views, and which one a caller gets is decided by models.Access:
//
//   - the reporter's: their own report exactly as filed, with its public history;
//   - the handling officials': everything, internal history included (the transport adds the
//     reporter's identity where Detail resolved and audited it);
//   - the public one, for everyone else — followers, "nearby", Open311, open data, the change
//     feed, pushes to followers: PublicView.
//
// PublicView is the only producer of the public view, so a route that serves someone who may not
// read a ticket cannot show more than it by accident.

// PublicEvent is the public form of a history event, and false for an event the public does not
// see: internal events. It copies what the public may read — the state change, the reason, the
// outcome, the deadline, the unit moved to, the duplicate's original, the rating — and never
// who acted nor the assigned official. Phone numbers are removed from the texts, and a note the
// resident kept internal (their answer to a request for information, their rating comment) is
// left out while the event itself — the state change — stays. An addition the reporter kept
// from the public (add_comment) changes no state, so the public does not see it at all; one
// they made public shows its scrubbed note, never the photo ids (the public view lists the
// images anyone may see).
func PublicEvent(e models.Event) (models.Event, bool) {
	if e.Visibility != models.Public || e.Action == models.ActAddComment && e.NoteInternal {
		return models.Event{}, false
	}
	pe := models.Event{At: e.At, ActorRole: e.ActorRole, Action: e.Action, From: e.From, To: e.To,
		Note: ScrubText(e.Note), Visibility: e.Visibility,
		Reason: ScrubText(e.Reason), Outcome: e.Outcome, DueAt: e.DueAt, UnitID: e.UnitID, UnitName: e.UnitName,
		DuplicateOf: e.DuplicateOf, MergedFrom: e.MergedFrom, Rating: e.Rating, Category: e.Category, PrevCategory: e.PrevCategory}
	if e.NoteInternal {
		pe.Note = ""
	}
	return pe, true
}

// PublicView is the public copy of t (Redact) with what only the store can tell: the images
// anyone may see, and the ticket it duplicates only when that one is public too — a public
// report must not name a private one, which its officials could have merged it into.
func (s *Tickets) PublicView(ctx context.Context, t *models.Ticket) *models.Ticket {
	c := s.publicCopy(ctx, t)
	c.Media = s.media.PublicImages(ctx, t)
	return c
}

// publicCopy is PublicView without the media lookups, for the open-data rows, which list no
// media.
func (s *Tickets) publicCopy(ctx context.Context, t *models.Ticket) *models.Ticket {
	c := Redact(t)
	if s.hidesDuplicateOf(ctx, t) {
		c.DuplicateOf = ""
		for i := range c.History {
			hideDuplicateOf(&c.History[i])
		}
	}
	return c
}

// hidesDuplicateOf reports whether t was merged into a ticket the public may not see (or one
// that cannot be read now: a failure hides rather than reveals).
func (s *Tickets) hidesDuplicateOf(ctx context.Context, t *models.Ticket) bool {
	if t.DuplicateOf == "" {
		return false
	}
	orig, err := s.store.TicketByID(ctx, t.DuplicateOf)
	return err != nil || s.isPrivate(orig)
}

// hideDuplicateOf removes from a public mark_duplicate or merge event the code of the original, and the
// note beside it, which may name it too.
func hideDuplicateOf(e *models.Event) {
	if e.Action == models.ActMarkDuplicate || e.Action == models.ActMerge {
		e.DuplicateOf, e.Note = "", ""
	}
}

// keptFromPublic lists the media of t the public may not see: those the reporter added with an
// add_comment they kept from the public, those the IOC hid (hide_from_public), and those a
// private duplicate brought (an internal merged_from). No public
// view lists them, and only the reporter and the officials read them.
func keptFromPublic(t *models.Ticket) []string {
	var out []string
	for _, e := range t.History {
		if e.Action == models.ActAddComment && e.NoteInternal || e.Action == models.ActHideFromPublic ||
			e.Action == models.ActMergedFrom && e.Visibility != models.Public {
			out = append(out, e.Media...)
		}
	}
	return out
}
