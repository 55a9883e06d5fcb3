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
	Effective string `json:"effective" jsonschema:"format=date"`
	Lang      string `json:"lang" jsonschema:"enum=vi,enum=en"`
	Format    string `json:"format" jsonschema:"enum=markdown"`
	Text      string `json:"text"`
}

// privacyNotice serves the notice in ?lang= (vi or en), else the Accept-Language, else Vietnamese.
func (s *jsonAPI) privacyNotice(c *fiber.Ctx) error {
	en, err := wantsEnglish(c)
	if err != nil {
		return err
	}
	lang := "vi"
	if en {
		lang = "en"
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
	At      string                `json:"at" jsonschema:"format=date-time"`
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
	Purpose models.ConsentPurpose `json:"purpose" jsonschema:"required"`
	Version int                   `json:"version" jsonschema_description:"account: the version of the notice in force"`
	Granted *bool                 `json:"granted" jsonschema_description:"default true"`
}

// consentResult is the answer of a consent decision.
type consentResult struct {
	Consent        consentBody `json:"consent"`
	TicketsChanged int         `json:"tickets_changed" jsonschema_description:"open reports whose allow_contact a withdrawal cleared"`
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
	DisplayName *string `json:"display_name" jsonschema:"maxLength=100" jsonschema_description:"trimmed; empty clears it"`
}

// meBody is the account as its resident reads it after a change.
type meBody struct {
	userBody
	DisplayName string `json:"display_name,omitempty" jsonschema_description:"the name the person chose (PATCH /v1/me)"`
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
	Phone string `json:"phone" jsonschema:"required"`
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
	Phone string `json:"phone" jsonschema:"required"`
	Code  string `json:"code" jsonschema:"required"`
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

// addPrivacyPaths documents the personal data rights routes (privacy.go, privacy_export.go).
func addPrivacyPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	decided := resp("the record added (or the acceptance already on file)", answerSchema(consentResult{}))
	account := resp("the account", answerSchema(meBody{}))
	paths["/v1/privacy"] = map[string]any{"get": op("The privacy notice (Law 91/2025/QH15): what is collected, why, who sees it, how long it is kept and how to exercise each right; Vietnamese unless ?lang=en or Accept-Language prefers English",
		[]string{"privacy"}, false, nil, []any{param("lang", "query", false, "string", "vi or en")},
		map[string]any{"200": resp("the notice", answerSchema(noticeBody{}))}, "400")}
	paths["/v1/me/consents"] = map[string]any{
		"get": op("The resident's consent records, oldest first (the history), and whether the notice in force is accepted",
			[]string{"privacy"}, true, nil, nil, map[string]any{"200": resp("records", answerSchema(consentsBody{}))}, "401", "403"),
		"post": op("Accept the privacy notice in force (purpose account, version = the version in force: until then filing, uploading, following and registering a device answer 403 consent_required), or withdraw contact (purpose contact, granted false)",
			[]string{"privacy"}, true, requestSchema(consentRequest{}), nil, map[string]any{"200": decided}, "400", "401", "403", "415", "422"),
	}
	paths["/v1/me/consents/{purpose}"] = map[string]any{"delete": op("Withdraw consent: contact clears allow_contact on every open report of the resident at once (each recorded in the ticket's history as withdraw_contact); the unit no longer sees the phone",
		[]string{"privacy"}, true, nil, []any{param("purpose", "path", true, "string", "contact")}, map[string]any{"200": decided}, "400", "401", "403", "422")}
	paths["/v1/me/data"] = map[string]any{"get": op("Everything held about the resident as a streamed ZIP: manifest.json, account, consents, devices, subscriptions, notifications, every reveal of their phone to an official (reveals.json), ratings, the reports they filed (their view, with history, and their media files) or follow (public view). Rate-limited (RATE_LIMITS export_user, export_ip)",
		[]string{"privacy"}, true, nil, nil, map[string]any{"200": map[string]any{"description": "the archive",
			"content": map[string]any{"application/zip": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}}, "401", "403", "429")}
	if me, ok := paths["/v1/me"].(map[string]any); ok {
		me["patch"] = op("Change the resident's display name (trimmed, at most 100 characters; empty clears it). Unknown fields are refused",
			[]string{"privacy"}, true, requestSchema(profileRequest{}), nil, map[string]any{"200": account}, "400", "401", "403", "415")
	}
	paths["/v1/me/phone"] = map[string]any{"post": op("Start moving the account to a new phone number: a code is sent to the new number",
		[]string{"privacy"}, true, requestSchema(phoneChangeRequest{}), nil, map[string]any{"202": resp("sent", nil)}, "400", "401", "403", "415", "429", "503")}
	paths["/v1/me/phone/verify"] = map[string]any{"post": op("Switch the account to the new number with the code sent to it; refused (409) when another account holds the number. The account keeps its id, reports and sessions",
		[]string{"privacy"}, true, requestSchema(phoneVerifyRequest{}), nil,
		map[string]any{"200": account}, "400", "401", "403", "409", "415", "429")}
	paths["/v1/admin/privacy/register"] = map[string]any{"get": op("The records of processing: every personal-data field stored (SQLite and MongoDB location, purpose, readers, retention), from the one table models.PersonalDataRegister (administrators)",
		[]string{"admin"}, true, nil, nil, map[string]any{"200": resp("the register", answerSchema(registerBody{}))}, "401", "403")}
}
