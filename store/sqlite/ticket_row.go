package sqlite

import (
	"time"

	"phananh/models"
)

// ticketRow is the stored JSON document of a ticket. It is the store's own shape, like eventRow:
// the keys are those the documents have always had (they used to be models.Ticket's JSON tags),
// so existing databases read back unchanged while the API's JSON is free to change. SQL reads
// some keys directly ($.group, $.private, $.code, $.description, $.address, $.applied_version),
// so a key is never renamed without a migration.
//
// Documents are written compactly (migration 0034): a zero time, a false flag (other than
// private, which SQL compares with 0) and an event's public visibility are left out, where the
// documents written before held "0001-01-01T00:00:00Z", false and "public". Both forms decode to
// the same ticket, so older documents read back unchanged and are compacted when next written.
// History comes last, where the documents have always had it.
type ticketRow struct {
	ID               string        `json:"id"`
	Code             string        `json:"code"`
	State            string        `json:"state"`
	Version          int           `json:"version"`
	AppliedVersion   int           `json:"applied_version"`
	Category         string        `json:"category"`
	Group            string        `json:"group"`
	Description      string        `json:"description"`
	Address          string        `json:"address,omitempty"`
	Location         locationRow   `json:"location"`
	Media            []string      `json:"media,omitempty"`
	AllowContact     bool          `json:"allow_contact,omitempty"`
	Private          bool          `json:"private"`
	ReporterID       string        `json:"reporter_id"`
	IdempotencyKey   string        `json:"idempotency_key"`
	BoundarySet      string        `json:"boundary_set"`
	AreaCode         string        `json:"area_code"`
	AreaName         string        `json:"area_name"`
	UnitID           string        `json:"unit_id"`
	UnitName         string        `json:"unit_name"`
	UnitKind         string        `json:"unit_kind"`
	RoutedByNearest  bool          `json:"routed_by_nearest,omitempty"`
	RoutingAmbiguous bool          `json:"routing_ambiguous,omitempty"`
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
	TriageDueAt      time.Time     `json:"triage_due_at,omitzero"`
	ResolveDueAt     time.Time     `json:"resolve_due_at,omitzero"`
	DueAt            time.Time     `json:"due_at,omitzero"`
	PausedAt         time.Time     `json:"paused_at,omitzero"`
	PausedRemaining  time.Duration `json:"paused_remaining,omitempty"`
	PausedTotal      time.Duration `json:"paused_total,omitempty"`
	ExtendedFrom     time.Time     `json:"extended_from,omitzero"`
	Extension        *extensionRow `json:"extension,omitempty"`
	AssignedTo       string        `json:"assigned_to,omitempty"`
	TransferredFrom  []string      `json:"transferred_from,omitempty"`
	Followers        []string      `json:"followers,omitempty"`
	DuplicateOf      string        `json:"duplicate_of,omitempty"`
	RejectReason     string        `json:"reject_reason,omitempty"`
	Outcome          string        `json:"outcome,omitempty"`
	ResultNote       string        `json:"result_note,omitempty"`
	ResultMedia      []string      `json:"result_media,omitempty"`
	Rating           int           `json:"rating,omitempty"`
	RatingComment    string        `json:"rating_comment,omitempty"`
	ReopenCount      int           `json:"reopen_count,omitempty"`
	TriagedAt        time.Time     `json:"triaged_at,omitzero"`
	ResolvedAt       time.Time     `json:"resolved_at,omitzero"`
	ClosedAt         time.Time     `json:"closed_at,omitzero"`
	OnTimeClass      string        `json:"on_time_class,omitempty"`
	RemindedAt       time.Time     `json:"reminded_at,omitzero"`
	EscalationLevel  int           `json:"escalation_level,omitempty"`
	NextCheckAt      time.Time     `json:"next_check_at,omitzero"`
	PolicyVersion    int           `json:"policy_version,omitempty"` // absent before 0020: version 1
	LegalHold        *legalHoldRow `json:"legal_hold,omitempty"`     // absent unless held
	OccurredAt       time.Time     `json:"occurred_at,omitzero"`     // absent unless the resident said (0027)

	// PublicDescription is the IOC's replacement for the public views; absent unless set.
	PublicDescription string `json:"public_description,omitempty"`

	// The halfway point and the cap of a wait for the resident; absent unless waiting.
	InfoRemindAt  time.Time `json:"info_remind_at,omitzero"`
	InfoWaitUntil time.Time `json:"info_wait_until,omitzero"`

	// The end-to-end deadline and the units' holds; absent in tickets filed before them.
	E2EDueAt  time.Time     `json:"e2e_due_at,omitzero"`
	E2EAdded  time.Duration `json:"e2e_added,omitempty"`
	UnitHolds []unitHoldRow `json:"unit_holds,omitempty"`
	// Channel and FiledBy: absent before 0028 and, since 0034, for the app (channel "app"),
	// FiledBy unless an official filed the report on a resident's behalf.
	Channel string `json:"channel,omitempty"`
	FiledBy string `json:"filed_by,omitempty"`

	History []eventRow `json:"history"`
}

// legalHoldRow is the stored form of a legal hold with its identity snapshot.
type legalHoldRow struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Phone  string    `json:"phone,omitempty"`
	Name   string    `json:"name,omitempty"`
}

// legalHoldRowOf converts a hold to its stored form; nil stays nil.
func legalHoldRowOf(h *models.LegalHold) *legalHoldRow {
	if h == nil {
		return nil
	}
	return &legalHoldRow{Reason: h.Reason, By: h.By, At: normTime(h.At), Phone: h.Phone, Name: h.Name}
}

// hold converts a stored hold back to the model; nil stays nil.
func (r *legalHoldRow) hold() *models.LegalHold {
	if r == nil {
		return nil
	}
	return &models.LegalHold{Reason: r.Reason, By: r.By, At: r.At, Phone: r.Phone, Name: r.Name}
}

// locationRow is the stored form of a ticket's location; migration 0004 reads $.location.lat
// and $.location.lng.
type locationRow struct {
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
	AccuracyM float64 `json:"accuracy_m,omitempty"`
}

// extensionRow is the stored form of a pending extension request.
type extensionRow struct {
	DueAt       time.Time `json:"due_at"`
	Reason      string    `json:"reason"`
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
}

// ticketRowOf converts t to its stored form, times in UTC milliseconds so that the document
// reads back exactly like the indexed columns beside it.
func ticketRowOf(t *models.Ticket) *ticketRow {
	return &ticketRow{
		ID: t.ID, Code: t.Code, State: string(t.State), Version: t.Version, AppliedVersion: t.AppliedVersion,
		Category: t.Category, Group: string(t.Group), Description: t.Description, Address: t.Address,
		Location: locationRow{Lat: t.Location.Lat, Lng: t.Location.Lng, AccuracyM: t.Location.AccuracyM},
		Media:    t.Media, AllowContact: t.AllowContact, Private: t.Private, ReporterID: t.ReporterID,
		IdempotencyKey: t.IdempotencyKey, BoundarySet: t.BoundarySet, AreaCode: t.AreaCode, AreaName: t.AreaName,
		UnitID: t.UnitID, UnitName: t.UnitName, UnitKind: string(t.UnitKind),
		RoutedByNearest: t.RoutedByNearest, RoutingAmbiguous: t.RoutingAmbiguous,
		CreatedAt: normTime(t.CreatedAt), UpdatedAt: normTime(t.UpdatedAt),
		TriageDueAt: normTime(t.TriageDueAt), ResolveDueAt: normTime(t.ResolveDueAt), DueAt: normTime(t.DueAt),
		PausedAt: normTime(t.PausedAt), PausedRemaining: t.PausedRemaining, PausedTotal: t.PausedTotal,
		ExtendedFrom: normTime(t.ExtendedFrom), Extension: extensionRowOf(t.Extension),
		AssignedTo: t.AssignedTo, TransferredFrom: t.TransferredFrom, Followers: t.Followers,
		DuplicateOf: t.DuplicateOf, RejectReason: t.RejectReason, Outcome: string(t.Outcome),
		ResultNote: t.ResultNote, ResultMedia: t.ResultMedia, Rating: t.Rating, RatingComment: t.RatingComment,
		ReopenCount: t.ReopenCount, TriagedAt: normTime(t.TriagedAt), ResolvedAt: normTime(t.ResolvedAt),
		ClosedAt: normTime(t.ClosedAt), OnTimeClass: string(t.OnTimeClass), RemindedAt: normTime(t.RemindedAt),
		EscalationLevel: t.EscalationLevel, NextCheckAt: normTime(t.NextCheckAt), PolicyVersion: t.PolicyVersion,
		LegalHold: legalHoldRowOf(t.LegalHold), OccurredAt: normTime(t.OccurredAt), PublicDescription: t.PublicDescription,
		History:      eventRows(t.History),
		InfoRemindAt: normTime(t.InfoRemindAt), InfoWaitUntil: normTime(t.InfoWaitUntil),
		E2EDueAt: normTime(t.E2EDueAt), E2EAdded: t.E2EAdded, UnitHolds: unitHoldRows(t.UnitHolds),
		Channel: storedChannel(t.Channel), FiledBy: t.FiledBy,
	}
}

// storedChannel is a ticket's channel as stored: absent (as before migration 0028) for the app,
// where nearly every report comes from, which the readers and the queue's filter take it for.
func storedChannel(c models.Channel) string {
	if c == models.ChannelApp {
		return ""
	}
	return string(c)
}

// ticket converts a stored document back to the model.
func (r *ticketRow) ticket() *models.Ticket {
	return &models.Ticket{
		ID: r.ID, Code: r.Code, State: models.State(r.State), Version: r.Version, AppliedVersion: r.AppliedVersion,
		Category: r.Category, Group: models.Group(r.Group), Description: r.Description, Address: r.Address,
		Location: models.Location{Lat: r.Location.Lat, Lng: r.Location.Lng, AccuracyM: r.Location.AccuracyM},
		Media:    r.Media, AllowContact: r.AllowContact, Private: r.Private, ReporterID: r.ReporterID,
		IdempotencyKey: r.IdempotencyKey, BoundarySet: r.BoundarySet, AreaCode: r.AreaCode, AreaName: r.AreaName,
		UnitID: r.UnitID, UnitName: r.UnitName, UnitKind: models.UnitKind(r.UnitKind),
		RoutedByNearest: r.RoutedByNearest, RoutingAmbiguous: r.RoutingAmbiguous,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		TriageDueAt: r.TriageDueAt, ResolveDueAt: r.ResolveDueAt, DueAt: r.DueAt,
		PausedAt: r.PausedAt, PausedRemaining: r.PausedRemaining, PausedTotal: r.PausedTotal,
		ExtendedFrom: r.ExtendedFrom, Extension: r.Extension.request(),
		AssignedTo: r.AssignedTo, TransferredFrom: r.TransferredFrom, Followers: r.Followers,
		DuplicateOf: r.DuplicateOf, RejectReason: r.RejectReason, Outcome: models.Outcome(r.Outcome),
		ResultNote: r.ResultNote, ResultMedia: r.ResultMedia, Rating: r.Rating, RatingComment: r.RatingComment,
		ReopenCount: r.ReopenCount, TriagedAt: r.TriagedAt, ResolvedAt: r.ResolvedAt,
		ClosedAt: r.ClosedAt, OnTimeClass: models.OnTimeClass(r.OnTimeClass), RemindedAt: r.RemindedAt,
		EscalationLevel: r.EscalationLevel, NextCheckAt: r.NextCheckAt, PolicyVersion: r.PolicyVersion,
		LegalHold: r.LegalHold.hold(), OccurredAt: r.OccurredAt, PublicDescription: r.PublicDescription,
		History:      events(r.History),
		InfoRemindAt: r.InfoRemindAt, InfoWaitUntil: r.InfoWaitUntil,
		E2EDueAt: r.E2EDueAt, E2EAdded: r.E2EAdded, UnitHolds: unitHolds(r.UnitHolds),
		Channel: models.Channel(r.Channel).OrApp(), FiledBy: r.FiledBy,
	}
}

// unitHoldRow is the stored form of one unit's hold of a ticket.
type unitHoldRow struct {
	UnitID   string        `json:"unit_id"`
	UnitName string        `json:"unit_name"`
	From     time.Time     `json:"from"`
	Until    time.Time     `json:"until,omitzero"`
	Held     time.Duration `json:"held,omitempty"`
}

func unitHoldRows(hs []models.UnitHold) []unitHoldRow {
	if hs == nil {
		return nil
	}
	out := make([]unitHoldRow, len(hs))
	for i, h := range hs {
		out[i] = unitHoldRow{UnitID: h.UnitID, UnitName: h.UnitName, From: normTime(h.From), Until: normTime(h.Until), Held: h.Held}
	}
	return out
}

func unitHolds(rs []unitHoldRow) []models.UnitHold {
	if rs == nil {
		return nil
	}
	out := make([]models.UnitHold, len(rs))
	for i, r := range rs {
		out[i] = models.UnitHold{UnitID: r.UnitID, UnitName: r.UnitName, From: r.From, Until: r.Until, Held: r.Held}
	}
	return out
}

// extensionRowOf converts a pending request to its stored form; nil stays nil.
func extensionRowOf(e *models.ExtensionRequest) *extensionRow {
	if e == nil {
		return nil
	}
	return &extensionRow{DueAt: normTime(e.DueAt), Reason: e.Reason, RequestedBy: e.RequestedBy,
		RequestedAt: normTime(e.RequestedAt)}
}

// request converts a stored request back to the model; nil stays nil.
func (r *extensionRow) request() *models.ExtensionRequest {
	if r == nil {
		return nil
	}
	return &models.ExtensionRequest{DueAt: r.DueAt, Reason: r.Reason, RequestedBy: r.RequestedBy,
		RequestedAt: r.RequestedAt}
}
