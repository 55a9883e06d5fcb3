package handlers

import (
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
	qr "github.com/piglig/go-qr"
)

// twoFactorEnrolment is the answer of POST /v1/me/2fa/enroll.
type twoFactorEnrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURI string `json:"otpauth_uri"`
	// QRPNG is the URI as a QR code, a PNG data: URL for an <img> (absent if it cannot be drawn).
	QRPNG string `json:"qr_png,omitempty" jsonschema_description:"the URI as a QR code: a data:image/png;base64 URL"`
}

// recoveryCodes answers POST /v1/me/2fa/confirm: the one-time recovery codes, shown only here.
type recoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// qrDataURL draws text as a QR code (error correction M, 6 pixels a module, the standard quiet
// zone of 4) and returns it as a PNG data: URL, or "" when it cannot: the URI is enough.
func qrDataURL(text string) string {
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return ""
	}
	png, err := code.ToPNGBytes(qr.NewQrCodeImgConfig(6, 4))
	if err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}

// twoFactorCode is the body of POST /v1/me/2fa/confirm and DELETE /v1/me/2fa.
type twoFactorCode struct {
	Code string `json:"code" jsonschema:"required" jsonschema_description:"the authenticator's current 6-digit code (DELETE: or an unused recovery code)"`
}

func (s *jsonAPI) enrollTwoFactor(c *fiber.Ctx) error {
	e, err := s.svc.Auth.EnrollTwoFactor(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(twoFactorEnrolment{Secret: e.Secret, OTPAuthURI: e.URI, QRPNG: qrDataURL(e.URI)})
}

func (s *jsonAPI) confirmTwoFactor(c *fiber.Ctx) error {
	var req twoFactorCode
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	codes, err := s.svc.Auth.ConfirmTwoFactor(c.UserContext(), principal(c), req.Code)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(recoveryCodes{RecoveryCodes: codes})
}

func (s *jsonAPI) disableTwoFactor(c *fiber.Ctx) error {
	var req twoFactorCode
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.svc.Auth.DisableTwoFactor(c.UserContext(), principal(c), req.Code); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *jsonAPI) resetUserTwoFactor(c *fiber.Ctx) error {
	u, err := s.svc.Auth.ResetTwoFactor(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(accountView(u))
}

// secondFactorEnrolmentRoute reports whether an account that must enrol a second factor first
// (REQUIRE_2FA) may call the route: the enrolment, reading the account, and signing out.
func secondFactorEnrolmentRoute(method, route string) bool {
	switch method + " " + route {
	case "POST /v1/me/2fa/enroll", "POST /v1/me/2fa/confirm", "GET /v1/me", "POST /v1/auth/logout":
		return true
	}
	return false
}

// addTwoFactorPaths documents the second-factor routes.
func addTwoFactorPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	code := requestSchema(twoFactorCode{})
	paths["/v1/me/2fa/enroll"] = map[string]any{"post": op("Start enrolling a TOTP second factor (officials): a new secret and its otpauth:// URI for an authenticator app (RFC 6238, SHA-1, 6 digits, 30 s); shown until confirmed, never after",
		[]string{"auth"}, true, nil, nil, map[string]any{"200": resp("the secret", answerSchema(twoFactorEnrolment{}))}, "401", "403", "409")}
	paths["/v1/me/2fa/confirm"] = map[string]any{"post": op("Turn the enrolled second factor on with its current code; answers the 10 one-time recovery codes, shown only here (audited as 2fa_enable)",
		[]string{"auth"}, true, code, nil, map[string]any{"200": resp("the recovery codes", answerSchema(recoveryCodes{}))}, "400", "401", "403", "409", "415", "429")}
	paths["/v1/me/2fa"] = map[string]any{"delete": op("Turn the caller's second factor off with a current code or a recovery code (audited as 2fa_disable)",
		[]string{"auth"}, true, code, nil, map[string]any{"204": resp("off", nil)}, "400", "401", "403", "409", "415", "429")}
	paths["/v1/admin/users/{id}/reset-2fa"] = map[string]any{"post": op("Turn an official's second factor off (a lost phone); every session of the account ends (administrators; audited as 2fa_reset)",
		[]string{"admin"}, true, nil, []any{param("id", "path", true, "string", "account id")},
		map[string]any{"200": resp("the account", answerSchema(accountBody{}))}, "401", "403", "404")}
}
