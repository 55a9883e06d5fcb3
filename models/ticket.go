package models

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// State is where a ticket is in the processing flow.
type State string

// Ticket states. received…awaiting_info are open; the rest are final or waiting for the resident.
const (
	StateReceived     State = "received"
	StateAssigned     State = "assigned"
	StateInProgress   State = "in_progress"
	StateAwaitingInfo State = "awaiting_info"
	StateResolved     State = "resolved"
	StateClosed       State = "closed"
	StateRejected     State = "rejected"
	StateDuplicate    State = "duplicate"
	StateWithdrawn    State = "withdrawn"
)

// OpenStates lists the states Open accepts, for store queries (the queue's default, nearby
// reports, a boundary switch-over's re-routing).
var OpenStates = []State{StateReceived, StateAssigned, StateInProgress, StateAwaitingInfo}

// Open reports whether work on the ticket is still expected (Open311 "open").
func (s State) Open() bool {
	return slices.Contains(OpenStates, s)
}

// Location is where the resident says the problem is, with the phone's accuracy estimate.
type Location struct {
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
	AccuracyM float64 `json:"accuracy_m,omitempty"`
}

// Visibility decides who may read a history event.
type Visibility string

// Event visibilities.
const (
	Public   Visibility = "public"
	Internal Visibility = "internal"
)

// Event is one entry of a ticket's history, stored inside the ticket so a read needs one lookup.
//
// What an action decided is kept in typed fields — the reason, the outcome, the new deadline,
// the unit or officer it named — and Note holds only the text the actor typed, if any. Readers
// (pushes, the API, Open311) take each part from its field, so none of them has to take a
// sentence apart, and each view can show or hide a part on its own (PublicEvent).
type Event struct {
	At         time.Time  `json:"at"`
	ActorRole  Role       `json:"actor_role"`
	ActorID    string     `json:"actor_id,omitempty"`
	Action     Action     `json:"action"`
	From       State      `json:"from,omitempty"`
	To         State      `json:"to"`
	Note       string     `json:"note,omitempty"`
	Visibility Visibility `json:"visibility"`
	// NoteInternal keeps the note of a public event from the public: a resident's answer to a
	// request for information or their rating comment is read by the reporter and the
	// officials, and by everyone else only when the resident chose "public". On an add_comment
	// it keeps the whole addition — the event, its note and its photos — from the public.
	NoteInternal bool `json:"note_internal,omitempty"`
	// Media are the ids of the photos an add_comment added to the report (Ticket.Media holds
	// them too), so a view can tell which of them the resident kept from the public; on a
	// hide_from_public, the photos the IOC hid from the public.
	Media []string `json:"media,omitempty"`

	// Reason is the reject reason (one of RejectReasons) or the text the actor gave as the reason
	// of a transfer, an extension request or a reopen; FollowDuplicateMerged on the follow the
	// system adds when a duplicate is merged; EscalationTransferLimit on an escalation for too
	// many transfers.
	Reason string `json:"reason,omitempty"`
	// Outcome is the result recorded by resolve.
	Outcome Outcome `json:"outcome,omitempty"`
	// DueAt is the deadline an event names: the one requested (request_extension), granted
	// (approve_extension) or approaching (remind).
	DueAt time.Time `json:"due_at,omitzero"`
	// UnitID and UnitName are the unit a transfer moved the ticket to, as it was named then.
	UnitID   string `json:"unit_id,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
	// Assignee is the username of the official an assign named: staff read it, never the public.
	Assignee string `json:"assignee,omitempty"`
	// DuplicateOf is the code of the ticket a mark_duplicate or a merge merged this one into.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// MergedFrom is the code of the duplicate a merged_from event took in (ActMergedFrom).
	MergedFrom string `json:"merged_from,omitempty"`
	// Rating is the resident's 1–5 of a rate; their comment is the Note.
	Rating int `json:"rating,omitempty"`
	// EscalationLevel is whom an escalate alerted: 1 the unit's leader, 2 the IOC.
	EscalationLevel int `json:"escalation_level,omitempty"`
	// Category and PrevCategory are the category a recategorize moved the ticket to and the one
	// it had before, so the history tells the whole correction without the ticket at hand.
	Category     string `json:"category,omitempty"`
	PrevCategory string `json:"prev_category,omitempty"`
	// PublicDescription is the description a hide_from_public gave the public view.
	PublicDescription string `json:"public_description,omitempty"`
}

// FollowDuplicateMerged is the Reason of the follow the system records on the original when
// the reporter of a duplicate is made its follower.
const FollowDuplicateMerged = "duplicate_merged"

// EscalationTransferLimit is the Reason of the escalate the SLA worker records when a ticket
// went through more transfers than the city allows (app.Config.TransferLimit).
const EscalationTransferLimit = "transfer_limit"

// Ticket is a resident's report and everything that happened to it. It is the single source of
// truth: every change is a compare-and-set on Version, and derived effects catch up to
// AppliedVersion (docs/ARCHITECTURE.md, effects).
type Ticket struct {
	ID             string   `json:"id"`
	Code           string   `json:"code"`
	State          State    `json:"state"`
	Version        int      `json:"version"`
	AppliedVersion int      `json:"applied_version"`
	Category       string   `json:"category"`
	Group          Group    `json:"group"`
	Description    string   `json:"description"`
	Address        string   `json:"address,omitempty"`
	Location       Location `json:"location"`
	Media          []string `json:"media,omitempty"`
	AllowContact   bool     `json:"allow_contact"`
	Private        bool     `json:"private"`
	ReporterID     string   `json:"reporter_id"`
	// IdempotencyKey is unique across all tickets: "<reporter id>/<client key>", or
	// "ticket/<id>" when the client sent none, so a unique index needs no partial filter.
	IdempotencyKey   string    `json:"idempotency_key"`
	BoundarySet      string    `json:"boundary_set"`
	AreaCode         string    `json:"area_code"`
	AreaName         string    `json:"area_name"`
	UnitID           string    `json:"unit_id"`
	UnitName         string    `json:"unit_name"`
	UnitKind         UnitKind  `json:"unit_kind"`
	RoutedByNearest  bool      `json:"routed_by_nearest"`
	RoutingAmbiguous bool      `json:"routing_ambiguous"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	TriageDueAt      time.Time `json:"triage_due_at"`
	ResolveDueAt     time.Time `json:"resolve_due_at"`
	// PolicyVersion is the version of the category's policy (deadlines, privacy) the ticket was
	// filed under; 0 for tickets filed before versions existed, which is version 1 (Policy).
	PolicyVersion int `json:"policy_version,omitempty"`
	// OccurredAt is when the resident says the problem happened or was seen, if they said
	// (zero otherwise); it informs the unit and never moves the deadlines, which run from
	// CreatedAt.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
	History    []Event   `json:"history"`

	// DueAt is the deadline that matters now — triage while received, resolution after — and
	// what queues sort by. While awaiting_info it holds the deadline as it would be if the
	// resident answered this instant (the clock is paused).
	DueAt time.Time `json:"due_at"`
	// PausedAt is when the ticket started waiting for the resident; PausedRemaining is the
	// working (or clock) time that was left then, restored when the answer comes.
	PausedAt        time.Time     `json:"paused_at,omitzero"`
	PausedRemaining time.Duration `json:"paused_remaining,omitempty"`
	PausedTotal     time.Duration `json:"paused_total,omitempty"`
	// ExtendedFrom is the resolution deadline before the first approved extension; zero when
	// never extended. It separates "late" from "late with an approved extension".
	ExtendedFrom time.Time         `json:"extended_from,omitzero"`
	Extension    *ExtensionRequest `json:"extension,omitempty"` // pending request

	AssignedTo      string      `json:"assigned_to,omitempty"`      // officer id within the unit
	TransferredFrom []string    `json:"transferred_from,omitempty"` // earlier units, which keep read access
	Followers       []string    `json:"followers,omitempty"`        // residents who said "me too"
	DuplicateOf     string      `json:"duplicate_of,omitempty"`
	RejectReason    string      `json:"reject_reason,omitempty"`
	Outcome         Outcome     `json:"outcome,omitempty"`
	ResultNote      string      `json:"result_note,omitempty"`
	ResultMedia     []string    `json:"result_media,omitempty"`
	Rating          int         `json:"rating,omitempty"`
	RatingComment   string      `json:"rating_comment,omitempty"`
	ReopenCount     int         `json:"reopen_count,omitempty"`
	TriagedAt       time.Time   `json:"triaged_at,omitzero"`
	ResolvedAt      time.Time   `json:"resolved_at,omitzero"`
	ClosedAt        time.Time   `json:"closed_at,omitzero"`
	OnTimeClass     OnTimeClass `json:"on_time_class,omitempty"`
	// RemindedAt and EscalationLevel (1 = unit leader, 2 = IOC) record what the SLA worker did
	// for the current deadline, so each happens once; both reset when the deadline restarts.
	RemindedAt      time.Time `json:"reminded_at,omitzero"`
	EscalationLevel int       `json:"escalation_level,omitempty"`
	// NextCheckAt is when the SLA worker must look at the ticket next (reminder, escalation or
	// auto-close); zero when nothing is scheduled. Stores index it.
	NextCheckAt time.Time `json:"next_check_at,omitzero"`
	// LegalHold is set while the IOC holds the ticket for an investigation (LegalHold).
	LegalHold *LegalHold `json:"legal_hold,omitempty"`

	// PublicDescription, when set, is what every public view shows instead of Description: the
	// IOC's replacement of a text the public must not read (hide_from_public). Description stays
	// the resident's own words, for them and the officials.
	PublicDescription string `json:"public_description,omitempty"`

	// Channel is how the report reached the city; stores read a ticket stored without one as
	// ChannelApp (Channel.OrApp).
	Channel Channel `json:"channel,omitempty"`
	// FiledBy is the official who filed the report on a resident's behalf (empty when the
	// resident filed it): staff read it, never the reporter or the public.
	FiledBy string `json:"filed_by,omitempty"`
	// InfoRemindAt and InfoWaitUntil are the halfway point and the cap of the current wait for
	// the resident (awaiting_info), in working days of the category's policy
	// (Category.InfoWaitDays), fixed when the unit asks so that the date the resident is told
	// holds; zero when not waiting. The SLA worker reminds at the first and applies the
	// category's policy at the second.
	InfoRemindAt  time.Time `json:"info_remind_at,omitzero"`
	InfoWaitUntil time.Time `json:"info_wait_until,omitzero"`

	// E2EDueAt is the end-to-end resolution deadline: the category's resolution allowance from
	// filing, plus E2EAdded. A transfer restarts the receiving unit's own deadline
	// (ResolveDueAt) but never this one, which is what the city answers for to the resident.
	// Zero for tickets filed before it existed, which statistics judge by OnTimeClass.
	E2EDueAt time.Time `json:"e2e_due_at,omitzero"`
	// E2EAdded is the time (in the resolution rule's currency) added to the end-to-end
	// allowance since filing: approved extensions and the waits for the resident, each wait
	// counted up to its cap (InfoWaitUntil).
	E2EAdded time.Duration `json:"e2e_added,omitempty"`
	// UnitHolds records, in order, each unit that held the ticket: from when it received it
	// until it transferred it away or the ticket left the open states; the last one is open
	// (zero Until) while the ticket is open.
	UnitHolds []UnitHold `json:"unit_holds,omitempty"`
}

// UnitHold is one unit's time with a ticket: the measure of its own share of the end-to-end
// time, whatever happened before it received the ticket.
type UnitHold struct {
	UnitID   string    `json:"unit_id"`
	UnitName string    `json:"unit_name"`
	From     time.Time `json:"from"`
	Until    time.Time `json:"until,omitzero"`
	// Held is the working time (office hours of the calendar) from From to Until, set when the
	// hold ends.
	Held time.Duration `json:"held,omitempty"`
}

// Policy is the category policy version the ticket was filed under (1 for tickets filed
// before versions existed).
func (t *Ticket) Policy() int { return max(t.PolicyVersion, 1) }

// Overdue reports whether the running deadline has passed at now.
func (t *Ticket) Overdue(now time.Time) bool {
	return t.State.ClockRunning() && now.After(t.DueAt)
}

// IsFollower reports whether user follows the ticket.
func (t *Ticket) IsFollower(user string) bool {
	for _, f := range t.Followers {
		if f == user {
			return true
		}
	}
	return false
}

// TicketCursor is a keyset position in the newest-first order (created_at desc, id desc).
type TicketCursor struct {
	CreatedAt time.Time
	ID        string
}

// QueueFilter selects tickets for officials' queues, sorted by DueAt then ID. Empty fields do not
// filter; UnitIDs restricts to tickets currently at one of the units.
type QueueFilter struct {
	UnitIDs   []string
	AreaCode  string
	States    []State
	Category  string
	DueBefore time.Time // DueAt strictly before (with States = running ones: overdue)
	Q         string    // substring of code, description or address, compared folded (FoldText)
	// The work filters of the queue.
	ReporterID       string // filed by this account (the IOC's search by phone)
	AssignedTo       string // assigned to this official
	Unassigned       bool   // assigned to nobody
	ExtensionPending bool   // an extension request awaits a decision
	RoutingFlagged   bool   // routed to the nearest ward or ambiguously: to be checked by hand
	After            *QueueCursor
	Limit            int

	// Channel and Group select the tickets that came through one channel (ChannelApp also
	// selects tickets stored without one) and those of one category group.
	Channel Channel
	Group   Group
}

// QueueCursor is a keyset position in deadline order (due_at asc, id asc).
type QueueCursor struct {
	DueAt time.Time
	ID    string
}

// NearbyFilter selects candidate tickets around a point by a bounding box (stores have no
// geospatial operators on FerretDB; the app measures exact distances).
type NearbyFilter struct {
	MinLat, MaxLat, MinLng, MaxLng float64
	Category                       string
	States                         []State
	CreatedAfter                   time.Time
	Limit                          int
}

// TicketPlace is where a ticket was reported, without the rest of its document: the nearby
// search ranks the candidates of a box by distance from these and reads only the documents of
// the few it shows.
type TicketPlace struct {
	ID       string
	Location Location
}

// TicketFilter selects tickets for lists. Empty fields do not filter.
type TicketFilter struct {
	ReporterID string
	UnitID     string
	// Follower selects the tickets whose Followers hold this user id (a resident's followed
	// reports, the data export).
	Follower string
	After    *TicketCursor
	Limit    int
}

// Limits of report intake.
const (
	MaxDescriptionRunes = 4000
	MaxAddressRunes     = 500
	MaxMediaPerTicket   = 6
	MaxIdempotencyKey   = 128
	MaxAccuracyM        = 10000
)

// ReportInput is what a resident sends to file a report, after transport decoding.
type ReportInput struct {
	Category       string
	Description    string
	Location       Location
	Address        string
	Media          []string
	AllowContact   bool
	IdempotencyKey string
	// OccurredAt is when the problem happened, zero when the resident did not say; the app
	// checks it against the filing time (app.Config.MaxIncidentAge).
	OccurredAt time.Time

	// Channel is how the report came (ChannelApp when empty). A resident names only the app or
	// the web; an official filing on a resident's behalf names how they heard of it.
	Channel Channel
}

// Validate checks a report before anything is looked up or stored, naming every offending
// field (Errors), so that the app can show all of them at once.
func (in *ReportInput) Validate() error {
	in.Category = strings.TrimSpace(in.Category)
	in.Description = strings.TrimSpace(in.Description)
	in.Address = strings.TrimSpace(in.Address)
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	var errs Errors
	if in.Category == "" {
		errs = append(errs, Problem("category", ProblemRequired, "", "category is required"))
	}
	switch {
	case in.Description == "":
		errs = append(errs, Problem("description", ProblemRequired, "", "description is required"))
	case !utf8.ValidString(in.Description):
		errs = append(errs, Problem("description", ProblemMalformed, "", "description is not valid UTF-8"))
	case utf8.RuneCountInString(in.Description) > MaxDescriptionRunes:
		errs = append(errs, Problem("description", ProblemTooLong, strconv.Itoa(MaxDescriptionRunes), "description is longer than %d characters", MaxDescriptionRunes))
	}
	if utf8.RuneCountInString(in.Address) > MaxAddressRunes {
		errs = append(errs, Problem("address", ProblemTooLong, strconv.Itoa(MaxAddressRunes), "address is longer than %d characters", MaxAddressRunes))
	}
	if len(in.Media) > MaxMediaPerTicket {
		errs = append(errs, Problem("media", ProblemTooMany, strconv.Itoa(MaxMediaPerTicket), "at most %d media per report", MaxMediaPerTicket))
	}
	if len(in.IdempotencyKey) > MaxIdempotencyKey {
		errs = append(errs, Problem("idempotency_key", ProblemTooLong, strconv.Itoa(MaxIdempotencyKey), "idempotency key is longer than %d bytes", MaxIdempotencyKey))
	}
	if in.Channel != "" && !in.Channel.Valid() {
		errs = append(errs, Problem("channel", ProblemBadEnum, ChannelList(Channels), "channel must be one of %s", ChannelList(Channels)))
	}
	return JoinProblems(errs.Err(), in.Location.Validate())
}

// Validate checks that a location is a real point on Earth with a plausible accuracy, naming
// every offending coordinate.
func (l Location) Validate() error {
	var errs Errors
	if math.IsNaN(l.Lat) || math.IsInf(l.Lat, 0) || l.Lat < -90 || l.Lat > 90 {
		errs = append(errs, Problem("location.lat", ProblemOutOfRange, "-90..90", "lat must be a number between -90 and 90"))
	}
	if math.IsNaN(l.Lng) || math.IsInf(l.Lng, 0) || l.Lng < -180 || l.Lng > 180 {
		errs = append(errs, Problem("location.lng", ProblemOutOfRange, "-180..180", "lng must be a number between -180 and 180"))
	}
	if math.IsNaN(l.AccuracyM) || l.AccuracyM < 0 || l.AccuracyM > MaxAccuracyM {
		errs = append(errs, Problem("location.accuracy_m", ProblemOutOfRange, "0.."+strconv.Itoa(MaxAccuracyM), "accuracy_m must be between 0 and %d", MaxAccuracyM))
	}
	return errs.Err()
}

// Principal is the authenticated caller of a request: a user (with role and unit) or a machine
// key (with a scope).
type Principal struct {
	UserID string
	Role   Role
	UnitID string
	Scope  APIKeyScope // machine keys only
	// PasswordChange: the account must change its one-time password first; the transport
	// refuses every route but the password change, the account and sign-out until it has.
	PasswordChange bool
	// SecondFactorEnrolment: the deployment requires a second factor of the account's role
	// (REQUIRE_2FA) and it has none yet; the transport refuses every route but the enrolment,
	// the account and sign-out until it has.
	SecondFactorEnrolment bool
}

// Access is what a principal may see of, and do to, one ticket: the single policy table every
// ticket route consults.
type Access int

// Access levels, from nothing to everything.
const (
	AccessNone     Access = iota // the ticket does not exist for the caller (404)
	AccessFollower               // a resident who said "me too": public view, unfollow
	AccessReporter               // the resident who filed it: public view, the reporter's actions
	AccessPrevUnit               // a unit the ticket was transferred from: full view, read-only
	AccessUnit                   // the responsible unit: full view, the unit's actions
	AccessIOC                    // IOC roles and administrators: full view; operators act
)

// Internal reports whether the access level shows internal history and the reporter's pseudonym.
func (a Access) Internal() bool { return a >= AccessPrevUnit }

// TicketAccess decides the caller's access to t (the reporter, followers, the
// responsible unit, the units it came from and the IOC; everyone else is told it does not exist).
func (p Principal) TicketAccess(t *Ticket) Access {
	switch {
	case p.UserID == "" || p.Scope != "":
		return AccessNone
	case p.Role == RoleResident && t.ReporterID == p.UserID:
		return AccessReporter
	case p.Role == RoleResident && t.IsFollower(p.UserID):
		return AccessFollower
	case p.Role.SeesAllTickets():
		return AccessIOC
	case p.Role.NeedsUnit() && p.UnitID != "" && p.UnitID == t.UnitID:
		return AccessUnit
	case p.Role.NeedsUnit() && p.UnitID != "":
		for _, u := range t.TransferredFrom {
			if u == p.UnitID {
				return AccessPrevUnit
			}
		}
	}
	return AccessNone
}

// CanReadTicket reports whether the ticket exists for the caller at all.
func (p Principal) CanReadTicket(t *Ticket) bool { return p.TicketAccess(t) != AccessNone }
