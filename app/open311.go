package app

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"phananh/models"
)

// Open311 GeoReport v2 use cases (wiki.open311.org/GeoReport_v2). The transport renders JSON and XML; this
// file decides what a third-party client may see and file. Every read is public and therefore
// shows non-private tickets only, redacted like the open data (Redact).

// Open311 limits and defaults of the specification.
const (
	Open311MaxSpan      = 90 * 24 * time.Hour // start_date..end_date and the default window
	Open311MaxPageSize  = 1000                // "first 1,000"
	Open311ReporterPref = "open311-"          // ids of the synthetic reporters of Open311 keys
)

// Open311Status maps a state to the two statuses of the specification: received…awaiting_info
// are "open", the rest "closed".
func Open311Status(s models.State) string {
	if s.Open() {
		return "open"
	}
	return "closed"
}

// CheckJurisdiction accepts an empty jurisdiction_id and the id of the active boundary set (the
// server serves one jurisdiction); anything else does not exist here.
func (s *Open311) CheckJurisdiction(id string) error {
	if id == "" || id == s.boundarySet().ID() {
		return nil
	}
	return models.Errorf(models.ENotFound, "jurisdiction_id %q is not served here (use %q or leave it out)", id, s.boundarySet().ID())
}

// Service returns an active category by code as an Open311 service.
func (s *Open311) Service(code string) (models.Category, error) {
	c, ok := s.catalog.Load().categories[code]
	if !ok || !c.Active {
		return models.Category{}, models.FieldError(models.ENotFound, "service_code", "service_code %q not found", code)
	}
	return c, nil
}

// CategoryName returns the Vietnamese name of a category code ("" when unknown).
func (s *Open311) CategoryName(code string) string { return s.catalog.Load().categories[code].Name }

// Open311Submission is a POST requests form after transport decoding. Contact fields (email,
// names, phone, device and account ids) are accepted by the transport and dropped: the Open311
// client, not this server, is the resident's point of contact, and what is never stored can
// never leak into public data.
type Open311Submission struct {
	ServiceCode   string
	Lat, Long     *float64
	AddressString string
	AddressID     string
	Description   string
	Attributes    map[string][]string // attribute[CODE] and attribute[CODE][]
}

// Submit files a report for an Open311 client. p must be a machine key with the open311
// scope; the report is filed by the key's synthetic resident account (created on first use), so it
// goes through exactly the intake, routing and deadlines of the app (FileReport).
func (s *Open311) Submit(ctx context.Context, p models.Principal, in Open311Submission) (*models.Ticket, error) {
	if p.Scope != models.ScopeOpen311 {
		return nil, models.Errorf(models.EForbidden, "api_key must be a key with the open311 scope")
	}
	if strings.TrimSpace(in.ServiceCode) == "" {
		return nil, models.FieldError(models.EInvalid, "service_code", "service_code is required")
	}
	cat, err := s.Service(strings.TrimSpace(in.ServiceCode))
	if err != nil {
		return nil, err
	}
	if in.Lat == nil || in.Long == nil {
		if in.AddressString != "" || in.AddressID != "" {
			return nil, models.FieldError(models.EInvalid, "lat", "this server does not geocode addresses: send lat and long")
		}
		return nil, models.FieldError(models.EInvalid, "lat", "a location is required: lat and long")
	}
	answers, err := attributeAnswers(cat, in.Attributes)
	if err != nil {
		return nil, err
	}
	desc := strings.TrimSpace(in.Description)
	if answers != "" {
		if desc != "" {
			desc += "\n\n"
		}
		desc += answers
	}
	reporter, err := s.open311Reporter(ctx, p)
	if err != nil {
		return nil, err
	}
	// The resident's intake, recorded as Open311's channel (which no resident may name).
	t, _, err := s.tickets.fileReport(ctx, reporter, models.ReportInput{
		Category: cat.Code, Description: desc, Address: in.AddressString,
		Location: models.Location{Lat: *in.Lat, Lng: *in.Long}, Channel: models.ChannelOpen311,
	}, "", false)
	return t, err
}

// open311Reporter returns the resident principal that files the reports of an Open311 key: one
// synthetic account per key ("open311-<key id>"), created on first use. A deterministic id makes
// concurrent first uses converge on one account (the loser's insert conflicts and is ignored),
// and keeps each client's reports apart for statistics and abuse handling.
func (s *Open311) open311Reporter(ctx context.Context, p models.Principal) (models.Principal, error) {
	keyID := strings.TrimPrefix(p.UserID, "apikey:")
	if keyID == "" || keyID == p.UserID {
		return models.Principal{}, models.Errorf(models.EForbidden, "api_key must be a key with the open311 scope")
	}
	id := Open311ReporterPref + keyID
	if _, err := s.store.UserByID(ctx, id); err == nil {
		return models.Principal{UserID: id, Role: models.RoleResident}, nil
	} else if !models.IsCode(err, models.ENotFound) {
		return models.Principal{}, err
	}
	u := &models.User{ID: id, Role: models.RoleResident, DisplayName: "Open311 " + keyID, CreatedAt: s.clock()}
	if err := s.store.CreateUser(ctx, u); err != nil && !models.IsCode(err, models.EConflict) {
		return models.Principal{}, err
	}
	return models.Principal{UserID: id, Role: models.RoleResident}, nil
}

// attributeAnswers checks the attribute values of a submission against the service definition
// and renders them as lines for the description (the ticket has no attribute field; officials
// read the answers with the report). Order follows the definition.
func attributeAnswers(cat models.Category, given map[string][]string) (string, error) {
	for code := range given {
		if !slices.ContainsFunc(cat.Attributes, func(a models.Attribute) bool { return a.Code == code }) {
			return "", models.FieldError(models.EInvalid, "attribute["+code+"]", "service %s has no attribute %q", cat.Code, code)
		}
	}
	var lines []string
	for _, a := range cat.Attributes {
		field := "attribute[" + a.Code + "]"
		var vals []string
		for _, v := range given[a.Code] {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			if a.Required {
				return "", models.FieldError(models.EInvalid, field, "%s is required", field)
			}
			continue
		}
		if a.Datatype != "multivaluelist" && len(vals) > 1 {
			return "", models.FieldError(models.EInvalid, field, "%s takes one value", field)
		}
		for _, v := range vals {
			switch a.Datatype {
			case "number":
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					return "", models.FieldError(models.EInvalid, field, "%s must be a number", field)
				}
			case "datetime":
				if _, err := time.Parse(time.RFC3339, v); err != nil {
					return "", models.FieldError(models.EInvalid, field, "%s must be an ISO 8601 datetime with an offset", field)
				}
			case "singlevaluelist", "multivaluelist":
				if !slices.Contains(a.Values, v) {
					return "", models.FieldError(models.EInvalid, field, "%q is not a value of %s", v, field)
				}
			}
		}
		label := a.Description
		if label == "" {
			label = a.Code
		}
		lines = append(lines, label+": "+strings.Join(vals, ", "))
	}
	return strings.Join(lines, "\n"), nil
}

// ServiceNotice tells the client where the report went and when it is due, in Vietnamese as the
// residents read it.
func ServiceNotice(t *models.Ticket) string {
	due := t.ResolveDueAt.In(models.VietnamTime).Format("15:04 ngày 02/01/2006")
	return fmt.Sprintf("Phản ánh %s đã được chuyển đến %s (%s). Hạn xử lý: %s.", t.Code, t.UnitName, t.AreaName, due)
}

// RequestsQuery is GET requests after transport decoding. Zero values mean "absent".
type RequestsQuery struct {
	IDs            []string // service_request_id: overrides every other filter
	ServiceCodes   []string
	Start, End     time.Time // on requested_datetime, both inclusive
	Statuses       []string  // open, closed
	UpdatedAfter   time.Time // strictly after
	UpdatedBefore  time.Time // strictly before
	BBox           *models.BBox
	Page, PageSize int
}

// Requests lists public tickets for GET requests, newest first, redacted. Without any
// date filter the window is the last 90 days; start_date..end_date may span at most 90 days; a
// page holds at most 1,000 requests (the specification's defaults).
func (s *Open311) Requests(ctx context.Context, rq RequestsQuery) ([]*models.Ticket, error) {
	q := models.TicketQuery{PublicOnly: true}
	if len(rq.IDs) > 0 {
		q.IDs = rq.IDs
	} else {
		q.Categories = rq.ServiceCodes
		for _, st := range rq.Statuses {
			for _, state := range models.States {
				if Open311Status(state) == st {
					q.States = append(q.States, state)
				}
			}
			if st != "open" && st != "closed" {
				return nil, models.FieldError(models.EInvalid, "status", "status must be open or closed")
			}
		}
		start, end, given, err := open311Span(rq.Start, rq.End)
		if err != nil {
			return nil, err
		}
		if !given && rq.UpdatedAfter.IsZero() && rq.UpdatedBefore.IsZero() {
			// No date filter at all: the specification's default window. A client syncing by
			// updated_after chooses its own window and is not cut at 90 days.
			start = s.clock().Add(-Open311MaxSpan)
		}
		q.CreatedFrom = start
		if !end.IsZero() {
			q.CreatedTo = end.Add(time.Millisecond) // end_date is inclusive
		}
		if !rq.UpdatedAfter.IsZero() {
			q.UpdatedFrom = rq.UpdatedAfter.Truncate(time.Millisecond).Add(time.Millisecond)
		}
		q.UpdatedTo = rq.UpdatedBefore
		q.BBox = rq.BBox.Public()
	}
	size := rq.PageSize
	if size <= 0 || size > Open311MaxPageSize {
		size = Open311MaxPageSize
	}
	page := max(rq.Page, 1)
	q.Offset, q.Limit = (page-1)*size, size
	ts, err := s.store.FindTicketsPage(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]*models.Ticket, 0, len(ts))
	for _, t := range ts {
		if !s.isPrivate(t) {
			out = append(out, s.tickets.PublicView(ctx, t))
		}
	}
	return out, nil
}

// Request returns one public ticket, redacted; private and unknown tickets are ENotFound
// alike, so ids of private reports cannot be probed.
func (s *Open311) Request(ctx context.Context, id string) (*models.Ticket, error) {
	t, err := s.store.TicketByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.isPrivate(t) {
		return nil, models.Errorf(models.ENotFound, "service request %s not found", id)
	}
	return s.tickets.PublicView(ctx, t), nil
}

// Token resolves a token to its service request id. Reports are filed synchronously, so
// the token a client may hold is the service_request_id itself. It answers like requests/{id}:
// a private ticket is not found, since an anonymous caller must not learn that one exists.
func (s *Open311) Token(ctx context.Context, token string) (string, error) {
	t, err := s.store.TicketByID(ctx, token)
	if models.IsCode(err, models.ENotFound) || err == nil && s.isPrivate(t) {
		return "", models.Errorf(models.ENotFound, "token %s not found", token)
	} else if err != nil {
		return "", err
	}
	return t.ID, nil
}

// RequestUpdate is one public history event of a public ticket (FixMyStreet's
// servicerequestupdates).
type RequestUpdate struct {
	UpdateID    string // "<ticket id>-<history index>": stable, history is append-only
	RequestID   string
	Status      string // FixMyStreet's extended status words
	Description string
	At          time.Time
}

// Updates lists the public updates of public tickets between start and end (inclusive),
// oldest first, at most 1,000; defaults and the 90-day span as for requests. A client pages by
// asking again from the datetime of the last update it received.
func (s *Open311) Updates(ctx context.Context, start, end time.Time) ([]RequestUpdate, error) {
	start, end, given, err := open311Span(start, end)
	if err != nil {
		return nil, err
	}
	if !given {
		end = s.clock()
		start = end.Add(-Open311MaxSpan)
	}
	var out []RequestUpdate
	// Every event at or after start belongs to a ticket updated at or after start.
	q := models.TicketQuery{PublicOnly: true, UpdatedFrom: start}
	err = s.store.StreamTickets(ctx, q, func(t *models.Ticket) error {
		if s.isPrivate(t) {
			return nil
		}
		hideDup := s.tickets.hidesDuplicateOf(ctx, t)
		for i, e := range t.History {
			pe, ok := PublicEvent(e)
			if !ok || e.At.Before(start) || e.At.After(end) {
				continue
			}
			if hideDup {
				hideDuplicateOf(&pe)
			}
			out = append(out, RequestUpdate{
				UpdateID: fmt.Sprintf("%s-%d", t.ID, i), RequestID: t.ID, Status: ExtendedStatus(t, pe),
				Description: EventText(pe), At: e.At,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].UpdateID < out[j].UpdateID
	})
	if len(out) > Open311MaxPageSize {
		out = out[:Open311MaxPageSize]
	}
	return out, nil
}

// ExtendedStatus names the state after event e in FixMyStreet's extended status words (open,
// investigating, in_progress, action_scheduled, no_further_action, not_councils_responsibility,
// duplicate, internal_referral, fixed, closed). A resolution names its outcome; "fixed" is only
// said of a ticket fixed in full.
func ExtendedStatus(t *models.Ticket, e models.Event) string {
	if e.Action == models.ActTransfer {
		return "internal_referral"
	}
	switch e.To {
	case models.StateReceived:
		return "open"
	case models.StateAssigned, models.StateAwaitingInfo:
		return "investigating"
	case models.StateInProgress:
		return "in_progress"
	case models.StateResolved:
		switch t.Outcome {
		case models.OutcomeFixed:
			return "fixed"
		case models.OutcomeNotFixable:
			return "no_further_action"
		case models.OutcomeNotResponsible:
			return "not_councils_responsibility"
		}
		return "closed"
	case models.StateDuplicate:
		return "duplicate"
	case models.StateRejected:
		if t.RejectReason == "outside_competence" {
			return "not_councils_responsibility"
		}
		return "no_further_action"
	}
	return "closed"
}

// stateText is the Vietnamese label of a state, for updates without a note.
var stateText = map[models.State]string{
	models.StateReceived:     "Đã tiếp nhận phản ánh",
	models.StateAssigned:     "Đơn vị đã nhận xử lý",
	models.StateInProgress:   "Đang xử lý",
	models.StateAwaitingInfo: "Chờ người phản ánh bổ sung thông tin",
	models.StateResolved:     "Đã xử lý xong",
	models.StateClosed:       "Đã đóng",
	models.StateRejected:     "Không tiếp nhận",
	models.StateDuplicate:    "Trùng với phản ánh khác",
	models.StateWithdrawn:    "Người phản ánh đã rút",
}

// EventText is the public text of a history event: what the event decided, in the words of
// StatusNotes (the reject reason, the outcome, the unit moved to …), and the actor's public
// note (phone numbers removed); the label of the state it led to when it carries neither.
func EventText(e models.Event) string {
	label, note := eventLabel(e), ScrubText(strings.TrimSpace(e.Note))
	switch {
	case label != "" && note != "":
		return label + ". " + note
	case label != "":
		return label
	case note != "":
		return note
	}
	if txt, ok := stateText[e.To]; ok {
		return txt
	}
	return string(e.To)
}

// eventLabel is what the typed fields of a public event say, or "".
func eventLabel(e models.Event) string {
	switch {
	case e.Action == models.ActReject && e.Reason != "":
		return "Không tiếp nhận: " + e.Reason
	case e.Action == models.ActTransfer && e.UnitName != "":
		if r := strings.TrimSpace(ScrubText(e.Reason)); r != "" {
			return "Chuyển đến " + e.UnitName + " (" + r + ")"
		}
		return "Chuyển đến " + e.UnitName
	case e.Action == models.ActRecategorize && e.Category != "":
		label := "Phân loại lại: " + e.Category
		if e.UnitName != "" {
			label += ", chuyển đến " + e.UnitName
		}
		return label
	case (e.Action == models.ActMarkDuplicate || e.Action == models.ActMerge) && e.DuplicateOf != "":
		return "Trùng với phản ánh " + e.DuplicateOf
	case e.Action == models.ActMergedFrom && e.MergedFrom != "":
		return "Gộp phản ánh trùng " + e.MergedFrom
	case e.Action == models.ActApproveExt && !e.DueAt.IsZero():
		return "Gia hạn xử lý đến " + e.DueAt.In(models.VietnamTime).Format("15:04 02/01/2006")
	case e.Action == models.ActResolve && e.Outcome != "":
		return "Kết quả: " + string(e.Outcome)
	case e.Action == models.ActReopen && strings.TrimSpace(e.Reason) != "":
		return "Mở lại: " + strings.TrimSpace(ScrubText(e.Reason))
	case e.Action == models.ActRate && e.Rating > 0:
		return fmt.Sprintf("Đánh giá %d/5", e.Rating)
	}
	return ""
}

// StatusNotes explains a closed ticket publicly: the result note, the rejection reason or the
// ticket it duplicates. Open tickets have none.
func StatusNotes(t *models.Ticket) string {
	switch t.State {
	case models.StateRejected:
		return "Không tiếp nhận: " + t.RejectReason
	case models.StateDuplicate:
		if t.DuplicateOf == "" { // merged into a report the public does not see (PublicView)
			return stateText[models.StateDuplicate]
		}
		return "Trùng với phản ánh " + t.DuplicateOf
	case models.StateWithdrawn:
		return stateText[models.StateWithdrawn]
	case models.StateResolved, models.StateClosed:
		if t.ResultNote != "" {
			return ScrubText(t.ResultNote)
		}
		if t.Outcome != "" {
			return "Kết quả: " + string(t.Outcome)
		}
	}
	return ""
}

// open311Span applies the specification's rules to a start_date/end_date pair: at most 90 days
// apart, and one date alone opens a 90-day window from it. given is false when neither date was
// sent; requests and updates default that case differently.
func open311Span(start, end time.Time) (time.Time, time.Time, bool, error) {
	switch {
	case !start.IsZero() && !end.IsZero():
		if end.Before(start) {
			return start, end, true, models.FieldError(models.EInvalid, "end_date", "end_date is before start_date")
		}
		if end.Sub(start) > Open311MaxSpan {
			return start, end, true, models.FieldError(models.EInvalid, "end_date", "start_date and end_date may be at most 90 days apart")
		}
	case !start.IsZero():
		end = start.Add(Open311MaxSpan)
	case !end.IsZero():
		start = end.Add(-Open311MaxSpan)
	default:
		return start, end, false, nil
	}
	return start, end, true, nil
}

// Open311 is the GeoReport v2 interface: services, requests, tokens and updates, over the same
// tickets and with the same public view as the JSON API.
type Open311 struct {
	*core
	store interface {
		OpenDataStore
		TicketByID(ctx context.Context, id string) (*models.Ticket, error)
		UserByID(ctx context.Context, id string) (*models.User, error)
		CreateUser(ctx context.Context, u *models.User) error
	}
	tickets *Tickets
	cat     *Catalog
}
