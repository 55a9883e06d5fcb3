package main

import (
	"net/netip"
	"time"

	"phananh/app"
	"phananh/handlers"
)

// securityEnv is the abuse, slow-client and transport configuration: RATE_LIMITS,
// TRUSTED_PROXIES, PUBLIC_BASE_URL, HSTS_MAX_AGE and the connection timeouts READ_TIMEOUT,
// WRITE_TIMEOUT, IDLE_TIMEOUT.
type securityEnv struct {
	RateLimits     app.RateLimits
	TrustedProxies []netip.Prefix
	PublicBaseURL  string        // the only base of absolute URLs when set
	HSTSMaxAge     int           // seconds; 0 sends no Strict-Transport-Security
	ReadTimeout    time.Duration // a request (headers and body) must arrive within this
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration // a keep-alive connection without a request is closed after this
	// LoginUserMaxFailures is LOGIN_USER_MAX_FAILURES and OTPPerPhoneDay OTP_PER_PHONE_DAY, the
	// limits that count one username or phone from every address together (app.Config).
	LoginUserMaxFailures int
	OTPPerPhoneDay       int
	// Require2FA is REQUIRE_2FA ("true" or "false"): administrators and the IOC roles must enrol
	// a second factor before anything else (app.Config.RequireTwoFactor).
	Require2FA string
}

// applyApp puts the abuse limits into the service's configuration.
func (e securityEnv) applyApp(c *app.Config) {
	c.RateLimits, c.LoginUserMaxFailures, c.OTPPerPhoneDay = e.RateLimits, e.LoginUserMaxFailures, e.OTPPerPhoneDay
	c.RequireTwoFactor = e.Require2FA == "true"
}

// apply puts the transport settings into the handlers' configuration.
func (e securityEnv) apply(h *handlers.Config) {
	h.TrustedProxies, h.PublicBaseURL, h.HSTSMaxAge = e.TrustedProxies, e.PublicBaseURL, e.HSTSMaxAge
	h.ReadTimeout, h.WriteTimeout, h.IdleTimeout = e.ReadTimeout, e.WriteTimeout, e.IdleTimeout
}
