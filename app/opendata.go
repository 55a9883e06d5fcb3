package app

import (
	"context"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"phananh/models"
)

// OpenDataStore serves the bulk and public reads: exports, which must run in constant
// memory for any number of tickets, and the Open311 request lists, which page with offsets as
// the GeoReport clients expect.
type OpenDataStore interface {
	// StreamTickets calls fn for every ticket matching q in (CreatedAt, ID) ascending order,
	// ignoring q.Offset. It reads in bounded batches (keyset pagination on (created_at, id)), so
	// neither the store nor the caller ever holds more than one batch, and no read transaction
	// stays open while fn runs (a slow HTTP client must not pin a snapshot). A ticket created
	// during the stream may or may not be seen; none is seen twice. An error from fn stops the
	// stream and is returned. q.Limit > 0 stops after that many tickets.
	StreamTickets(ctx context.Context, q models.TicketQuery, fn func(*models.Ticket) error) error
	// FindTicketsPage lists the tickets matching q newest first (CreatedAt desc, ID desc),
	// skipping q.Offset of them and returning at most q.Limit (all when Limit <= 0).
	FindTicketsPage(ctx context.Context, q models.TicketQuery) ([]*models.Ticket, error)
}

// ExportRow is one ticket of an export. Public rows are redacted copies (see Redact); internal
// rows carry the reporter's pseudonym, never a name or a phone number: a bulk file cannot audit
// who reads an identity, so identities stay in the audited ticket view. A machine
// key's rows (the IOC's statistics platform) cover every ticket, private ones included, but in
// the public view, and without the free text of private tickets: a key is a long-lived secret
// held by another system, and what it reads must be safe to leak.
type ExportRow struct {
	Ticket       *models.Ticket
	CategoryName string
	Reporter     string // pseudonym; empty in public rows
	Overdue      bool
}

// mayExport reports whether p may read the full (internal) export: IOC roles, administrators
// and machine keys with the export scope. Not the stats scope: statistics are aggregates, the
// export lists every ticket, private ones included.
func mayExport(p models.Principal) bool {
	if p.Scope != "" {
		return p.Scope == models.ScopeExport
	}
	return p.Role.SeesAllTickets()
}

// CheckExport tells whether p may run the export f, without reading anything: a streaming
// transport commits to a status before the first row, so it asks first.
func (s *Stats) CheckExport(p models.Principal, f models.ExportFilter, public bool) error {
	if !public && !mayExport(p) {
		return models.Errorf(models.EForbidden, "exports are for the IOC, administrators and keys with the export scope")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return models.FieldError(models.EInvalid, "to", "to must be after from")
	}
	for _, st := range f.States {
		if !slices.Contains(models.States, st) {
			return models.FieldError(models.EInvalid, "state", "unknown state %q", st)
		}
	}
	return nil
}

// Export streams the tickets matching f to fn in (created_at, id) order. public selects the
// open-data variant: non-private tickets only, redacted, for anyone; otherwise the caller must be
// allowed to read every ticket. The check happens before the first row, so a refusal is an error
// the transport can still answer with a status.
func (s *Stats) Export(ctx context.Context, p models.Principal, f models.ExportFilter, public bool, fn func(ExportRow) error) error {
	if err := s.CheckExport(p, f, public); err != nil {
		return err
	}
	q := models.TicketQuery{
		Categories: f.Categories, Groups: f.Groups, States: f.States, AreaCode: f.AreaCode,
		CreatedFrom: f.From, CreatedTo: f.To, PublicOnly: public,
	}
	if !public {
		q.UnitID = f.UnitID
	}
	if !public && p.Scope != "" {
		// A key's export is audited before the first row: a file that leaves with private
		// tickets must leave a trace even if the transfer fails midway.
		if err := s.audit(ctx, p, "export_key_use", "", "", describeExport(f)); err != nil {
			return err
		}
	}
	cat := s.catalog.Load()
	now := s.clock()
	return s.store.StreamTickets(ctx, q, func(t *models.Ticket) error {
		row := ExportRow{Ticket: t, Overdue: t.Overdue(now)}
		if c, ok := cat.categories[t.Category]; ok {
			row.CategoryName = c.Name
		}
		switch {
		case public:
			if s.isPrivate(t) {
				return nil // a category made private after filing: hide it too
			}
			row.Ticket = s.tickets.publicCopy(ctx, t)
		case p.Scope != "":
			row.Ticket = s.tickets.publicCopy(ctx, t)
			if s.isPrivate(t) {
				row.Ticket.Description, row.Ticket.ResultNote = "", ""
			}
			row.Ticket.Private = t.Private
			row.Reporter = s.tickets.Pseudonym(t.ReporterID)
		default:
			row.Reporter = s.tickets.Pseudonym(t.ReporterID)
		}
		return fn(row)
	})
}

// describeExport is the audit detail of an export: its filters, the empty ones left out.
func describeExport(f models.ExportFilter) string {
	var parts []string
	add := func(name, value string) {
		if value != "" {
			parts = append(parts, name+"="+value)
		}
	}
	if !f.From.IsZero() {
		add("from", f.From.Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		add("to", f.To.Format(time.RFC3339))
	}
	add("category", strings.Join(f.Categories, ","))
	groups, states := make([]string, len(f.Groups)), make([]string, len(f.States))
	for i, g := range f.Groups {
		groups[i] = string(g)
	}
	for i, st := range f.States {
		states[i] = string(st)
	}
	add("group", strings.Join(groups, ","))
	add("state", strings.Join(states, ","))
	add("area", f.AreaCode)
	add("unit", f.UnitID)
	if len(parts) == 0 {
		return "all tickets"
	}
	return strings.Join(parts, " ")
}

// isPrivate reports whether t must stay out of public views: private when filed, or its category
// is private now.
func (s *core) isPrivate(t *models.Ticket) bool {
	if t.Private {
		return true
	}
	c, ok := s.catalog.Load().categories[t.Category]
	return ok && c.Private
}

// publicDescription is the description the public reads: the IOC's replacement when there is
// one (hide_from_public), the resident's own words otherwise.
func publicDescription(t *models.Ticket) string {
	if t.PublicDescription != "" {
		return t.PublicDescription
	}
	return t.Description
}

// PublicDecimals is how many decimals of latitude and longitude public views keep: 3 decimals
// are ~110 m of latitude and ~108 m of longitude at Long Xuyên (10.4° N), enough to place a
// pothole on a street and too coarse to single out a house.
const PublicDecimals = 3

// RoundCoord rounds a coordinate to PublicDecimals.
func RoundCoord(v float64) float64 {
	const f = 1000 // 10^PublicDecimals
	return math.Round(v*f) / f
}

// phoneLike matches Vietnamese phone numbers as residents type them into free text
// ("0912 345 678", "+84 912.345.678", "0291-3852-123"): residents often add one, and public data
// must never show it.
var phoneLike = regexp.MustCompile(`(?:\+?84|0)(?:[ .\-]?\d){8,10}`)

// RedactedPhone replaces a phone number in public text.
const RedactedPhone = "[số điện thoại đã ẩn]"

// ScrubText removes phone numbers from free text shown publicly. A match glued to a letter,
// digit or code punctuation on either side ("LX-2026-000123", "12/0912345678") is part of
// something else and stays.
func ScrubText(s string) string {
	// A phone number has at least 9 digits; most texts have fewer, and skipping the regular
	// expression for them keeps open-data exports fast.
	digits := 0
	for i := 0; i < len(s) && digits < 9; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	if digits < 9 {
		return s
	}
	locs := phoneLike.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		before, _ := utf8.DecodeLastRuneInString(s[:l[0]])
		glued := before != utf8.RuneError && (unicode.IsLetter(before) || unicode.IsDigit(before) || strings.ContainsRune("-/._", before))
		if glued || l[1] < len(s) && s[l[1]] >= '0' && s[l[1]] <= '9' {
			continue
		}
		b.WriteString(s[last:l[0]])
		b.WriteString(RedactedPhone)
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// Redact returns the public copy of t: location rounded to ~100 m, no address (a street address
// would undo the rounding), no reporter, followers or staff, phone numbers removed from free
// text, and only public history with residents' own answers left out (PublicEvent). t is not
// modified. Media stay out: which of them the public may see needs the store (Tickets.PublicView).
func Redact(t *models.Ticket) *models.Ticket {
	c := &models.Ticket{
		ID: t.ID, Code: t.Code, State: t.State, Version: t.Version,
		Category: t.Category, Group: t.Group, Description: ScrubText(publicDescription(t)),
		Location:    models.Location{Lat: RoundCoord(t.Location.Lat), Lng: RoundCoord(t.Location.Lng)},
		BoundarySet: t.BoundarySet, AreaCode: t.AreaCode, AreaName: t.AreaName,
		UnitID: t.UnitID, UnitName: t.UnitName, UnitKind: t.UnitKind,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, TriageDueAt: t.TriageDueAt, ResolveDueAt: t.ResolveDueAt,
		DueAt: t.DueAt, DuplicateOf: t.DuplicateOf, RejectReason: t.RejectReason, Outcome: t.Outcome,
		ResultNote: ScrubText(t.ResultNote), Rating: t.Rating, ReopenCount: t.ReopenCount,
		TriagedAt: t.TriagedAt, ResolvedAt: t.ResolvedAt, ClosedAt: t.ClosedAt, OnTimeClass: t.OnTimeClass,
		ExtendedFrom: t.ExtendedFrom, RoutedByNearest: t.RoutedByNearest, PolicyVersion: t.PolicyVersion,
		// How many follow is public ("12 people have this problem too"); who is not.
		Followers: make([]string, len(t.Followers)),
	}
	for _, e := range t.History {
		if pe, ok := PublicEvent(e); ok {
			c.History = append(c.History, pe)
		}
	}
	return c
}
