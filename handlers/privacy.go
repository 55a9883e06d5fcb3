package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// The personal data rights of Law 91/2025/QH15 (app.Privacy): the privacy notice, consent,
// the data export, rectification and the records of processing.

// consentRoute reports whether a resident must have accepted the privacy notice in force to
// call the route: the routes that create personal data (a report, an upload, a device, a
// subscription). Reading, signing in and out, the notice, the account, consents, the export
// and removing data (unregistering a device, unsubscribing) stay open, so a resident who has
// not accepted can still leave. The action route checks inside (act): a resident may still
// withdraw a report or unfollow one.
func consentRoute(method, route string) bool {
	switch method + " " + route {
	case "POST /v1/tickets", "POST /v1/media", "POST /v1/media/uploads", "PATCH /v1/media/:id",
		"POST /v1/devices", "POST /v1/subscriptions":
		return true
	}
	return false
}

// requireConsent refuses a resident who has not accepted the notice in force (403
// consent_required, naming the version); other roles pass.
func (s *Server) requireConsent(c *fiber.Ctx) error {
	if err := s.svc.Privacy.RequireConsent(c.UserContext(), principal(c)); err != nil {
		return err
	}
	return c.Next()
}

// privacyBody says which notice version is in force and whether the caller accepted it.
type privacyBody struct {
	Version  int  `json:"version"`
	Accepted bool `json:"accepted"`
}

// noticeBody is GET /v1/privacy.
type noticeBody struct {
	Version   int    `json:"version"`
	Effective string `json:"effective"`
	Lang      string `json:"lang"`
	Format    string `json:"format"`
	Text      string `json:"text"`
}

// privacyNotice serves the notice in ?lang= (vi or en), else the Accept-Language, else Vietnamese.
func (s *jsonAPI) privacyNotice(c *fiber.Ctx) error {
	lang := c.Query("lang")
	switch lang {
	case "vi", "en":
	case "":
		lang = c.AcceptsLanguages("vi", "en")
	default:
		return models.FieldError(models.EInvalid, "lang", "lang must be vi or en")
	}
	n, err := s.svc.Privacy.Notice(lang)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentLanguage, n.Lang)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptLanguage)
	return c.JSON(noticeBody{Version: n.Version, Effective: n.Effective, Lang: n.Lang, Format: "markdown", Text: n.Text})
}

// consentBody is one consent record as its resident reads it.
type consentBody struct {
	ID      string                `json:"id"`
	Purpose models.ConsentPurpose `json:"purpose"`
	Version int                   `json:"version"`
	Granted bool                  `json:"granted"`
	At      string                `json:"at"`
	Detail  string                `json:"detail,omitempty"`
}

func consentView(r models.Consent) consentBody {
	return consentBody{ID: r.ID, Purpose: r.Purpose, Version: r.Version, Granted: r.Granted, At: formatTime(r.At), Detail: r.Detail}
}

// consentsBody is GET /v1/me/consents: the history, oldest first, and the status in force.
type consentsBody struct {
	Privacy  privacyBody   `json:"privacy"`
	Consents []consentBody `json:"consents"`
}

func (s *jsonAPI) listConsents(c *fiber.Ctx) error {
	p := principal(c)
	records, err := s.svc.Privacy.Consents(c.UserContext(), p)
	if err != nil {
		return err
	}
	st, err := s.svc.Privacy.Status(c.UserContext(), p)
	if err != nil {
		return err
	}
	out := consentsBody{Privacy: privacyBody{Version: st.Version, Accepted: st.Accepted}, Consents: make([]consentBody, 0, len(records))}
	for _, r := range records {
		out.Consents = append(out.Consents, consentView(r))
	}
	return c.JSON(out)
}

// consentRequest is POST /v1/me/consents; granted defaults to true.
type consentRequest struct {
	Purpose models.ConsentPurpose `json:"purpose"`
	Version int                   `json:"version"`
	Granted *bool                 `json:"granted"`
}

// consentResult is the answer of a consent decision.
type consentResult struct {
	Consent        consentBody `json:"consent"`
	TicketsChanged int         `json:"tickets_changed"`
	Privacy        privacyBody `json:"privacy"`
}

func (s *jsonAPI) postConsent(c *fiber.Ctx) error {
	var req consentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := app.ConsentInput{Purpose: req.Purpose, Version: req.Version, Granted: req.Granted == nil || *req.Granted}
	return s.decideConsent(c, in)
}

// withdrawConsent is DELETE /v1/me/consents/:purpose: withdrawing contact clears allow_contact
// on every open report at once.
func (s *jsonAPI) withdrawConsent(c *fiber.Ctx) error {
	return s.decideConsent(c, app.ConsentInput{Purpose: models.ConsentPurpose(c.Params("purpose"))})
}

func (s *jsonAPI) decideConsent(c *fiber.Ctx, in app.ConsentInput) error {
	p := principal(c)
	res, err := s.svc.Privacy.Consent(c.UserContext(), p, in)
	if err != nil {
		return err
	}
	st, err := s.svc.Privacy.Status(c.UserContext(), p)
	if err != nil {
		return err
	}
	return c.JSON(consentResult{Consent: consentView(res.Consent), TicketsChanged: res.TicketsChanged,
		Privacy: privacyBody{Version: st.Version, Accepted: st.Accepted}})
}

// profileRequest is PATCH /v1/me; absent fields stay as they are.
type profileRequest struct {
	DisplayName *string `json:"display_name"`
}

// meBody is the account as its resident reads it after a change.
type meBody struct {
	userBody
	DisplayName string `json:"display_name,omitempty"`
}

func (s *jsonAPI) patchMe(c *fiber.Ctx) error {
	var req profileRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.svc.Privacy.UpdateProfile(c.UserContext(), principal(c), app.Profile{DisplayName: req.DisplayName})
	if err != nil {
		return err
	}
	return c.JSON(meBody{userBody: userView(u), DisplayName: u.DisplayName})
}

type phoneChangeRequest struct {
	Phone string `json:"phone"`
}

func (s *jsonAPI) requestPhoneChange(c *fiber.Ctx) error {
	var req phoneChangeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.svc.Privacy.RequestPhoneChange(c.UserContext(), principal(c), req.Phone); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "sent"})
}

type phoneVerifyRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

func (s *jsonAPI) verifyPhoneChange(c *fiber.Ctx) error {
	var req phoneVerifyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.svc.Privacy.ConfirmPhoneChange(c.UserContext(), principal(c), req.Phone, req.Code)
	if err != nil {
		return err
	}
	return c.JSON(meBody{userBody: userView(u), DisplayName: u.DisplayName})
}

// registerBody is GET /v1/admin/privacy/register.
type registerBody struct {
	Fields []models.DataField `json:"fields"`
}

func (s *jsonAPI) privacyRegister(c *fiber.Ctx) error {
	fields, err := s.svc.Privacy.Register(principal(c))
	if err != nil {
		return err
	}
	return c.JSON(registerBody{Fields: fields})
}
