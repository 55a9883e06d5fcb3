package app

import (
	"context"
	"slices"
	"strings"

	"phananh/models"
)

// ReplyStore keeps the units' canned replies.
type ReplyStore interface {
	// RepliesOf lists a unit's replies ordered by title.
	RepliesOf(ctx context.Context, unitID string) ([]models.CannedReply, error)
	// ReplyByID returns one reply; ENotFound when there is none.
	ReplyByID(ctx context.Context, id string) (*models.CannedReply, error)
	// PutReply inserts r or replaces the reply with its id.
	PutReply(ctx context.Context, r *models.CannedReply) error
	// DeleteReply removes a reply; ENotFound when there is none.
	DeleteReply(ctx context.Context, id string) error
}

// Replies are the units' canned replies: a unit's leaders (and the IOC's operators and the
// administrators, for any unit) write them; the unit's officials read them and have them
// offered, filled in for the ticket at hand, in the action forms.
type Replies struct {
	*core
	store   ReplyStore
	tickets *Tickets
	cat     *Catalog
}

// ReplyInput is a reply as its author writes it. UnitID may be left empty by a unit's leader
// (their own unit); the IOC names the unit.
type ReplyInput struct {
	UnitID, Category, Title, Text string
}

// FilledReply is a reply offered for one ticket, with its placeholders filled in.
type FilledReply struct {
	models.CannedReply
	Filled string
}

// RepliesOf lists the replies of a unit: the caller's own unit for officers and leaders (unitID
// empty or theirs), any unit for the IOC and administrators (unitID required).
func (s *Replies) RepliesOf(ctx context.Context, p models.Principal, unitID string) ([]models.CannedReply, error) {
	unit, err := s.readableUnit(p, unitID)
	if err != nil {
		return nil, err
	}
	return s.store.RepliesOf(ctx, unit)
}

// RepliesFor lists the replies that fit a ticket the caller handles — its unit's replies for
// its category or for every category — filled in with the ticket's values.
func (s *Replies) RepliesFor(ctx context.Context, p models.Principal, ticketID string) ([]FilledReply, error) {
	t, err := s.tickets.Ticket(ctx, p, ticketID)
	if err != nil {
		return nil, err
	}
	if a := p.TicketAccess(t); a != models.AccessUnit && a != models.AccessIOC {
		return nil, models.Errorf(models.EForbidden, "replies are for the officials handling the ticket")
	}
	all, err := s.store.RepliesOf(ctx, t.UnitID)
	if err != nil {
		return nil, err
	}
	v := models.ReplyValues{Code: t.Code, Unit: t.UnitName, Area: t.AreaName, Category: t.Category, Due: t.DueAt}
	if c, ok := s.cat.Category(t.Category); ok {
		v.Category = c.Name
	}
	var out []FilledReply
	for _, r := range all {
		if r.Category == "" || r.Category == t.Category {
			out = append(out, FilledReply{CannedReply: r, Filled: r.Fill(v)})
		}
	}
	return out, nil
}

// CreateReply stores a new reply for a unit the caller may write for.
func (s *Replies) CreateReply(ctx context.Context, p models.Principal, in ReplyInput) (*models.CannedReply, error) {
	if p.Role == models.RoleLeader && in.UnitID == "" {
		in.UnitID = p.UnitID
	}
	if err := s.mayWrite(p, in.UnitID); err != nil {
		return nil, err
	}
	if err := s.validate(in); err != nil {
		return nil, err
	}
	have, err := s.store.RepliesOf(ctx, in.UnitID)
	if err != nil {
		return nil, err
	}
	if len(have) >= models.MaxRepliesPerUnit {
		return nil, models.Errorf(models.EUnprocessable, "a unit has at most %d replies; delete one first", models.MaxRepliesPerUnit)
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	r := &models.CannedReply{ID: id, UnitID: in.UnitID, Category: in.Category, Title: strings.TrimSpace(in.Title),
		Text: strings.TrimSpace(in.Text), UpdatedBy: p.UserID, UpdatedAt: s.clock()}
	if err := s.store.PutReply(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateReply replaces a reply's category, title and text; its unit stays.
func (s *Replies) UpdateReply(ctx context.Context, p models.Principal, id string, in ReplyInput) (*models.CannedReply, error) {
	r, err := s.writable(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if in.UnitID != "" && in.UnitID != r.UnitID {
		return nil, models.Problem("unit_id", models.ProblemMismatch, r.UnitID, "a reply stays with its unit %s", r.UnitID)
	}
	in.UnitID = r.UnitID
	if err := s.validate(in); err != nil {
		return nil, err
	}
	r.Category, r.Title, r.Text = in.Category, strings.TrimSpace(in.Title), strings.TrimSpace(in.Text)
	r.UpdatedBy, r.UpdatedAt = p.UserID, s.clock()
	if err := s.store.PutReply(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// DeleteReply removes a reply.
func (s *Replies) DeleteReply(ctx context.Context, p models.Principal, id string) error {
	if _, err := s.writable(ctx, p, id); err != nil {
		return err
	}
	return s.store.DeleteReply(ctx, id)
}

// writable loads a reply the caller may change: one they may not even read is ENotFound, so ids
// of other units' replies cannot be probed; one they may read but not write is EForbidden.
func (s *Replies) writable(ctx context.Context, p models.Principal, id string) (*models.CannedReply, error) {
	r, err := s.store.ReplyByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.readableUnit(p, r.UnitID); err != nil {
		return nil, models.Errorf(models.ENotFound, "reply not found")
	}
	if err := s.mayWrite(p, r.UnitID); err != nil {
		return nil, err
	}
	return r, nil
}

// readableUnit is the unit whose replies p asks for, when p may read them.
func (s *Replies) readableUnit(p models.Principal, unitID string) (string, error) {
	switch {
	case p.Role.NeedsUnit():
		if unitID != "" && unitID != p.UnitID {
			return "", models.FieldError(models.EForbidden, "unit", "your replies are unit %s's", p.UnitID)
		}
		return p.UnitID, nil
	case p.Role.SeesAllTickets():
		if unitID == "" {
			return "", models.Problem("unit", models.ProblemRequired, "", "name the unit whose replies to list")
		}
		if _, ok := s.cat.Unit(unitID); !ok {
			return "", models.Problem("unit", models.ProblemInvalid, "", "unknown unit %s", unitID)
		}
		return unitID, nil
	}
	return "", models.Errorf(models.EForbidden, "replies are for officials")
}

// mayWrite: a unit's leaders write its replies, the IOC's operators and the administrators any
// unit's.
func (s *Replies) mayWrite(p models.Principal, unitID string) error {
	switch {
	case p.Role == models.RoleLeader && unitID == p.UnitID:
		return nil
	case p.Role == models.RoleIOCOperator || p.Role == models.RoleAdmin:
		if unitID == "" {
			return models.Problem("unit_id", models.ProblemRequired, "", "name the unit the reply is for")
		}
		return nil
	}
	return models.Errorf(models.EForbidden, "a unit's replies are written by its leaders or the IOC")
}

// validate checks a reply's fields, every problem at once.
func (s *Replies) validate(in ReplyInput) error {
	var errs models.Errors
	if err := models.ValidateReply(in.Title, in.Text); err != nil {
		errs = append(errs, models.FieldProblems(err)...)
	}
	if _, ok := s.cat.Unit(in.UnitID); !ok {
		errs = append(errs, models.Problem("unit_id", models.ProblemInvalid, "", "unknown unit %s", in.UnitID))
	}
	if in.Category != "" {
		codes := []string{}
		for _, c := range s.cat.Categories() {
			codes = append(codes, c.Code)
		}
		if !slices.Contains(codes, in.Category) {
			errs = append(errs, models.Problem("category", models.ProblemBadEnum, strings.Join(codes, ", "), "unknown category %s", in.Category))
		}
	}
	return errs.Err()
}
