package handlers

import (
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// The console's security pages: an official's second factor (enrolment with a QR code, recovery
// codes, turning it off) and, for administrators, the audit log searched by actor, action,
// object and time. They call the same services as /v1/me/2fa and /v1/admin/audit.

// consoleTwoFactor is the data of the second-factor page.
type consoleTwoFactor struct {
	On            bool
	Required      bool         // REQUIRE_2FA holds for the role and it is not on yet
	Secret        string       // during an enrolment
	QRPNG         template.URL // the QR code as a data: URL, drawn here (html/template refuses data: from a plain string)
	RecoveryCodes []string     // right after the confirmation, shown once
}

func (s *consoleUI) consoleTwoFactorPage(c *fiber.Ctx) error {
	return s.consoleTwoFactorRender(c, fiber.StatusOK, nil, consoleTwoFactor{})
}

// consoleTwoFactorRender renders the page with v, filling in whether the factor is on.
func (s *consoleUI) consoleTwoFactorRender(c *fiber.Ctx, status int, flash *consoleFlash, v consoleTwoFactor) error {
	p := principal(c)
	u, err := s.svc.Auth.Me(c.UserContext(), p)
	if err != nil {
		return err
	}
	v.On, v.Required = u.TwoFactor(), p.SecondFactorEnrolment
	return s.consoleRender(c, status, "twofactor", "twofactor.title", flash, v)
}

// consoleTwoFactorEnroll starts an enrolment: the page shows the QR code and the secret.
func (s *consoleUI) consoleTwoFactorEnroll(c *fiber.Ctx) error {
	e, err := s.svc.Auth.EnrollTwoFactor(c.UserContext(), principal(c))
	if err != nil {
		return s.consoleFormError(c, err, func(c *fiber.Ctx, status int, f *consoleFlash) error {
			return s.consoleTwoFactorRender(c, status, f, consoleTwoFactor{})
		})
	}
	return s.consoleTwoFactorRender(c, fiber.StatusOK, nil, consoleTwoFactor{Secret: e.Secret, QRPNG: template.URL(qrDataURL(e.URI))})
}

// consoleTwoFactorConfirm turns the factor on with the app's first code and shows the recovery
// codes once; a wrong code leaves the enrolment pending.
func (s *consoleUI) consoleTwoFactorConfirm(c *fiber.Ctx) error {
	codes, err := s.svc.Auth.ConfirmTwoFactor(c.UserContext(), principal(c), strings.TrimSpace(c.FormValue("code")))
	if err != nil {
		return s.consoleFormError(c, err, func(c *fiber.Ctx, status int, f *consoleFlash) error {
			return s.consoleTwoFactorRender(c, status, f, consoleTwoFactor{})
		})
	}
	lang := s.consoleLang(c)
	return s.consoleTwoFactorRender(c, fiber.StatusOK, &consoleFlash{Kind: "ok", Message: translate(lang, "twofactor.enabled")},
		consoleTwoFactor{RecoveryCodes: codes})
}

// consoleTwoFactorDisable turns the factor off with a current code or a recovery code.
func (s *consoleUI) consoleTwoFactorDisable(c *fiber.Ctx) error {
	err := s.svc.Auth.DisableTwoFactor(c.UserContext(), principal(c), strings.TrimSpace(c.FormValue("code")))
	page := func(c *fiber.Ctx, status int, f *consoleFlash) error {
		return s.consoleTwoFactorRender(c, status, f, consoleTwoFactor{})
	}
	if err != nil {
		return s.consoleFormError(c, err, page)
	}
	return page(c, fiber.StatusOK, &consoleFlash{Kind: "ok", Message: translate(s.consoleLang(c), "twofactor.disabled")})
}

// consoleAudit is the data of the audit page: the filters as given and one page of records.
type consoleAudit struct {
	Actor, Action, Ticket, Subject, From, To string
	Records                                  []models.AuditRecord
	NextURL                                  string
}

// consoleAuditPage searches the audit log; from and to are Vietnamese dates, to inclusive.
func (s *consoleUI) consoleAuditPage(c *fiber.Ctx) error {
	v := consoleAudit{Actor: strings.TrimSpace(c.Query("actor")), Action: strings.TrimSpace(c.Query("action")),
		Ticket: strings.TrimSpace(c.Query("ticket")), Subject: strings.TrimSpace(c.Query("subject")), From: c.Query("from"), To: c.Query("to")}
	f := models.AuditFilter{ActorID: v.Actor, Action: v.Action, Ticket: v.Ticket, Subject: v.Subject, Limit: 50}
	for _, d := range []struct {
		raw   string
		into  *time.Time
		field string
		days  int
	}{{v.From, &f.From, "from", 0}, {v.To, &f.To, "to", 1}} {
		if d.raw == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.raw, models.VietnamTime)
		if err != nil {
			return models.FieldError(models.EInvalid, d.field, "%s must be a date (YYYY-MM-DD)", d.field)
		}
		*d.into = day.AddDate(0, 0, d.days)
	}
	page, err := s.svc.Tickets.Audit(c.UserContext(), principal(c), f, c.Query("cursor"))
	if err != nil {
		return err
	}
	v.Records = page.Records
	if page.NextCursor != "" {
		q := url.Values{"actor": {v.Actor}, "action": {v.Action}, "ticket": {v.Ticket}, "subject": {v.Subject}, "from": {v.From}, "to": {v.To},
			"cursor": {page.NextCursor}}
		v.NextURL = consolePrefix + "/admin/audit?" + q.Encode()
	}
	return s.consoleRender(c, fiber.StatusOK, "admin_audit", "admin.audit.title", nil, v)
}
