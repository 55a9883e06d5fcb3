package app

import (
	"context"
	"fmt"
	"log/slog"

	"phananh/models"
)

// A resident who calls the hotline, walks into the ward office or writes to the city's Zalo or
// e-mail address has not used the app: the official who takes the report down files it for
// them (FileOnBehalf). With the resident's phone, the report is theirs — the account of that
// phone is its reporter (created as a first sign-in creates it), a text message gives them its
// code, and signing in with the phone shows it among their reports. Without one it is an
// anonymous report with no reporter account, whose news nobody is told of.
//
// The resident's consent to the privacy notice is not asked: the official files it, not the
// resident, under the city's duty to receive reports by every channel; the resident accepts
// the notice when they first use the app, like every resident (README, "Channels, and filing
// on behalf of a resident").

// mayFileOnBehalf reports whether role files reports on residents' behalf: the IOC's operators
// (the hotline) and the wards' officers and leaders (walk-ins).
func mayFileOnBehalf(role models.Role) bool {
	return role == models.RoleIOCOperator || role == models.RoleOfficer || role == models.RoleLeader
}

// residentChannel refuses a channel a resident may not name for their own report.
func residentChannel(c models.Channel) error {
	if c == "" || c.ResidentChannel() {
		return nil
	}
	allowed := models.ChannelList([]models.Channel{models.ChannelApp, models.ChannelWeb})
	return models.Problem("channel", models.ProblemBadEnum, allowed,
		"a resident's own report comes through the app or the web (channel %s); the other channels are for officials filing on a resident's behalf", allowed)
}

// checkOnBehalf checks a report filed on a resident's behalf whole — the report, its channel,
// the resident's phone and name — and returns the phone in E.164 ("" when not given) and the
// trimmed name.
func checkOnBehalf(in *models.ReportInput, who models.OnBehalf) (phone, name string, err error) {
	phone, name, err = who.Check(in.Channel)
	return phone, name, models.JoinProblems(in.Validate(), err)
}

// FileOnBehalf files a report an official took down for a resident (see above): the channel
// says how it came, who the resident's phone and name when they gave them. It is checked whole
// before anything is stored, and a refused one creates neither a ticket nor an account. With an
// idempotency key a retry returns the original ticket and created=false, as FileReport does. The
// filing counts under the official's intake limits (intake_user), which also bound the text
// messages one account can send.
func (s *Tickets) FileOnBehalf(ctx context.Context, p models.Principal, in models.ReportInput, who models.OnBehalf, addr string) (*models.Ticket, bool, error) {
	if !mayFileOnBehalf(p.Role) || p.UserID == "" {
		return nil, false, models.Errorf(models.EForbidden, "only the IOC's operators and the wards' officers and leaders file reports on a resident's behalf")
	}
	phone, name, err := checkOnBehalf(&in, who)
	if err != nil {
		return nil, false, err
	}
	if err := s.checkOccurredAt(in.OccurredAt, s.clock()); err != nil {
		return nil, false, err
	}
	idemKey, prior, err := s.priorFiling(ctx, p, in.IdempotencyKey)
	if err != nil || prior != nil {
		return prior, false, err
	}
	if err := s.rateLimit(ctx, "intake", addr, p.UserID); err != nil {
		return nil, false, err
	}
	category, loc, unit, err := s.routeReport(ctx, p, in)
	if err != nil {
		return nil, false, err
	}
	reporter, err := s.onBehalfReporter(ctx, phone, name)
	if err != nil {
		return nil, false, err
	}
	t, created, err := s.storeOnBehalf(ctx, p, in, reporter, category, loc, unit, idemKey)
	if err != nil || !created {
		return t, created, err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "ticket filed on behalf", slog.String("ticket", t.ID), slog.String("code", t.Code),
		slog.String("channel", string(t.Channel)), slog.String("by", p.UserID), slog.String("unit", t.UnitID))
	if phone != "" {
		s.textFiledOnBehalf(ctx, phone, t)
	}
	return t, true, nil
}

// onBehalfReporter is the account of the resident's phone ("" without a phone), created as a
// first sign-in creates it; the name the resident gave becomes its display name when it has
// none (a name the resident chose is theirs to change).
func (s *Tickets) onBehalfReporter(ctx context.Context, phone, name string) (string, error) {
	if phone == "" {
		return "", nil
	}
	u, err := s.accounts.residentByPhone(ctx, phone, s.clock())
	if err != nil {
		return "", err
	}
	if name != "" && u.DisplayName == "" {
		u.DisplayName = name
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return "", err
		}
	}
	return u.ID, nil
}

// storeOnBehalf builds and stores the ticket of a report filed on a resident's behalf: the
// public submit by the official, then the internal file_on_behalf event naming the channel
// (two versions, each with its event, as every version has).
func (s *Tickets) storeOnBehalf(ctx context.Context, p models.Principal, in models.ReportInput, reporter string,
	category models.Category, loc Location, unit models.Unit, idemKey string) (*models.Ticket, bool, error) {
	now := s.clock()
	id, err := s.newID()
	if err != nil {
		return nil, false, err
	}
	t := s.newTicket(models.Principal{UserID: reporter, Role: models.RoleResident}, in, category, loc, unit, id, idemKey, now)
	t.AllowContact = in.AllowContact && reporter != ""
	t.FiledBy = p.UserID
	t.History[0].ActorRole, t.History[0].ActorID = p.Role, p.UserID
	t.History = append(t.History, models.Event{At: now, ActorRole: p.Role, ActorID: p.UserID, Action: models.ActFileOnBehalf,
		To: models.StateReceived, Visibility: models.Internal, Reason: string(t.Channel)})
	t.Version = len(t.History)
	return s.storeNew(ctx, p, t, category, in.IdempotencyKey != "", now)
}

// textFiledOnBehalf tells the resident by text message that their report was filed, with its
// code and how to follow it. The report is stored whatever happens to the message: a failed one
// is logged, and the official has the code to tell them.
func (s *Tickets) textFiledOnBehalf(ctx context.Context, phone string, t *models.Ticket) {
	// Without diacritics, as the sign-in codes: 160 characters in GSM-7.
	text := fmt.Sprintf("Phan anh cua ban da duoc tiep nhan, ma so %s. Dang nhap ung dung Phan anh bang so dien thoai nay de theo doi.", t.Code)
	if err := s.sms.Send(ctx, phone, text); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "the text message of a report filed on behalf failed",
			slog.String("ticket", t.ID), slog.String("error", err.Error()))
	}
}
