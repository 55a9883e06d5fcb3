package app

import (
	"context"
	"time"

	"phananh/models"
)

// DataExport is everything held about a resident outside their tickets, gathered for the data
// export (GET /v1/me/data); the tickets are streamed by ExportTickets, page by page.
type DataExport struct {
	User          *models.User
	Notice        PrivacyStatus
	Consents      []models.Consent
	Devices       []models.Device
	Subscriptions []models.Subscription
	Notifications []models.Notification // the resident's inbox, every notification sent to them
	Reveals       []Reveal
}

// Reveal is one time an official saw the resident's phone number and name (the audit action
// reveal_reporter): when, on which ticket, and which role of which unit — never the official's
// account, which is the city's business, not the resident's.
type Reveal struct {
	At       time.Time
	TicketID string
	Role     models.Role
	UnitID   string
}

// ExportData gathers what is held about the resident p: the account, consents, devices,
// subscriptions, notifications and every reveal of their identity.
func (s *Privacy) ExportData(ctx context.Context, p models.Principal) (*DataExport, error) {
	if p.Role != models.RoleResident || p.UserID == "" {
		return nil, models.Errorf(models.EForbidden, "the data export is for residents; officials ask an administrator")
	}
	var (
		d   DataExport
		err error
	)
	if d.User, err = s.store.UserByID(ctx, p.UserID); err != nil {
		return nil, err
	}
	if d.Notice, err = s.Status(ctx, p); err != nil {
		return nil, err
	}
	if d.Consents, err = s.store.ConsentsOf(ctx, p.UserID); err != nil {
		return nil, err
	}
	if d.Devices, err = s.store.DevicesOfUsers(ctx, []string{p.UserID}); err != nil {
		return nil, err
	}
	if d.Subscriptions, err = s.store.SubscriptionsOf(ctx, p.UserID); err != nil {
		return nil, err
	}
	if d.Notifications, err = s.allNotifications(ctx, p.UserID); err != nil {
		return nil, err
	}
	if d.Reveals, err = s.reveals(ctx, p.UserID); err != nil {
		return nil, err
	}
	return &d, nil
}

// allNotifications reads the whole inbox of userID, page by page.
func (s *Privacy) allNotifications(ctx context.Context, userID string) ([]models.Notification, error) {
	out := []models.Notification{}
	q := models.NotificationQuery{UserID: userID, Limit: exportPage}
	for {
		page, err := s.store.Notifications(ctx, q)
		if err != nil || len(page) < q.Limit {
			return append(out, page...), err
		}
		out = append(out, page...)
		last := page[len(page)-1]
		q.After = &models.NotificationCursor{Read: !last.ReadAt.IsZero(), CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// reveals lists the audit records of reveals of userID's identity, newest first.
func (s *Privacy) reveals(ctx context.Context, userID string) ([]Reveal, error) {
	out := []Reveal{}
	units := map[string]string{}
	f := models.AuditFilter{Action: "reveal_reporter", Subject: userID, Limit: exportPage}
	for {
		recs, err := s.store.FindAudit(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			unit, ok := units[r.ActorID]
			if !ok {
				if u, err := s.store.UserByID(ctx, r.ActorID); err == nil {
					unit = u.UnitID
				} else if !models.IsCode(err, models.ENotFound) {
					return nil, err
				}
				units[r.ActorID] = unit
			}
			out = append(out, Reveal{At: r.At, TicketID: r.Ticket, Role: r.Role, UnitID: unit})
		}
		if len(recs) < f.Limit {
			return out, nil
		}
		last := recs[len(recs)-1]
		f.Before = &models.AuditCursor{At: last.At, ID: last.ID}
	}
}

// ExportTickets calls fn with every ticket p filed — the reporter's view, media and all — and
// then every ticket p follows but did not file, in the public view, one page at a time so that
// a large account is never held in memory at once.
func (s *Privacy) ExportTickets(ctx context.Context, p models.Principal, fn func(d TicketDetail) error) error {
	if p.Role != models.RoleResident || p.UserID == "" {
		return models.Errorf(models.EForbidden, "the data export is for residents")
	}
	for _, f := range []models.TicketFilter{{ReporterID: p.UserID, Limit: exportPage}, {Follower: p.UserID, Limit: exportPage}} {
		for {
			page, err := s.store.FindTickets(ctx, f)
			if err != nil {
				return err
			}
			for _, t := range page {
				if f.Follower != "" && t.ReporterID == p.UserID {
					continue // already exported as filed
				}
				d := TicketDetail{Ticket: t, Access: p.TicketAccess(t)}
				if d.Access < models.AccessReporter {
					d.Ticket = s.tickets.PublicView(ctx, t)
				}
				if err := fn(d); err != nil {
					return err
				}
			}
			if len(page) < f.Limit {
				break
			}
			last := page[len(page)-1]
			f.After = &models.TicketCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
	}
	return nil
}
