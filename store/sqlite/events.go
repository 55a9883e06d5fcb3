package sqlite

import (
	"time"

	"phananh/models"
)

// eventRow is the stored form of one history event inside a ticket document. It is the store's
// own shape, so renaming a field of the API (models.Event's JSON) never changes what is on disk;
// the keys are those the documents have always used, and migration 0014 moved the old
// note-encoded details into the typed keys.
type eventRow struct {
	At           time.Time `json:"at"`
	ActorRole    string    `json:"actor_role"`
	ActorID      string    `json:"actor_id,omitempty"`
	Action       string    `json:"action"`
	From         string    `json:"from,omitempty"`
	To           string    `json:"to"`
	Note         string    `json:"note,omitempty"`
	Visibility   *string   `json:"visibility,omitempty"` // absent: public (see storedVisibility)
	NoteInternal bool      `json:"note_internal,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Outcome      string    `json:"outcome,omitempty"`
	DueAt        time.Time `json:"due_at,omitzero"`
	UnitID       string    `json:"unit_id,omitempty"`
	UnitName     string    `json:"unit_name,omitempty"`
	Assignee     string    `json:"assignee,omitempty"`
	DuplicateOf  string    `json:"duplicate_of,omitempty"`
	// MergedFrom is the duplicate a merged_from event names; absent on every other event.
	MergedFrom      string `json:"merged_from,omitempty"`
	Rating          int    `json:"rating,omitempty"`
	EscalationLevel int    `json:"escalation_level,omitempty"`
	// Media are the photos an add_comment added (migration 0027); absent on every other event.
	Media []string `json:"media,omitempty"`
	// Category and PrevCategory are what a recategorize changed; absent on every other event.
	Category     string `json:"category,omitempty"`
	PrevCategory string `json:"prev_category,omitempty"`
	// PublicDescription is the text a hide_from_public gave the public view.
	PublicDescription string `json:"public_description,omitempty"`
}

// eventRows converts a history to its stored form, times in UTC milliseconds; nil stays nil.
func eventRows(h []models.Event) []eventRow {
	if h == nil {
		return nil
	}
	out := make([]eventRow, len(h))
	for i, e := range h {
		out[i] = eventRow{
			At: normTime(e.At), ActorRole: string(e.ActorRole), ActorID: e.ActorID, Action: string(e.Action),
			From: string(e.From), To: string(e.To), Note: e.Note, Visibility: storedVisibility(e.Visibility),
			NoteInternal: e.NoteInternal, Reason: e.Reason, Outcome: string(e.Outcome), DueAt: normTime(e.DueAt),
			UnitID: e.UnitID, UnitName: e.UnitName, Assignee: e.Assignee, DuplicateOf: e.DuplicateOf,
			Rating: e.Rating, EscalationLevel: e.EscalationLevel, Media: e.Media,
			Category: e.Category, PrevCategory: e.PrevCategory, PublicDescription: e.PublicDescription,
			MergedFrom: e.MergedFrom,
		}
	}
	return out
}

// storedVisibility is an event's visibility as stored: nil (the key left out) for public, the
// visibility of nearly every event; any other value as it is, "" included, so that only public
// reads back as public.
func storedVisibility(v models.Visibility) *string {
	if v == models.Public {
		return nil
	}
	s := string(v)
	return &s
}

// visibility reads the stored visibility back: public when the key is absent.
func (r *eventRow) visibility() models.Visibility {
	if r.Visibility == nil {
		return models.Public
	}
	return models.Visibility(*r.Visibility)
}

// events converts stored events back to the model; nil stays nil.
func events(rows []eventRow) []models.Event {
	if rows == nil {
		return nil
	}
	out := make([]models.Event, len(rows))
	for i, r := range rows {
		out[i] = models.Event{
			At: r.At, ActorRole: models.Role(r.ActorRole), ActorID: r.ActorID, Action: models.Action(r.Action),
			From: models.State(r.From), To: models.State(r.To), Note: r.Note, Visibility: r.visibility(),
			NoteInternal: r.NoteInternal, Reason: r.Reason, Outcome: models.Outcome(r.Outcome), DueAt: r.DueAt,
			UnitID: r.UnitID, UnitName: r.UnitName, Assignee: r.Assignee, DuplicateOf: r.DuplicateOf,
			Rating: r.Rating, EscalationLevel: r.EscalationLevel, Media: r.Media,
			Category: r.Category, PrevCategory: r.PrevCategory, PublicDescription: r.PublicDescription,
			MergedFrom: r.MergedFrom,
		}
	}
	return out
}
