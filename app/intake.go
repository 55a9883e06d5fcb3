package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"phananh/models"
)

// FileReport stores a resident's report routed to the responsible unit with its deadlines. With
// an idempotency key, a retry returns the original ticket and created=false — also when the
// retries race each other, because the key is unique in the store.
func (s *Tickets) FileReport(ctx context.Context, p models.Principal, in models.ReportInput) (*models.Ticket, bool, error) {
	if err := residentChannel(in.Channel); err != nil {
		return nil, false, err
	}
	return s.fileReport(ctx, p, in, "", false)
}

// FileLimitedReport is FileReport for callers under the intake limits (intake_user, and
// intake_ip of addr). A retry of a report already filed answers with its ticket before the
// limits count, whatever they say: they limit new reports, and a phone that lost the first
// answer must learn that its report arrived.
func (s *Tickets) FileLimitedReport(ctx context.Context, p models.Principal, in models.ReportInput, addr string) (*models.Ticket, bool, error) {
	if err := models.JoinProblems(in.Validate(), residentChannel(in.Channel)); err != nil {
		return nil, false, err
	}
	return s.fileReport(ctx, p, in, addr, true)
}

func (s *Tickets) fileReport(ctx context.Context, p models.Principal, in models.ReportInput, addr string, limited bool) (t *models.Ticket, created bool, err error) {
	if p.Role != models.RoleResident {
		return nil, false, models.Errorf(models.EForbidden, "only residents file reports")
	}
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	if err := s.checkOccurredAt(in.OccurredAt, s.clock()); err != nil {
		return nil, false, err
	}
	idemKey, prior, err := s.priorFiling(ctx, p, in.IdempotencyKey)
	if err != nil {
		return nil, false, err
	} else if prior != nil {
		s.media.attachMedia(ctx, p.UserID, prior.ID, prior.Media) // repairs a crash between filing and attaching
		return prior, false, nil
	}
	if limited {
		if err := s.rateLimit(ctx, "intake", addr, p.UserID); err != nil {
			return nil, false, err
		}
	}
	category, loc, unit, err := s.routeReport(ctx, p, in)
	if err != nil {
		return nil, false, err
	}

	now := s.clock()
	id, err := s.newID()
	if err != nil {
		return nil, false, err
	}
	t = s.newTicket(p, in, category, loc, unit, id, idemKey, now)
	return s.storeNew(ctx, p, t, category, in.IdempotencyKey != "", now)
}

// priorFiling finds what an earlier attempt with the caller's idempotency key filed: the key as
// stored (caller and key, "" without a key), and that attempt's ticket, nil when there is none.
func (s *Tickets) priorFiling(ctx context.Context, p models.Principal, key string) (string, *models.Ticket, error) {
	if key == "" {
		return "", nil, nil
	}
	idemKey := p.UserID + "/" + key
	t, err := s.store.TicketByIdempotencyKey(ctx, idemKey)
	if models.IsCode(err, models.ENotFound) {
		return idemKey, nil, nil
	}
	return idemKey, t, err
}

// storeNew starts a new ticket's clocks (its deadlines, the end-to-end one and its first unit's
// hold) and stores it, whoever filed it. When the caller gave an idempotency key (retried) and
// a concurrent retry with the same key won the insert, the answer is that ticket, not created.
func (s *Tickets) storeNew(ctx context.Context, p models.Principal, t *models.Ticket, category models.Category, retried bool,
	now time.Time) (*models.Ticket, bool, error) {
	s.startEndToEnd(t, category)
	s.schedule(t, now)
	if err := s.storeFiling(ctx, p, t, now.In(models.VietnamTime).Year()); err != nil {
		if models.IsCode(err, models.EConflict) && retried {
			orig, err2 := s.store.TicketByIdempotencyKey(ctx, t.IdempotencyKey)
			if err2 != nil {
				return nil, false, fmt.Errorf("read ticket of idempotency key: %w", err2)
			}
			return orig, false, nil
		}
		return nil, false, err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "ticket filed", slog.String("ticket", t.ID), slog.String("code", t.Code),
		slog.String("area", t.AreaCode), slog.String("unit", t.UnitID), slog.String("category", t.Category))
	return t, true, nil
}

// incidentClockSkew is how far ahead of the server's clock a phone's occurred_at may be: a
// resident reporting what just happened must not be refused for a clock a few minutes fast.
const incidentClockSkew = 5 * time.Minute

// checkOccurredAt checks the time the resident says the problem happened (zero: they did not
// say) against now, the filing time: not in the future, beyond a phone's clock skew, and not
// more than Config.MaxIncidentAge before.
func (s *Tickets) checkOccurredAt(at, now time.Time) error {
	switch {
	case at.IsZero():
		return nil
	case at.After(now.Add(incidentClockSkew)):
		return models.FieldError(models.EInvalid, "occurred_at", "occurred_at is in the future")
	case s.cfg.MaxIncidentAge > 0 && at.Before(now.Add(-s.cfg.MaxIncidentAge)):
		return models.FieldError(models.EInvalid, "occurred_at", "occurred_at is more than %d days before filing; file it as a problem that is there now",
			int(s.cfg.MaxIncidentAge/(24*time.Hour)))
	}
	return nil
}

// routeReport checks the report's category and media and finds the area and unit its location
// routes to.
func (s *Tickets) routeReport(ctx context.Context, p models.Principal, in models.ReportInput) (models.Category, Location, models.Unit, error) {
	cat := s.catalog.Load()
	category, ok := cat.categories[in.Category]
	if !ok || !category.Active {
		return models.Category{}, Location{}, models.Unit{}, models.FieldError(models.EUnprocessable, "category", "unknown category %q; see GET /v1/categories", in.Category)
	}
	if err := s.media.checkMedia(ctx, p, "", in.Media, 0); err != nil {
		return models.Category{}, Location{}, models.Unit{}, err
	}
	loc, err := s.cat.Locate(in.Location)
	if err != nil {
		return models.Category{}, Location{}, models.Unit{}, err
	}
	return category, loc, cat.unitFor(loc.BoundarySet, loc.Area.Code, category), nil
}

// newTicket is the ticket of a report filed at now, received, with its deadlines and the
// submit event; its code is numbered when it is stored. Without the caller's idempotency key
// (idemKey "") it gets one of its own, unique by its id, as the store's unique key requires.
func (s *Tickets) newTicket(p models.Principal, in models.ReportInput, category models.Category, loc Location, unit models.Unit, id, idemKey string, now time.Time) *models.Ticket {
	if idemKey == "" {
		idemKey = "ticket/" + id
	}
	return &models.Ticket{
		ID:               id,
		State:            models.StateReceived,
		Version:          1,
		AppliedVersion:   0, // the effects of version 1 (the filing) are still to be done
		Category:         category.Code,
		Group:            category.Group,
		Description:      in.Description,
		Address:          in.Address,
		Location:         in.Location,
		Media:            in.Media,
		AllowContact:     in.AllowContact,
		Private:          category.Private,
		ReporterID:       p.UserID,
		IdempotencyKey:   idemKey,
		BoundarySet:      loc.BoundarySet,
		AreaCode:         loc.Area.Code,
		AreaName:         loc.Area.Name,
		UnitID:           unit.ID,
		UnitName:         unit.Name,
		UnitKind:         unit.Kind,
		RoutedByNearest:  loc.RoutedByNearest,
		RoutingAmbiguous: loc.Ambiguous,
		CreatedAt:        now,
		UpdatedAt:        now,
		TriageDueAt:      category.TriageSLA.Due(s.cal(), now).UTC(),
		ResolveDueAt:     category.ResolveSLA.Due(s.cal(), now).UTC(),
		PolicyVersion:    category.Policy(),
		OccurredAt:       in.OccurredAt.UTC().Truncate(time.Millisecond),
		Channel:          in.Channel.OrApp(),
		History: []models.Event{{
			At: now, ActorRole: models.RoleResident, ActorID: p.UserID, Action: "submit",
			To: models.StateReceived, Visibility: models.Public,
		}},
	}
}

// storeFiling numbers the ticket's code in year and stores the ticket with its effects.
func (s *Tickets) storeFiling(ctx context.Context, p models.Principal, t *models.Ticket, year int) error {
	// The code's number, the ticket and its effects are stored together where the store
	// batches writes: one commit per filing. A refused insert (a racing retry) gives its number
	// back there; failed effects are undone alone (applyEffects is a batch of its own, nested)
	// and the stored ticket stays pending for the sweeper, as with any other store.
	return s.store.Batched(ctx, func(ctx context.Context) error {
		seq, err := s.store.NextSequence(ctx, "ticket-code-"+strconv.Itoa(year))
		if err != nil {
			return fmt.Errorf("next ticket code: %w", err)
		}
		t.Code = fmt.Sprintf("%s-%d-%06d", s.cfg.CodePrefix, year, seq)
		if err := s.store.CreateTicket(ctx, t); err != nil {
			return err
		}
		s.media.attachMedia(ctx, p.UserID, t.ID, t.Media)
		s.applyEffects(ctx, t)
		return nil
	})
}

// Ticket returns a ticket the caller may read; any other ticket is ENotFound, so ids of other
// people's reports cannot be probed.
func (s *Tickets) Ticket(ctx context.Context, p models.Principal, id string) (*models.Ticket, error) {
	t, err := s.store.TicketByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.CanReadTicket(t) {
		return nil, models.Errorf(models.ENotFound, "ticket not found")
	}
	return t, nil
}

// TicketPage is one page of a list with the cursor of the next page ("" at the end).
type TicketPage struct {
	Tickets    []*models.Ticket
	NextCursor string
}

// MyTickets lists the caller's own reports, newest first, with keyset pagination.
func (s *Tickets) MyTickets(ctx context.Context, p models.Principal, cursor string, limit int) (TicketPage, error) {
	if p.UserID == "" || p.Role != models.RoleResident {
		return TicketPage{}, models.Errorf(models.EForbidden, "only residents have own reports")
	}
	return s.ticketPage(ctx, models.TicketFilter{ReporterID: p.UserID}, cursor, limit)
}

// FollowedTickets lists the reports the caller follows ("me too"), newest first, with keyset
// pagination. They are the stored tickets: show each through Detail, which gives a follower
// the public view.
func (s *Tickets) FollowedTickets(ctx context.Context, p models.Principal, cursor string, limit int) (TicketPage, error) {
	if p.UserID == "" || p.Role != models.RoleResident {
		return TicketPage{}, models.Errorf(models.EForbidden, "only residents follow reports")
	}
	page, err := s.ticketPage(ctx, models.TicketFilter{Follower: p.UserID}, cursor, limit)
	if err != nil {
		return TicketPage{}, err
	}
	// A report made private since (the IOC's decision) leaves the list; the cursor, taken
	// from the page as read, still pages on from there.
	shown := page.Tickets[:0]
	for _, t := range page.Tickets {
		if !s.isPrivate(t) {
			shown = append(shown, t)
		}
	}
	page.Tickets = shown
	return page, nil
}

// ticketPage reads one page of the tickets f selects after cursor.
func (s *Tickets) ticketPage(ctx context.Context, f models.TicketFilter, cursor string, limit int) (TicketPage, error) {
	f.Limit = s.clampLimit(limit)
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil {
			return TicketPage{}, err
		}
		f.After = c
	}
	// One extra row tells whether another page exists without a count query.
	want := f.Limit
	f.Limit++
	ts, err := s.store.FindTickets(ctx, f)
	if err != nil {
		return TicketPage{}, err
	}
	page := TicketPage{Tickets: ts}
	if len(ts) > want {
		page.Tickets = ts[:want]
		last := page.Tickets[want-1]
		page.NextCursor = encodeCursor(models.TicketCursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

func (s *core) clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return s.cfg.DefaultPageSize
	case limit > s.cfg.MaxPageSize:
		return s.cfg.MaxPageSize
	}
	return limit
}

// Cursors are opaque to clients: base64url("<unix ms>:<id>").
func encodeCursor(c models.TicketCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMilli(), 10) + ":" + c.ID))
}

func decodeCursor(s string) (*models.TicketCursor, error) {
	bad := models.FieldError(models.EInvalid, "cursor", "invalid cursor")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	msStr, id, ok := strings.Cut(string(raw), ":")
	ms, err := strconv.ParseInt(msStr, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, bad
	}
	return &models.TicketCursor{CreatedAt: time.UnixMilli(ms).UTC(), ID: id}, nil
}

// Tickets is the life of a report: intake and routing, the workflow's actions, the three views
// of a ticket, the officials' queue, nearby reports, the audit of identity reveals, the SLA
// worker and the effects that follow every change.
type Tickets struct {
	*core
	store interface {
		TicketStore
		WorkflowStore
		UserStore
		UserIDsOf(ctx context.Context, unitID string, roles []models.Role) ([]string, error)
		Batched(ctx context.Context, fn func(ctx context.Context) error) error
	}
	effects []Effect
	media   *Media   // attaches a report's photos and a resolution's result media
	cat     *Catalog // units, areas and categories a report is routed to

	// Filing on a resident's behalf (intake_onbehalf.go): the resident's account of a phone, as
	// a first sign-in creates it, and the text message that gives them the code.
	accounts *Auth
	sms      SMSSender
}
