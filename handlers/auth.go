package handlers

import (
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

const localPrincipal = "principal"

// requireUser admits requests with a valid bearer access token and records the caller.
func (s *Server) requireUser(c *fiber.Ctx) error {
	auth := c.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="phananh"`)
		return models.Errorf(models.EUnauthorized, "an access token is required (Authorization: Bearer …)")
	}
	p, err := s.svc.Auth.Authenticate(c.UserContext(), token)
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="phananh", error="invalid_token"`)
		return err
	}
	if p.PasswordChange && !passwordChangeRoute(c.Method(), c.Route().Path) {
		return models.Errorf(models.EPasswordChangeRequired, "change the one-time password first (POST /v1/me/password), then sign in again")
	}
	if p.SecondFactorEnrolment && !p.PasswordChange && !secondFactorEnrolmentRoute(c.Method(), c.Route().Path) {
		return models.Errorf(models.ESecondFactorEnrolmentRequired,
			"this deployment requires a second factor for your role: enrol one first (POST /v1/me/2fa/enroll, then POST /v1/me/2fa/confirm)")
	}
	c.Locals(localPrincipal, p)
	return c.Next()
}

// passwordChangeRoute reports whether an account that must change its one-time password may
// call the route: the change itself, reading the account, and signing out.
func passwordChangeRoute(method, route string) bool {
	switch method + " " + route {
	case "POST /v1/me/password", "GET /v1/me", "POST /v1/auth/logout":
		return true
	}
	return false
}

// requireRole refuses callers whose role the route policy does not list.
func (s *Server) requireRole(roles []models.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principal(c)
		if !slices.Contains(roles, p.Role) {
			return models.Errorf(models.EForbidden, "this route is not for the %s role", p.Role)
		}
		return c.Next()
	}
}

func principal(c *fiber.Ctx) models.Principal {
	p, _ := c.Locals(localPrincipal).(models.Principal)
	return p
}

type otpRequest struct {
	Phone string `json:"phone" jsonschema:"required,example=0912345678"`
}

func (s *jsonAPI) requestOTP(c *fiber.Ctx) error {
	var req otpRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.svc.Auth.RequestOTP(c.UserContext(), req.Phone, s.clientIP(c)); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "sent"})
}

type otpVerifyRequest struct {
	Phone string `json:"phone" jsonschema:"required,example=0912345678"`
	Code  string `json:"code" jsonschema:"required,example=123456"`
	// AcceptPrivacyVersion, when set, accepts that version of the privacy notice (it must be
	// the one in force) in the same call, for an app that showed the notice before sign-in.
	AcceptPrivacyVersion int `json:"accept_privacy_version" jsonschema_description:"accept this version of the privacy notice (the one in force) in the same call"`
}

// verifyOTP signs a resident in and says whether they accepted the privacy notice in force
// (privacy); until they have, the routes that create personal data answer 403
// consent_required. A wrong accept_privacy_version is refused before the code is spent.
func (s *jsonAPI) verifyOTP(c *fiber.Ctx) error {
	var req otpVerifyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if v, want := req.AcceptPrivacyVersion, s.svc.Privacy.NoticeVersion(); v != 0 && v != want {
		return models.FieldError(models.EInvalid, "accept_privacy_version", "the privacy notice in force is version %d (GET /v1/privacy)", want)
	}
	t, err := s.svc.Auth.VerifyOTP(c.UserContext(), req.Phone, req.Code, s.clientIP(c))
	if err != nil {
		return err
	}
	p := models.Principal{UserID: t.User.ID, Role: t.User.Role}
	if req.AcceptPrivacyVersion != 0 {
		in := app.ConsentInput{Purpose: models.PurposeAccount, Version: req.AcceptPrivacyVersion, Granted: true}
		if _, err := s.svc.Privacy.Consent(c.UserContext(), p, in); err != nil {
			return err
		}
	}
	st, err := s.svc.Privacy.Status(c.UserContext(), p)
	if err != nil {
		return err
	}
	out := tokensView(t)
	out.Privacy = &privacyBody{Version: st.Version, Accepted: st.Accepted}
	return c.JSON(out)
}

type loginRequest struct {
	Username string `json:"username" jsonschema:"required"`
	Password string `json:"password" jsonschema:"required"`
	// OTP is the second factor of an account that has one: the authenticator's code or a
	// recovery code.
	OTP string `json:"otp" jsonschema_description:"the authenticator's code or a recovery code, for an account with a second factor"`
}

func (s *jsonAPI) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, err := s.svc.Auth.Login(c.UserContext(), req.Username, req.Password, req.OTP, s.clientIP(c))
	if err != nil {
		return err
	}
	return c.JSON(tokensView(t))
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token" jsonschema:"required"`
}

func (s *jsonAPI) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, err := s.svc.Auth.Refresh(c.UserContext(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(tokensView(t))
}

// logoutRequest is the body of POST /v1/auth/logout.
type logoutRequest struct {
	RefreshToken string `json:"refresh_token" jsonschema_description:"the refresh token to revoke; without it, nothing is revoked"`
}

func (s *jsonAPI) logout(c *fiber.Ctx) error {
	var req logoutRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.svc.Auth.Logout(c.UserContext(), req.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *jsonAPI) me(c *fiber.Ctx) error {
	u, err := s.svc.Auth.Me(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(userView(u))
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password" jsonschema:"required"`
	NewPassword     string `json:"new_password" jsonschema:"required,minLength=10"`
}

func (s *jsonAPI) changePassword(c *fiber.Ctx) error {
	var req passwordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.svc.Auth.ChangePassword(c.UserContext(), principal(c), req.CurrentPassword, req.NewPassword, s.clientIP(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type tokensResponse struct {
	AccessToken      string   `json:"access_token"`
	TokenType        string   `json:"token_type"`
	ExpiresIn        int      `json:"expires_in" jsonschema_description:"seconds the access token lasts"`
	ExpiresAt        string   `json:"expires_at" jsonschema:"format=date-time"`
	RefreshToken     string   `json:"refresh_token"`
	RefreshExpiresAt string   `json:"refresh_expires_at" jsonschema:"format=date-time"`
	User             userBody `json:"user"`
	// Privacy (resident sign-in only): the notice version in force and whether it is accepted.
	Privacy *privacyBody `json:"privacy,omitempty"`
}

type userBody struct {
	ID       string      `json:"id"`
	Role     models.Role `json:"role"`
	Phone    string      `json:"phone,omitempty"`
	Username string      `json:"username,omitempty"`
	UnitID   string      `json:"unit_id,omitempty"`
	// PasswordChangeRequired: the account's tokens serve only POST /v1/me/password, GET /v1/me
	// and sign-out until it changes its one-time password.
	PasswordChangeRequired bool `json:"password_change_required,omitempty" jsonschema_description:"the one-time password must be changed first: until then every other operation answers 403 password_change_required"`
}

func userView(u *models.User) userBody {
	return userBody{ID: u.ID, Role: u.Role, Phone: u.Phone, Username: u.Username, UnitID: u.UnitID,
		PasswordChangeRequired: u.PasswordChangeRequired}
}

func tokensView(t *app.Tokens) tokensResponse {
	return tokensResponse{
		AccessToken:      t.AccessToken,
		TokenType:        "Bearer",
		ExpiresIn:        int(t.AccessExpiresIn.Seconds()),
		ExpiresAt:        formatTime(t.AccessExpiresAt),
		RefreshToken:     t.RefreshToken,
		RefreshExpiresAt: formatTime(t.RefreshExpiresAt),
		User:             userView(t.User),
	}
}

// formatTime renders instants in Vietnamese time (RFC 3339 with +07:00), as residents and
// officials read them.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(models.VietnamTime).Format(time.RFC3339)
}
