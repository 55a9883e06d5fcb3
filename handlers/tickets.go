package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

type locationBody struct {
	Lat       *float64 `json:"lat" jsonschema:"required,minimum=-90,maximum=90,example=10.3759"`
	Lng       *float64 `json:"lng" jsonschema:"required,minimum=-180,maximum=180,example=105.4355"`
	AccuracyM *float64 `json:"accuracy_m" jsonschema:"minimum=0" jsonschema_description:"the device's accuracy in metres"`
}

type createTicketRequest struct {
	Category        string        `json:"category" jsonschema:"required,example=ANTT.01" jsonschema_description:"a category code (GET /v1/categories)"`
	Description     string        `json:"description" jsonschema:"required,maxLength=4000"`
	Location        *locationBody `json:"location" jsonschema:"required"`
	Address         string        `json:"address"`
	Media           []string      `json:"media" jsonschema:"maxItems=6" jsonschema_description:"ids of uploaded photos (POST /v1/media)"`
	AllowContact    bool          `json:"allow_contact" jsonschema_description:"the unit may see the reporter's phone (where the category allows it)"`
	ClientRequestID string        `json:"client_request_id" jsonschema_description:"the client's id of this report: a retry with the same id returns the original (like Idempotency-Key)"`
	OccurredAt      string        `json:"occurred_at" jsonschema:"format=date-time" jsonschema_description:"when the problem happened, if the resident says: not in the future (5 minutes of clock skew allowed), at most 30 days before filing; the deadlines still run from filing"`
	Channel         string        `json:"channel" jsonschema:"enum=app,enum=web" jsonschema_description:"how the resident files: app (default) or web; the other channels are for officials (POST /v1/tickets/on-behalf): 400 bad_enum"`
}

// input turns the body into the app's input, insisting on the location a report must have
// (location), and checks it whole (models.ReportInput.Validate, which the app repeats) so that
// every problem of the report is answered at once.
func (r *createTicketRequest) input(headerKey string) (models.ReportInput, error) {
	in := models.ReportInput{
		Category: r.Category, Description: r.Description, Address: r.Address,
		Media: r.Media, AllowContact: r.AllowContact, IdempotencyKey: r.ClientRequestID,
		Channel: models.Channel(r.Channel),
	}
	var errs models.Errors
	if headerKey != "" {
		if r.ClientRequestID != "" && r.ClientRequestID != headerKey {
			errs = append(errs, models.Problem("client_request_id", models.ProblemMismatch, "Idempotency-Key", "client_request_id differs from the Idempotency-Key header"))
		}
		in.IdempotencyKey = headerKey
	}
	loc, missing := r.Location.location()
	in.Location = loc
	errs = append(errs, missing...)
	if r.OccurredAt != "" {
		at, err := time.Parse(time.RFC3339, r.OccurredAt)
		if err != nil || at.IsZero() {
			errs = append(errs, models.Problem("occurred_at", models.ProblemMalformed, "",
				"occurred_at must be an RFC 3339 time such as 2026-12-01T17:00:00+07:00"))
		}
		in.OccurredAt = at
	}
	return in, models.JoinProblems(in.Validate(), errs.Err())
}

// location is the report's point, or the coordinates missing from it (a missing lat must not
// silently become 0).
func (l *locationBody) location() (models.Location, models.Errors) {
	if l == nil {
		return models.Location{}, models.Errors{models.Problem("location", models.ProblemRequired, "", "location is required")}
	}
	var missing models.Errors
	if l.Lat == nil {
		missing = append(missing, models.Problem("location.lat", models.ProblemRequired, "", "location.lat is required"))
	}
	if l.Lng == nil {
		missing = append(missing, models.Problem("location.lng", models.ProblemRequired, "", "location.lng is required"))
	}
	if missing != nil {
		return models.Location{}, missing
	}
	loc := models.Location{Lat: *l.Lat, Lng: *l.Lng}
	if l.AccuracyM != nil {
		loc.AccuracyM = *l.AccuracyM
	}
	return loc, nil
}

// createTicket files a report. A body with fields of the wrong type or unknown fields is still
// checked as far as it was read, so the answer lists every problem of the report together.
func (s *jsonAPI) createTicket(c *fiber.Ctx) error {
	var req createTicketRequest
	decodeErr := decodeJSON(c, &req)
	if decodeErr != nil && models.FieldProblems(decodeErr) == nil {
		return decodeErr
	}
	in, err := req.input(c.Get("Idempotency-Key"))
	if err = models.JoinProblems(decodeErr, err); err != nil {
		return err
	}
	p := principal(c)
	t, created, err := s.svc.Tickets.FileLimitedReport(c.UserContext(), p, in, s.clientIP(c))
	if err != nil {
		return err
	}
	return s.sendFiled(c, p, t, created)
}

// sendFiled answers a filing: 201 with the new ticket, or 200 with the one an earlier attempt
// with the same idempotency key filed, its Location either way.
func (s *jsonAPI) sendFiled(c *fiber.Ctx, p models.Principal, t *models.Ticket, created bool) error {
	if created {
		c.Status(fiber.StatusCreated)
	}
	c.Location("/v1/tickets/" + t.ID)
	return s.sendDetail(c, p, t)
}

func (s *jsonAPI) getTicket(c *fiber.Ctx) error {
	p := principal(c)
	t, err := s.svc.Tickets.Ticket(c.UserContext(), p, c.Params("id"))
	if err != nil {
		return err
	}
	return s.sendDetail(c, p, t)
}

type ticketListResponse struct {
	Tickets    []ticketBody `json:"tickets"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// listTickets serves the resident's own reports (?mine=true); officials' queues come with the
// workflow.
func (s *jsonAPI) listTickets(c *fiber.Ctx) error {
	mine, following := c.Query("mine"), c.Query("following")
	switch {
	case mine == "true" && following == "":
	case following == "true" && mine == "":
	default:
		return models.FieldError(models.EInvalid, "mine", "give mine=true (your reports) or following=true (the reports you follow)")
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	p := principal(c)
	if following == "true" {
		return s.followedTickets(c, p, limit)
	}
	page, err := s.svc.Tickets.MyTickets(c.UserContext(), p, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := ticketListResponse{Tickets: make([]ticketBody, 0, len(page.Tickets)), NextCursor: page.NextCursor}
	for _, t := range page.Tickets {
		b := listView(t, p, s.svc.Tickets.Overdue(t))
		b.AllowedActions = s.svc.Tickets.Allowed(p, t) // residents rate or reopen from their list
		out.Tickets = append(out.Tickets, b)
	}
	return c.JSON(out)
}

// followedTickets answers GET /v1/tickets?following=true: each report in the view a follower
// has of it, the public one.
func (s *jsonAPI) followedTickets(c *fiber.Ctx, p models.Principal, limit int) error {
	ctx := c.UserContext()
	page, err := s.svc.Tickets.FollowedTickets(ctx, p, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := ticketListResponse{Tickets: make([]ticketBody, 0, len(page.Tickets)), NextCursor: page.NextCursor}
	for _, t := range page.Tickets {
		d, err := s.svc.Tickets.Detail(ctx, p, t)
		if err != nil {
			return err
		}
		out.Tickets = append(out.Tickets, detailView(d, s.svc.Tickets.Overdue(t)))
	}
	return c.JSON(out)
}

type ticketBody struct {
	ID              string          `json:"id"`
	Code            string          `json:"code"`
	State           models.State    `json:"state"`
	Version         int             `json:"version"`
	Category        string          `json:"category"`
	Group           models.Group    `json:"group"`
	Description     string          `json:"description"`
	Address         string          `json:"address,omitempty"`
	Location        models.Location `json:"location"`
	Media           []string        `json:"media"`
	AllowContact    bool            `json:"allow_contact"`
	Private         bool            `json:"private"`
	Area            ticketArea      `json:"area"`
	Unit            ticketUnit      `json:"unit"`
	BoundarySet     string          `json:"boundary_set"`
	RoutedByNearest bool            `json:"routed_by_nearest"`
	CreatedAt       string          `json:"created_at" jsonschema:"format=date-time"`
	OccurredAt      string          `json:"occurred_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"when the resident says the problem happened (absent when they did not say); the reporter and the officials only, never the public view"` // the incident time the reporter gave; never in the public view
	UpdatedAt       string          `json:"updated_at" jsonschema:"format=date-time"`
	TriageDueAt     string          `json:"triage_due_at" jsonschema:"format=date-time"`
	ResolveDueAt    string          `json:"resolve_due_at" jsonschema:"format=date-time"`
	DueAt           string          `json:"due_at" jsonschema:"format=date-time" jsonschema_description:"the deadline running now: triage while received, resolution after"`
	Overdue         bool            `json:"overdue"`
	Outcome         models.Outcome  `json:"outcome,omitempty"`
	ResultNote      string          `json:"result_note,omitempty"`
	ResultMedia     []string        `json:"result_media,omitempty" jsonschema_description:"the officials' before/after photos, with the resolution"` // the officials' before/after photos
	Rating          int             `json:"rating,omitempty" jsonschema:"minimum=1,maximum=5"`
	RejectReason    string          `json:"reject_reason,omitempty"`
	DuplicateOf     string          `json:"duplicate_of,omitempty"`
	OnTimeClass     string          `json:"on_time_class,omitempty" jsonschema:"enum=on_time,enum=late,enum=late_with_extension"`
	ReopenCount     int             `json:"reopen_count"`
	FollowersCount  int             `json:"followers_count"`
	// PolicyVersion is the version of the category's deadline and privacy policy the ticket was
	// filed under (GET /v1/admin/categories/{code}/policies).
	PolicyVersion  int             `json:"policy_version" jsonschema_description:"the version of the category's deadline and privacy policy the ticket was filed under (1 for tickets filed before versions)"`
	AllowedActions []models.Action `json:"allowed_actions,omitempty" jsonschema_description:"what the caller may do now (POST /v1/tickets/{id}/actions)"`
	History        []eventBody     `json:"history"`

	// Officials only.
	RoutingAmbiguous bool           `json:"routing_ambiguous,omitempty"`
	Extension        *extensionBody `json:"extension,omitempty"`
	AssignedTo       string         `json:"assigned_to,omitempty"`
	EscalationLevel  int            `json:"escalation_level,omitempty"`
	TransferredFrom  []string       `json:"transferred_from,omitempty"`
	Reporter         *reporterBody  `json:"reporter,omitempty"`
	// LegalHold is the IOC's hold on the ticket (erasure.go), never the identity it keeps.
	LegalHold *legalHoldBody `json:"legal_hold,omitempty"`
	// PublicDescription is what the public reads instead of the description (hide_from_public).
	PublicDescription string `json:"public_description,omitempty" jsonschema_description:"officials' view only: what the public reads instead of the description (hide_from_public)"`

	// Channel is how the report came: the reporter's and the officials' views (the public copy
	// has none). FiledBy, officials only, is who filed it on the resident's behalf.
	Channel models.Channel `json:"channel,omitempty" jsonschema_description:"how the report came (the reporter and the officials; not in the public view): app for tickets filed before channels were recorded"`
	FiledBy string         `json:"filed_by,omitempty" jsonschema_description:"officials' view only: the account id of the official who filed the report on a resident's behalf"`
	// InfoWaitUntil is when a wait for the resident's answer ends (the category's cap), so the
	// reporter knows how long they have; InfoRemindAt (officials only) is the halfway reminder.
	InfoWaitUntil string `json:"info_wait_until,omitempty" jsonschema:"format=date-time" jsonschema_description:"awaiting_info only: when the wait for the resident's answer ends (the category's info_wait_days in working days); then the ticket closes as no_response or returns to the unit (info_wait_policy)"`
	InfoRemindAt  string `json:"info_remind_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"officials' view only, awaiting_info only: when the resident is reminded (halfway to info_wait_until)"`

	// Officials only: the end-to-end deadline from filing, which transfers never move, and
	// each unit's held time (app/e2e.go).
	E2EDueAt  string         `json:"e2e_due_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"officials' view only: the end-to-end resolution deadline from filing (the category's allowance, plus approved extensions and the waits for the resident up to their caps); a transfer restarts the receiving unit's resolve_due_at but never this; absent for tickets filed before it existed"`
	UnitHolds []unitHoldBody `json:"unit_holds,omitempty" jsonschema_description:"officials' view only: each unit that held the ticket, in order, from receiving it until it transferred it away or the ticket was resolved or closed"`
}

// unitHoldBody is one unit's time with the ticket; held_hours is working hours, set once the
// unit no longer holds it.
type unitHoldBody struct {
	UnitID    string   `json:"unit_id"`
	UnitName  string   `json:"unit_name"`
	From      string   `json:"from" jsonschema:"format=date-time"`
	Until     string   `json:"until,omitempty" jsonschema:"format=date-time" jsonschema_description:"absent while the unit holds it"`
	HeldHours *float64 `json:"held_hours,omitempty" jsonschema_description:"working hours (office hours of the working calendar) from from to until"`
}

// unitHoldsView renders the units' holds of a ticket.
func unitHoldsView(hs []models.UnitHold) []unitHoldBody {
	var out []unitHoldBody
	for _, h := range hs {
		b := unitHoldBody{UnitID: h.UnitID, UnitName: h.UnitName, From: formatTime(h.From), Until: formatTime(h.Until)}
		if !h.Until.IsZero() {
			v := h.Held.Hours()
			b.HeldHours = &v
		}
		out = append(out, b)
	}
	return out
}

type extensionBody struct {
	DueAt  string `json:"due_at" jsonschema:"format=date-time"`
	Reason string `json:"reason"`
}

type reporterBody struct {
	Pseudonym string `json:"pseudonym"`
	Phone     string `json:"phone,omitempty"`
	Name      string `json:"name,omitempty"`
	// Erased: the reporter erased their data (or its retention ended): no one can reveal them.
	Erased bool `json:"erased,omitempty" jsonschema_description:"the reporter erased their data (or its retention ended): nobody can reveal them"`
}

type ticketArea struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type ticketUnit struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Kind models.UnitKind `json:"kind"`
}

type eventBody struct {
	At         string            `json:"at" jsonschema:"format=date-time"`
	Action     models.Action     `json:"action"`
	From       models.State      `json:"from,omitempty"`
	To         models.State      `json:"to"`
	ActorRole  models.Role       `json:"actor_role"`
	Actor      string            `json:"actor,omitempty" jsonschema_description:"officials' view only: the staff id, or the reporter's pseudonym"` // officials only: staff id or the reporter's pseudonym
	Note       string            `json:"note,omitempty" jsonschema_description:"only what the actor typed; what the action decided is in the fields below"`
	Visibility models.Visibility `json:"visibility"`
	// NoteInternal marks a resident's text that the public view leaves out.
	NoteInternal bool `json:"note_internal,omitempty" jsonschema_description:"a resident's answer, rating comment or addition (add_comment) that only the reporter and the officials read"`
	// What the action decided (models.Event): the reject, transfer, extension or reopen reason,
	// the outcome, the deadline requested, granted or approaching, the unit moved to, the code of
	// the original of a duplicate, the rating.
	Reason      string         `json:"reason,omitempty" jsonschema_description:"reject (one of the reject reasons), transfer, request_extension, reopen, recategorize, set_private, set_public: the reason given; the system's follow of a merged duplicate's reporter (officials only): duplicate_merged"`
	Outcome     models.Outcome `json:"outcome,omitempty" jsonschema_description:"resolve: the outcome; close_no_response (the system): no_response"`
	DueAt       string         `json:"due_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"request_extension: the deadline asked for; approve_extension: the deadline granted; remind: the deadline approaching"`
	UnitID      string         `json:"unit_id,omitempty" jsonschema_description:"transfer, and a recategorize whose category routes elsewhere: the unit the ticket moved to"`
	UnitName    string         `json:"unit_name,omitempty" jsonschema_description:"transfer, recategorize: the name of that unit then"`
	DuplicateOf string         `json:"duplicate_of,omitempty" jsonschema_description:"mark_duplicate, merge: the code of the original; absent in the public view when the original is not public"`
	// MergedFrom is the code of the duplicate a merged_from event took in.
	MergedFrom string `json:"merged_from,omitempty" jsonschema_description:"merged_from: the code of the duplicate merged into this ticket (public only when that one is public)"`
	Rating     int    `json:"rating,omitempty" jsonschema:"minimum=1,maximum=5" jsonschema_description:"rate: the resident's rating (the comment is the note)"`
	// Media are the photos an add_comment added, for the reporter and the officials; the
	// public copy of an event never names them.
	Media []string `json:"media,omitempty" jsonschema_description:"add_comment: the photos the reporter added; hide_from_public: the photos hidden from the public (the reporter's and the officials' views only)"`
	// Category and PrevCategory are the categories a recategorize moved the ticket to and from.
	Category     string `json:"category,omitempty" jsonschema_description:"recategorize: the category the ticket moved to"`
	PrevCategory string `json:"prev_category,omitempty" jsonschema_description:"recategorize: the category it had before"`
	// PublicDescription is the text a hide_from_public gave the public (an internal event).
	PublicDescription string `json:"public_description,omitempty" jsonschema_description:"officials' view only; hide_from_public: the text the public reads instead of the description"`
	// Officials only: the username an assign named, whom an escalate alerted.
	Assignee        string `json:"assignee,omitempty" jsonschema_description:"officials' view only; assign: the username of the official named"`
	EscalationLevel int    `json:"escalation_level,omitempty" jsonschema_description:"officials' view only; escalate: 1 the unit leader, 2 the IOC"`
}

// publicEventBody renders what of e the reporter and the public may read: no actor and no
// assignee. The caller decides which events they see (public ones only) and passes the public
// copy (app.PublicEvent) to anyone but the reporter.
func publicEventBody(e models.Event) eventBody {
	return eventBody{At: formatTime(e.At), Action: e.Action, From: e.From, To: e.To, ActorRole: e.ActorRole,
		Note: e.Note, Visibility: e.Visibility, NoteInternal: e.NoteInternal, Reason: e.Reason, Outcome: e.Outcome,
		DueAt: formatTime(e.DueAt), UnitID: e.UnitID, UnitName: e.UnitName, DuplicateOf: e.DuplicateOf, MergedFrom: e.MergedFrom,
		Rating: e.Rating, Media: e.Media, Category: e.Category, PrevCategory: e.PrevCategory, PublicDescription: e.PublicDescription}
}

// ticketView renders a ticket with its public history and without staff details or identities.
// Given the ticket itself it is the reporter's view (their report exactly as filed); given
// app.Tickets.PublicView's copy — rounded point, no address, scrubbed text — it is the public
// view that followers, "nearby" and everyone who may not read the ticket get. Which one a caller
// receives is the app's decision (app.TicketDetail), never the transport's.
func ticketView(t *models.Ticket, overdue bool) ticketBody {
	b := ticketBody{
		ID: t.ID, Code: t.Code, State: t.State, Version: t.Version, Category: t.Category, Group: t.Group,
		Description: t.Description, Address: t.Address, Location: t.Location, Media: t.Media,
		AllowContact: t.AllowContact, Private: t.Private,
		Area:            ticketArea{Code: t.AreaCode, Name: t.AreaName},
		Unit:            ticketUnit{ID: t.UnitID, Name: t.UnitName, Kind: t.UnitKind},
		BoundarySet:     t.BoundarySet,
		RoutedByNearest: t.RoutedByNearest,
		CreatedAt:       formatTime(t.CreatedAt), UpdatedAt: formatTime(t.UpdatedAt), OccurredAt: formatTime(t.OccurredAt),
		TriageDueAt: formatTime(t.TriageDueAt), ResolveDueAt: formatTime(t.ResolveDueAt), DueAt: formatTime(t.DueAt),
		Overdue: overdue, Outcome: t.Outcome, ResultNote: t.ResultNote, ResultMedia: t.ResultMedia, Rating: t.Rating, RejectReason: t.RejectReason,
		DuplicateOf: t.DuplicateOf, OnTimeClass: string(t.OnTimeClass), ReopenCount: t.ReopenCount,
		FollowersCount: len(t.Followers), PolicyVersion: t.Policy(),
		History: []eventBody{},
		Channel: t.Channel,
	}
	if b.Media == nil {
		b.Media = []string{}
	}
	b.InfoWaitUntil = formatTime(t.InfoWaitUntil)
	for _, e := range t.History {
		if e.Visibility == models.Public {
			b.History = append(b.History, publicEventBody(e))
		}
	}
	return b
}

// internalView adds what officials need: internal history, actors, extension, assignment.
// Residents' actions show the pseudonym, never the account id.
func internalView(t *models.Ticket, overdue bool, pseudonym string) ticketBody {
	b := ticketView(t, overdue)
	b.PublicDescription = t.PublicDescription
	b.FiledBy = t.FiledBy
	b.History = b.History[:0]
	for _, e := range t.History {
		actor := e.ActorID
		if e.ActorRole == models.RoleResident && actor != "" {
			actor = pseudonym
			if e.ActorID != t.ReporterID {
				actor = ""
			}
		}
		eb := publicEventBody(e)
		eb.Actor, eb.Assignee, eb.EscalationLevel = actor, e.Assignee, e.EscalationLevel
		b.History = append(b.History, eb)
	}
	b.RoutingAmbiguous = t.RoutingAmbiguous
	b.AssignedTo = t.AssignedTo
	b.EscalationLevel = t.EscalationLevel
	b.TransferredFrom = t.TransferredFrom
	b.LegalHold = legalHoldView(t.LegalHold)
	b.InfoRemindAt = formatTime(t.InfoRemindAt)
	b.E2EDueAt, b.UnitHolds = formatTime(t.E2EDueAt), unitHoldsView(t.UnitHolds)
	if t.Extension != nil {
		b.Extension = &extensionBody{DueAt: formatTime(t.Extension.DueAt), Reason: t.Extension.Reason}
	}
	return b
}

// listView is a ticket in a list: the reporter's view for residents (their own reports),
// internal (without the reporter's identity, which is only resolved — and audited — when one
// ticket is opened) for officials.
func listView(t *models.Ticket, p models.Principal, overdue bool) ticketBody {
	if p.Role == models.RoleResident {
		return ticketView(t, overdue)
	}
	return internalView(t, overdue, "")
}

// detailView is one ticket as the caller may see it.
func detailView(d app.TicketDetail, overdue bool) ticketBody {
	var b ticketBody
	if d.Access.Internal() {
		b = internalView(d.Ticket, overdue, d.Reporter.Pseudonym)
		b.Reporter = &reporterBody{Pseudonym: d.Reporter.Pseudonym, Phone: d.Reporter.Phone, Name: d.Reporter.Name, Erased: d.Reporter.Erased}
	} else {
		b = ticketView(d.Ticket, overdue) // the reporter's, or the public copy (app.TicketDetail)
	}
	b.AllowedActions = d.Allowed
	return b
}
