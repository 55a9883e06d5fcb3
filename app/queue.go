package app

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// TicketDetail is a ticket as one caller may see it: the access level decides the view (see
// views.go) — Ticket is the public view (PublicView) for followers and for anyone who may not
// read the ticket — and Reporter is filled only for officials.
type TicketDetail struct {
	Ticket   *models.Ticket
	Access   models.Access
	Reporter *ReporterInfo
	Allowed  []models.Action
}

// ReporterInfo identifies the reporter to officials: always a stable pseudonym, the phone and
// name only where the policy allows (every such reveal is audited).
type ReporterInfo struct {
	Pseudonym string
	Phone     string
	Name      string
	// Erased: the reporter erased their data (or the retention period ended); no one can
	// reveal who they were, except through a legal hold's snapshot.
	Erased bool
}

// Detail prepares the caller's view of a ticket already loaded under the read policy. For
// officials it resolves the reporter's identity — revealed to the IOC always, to the unit when the
// resident allowed contact and the category permits it — and writes an audit record when it does.
func (s *Tickets) Detail(ctx context.Context, p models.Principal, t *models.Ticket) (TicketDetail, error) {
	access := p.TicketAccess(t)
	d := TicketDetail{Ticket: t, Access: access, Allowed: s.Allowed(p, t)}
	if access < models.AccessReporter {
		d.Ticket = s.PublicView(ctx, t)
	}
	if !access.Internal() {
		return d, nil
	}
	if t.ReporterID == "" {
		// Filed on behalf of a resident who gave no phone: there is nobody to name or reveal.
		d.Reporter = &ReporterInfo{}
		return d, nil
	}
	d.Reporter = &ReporterInfo{Pseudonym: s.Pseudonym(t.ReporterID)}
	// The unit sees the phone only if both the policy the ticket was filed under and the
	// category's current one allow it: a resident consented under the first, and an
	// administrator who withdraws it protects informants of earlier reports too.
	snap := s.catalog.Load()
	allowed := snap.policyOf(t).ContactAllowed && snap.categories[t.Category].ContactAllowed
	reveal := access == models.AccessIOC || (access == models.AccessUnit && t.AllowContact && allowed)
	if t.ReporterID == models.ErasedReporter {
		d.Reporter.Erased = true // the tombstone tells every official: nobody can be revealed
		return d, nil
	}
	if !reveal {
		return d, nil
	}
	u, err := s.store.UserByID(ctx, t.ReporterID)
	if models.IsCode(err, models.ENotFound) {
		return s.revealHeld(ctx, p, t, d)
	} else if err != nil {
		return d, err
	}
	if err := s.audit(ctx, p, "reveal_reporter", t.ID, u.ID, ""); err != nil {
		return d, err
	}
	d.Reporter.Phone, d.Reporter.Name = u.Phone, u.DisplayName
	return d, nil
}

// revealHeld answers for a reporter whose account is gone: erased. A ticket under a legal
// hold keeps the identity its hold snapshotted, which the IOC (and only the IOC) may reveal,
// audited like any reveal.
func (s *Tickets) revealHeld(ctx context.Context, p models.Principal, t *models.Ticket, d TicketDetail) (TicketDetail, error) {
	d.Reporter.Erased = true
	h := t.LegalHold
	if h == nil || h.Phone == "" || d.Access != models.AccessIOC {
		return d, nil
	}
	if err := s.audit(ctx, p, "reveal_reporter", t.ID, t.ReporterID, "from the legal hold"); err != nil {
		return d, err
	}
	d.Reporter.Phone, d.Reporter.Name = h.Phone, h.Name
	return d, nil
}

// Allowed lists the actions p may perform on t now: the state table filtered by the policy, by
// the pending extension request and by the report's privacy (set_private or set_public, never
// both).
func (s *Tickets) Allowed(p models.Principal, t *models.Ticket) []models.Action {
	access := p.TicketAccess(t)
	var out []models.Action
	for _, a := range models.AllowedActions(t.State, p.Role) {
		if s.mayAct(p, t, access, a) == nil && extensionReady(p, t, a) == nil && s.privacyReady(t, a) == nil {
			out = append(out, a)
		}
	}
	return out
}

// Assignees lists the officials p may name in an assign action on t now — the enabled
// officers and leaders of t's unit, by username — and nothing when p may not assign t. The
// console offers them as a list: a leader knows colleagues by name, not by account id.
func (s *Tickets) Assignees(ctx context.Context, p models.Principal, t *models.Ticket) ([]models.User, error) {
	if !slices.Contains(s.Allowed(p, t), models.ActAssign) {
		return nil, nil
	}
	ids, err := s.store.UserIDsOf(ctx, t.UnitID, []models.Role{models.RoleOfficer, models.RoleLeader})
	if err != nil {
		return nil, err
	}
	out := make([]models.User, 0, len(ids))
	for _, id := range ids {
		u, err := s.store.UserByID(ctx, id)
		if models.IsCode(err, models.ENotFound) {
			continue // deleted since it was listed
		} else if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b models.User) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}

// workFilters applies q's work filters to f. For the IOC, a q that is a phone number finds
// the reports that number's account filed — they may always know who filed a report, and the
// search is audited as such a reveal (reveal_reporter) — and none matches when no account has
// it; for a unit, a number is searched in the text like any q. none says nothing can match.
func (s *Tickets) workFilters(ctx context.Context, p models.Principal, q QueueParams, f *models.QueueFilter) (none bool, err error) {
	if q.Mine {
		f.AssignedTo = p.UserID
	}
	f.Unassigned, f.ExtensionPending, f.RoutingFlagged = q.Unassigned, q.ExtensionPending, q.RoutingFlagged
	if q.Channel != "" && !q.Channel.Valid() {
		all := models.ChannelList(models.Channels)
		return false, models.Problem("channel", models.ProblemBadEnum, all, "channel must be one of %s", all)
	}
	f.Channel, f.Group = q.Channel, q.Group
	if !p.Role.SeesAllTickets() || f.Q == "" {
		return false, nil
	}
	phone, err := models.NormalizePhone(f.Q)
	if err != nil {
		return false, nil // not a phone number: a text search
	}
	u, err := s.store.UserByPhone(ctx, phone)
	if models.IsCode(err, models.ENotFound) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	if err := s.audit(ctx, p, "reveal_reporter", "", u.ID, "queue search by phone"); err != nil {
		return false, err
	}
	f.ReporterID, f.Q = u.ID, ""
	return false, nil
}

// StaffNames names officials by account id — "Display Name (username)", or the username — for
// an official caller: the console shows who acted on a ticket and who it is assigned to as
// people, not account ids. Ids of deleted accounts (and of anything but an account) are left
// out, so the caller keeps showing the id. Residents get nothing.
func (s *Tickets) StaffNames(ctx context.Context, p models.Principal, ids []string) (map[string]string, error) {
	if p.Role == models.RoleResident {
		return nil, nil
	}
	names := map[string]string{}
	for _, id := range ids {
		if _, done := names[id]; done || id == "" {
			continue
		}
		u, err := s.store.UserByID(ctx, id)
		if models.IsCode(err, models.ENotFound) {
			names[id] = ""
			continue
		} else if err != nil {
			return nil, err
		}
		names[id] = StaffLabel(u)
	}
	return names, nil
}

// TimeLeft is how long t's running deadline is away from now (negative once passed), and
// false when no deadline runs (a final state, or paused for the resident).
func (s *Tickets) TimeLeft(t *models.Ticket) (time.Duration, bool) {
	if !t.State.ClockRunning() || t.DueAt.IsZero() {
		return 0, false
	}
	return t.DueAt.Sub(s.clock()), true
}

// StaffLabel is how an official is shown to colleagues: "Display Name, Title (username)", the
// parts the account has, or the username alone.
func StaffLabel(u *models.User) string {
	name := u.DisplayName
	switch {
	case name != "" && u.Title != "":
		name += ", " + u.Title
	case name == "":
		name = u.Title
	}
	if name == "" {
		return u.Username
	}
	return name + " (" + u.Username + ")"
}

// audit appends one record; a failure fails the operation, since an unaudited reveal must not
// happen.
func (s *core) audit(ctx context.Context, p models.Principal, action, ticket, subject, detail string) error {
	id, err := s.newID()
	if err != nil {
		return err
	}
	return s.audits.AppendAudit(ctx, &models.AuditRecord{ID: id, At: s.clock(), ActorID: p.UserID, Role: keyRoleOf(p),
		Action: action, Ticket: ticket, Subject: subject, Detail: detail})
}

// QueueParams are an official's queue filters as the transport received them.
type QueueParams struct {
	States    []models.State
	Category  string
	Overdue   bool
	DueBefore time.Time
	Q         string
	Area      string
	Unit      string
	Cursor    string
	Limit     int
	// The work filters: assigned to the caller, or to nobody; an extension request awaiting a
	// decision; routed to the nearest ward or ambiguously.
	Mine, Unassigned, ExtensionPending, RoutingFlagged bool

	// Channel and Group: the tickets that came through one channel (a hotline desk's calls, a
	// ward's walk-ins), those of one category group.
	Channel models.Channel
	Group   models.Group
}

// QueuePage is one page of a queue with the counts per state of the whole filtered queue.
type QueuePage struct {
	Tickets    []*models.Ticket
	NextCursor string
	Counts     map[models.State]int
}

// Queue lists the tickets an official works on, by deadline: their unit's for officers and
// leaders, every unit's for the IOC.
func (s *Tickets) Queue(ctx context.Context, p models.Principal, q QueueParams) (QueuePage, error) {
	f := models.QueueFilter{States: q.States, Category: q.Category, DueBefore: q.DueBefore, AreaCode: q.Area, Limit: s.clampLimit(q.Limit)}
	switch {
	case p.Role.NeedsUnit():
		if q.Unit != "" && q.Unit != p.UnitID {
			return QueuePage{}, models.FieldError(models.EForbidden, "unit", "your queue is unit %s", p.UnitID)
		}
		f.UnitIDs = []string{p.UnitID}
	case p.Role.SeesAllTickets():
		if q.Unit != "" {
			f.UnitIDs = []string{q.Unit}
		}
	default:
		return QueuePage{}, models.Errorf(models.EForbidden, "queues are for officials")
	}
	for _, st := range f.States {
		if !slices.Contains(models.States, st) {
			return QueuePage{}, models.FieldError(models.EInvalid, "state", "unknown state %q", st)
		}
	}
	if len(f.States) == 0 {
		f.States = models.OpenStates
	}
	if q.Overdue {
		var running []models.State
		for _, st := range f.States {
			if st.ClockRunning() {
				running = append(running, st)
			}
		}
		f.States = running
		now := s.clock()
		if f.DueBefore.IsZero() || now.Before(f.DueBefore) {
			f.DueBefore = now
		}
		if len(running) == 0 {
			return QueuePage{Counts: map[models.State]int{}}, nil
		}
	}
	f.Q = strings.TrimSpace(q.Q)
	if utf8.RuneCountInString(f.Q) > 200 {
		return QueuePage{}, models.FieldError(models.EInvalid, "q", "q is longer than 200 characters")
	}
	if none, err := s.workFilters(ctx, p, q, &f); err != nil || none {
		return QueuePage{Counts: map[models.State]int{}}, err
	}
	if q.Cursor != "" {
		c, err := decodeQueueCursor(q.Cursor)
		if err != nil {
			return QueuePage{}, err
		}
		f.After = c
	}
	want := f.Limit
	f.Limit++
	ts, err := s.store.FindQueue(ctx, f)
	if err != nil {
		return QueuePage{}, err
	}
	counts, err := s.store.CountByState(ctx, f)
	if err != nil {
		return QueuePage{}, err
	}
	page := QueuePage{Tickets: ts, Counts: counts}
	if len(ts) > want {
		page.Tickets = ts[:want]
		last := page.Tickets[want-1]
		page.NextCursor = encodeCursor(models.TicketCursor{CreatedAt: last.DueAt, ID: last.ID})
	}
	return page, nil
}

func decodeQueueCursor(s string) (*models.QueueCursor, error) {
	c, err := decodeCursor(s)
	if err != nil {
		return nil, err
	}
	return &models.QueueCursor{DueAt: c.CreatedAt, ID: c.ID}, nil
}

// Overdue reports whether the ticket's running deadline has passed now.
func (s *Tickets) Overdue(t *models.Ticket) bool { return t.Overdue(s.clock()) }

// NearbyTicket is an open report near a point, for the "me too" offer before filing.
type NearbyTicket struct {
	Ticket    *models.Ticket
	DistanceM float64
}

// Nearby lists open, non-private reports of a category around a point, so a resident can follow
// an existing report instead of filing a duplicate. It serves the public view to every caller,
// whatever their role: distances and the radius apply to the public, rounded points, so that
// asking from many places cannot locate a report more precisely than the open data does.
//
// It ranks the candidates from their places alone (NearbyPlaces, an index in SQLite) and reads
// the documents of the nearest only, until it has NearbyMax that are still open and not private:
// a box in a busy ward holds hundreds of candidates, and reading all of their documents was most
// of the search's time on a large store.
func (s *Tickets) Nearby(ctx context.Context, p models.Principal, loc models.Location, category string) ([]NearbyTicket, error) {
	if p.UserID == "" {
		return nil, models.Errorf(models.EUnauthorized, "sign in first")
	}
	if err := loc.Validate(); err != nil {
		return nil, err
	}
	c, ok := s.catalog.Load().categories[category]
	if !ok {
		return nil, models.FieldError(models.EUnprocessable, "category", "unknown category %q", category)
	}
	if c.Private {
		return nil, nil // every report of the category is private
	}
	r := s.cfg.NearbyRadiusM
	// A public point is at most half a grid step (~55 m) from the exact one: widen the store's box
	// by a whole step so that every report whose public point is within r is a candidate.
	const step = 1.0 / 1000 // 10^-PublicDecimals
	dLat := r/111320 + step
	dLng := r/(111320*math.Cos(loc.Lat*math.Pi/180)) + step
	places, err := s.store.NearbyPlaces(ctx, models.NearbyFilter{
		MinLat: loc.Lat - dLat, MaxLat: loc.Lat + dLat, MinLng: loc.Lng - dLng, MaxLng: loc.Lng + dLng,
		Category: category, CreatedAfter: s.clock().Add(-s.cfg.NearbyMaxAge), Limit: 500,
		States: models.OpenStates,
	})
	if err != nil {
		return nil, err
	}
	var near []models.TicketPlace
	for _, pl := range places {
		pl.Location = models.Location{Lat: RoundCoord(pl.Location.Lat), Lng: RoundCoord(pl.Location.Lng)}
		if distanceM(loc, pl.Location) <= r {
			near = append(near, pl)
		}
	}
	dist := func(pl models.TicketPlace) float64 { return math.Round(distanceM(loc, pl.Location)) }
	sort.Slice(near, func(i, j int) bool {
		if di, dj := dist(near[i]), dist(near[j]); di != dj {
			return di < dj
		}
		return near[i].ID < near[j].ID
	})
	var out []NearbyTicket
	for _, pl := range near {
		if len(out) == s.cfg.NearbyMax {
			break
		}
		t, err := s.store.TicketByID(ctx, pl.ID)
		if models.IsCode(err, models.ENotFound) {
			continue // erased since the places were read
		}
		if err != nil {
			return nil, err
		}
		if s.isPrivate(t) || !t.State.Open() || t.Category != category {
			continue // private, or closed or recategorised since the places were read
		}
		out = append(out, NearbyTicket{Ticket: s.PublicView(ctx, t), DistanceM: dist(pl)})
	}
	return out, nil
}

// distanceM is the haversine distance between two points in metres.
func distanceM(a, b models.Location) float64 {
	const earth = 6371008.8
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLng := (b.Lng - a.Lng) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earth * math.Asin(math.Sqrt(h))
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Records    []models.AuditRecord
	NextCursor string
}

// Audit lists the audit log for administrators.
func (s *Tickets) Audit(ctx context.Context, p models.Principal, f models.AuditFilter, cursor string) (AuditPage, error) {
	if err := requireAdmin(p, "the audit log"); err != nil {
		return AuditPage{}, err
	}
	f.Limit = s.clampLimit(f.Limit)
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil {
			return AuditPage{}, err
		}
		f.Before = &models.AuditCursor{At: c.CreatedAt, ID: c.ID}
	}
	want := f.Limit
	f.Limit++
	recs, err := s.store.FindAudit(ctx, f)
	if err != nil {
		return AuditPage{}, err
	}
	page := AuditPage{Records: recs}
	if len(recs) > want {
		page.Records = recs[:want]
		last := page.Records[want-1]
		page.NextCursor = encodeCursor(models.TicketCursor{CreatedAt: last.At, ID: last.ID})
	}
	return page, nil
}
