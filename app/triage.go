package app

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// Triage corrections: the IOC's everyday job of fixing how a report was classified
// (recategorize) and whether the public sees it (set_private, set_public). Each goes through the
// transition table like any other action and leaves a history event with who, when and why.

// recategorize moves the ticket to another category, for a reason. The new category's policy
// applies as if the report had been filed under it:
//
//   - deadlines: restated from when the ticket's clock started (the filing, or the last transfer
//     or reopen) with the new category's allowances — elapsed time counts, since the legal time
//     to answer started at filing (recategorizedDeadlines);
//   - privacy: the ticket becomes private when the new category is private by policy, and a
//     recategorization never makes it public: a report filed under a private category was
//     written by a resident who counted on that, and a private one stays so until the IOC
//     decides otherwise with set_public (explicit, with a reason, in the history);
//   - routing: when the new category routes the ticket's area to another unit than the old one
//     did, the ticket moves there, like a transfer: the unit it leaves keeps read access and
//     the event names the new unit. A ticket a person had already transferred elsewhere stays
//     where it is when the routing of both categories is the same.
//
// Statistics follow by themselves: a ticket's fact is derived from the ticket (TicketFact).
func (s *Tickets) recategorize(_ context.Context, c *change) ([]hook, error) {
	snap := s.catalog.Load()
	t := c.t
	cat, err := recategorizeTarget(snap, t, c.in.Category)
	if err != nil {
		return nil, err
	}
	if err := required("reason", c.in.Reason, 1000); err != nil {
		return nil, err
	}
	oldRoute := snap.unitFor(t.BoundarySet, t.AreaCode, snap.categories[t.Category])
	c.ev.PrevCategory, c.ev.Category, c.ev.Reason = t.Category, cat.Code, c.in.Reason
	t.Private = t.Private || cat.Private
	t.Category, t.Group, t.PolicyVersion = cat.Code, cat.Group, cat.Policy()
	s.recategorizedDeadlines(t, cat)
	if unit := snap.unitFor(t.BoundarySet, t.AreaCode, cat); unit.ID != oldRoute.ID && unit.ID != t.UnitID {
		t.TransferredFrom = append(t.TransferredFrom, t.UnitID)
		t.UnitID, t.UnitName, t.UnitKind = unit.ID, unit.Name, unit.Kind
		t.AssignedTo, t.Extension = "", nil
		c.ev.UnitID, c.ev.UnitName = unit.ID, unit.Name
	}
	c.cat = cat
	return nil, nil
}

// recategorizeTarget checks the category a recategorize names: given, active, and not the one
// the ticket has. An unknown one is a bad_enum problem listing the active categories, so a
// client learns the vocabulary from the answer.
func recategorizeTarget(snap *catalog, t *models.Ticket, code string) (models.Category, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return models.Category{}, models.Problem("category", models.ProblemRequired, "", "category is required for recategorize")
	}
	cat, ok := snap.categories[code]
	if !ok || !cat.Active {
		var active []string
		for _, k := range slices.Sorted(maps.Keys(snap.categories)) {
			if snap.categories[k].Active {
				active = append(active, k)
			}
		}
		return models.Category{}, models.Problem("category", models.ProblemBadEnum, strings.Join(active, ", "),
			"unknown category %q; see GET /v1/categories", code)
	}
	if cat.Code == t.Category {
		return models.Category{}, models.FieldError(models.EUnprocessable, "category", "the ticket is already in category %s", code)
	}
	return cat, nil
}

// recategorizedDeadlines restates t's deadlines under cat's policy from when its clock started
// (clockStart), never from now: a correction neither gives the unit a fresh clock nor hides
// the time already spent. The working time the ticket waited for the resident is added back,
// as the resident's answer did. An approved extension stays when it is later than the new
// deadline (which becomes the one it extends) and lapses otherwise. Reminders and escalations
// start afresh when the deadline moves later (schedule).
func (s *Tickets) recategorizedDeadlines(t *models.Ticket, cat models.Category) {
	start := clockStart(t)
	t.TriageDueAt = cat.TriageSLA.Due(s.cal(), start).UTC()
	due := cat.ResolveSLA.Due(s.cal(), start).UTC()
	if paused := s.pausedSince(t, cat.ResolveSLA, start); paused > 0 {
		due = s.addSLATime(cat.ResolveSLA, due, paused)
	}
	switch {
	case t.ExtendedFrom.IsZero():
		t.ResolveDueAt = due
	case t.ResolveDueAt.After(due):
		t.ExtendedFrom = due
	default:
		t.ExtendedFrom, t.ResolveDueAt = time.Time{}, due
	}
}

// pausedSince is the time, in sla's currency, t waited for the resident's answers since start.
func (s *Tickets) pausedSince(t *models.Ticket, sla models.SLA, start time.Time) time.Duration {
	var total time.Duration
	var pausedAt time.Time
	for _, e := range t.History {
		if e.At.Before(start) {
			continue
		}
		switch e.Action {
		case models.ActRequestInfo:
			pausedAt = e.At
		case models.ActProvideInfo:
			if !pausedAt.IsZero() {
				total += s.remaining(sla, pausedAt, e.At)
				pausedAt = time.Time{}
			}
		}
	}
	return total
}

// setPrivacy performs set_private and set_public, for a reason. A private report leaves every
// public view (isPrivate).
func (s *Tickets) setPrivacy(_ context.Context, c *change) ([]hook, error) {
	if err := s.privacyReady(c.t, c.in.Action); err != nil {
		return nil, err
	}
	if err := required("reason", c.in.Reason, 1000); err != nil {
		return nil, err
	}
	c.t.Private = c.in.Action == models.ActSetPrivate
	c.ev.Reason = c.in.Reason
	return nil, nil
}

// privacyReady refuses the privacy action that would change nothing — set_private on a private
// report, set_public on a public one — and set_public while the category is private by policy:
// the policy decides for the whole category, and a recategorization is the way out of it.
// Tickets.Allowed uses it too, so the console offers only the one that can succeed.
func (s *Tickets) privacyReady(t *models.Ticket, a models.Action) error {
	switch {
	case a == models.ActSetPrivate && t.Private:
		return models.Errorf(models.EConflict, "the report is private already")
	case a == models.ActSetPublic && s.catalog.Load().categories[t.Category].Private:
		return models.Errorf(models.EConflict, "category %s is private by policy, so its reports stay out of public views; recategorize the report to publish it", t.Category)
	case a == models.ActSetPublic && !t.Private:
		return models.Errorf(models.EConflict, "the report is public already")
	}
	return nil
}

// hideFromPublic hides from every public view, for a reason, what the public must not see —
// faces, plates, insults or a name: it replaces the description the public reads (Redact), hides
// photos of the report (keptFromPublic), or both. The resident's own words and photos stay on
// the ticket for them and the officials; the internal event keeps the new text and names the
// photos, so a later replacement does not erase what the public read before.
func (s *Tickets) hideFromPublic(_ context.Context, c *change) ([]hook, error) {
	t, text := c.t, strings.TrimSpace(c.in.Description)
	if text == "" && len(c.in.Media) == 0 {
		return nil, models.Problem("description", models.ProblemRequired, "",
			"hide_from_public needs a description (the text the public reads instead), media (the photos to hide) or both")
	}
	if utf8.RuneCountInString(text) > models.MaxDescriptionRunes {
		return nil, models.Problem("description", models.ProblemTooLong, strconv.Itoa(models.MaxDescriptionRunes),
			"description is longer than %d characters", models.MaxDescriptionRunes)
	}
	hidden := keptFromPublic(t)
	var fresh []string
	for _, id := range c.in.Media {
		if !slices.Contains(t.Media, id) && !slices.Contains(t.ResultMedia, id) {
			return nil, models.FieldError(models.EUnprocessable, "media", "media %q is not a photo of this report", id)
		}
		if !slices.Contains(hidden, id) && !slices.Contains(fresh, id) {
			fresh = append(fresh, id)
		}
	}
	if text == publicDescription(t) {
		text = "" // what the public reads already: only the photos change
	}
	if text == "" && len(fresh) == 0 {
		return nil, models.Errorf(models.EConflict, "the public already reads this description and sees none of these photos")
	}
	if err := required("reason", c.in.Reason, 1000); err != nil {
		return nil, err
	}
	if text != "" {
		t.PublicDescription, c.ev.PublicDescription = text, text
	}
	c.ev.Reason, c.ev.Media = c.in.Reason, fresh
	return nil, nil
}
