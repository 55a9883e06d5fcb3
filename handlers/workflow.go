package handlers

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

type actionRequest struct {
	Action          models.Action     `json:"action" jsonschema:"required,enum=accept,enum=reject,enum=transfer,enum=mark_duplicate,enum=merge,enum=start,enum=request_info,enum=resolve,enum=note,enum=assign,enum=request_extension,enum=approve_extension,enum=deny_extension,enum=provide_info,enum=withdraw,enum=rate,enum=reopen,enum=follow,enum=unfollow,enum=add_comment,enum=recategorize,enum=set_private,enum=set_public,enum=hide_from_public"`
	ExpectedVersion *int              `json:"expected_version" jsonschema_description:"the ticket version the caller saw (or If-Match): a stale one answers 409"`
	Note            string            `json:"note"`
	Visibility      models.Visibility `json:"visibility" jsonschema_description:"of a note, an answer (provide_info), a rating comment or what the reporter adds (add_comment); residents' texts are internal unless public is chosen, and an internal add_comment is left out of the public view altogether"`
	Reason          string            `json:"reason"`
	Outcome         models.Outcome    `json:"outcome"`
	Rating          int               `json:"rating" jsonschema:"minimum=1,maximum=5"`
	Comment         string            `json:"comment"`
	DueAt           string            `json:"due_at" jsonschema:"format=date-time"`
	Unit            string            `json:"unit"`
	Area            string            `json:"area"`
	Officer         string            `json:"officer"`
	DuplicateOf     string            `json:"duplicate_of" jsonschema_description:"mark_duplicate, merge: the id of the ticket kept (open; for a unit's officials, at their unit)"`
	Media           []string          `json:"media" jsonschema_description:"resolve: the result photos; add_comment: the reporter's photos, with those filed at most 6 per report; hide_from_public: photos of the report to hide from the public"`
	Category        string            `json:"category" jsonschema_description:"recategorize: the code of the new category (GET /v1/categories); its routing, privacy and deadlines apply, the deadlines counted from filing"`
	Description     string            `json:"description" jsonschema:"maxLength=4000" jsonschema_description:"hide_from_public: the text every public view shows instead of the resident's description, which stays for them and the officials"`
}

// expectedVersion takes the version from the body or from If-Match ("3", W/"3" or 3).
func (r *actionRequest) expectedVersion(ifMatch string) (int, error) {
	if ifMatch != "" {
		v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(strings.TrimSpace(ifMatch), "W/"), `"`))
		if err != nil || v < 1 {
			return 0, models.Problem("If-Match", models.ProblemMalformed, "", "If-Match must be the ticket version, e.g. \"3\"")
		}
		if r.ExpectedVersion != nil && *r.ExpectedVersion != v {
			return 0, models.Problem("expected_version", models.ProblemMismatch, "If-Match", "expected_version differs from If-Match")
		}
		return v, nil
	}
	if r.ExpectedVersion == nil {
		return 0, models.Problem("expected_version", models.ProblemRequired, "", "expected_version (or an If-Match header) is required")
	}
	return *r.ExpectedVersion, nil
}

// act performs a workflow action. The body's problems — unknown fields, wrong types, a missing
// version, an action that does not exist — are answered together.
func (s *jsonAPI) act(c *fiber.Ctx) error {
	var req actionRequest
	decodeErr := decodeJSON(c, &req)
	if decodeErr != nil && models.FieldProblems(decodeErr) == nil {
		return decodeErr
	}
	version, err := req.expectedVersion(c.Get(fiber.HeaderIfMatch))
	if err = models.JoinProblems(decodeErr, models.CheckAction(req.Action), err); err != nil {
		return err
	}
	in := app.ActionInput{
		Action: req.Action, ExpectedVersion: version, Note: req.Note, Visibility: req.Visibility, Reason: req.Reason,
		Outcome: req.Outcome, Rating: req.Rating, Comment: req.Comment, Unit: req.Unit, Area: req.Area,
		Officer: req.Officer, DuplicateOf: req.DuplicateOf, Media: req.Media, Category: req.Category,
		Description: req.Description,
	}
	if req.DueAt != "" {
		if in.DueAt, err = time.Parse(time.RFC3339, req.DueAt); err != nil {
			return models.Problem("due_at", models.ProblemMalformed, "", "due_at must be an RFC 3339 time such as 2026-12-01T17:00:00+07:00")
		}
	}
	p := principal(c)
	// A resident who has not accepted the privacy notice in force may still withdraw a report
	// or unfollow one (privacy.go, consentRoute); every other action of theirs adds data.
	if in.Action != models.ActWithdraw && in.Action != models.ActUnfollow {
		if err := s.svc.Privacy.RequireConsent(c.UserContext(), p); err != nil {
			return err
		}
	}
	t, err := s.svc.Tickets.Act(c.UserContext(), p, c.Params("id"), in)
	if err != nil {
		return err
	}
	return s.sendDetail(c, p, t)
}

func (s *jsonAPI) sendDetail(c *fiber.Ctx, p models.Principal, t *models.Ticket) error {
	d, err := s.svc.Tickets.Detail(c.UserContext(), p, t)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, `"`+strconv.Itoa(t.Version)+`"`)
	return c.JSON(detailView(d, s.svc.Tickets.Overdue(t)))
}

type queueResponse struct {
	Tickets    []ticketBody         `json:"tickets"`
	NextCursor string               `json:"next_cursor,omitempty"`
	Counts     map[models.State]int `json:"counts" jsonschema_description:"tickets of the caller's queue per state, whatever the other filters"`
}

func (s *jsonAPI) queue(c *fiber.Ctx) error {
	q := app.QueueParams{Category: c.Query("category"), Q: c.Query("q"), Area: c.Query("area"), Unit: c.Query("unit"), Cursor: c.Query("cursor")}
	q.Channel, q.Group = models.Channel(strings.TrimSpace(c.Query("channel"))), models.Group(strings.TrimSpace(c.Query("group")))
	for _, st := range strings.Split(c.Query("state"), ",") {
		if st = strings.TrimSpace(st); st != "" {
			q.States = append(q.States, models.State(st))
		}
	}
	switch c.Query("overdue") {
	case "", "false":
	case "true":
		q.Overdue = true
	default:
		return models.FieldError(models.EInvalid, "overdue", "overdue must be true or false")
	}
	if err := queueWorkParams(c, &q); err != nil {
		return err
	}
	var err error
	if raw := c.Query("due_before"); raw != "" {
		if q.DueBefore, err = time.Parse(time.RFC3339, raw); err != nil {
			return models.FieldError(models.EInvalid, "due_before", "due_before must be an RFC 3339 time")
		}
	}
	if q.Limit, err = queryLimit(c); err != nil {
		return err
	}
	p := principal(c)
	page, err := s.svc.Tickets.Queue(c.UserContext(), p, q)
	if err != nil {
		return err
	}
	out := queueResponse{Tickets: make([]ticketBody, 0, len(page.Tickets)), NextCursor: page.NextCursor, Counts: page.Counts}
	for _, t := range page.Tickets {
		out.Tickets = append(out.Tickets, listView(t, p, s.svc.Tickets.Overdue(t)))
	}
	return c.JSON(out)
}

// queueWorkParams reads the queue's work filters: assigned=me|none, extension=pending,
// routing=flagged. The console's filter form sends the same names.
func queueWorkParams(c *fiber.Ctx, q *app.QueueParams) error {
	switch c.Query("assigned") {
	case "":
	case "me":
		q.Mine = true
	case "none":
		q.Unassigned = true
	default:
		return models.Problem("assigned", models.ProblemBadEnum, "me, none", "assigned must be me or none")
	}
	switch c.Query("extension") {
	case "":
	case "pending":
		q.ExtensionPending = true
	default:
		return models.Problem("extension", models.ProblemBadEnum, "pending", "extension must be pending")
	}
	switch c.Query("routing") {
	case "":
	case "flagged":
		q.RoutingFlagged = true
	default:
		return models.Problem("routing", models.ProblemBadEnum, "flagged", "routing must be flagged")
	}
	return nil
}

type nearbyBody struct {
	ticketBody
	DistanceM float64 `json:"distance_m" jsonschema_description:"metres from the point asked about"`
}

// nearbyList is GET /v1/tickets/nearby: nearest first, at most 5.
type nearbyList struct {
	Tickets []nearbyBody `json:"tickets"`
}

func (s *jsonAPI) nearby(c *fiber.Ctx) error {
	lat, err := queryFloat(c, "lat")
	if err != nil {
		return err
	}
	lng, err := queryFloat(c, "lng")
	if err != nil {
		return err
	}
	found, err := s.svc.Tickets.Nearby(c.UserContext(), principal(c), models.Location{Lat: lat, Lng: lng}, c.Query("category"))
	if err != nil {
		return err
	}
	out := make([]nearbyBody, 0, len(found))
	for _, n := range found {
		b := ticketView(n.Ticket, s.svc.Tickets.Overdue(n.Ticket)) // app.Tickets.PublicView's copy
		out = append(out, nearbyBody{ticketBody: b, DistanceM: n.DistanceM})
	}
	return c.JSON(nearbyList{Tickets: out})
}

type auditPage struct {
	Records    []auditBody `json:"records"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

type auditBody struct {
	ID        string `json:"id"`
	At        string `json:"at" jsonschema:"format=date-time"`
	ActorID   string `json:"actor_id"`
	ActorRole string `json:"actor_role" jsonschema_description:"the actor's role; system for the workers, apikey:<scope> for a machine key"`
	Action    string `json:"action"`
	TicketID  string `json:"ticket_id,omitempty"`
	SubjectID string `json:"subject_id,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Seq       int64  `json:"seq" jsonschema_description:"position in the hash chain"`
	PrevHash  string `json:"prev_hash,omitempty"`
	Hash      string `json:"hash"`
}

func (s *jsonAPI) audit(c *fiber.Ctx) error {
	f := models.AuditFilter{ActorID: c.Query("actor"), Action: c.Query("action"), Ticket: c.Query("ticket"), Subject: c.Query("subject")}
	var err error
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if raw := c.Query(name); raw != "" {
			if *dst, err = time.Parse(time.RFC3339, raw); err != nil {
				return models.FieldError(models.EInvalid, name, "%s must be an RFC 3339 time", name)
			}
		}
	}
	if f.Limit, err = queryLimit(c); err != nil {
		return err
	}
	page, err := s.svc.Tickets.Audit(c.UserContext(), principal(c), f, c.Query("cursor"))
	if err != nil {
		return err
	}
	out := auditPage{Records: make([]auditBody, 0, len(page.Records)), NextCursor: page.NextCursor}
	for _, r := range page.Records {
		out.Records = append(out.Records, auditBody{ID: r.ID, At: formatTime(r.At), ActorID: r.ActorID, ActorRole: string(r.Role),
			Action: r.Action, TicketID: r.Ticket, SubjectID: r.Subject, Detail: r.Detail, Seq: r.Seq, PrevHash: r.PrevHash, Hash: r.Hash})
	}
	return c.JSON(out)
}

// queryLimit reads an optional positive page size (the app clamps it).
func queryLimit(c *fiber.Ctx) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, models.FieldError(models.EInvalid, "limit", "limit must be a positive integer")
	}
	return n, nil
}
