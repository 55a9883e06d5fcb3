package app

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"unicode/utf8"

	"phananh/models"
)

// Privacy serves the rights Law 91/2025/QH15 gives residents over their personal data: the
// privacy notice, consent per purpose (the account, accepted per notice version; contact by the
// unit, withdrawable at once), access and portability (the data export), rectification (name,
// phone) and the records of processing (PersonalDataRegister). Erasure and retention live
// elsewhere. It is its own service so that Auth stays about signing in.
type Privacy struct {
	*core
	store interface {
		UserStore
		AuthStore
		TicketStore
		PrivacyStore
		Notifications(ctx context.Context, q models.NotificationQuery) ([]models.Notification, error)
		FindAudit(ctx context.Context, f models.AuditFilter) ([]models.AuditRecord, error)
		DevicesOfUsers(ctx context.Context, userIDs []string) ([]models.Device, error)
		SubscriptionsOf(ctx context.Context, userID string) ([]models.Subscription, error)
	}
	sms     SMSSender
	tickets *Tickets
}

// PrivacyStore keeps consent records and answers the data export's questions no other part of
// the store answers.
type PrivacyStore interface {
	// AddConsent appends a consent record (records are never changed); a taken id is EConflict.
	AddConsent(ctx context.Context, c *models.Consent) error
	// ConsentsOf lists a user's consent records oldest first (At, then ID).
	ConsentsOf(ctx context.Context, userID string) ([]models.Consent, error)
	// SetUserPhone moves account id to phone (E.164). A phone another account holds is
	// EConflict with field "phone"; an unknown id is ENotFound.
	SetUserPhone(ctx context.Context, id, phone string) error
}

// PrivacyNoticeVersion and PrivacyNoticeEffective identify the notice embedded below; a change
// of its text raises the version, and every resident is asked to accept it again.
const (
	PrivacyNoticeVersion   = 1
	PrivacyNoticeEffective = "2026-12-01"
)

//go:embed privacy/notice.vi.md privacy/notice.en.md
var noticeFS embed.FS

// Notice is the privacy notice in one language.
type Notice struct {
	Version   int
	Effective string // YYYY-MM-DD
	Lang      string // "vi" or "en"
	Text      string // Markdown
}

// version is the notice version in force: the embedded one, or Config.PrivacyNoticeVersion
// when a deployment (or a test) sets a higher one.
func (s *Privacy) version() int { return max(PrivacyNoticeVersion, s.cfg.PrivacyNoticeVersion) }

// NoticeVersion is the version of the privacy notice in force, which a resident must accept.
func (s *Privacy) NoticeVersion() int { return s.version() }

// Notice returns the privacy notice in lang ("en"; anything else is Vietnamese, the default).
func (s *Privacy) Notice(lang string) (Notice, error) {
	if lang != "en" {
		lang = "vi"
	}
	b, err := noticeFS.ReadFile("privacy/notice." + lang + ".md")
	if err != nil {
		return Notice{}, fmt.Errorf("privacy notice: %w", err)
	}
	return Notice{Version: s.version(), Effective: PrivacyNoticeEffective, Lang: lang, Text: string(b)}, nil
}

// PrivacyStatus tells a resident which notice version is in force and whether they accepted it.
type PrivacyStatus struct {
	Version  int
	Accepted bool
}

// Status reports whether p accepted the notice in force for the account; officials and
// machines, whose processing is not based on a resident's consent, always have.
func (s *Privacy) Status(ctx context.Context, p models.Principal) (PrivacyStatus, error) {
	st := PrivacyStatus{Version: s.version(), Accepted: true}
	if p.Role != models.RoleResident {
		return st, nil
	}
	records, err := s.store.ConsentsOf(ctx, p.UserID)
	if err != nil {
		return st, err
	}
	st.Accepted = models.AcceptedVersion(records, models.PurposeAccount) == st.Version
	return st, nil
}

// RequireConsent refuses a resident who has not accepted the notice in force: silence is not
// consent, so the routes that create personal data call it before anything is stored.
func (s *Privacy) RequireConsent(ctx context.Context, p models.Principal) error {
	st, err := s.Status(ctx, p)
	if err != nil || st.Accepted {
		return err
	}
	return models.Errorf(models.EConsentRequired,
		"accept the privacy notice version %d first: read it at GET /v1/privacy, then POST /v1/me/consents {\"purpose\":\"account\",\"version\":%d}",
		st.Version, st.Version)
}

// ConsentInput is a resident's decision about one purpose. Version 0 means the version in force
// (allowed for withdrawals only).
type ConsentInput struct {
	Purpose models.ConsentPurpose
	Version int
	Granted bool
}

// ConsentResult is the record a decision added (or the earlier one it repeated) and, for a
// withdrawal of contact, how many open tickets it changed.
type ConsentResult struct {
	Consent        models.Consent
	TicketsChanged int
}

// Consent records a resident's decision. The account purpose is granted for the version in
// force only (accepting it twice adds nothing; it is withdrawn by erasing the account). Contact
// is given per report when filing (allow_contact); withdrawing it clears allow_contact on every
// open report of the resident at once, each change in the ticket's history.
func (s *Privacy) Consent(ctx context.Context, p models.Principal, in ConsentInput) (ConsentResult, error) {
	if p.Role != models.RoleResident || p.UserID == "" {
		return ConsentResult{}, models.Errorf(models.EForbidden, "only residents give consent")
	}
	if !in.Purpose.Valid() {
		return ConsentResult{}, models.FieldError(models.EInvalid, "purpose", "purpose must be account or contact, not %q", in.Purpose)
	}
	v := s.version()
	if in.Version != v && (in.Version != 0 || in.Purpose == models.PurposeAccount) {
		return ConsentResult{}, models.FieldError(models.EInvalid, "version", "the privacy notice in force is version %d (GET /v1/privacy)", v)
	}
	switch {
	case in.Purpose == models.PurposeAccount && !in.Granted:
		return ConsentResult{}, models.FieldError(models.EUnprocessable, "granted",
			"consent to the account itself ends by erasing the account (DELETE /v1/me)")
	case in.Purpose == models.PurposeContact && in.Granted:
		return ConsentResult{}, models.FieldError(models.EUnprocessable, "granted",
			"contact is allowed per report when filing it (allow_contact); only its withdrawal is recorded here")
	}
	records, err := s.store.ConsentsOf(ctx, p.UserID)
	if err != nil {
		return ConsentResult{}, err
	}
	if in.Purpose == models.PurposeAccount {
		for i := len(records) - 1; i >= 0; i-- {
			if r := records[i]; r.Purpose == models.PurposeAccount && r.Granted && r.Version == v {
				return ConsentResult{Consent: r}, nil
			}
		}
	}
	res := ConsentResult{}
	if in.Purpose == models.PurposeContact {
		if res.TicketsChanged, err = s.withdrawContact(ctx, p); err != nil {
			return ConsentResult{}, err
		}
	}
	id, err := s.newID()
	if err != nil {
		return ConsentResult{}, err
	}
	res.Consent = models.Consent{ID: id, UserID: p.UserID, Purpose: in.Purpose, Version: v, Granted: in.Granted, At: s.clock()}
	if in.Purpose == models.PurposeContact {
		res.Consent.Detail = fmt.Sprintf("allow_contact cleared on %d open tickets", res.TicketsChanged)
	}
	return res, s.store.AddConsent(ctx, &res.Consent)
}

// Consents lists the resident's consent records, oldest first: the history, not only the latest.
func (s *Privacy) Consents(ctx context.Context, p models.Principal) ([]models.Consent, error) {
	if p.Role != models.RoleResident || p.UserID == "" {
		return nil, models.Errorf(models.EForbidden, "only residents give consent")
	}
	return s.store.ConsentsOf(ctx, p.UserID)
}

// withdrawContact clears allow_contact on every open ticket p filed, one history event each,
// and returns how many changed. A concurrent change of a ticket is retried on the fresh copy.
func (s *Privacy) withdrawContact(ctx context.Context, p models.Principal) (int, error) {
	changed := 0
	f := models.TicketFilter{ReporterID: p.UserID, Limit: 200}
	for {
		page, err := s.store.FindTickets(ctx, f)
		if err != nil {
			return changed, err
		}
		for _, t := range page {
			ok, err := s.tickets.withdrawContact(ctx, p, t)
			if err != nil {
				return changed, err
			}
			if ok {
				changed++
			}
		}
		if len(page) < f.Limit {
			return changed, nil
		}
		last := page[len(page)-1]
		f.After = &models.TicketCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// withdrawContact clears t's allow_contact if t is open and has it, as the event
// withdraw_contact (internal: the unit reads it, the public does not), retrying on a
// concurrent change; it reports whether it changed t.
func (s *Tickets) withdrawContact(ctx context.Context, p models.Principal, t *models.Ticket) (bool, error) {
	for attempt := 0; ; attempt++ {
		if !t.State.Open() || !t.AllowContact || t.ReporterID != p.UserID {
			return false, nil
		}
		now := s.clock()
		t.AllowContact = false
		ev := models.Event{At: now, ActorRole: p.Role, ActorID: p.UserID, Action: models.ActWithdrawContact, From: t.State, To: t.State,
			Visibility: models.Internal}
		err := s.commit(ctx, t, ev, now)
		if err == nil || !models.IsCode(err, models.EConflict) || attempt == 4 {
			return err == nil, err
		}
		if t, err = s.store.TicketByID(ctx, t.ID); err != nil {
			return false, err
		}
	}
}

// Profile is what a resident may change about their account (PATCH /v1/me); nil leaves a field.
type Profile struct {
	DisplayName *string
}

// UpdateProfile changes the resident's display name (trimmed; empty clears it).
func (s *Privacy) UpdateProfile(ctx context.Context, p models.Principal, in Profile) (*models.User, error) {
	if p.Role != models.RoleResident || p.UserID == "" {
		return nil, models.Errorf(models.EForbidden, "officials' names are changed by an administrator")
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if in.DisplayName == nil {
		return u, nil
	}
	name := strings.TrimSpace(*in.DisplayName)
	switch {
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return nil, models.FieldError(models.EInvalid, "display_name", "display_name must be text without control characters")
	case utf8.RuneCountInString(name) > models.MaxDisplayNameRunes:
		return nil, models.FieldError(models.EInvalid, "display_name", "display_name is longer than %d characters", models.MaxDisplayNameRunes)
	}
	u.DisplayName = name
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Register is the records of processing for administrators: every personal-data field stored.
func (s *Privacy) Register(p models.Principal) ([]models.DataField, error) {
	if p.Role != models.RoleAdmin {
		return nil, models.Errorf(models.EForbidden, "the records of processing are for administrators")
	}
	return models.PersonalDataRegister(), nil
}

// exportPage is how many records the export reads at a time.
const exportPage = 200
