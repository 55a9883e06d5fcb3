package handlers

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

type deviceRequest struct {
	Token      string          `json:"token"`
	Platform   models.Platform `json:"platform"`
	Locale     string          `json:"locale"`
	AppVersion string          `json:"app_version"`
}

type deviceResponse struct {
	Token      string          `json:"token"`
	Platform   models.Platform `json:"platform"`
	Locale     string          `json:"locale,omitempty"`
	AppVersion string          `json:"app_version,omitempty"`
	LastSeenAt string          `json:"last_seen_at"`
}

// registerDevice is POST /v1/devices: idempotent, so it answers 200 with the registration.
func (s *Server) registerDevice(c *fiber.Ctx) error {
	var req deviceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := s.svc.RegisterDevice(c.UserContext(), principal(c), app.DeviceInput{
		Token: req.Token, Platform: req.Platform, Locale: req.Locale, AppVersion: req.AppVersion})
	if err != nil {
		return err
	}
	return c.JSON(deviceResponse{Token: d.Token, Platform: d.Platform, Locale: d.Locale, AppVersion: d.AppVersion, LastSeenAt: formatTime(d.LastSeenAt)})
}

// unregisterDevice is DELETE /v1/devices/{token}: 204 whether or not the token was known.
func (s *Server) unregisterDevice(c *fiber.Ctx) error {
	token, err := url.PathUnescape(c.Params("token"))
	if err != nil {
		return models.FieldError(models.EInvalid, "token", "token is not a valid path segment")
	}
	if err := s.svc.UnregisterDevice(c.UserContext(), principal(c), token); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
