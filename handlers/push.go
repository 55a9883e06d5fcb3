package handlers

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

type deviceRequest struct {
	Token      string          `json:"token" jsonschema:"required" jsonschema_description:"the device's FCM registration token"`
	Platform   models.Platform `json:"platform" jsonschema:"required,enum=android,enum=ios,enum=web"`
	Locale     string          `json:"locale" jsonschema:"example=vi-VN" jsonschema_description:"e.g. vi-VN (default) or en-US: the language of pushes"`
	AppVersion string          `json:"app_version"`
}

type deviceResponse struct {
	Token      string          `json:"token"`
	Platform   models.Platform `json:"platform"`
	Locale     string          `json:"locale,omitempty"`
	AppVersion string          `json:"app_version,omitempty"`
	LastSeenAt string          `json:"last_seen_at" jsonschema:"format=date-time"`
}

// deviceList is GET /v1/devices.
type deviceList struct {
	Devices []deviceResponse `json:"devices"`
}

// registerDevice is POST /v1/devices: idempotent, so it answers 200 with the registration.
func (s *jsonAPI) registerDevice(c *fiber.Ctx) error {
	var req deviceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := s.svc.Devices.RegisterDevice(c.UserContext(), principal(c), app.DeviceInput{
		Token: req.Token, Platform: req.Platform, Locale: req.Locale, AppVersion: req.AppVersion})
	if err != nil {
		return err
	}
	return c.JSON(deviceResponse{Token: d.Token, Platform: d.Platform, Locale: d.Locale, AppVersion: d.AppVersion, LastSeenAt: formatTime(d.LastSeenAt)})
}

// listDevices is GET /v1/devices: the caller's devices, most recently seen first.
func (s *jsonAPI) listDevices(c *fiber.Ctx) error {
	devs, err := s.svc.Devices.MyDevices(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]deviceResponse, 0, len(devs))
	for _, d := range devs {
		out = append(out, deviceResponse{Token: d.Token, Platform: d.Platform, Locale: d.Locale, AppVersion: d.AppVersion, LastSeenAt: formatTime(d.LastSeenAt)})
	}
	return c.JSON(deviceList{Devices: out})
}

// unregisterDevice is DELETE /v1/devices/{token}: 204 whether or not the token was known.
func (s *jsonAPI) unregisterDevice(c *fiber.Ctx) error {
	token, err := url.PathUnescape(c.Params("token"))
	if err != nil {
		return models.FieldError(models.EInvalid, "token", "token is not a valid path segment")
	}
	if err := s.svc.Devices.UnregisterDevice(c.UserContext(), principal(c), token); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type subscriptionRequest struct {
	AreaCode string `json:"area_code" jsonschema:"required,example=30280" jsonschema_description:"an area of the active boundary set"`
}

type subscriptionResponse struct {
	AreaCode  string `json:"area_code"`
	AreaName  string `json:"area_name"`
	Topic     string `json:"topic"`
	CreatedAt string `json:"created_at" jsonschema:"format=date-time"`
}

// subscriptionList is GET /v1/subscriptions.
type subscriptionList struct {
	Subscriptions []subscriptionResponse `json:"subscriptions"`
}

func toSubscriptionResponse(s *models.Subscription) subscriptionResponse {
	return subscriptionResponse{AreaCode: s.AreaCode, AreaName: s.AreaName, Topic: s.Topic, CreatedAt: formatTime(s.CreatedAt)}
}

// subscribe is POST /v1/subscriptions: 201 for a new subscription, 200 when the caller already
// had it (a retried request).
func (s *jsonAPI) subscribe(c *fiber.Ctx) error {
	var req subscriptionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sub, created, err := s.svc.Devices.Subscribe(c.UserContext(), principal(c), req.AreaCode)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(toSubscriptionResponse(sub))
}

// unsubscribe is DELETE /v1/subscriptions/{area}: 204, also when the caller was not subscribed.
func (s *jsonAPI) unsubscribe(c *fiber.Ctx) error {
	if err := s.svc.Devices.Unsubscribe(c.UserContext(), principal(c), c.Params("area")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listSubscriptions is GET /v1/subscriptions.
func (s *jsonAPI) listSubscriptions(c *fiber.Ctx) error {
	subs, err := s.svc.Devices.Subscriptions(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]subscriptionResponse, len(subs))
	for i := range subs {
		out[i] = toSubscriptionResponse(&subs[i])
	}
	return c.JSON(subscriptionList{Subscriptions: out})
}
