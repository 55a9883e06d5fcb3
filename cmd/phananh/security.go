package main

import (
	"fmt"
	"net/netip"
	"strconv"
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
}

func loadSecurityEnv(get func(key, def string) string) (securityEnv, error) {
	var e securityEnv
	var err error
	if e.RateLimits, err = app.ParseRateLimits(get("RATE_LIMITS", "")); err != nil {
		return e, err
	}
	if e.TrustedProxies, err = handlers.ParseTrustedProxies(get("TRUSTED_PROXIES", "")); err != nil {
		return e, err
	}
	if e.PublicBaseURL, err = handlers.ParsePublicBaseURL(get("PUBLIC_BASE_URL", "")); err != nil {
		return e, err
	}
	if e.HSTSMaxAge, err = strconv.Atoi(get("HSTS_MAX_AGE", "0")); err != nil || e.HSTSMaxAge < 0 {
		return e, fmt.Errorf("HSTS_MAX_AGE must be a number of seconds ≥ 0, such as 31536000 (0: off)")
	}
	def := handlers.DefaultConfig()
	for _, d := range []struct {
		name string
		dst  *time.Duration
		def  time.Duration
	}{{"READ_TIMEOUT", &e.ReadTimeout, def.ReadTimeout}, {"WRITE_TIMEOUT", &e.WriteTimeout, def.WriteTimeout}, {"IDLE_TIMEOUT", &e.IdleTimeout, def.IdleTimeout}} {
		if *d.dst, err = time.ParseDuration(get(d.name, d.def.String())); err != nil || *d.dst < 100*time.Millisecond {
			return e, fmt.Errorf("%s must be a duration of at least 100ms, such as %s", d.name, d.def)
		}
	}
	adef := app.DefaultConfig()
	if e.LoginUserMaxFailures, err = strconv.Atoi(get("LOGIN_USER_MAX_FAILURES", strconv.Itoa(adef.LoginUserMaxFailures))); err != nil ||
		e.LoginUserMaxFailures < adef.LoginMaxFailures {
		// Below the per-address limit, one address could lock the username for everyone.
		return e, fmt.Errorf("LOGIN_USER_MAX_FAILURES must be a number ≥ %d (the per-address limit), such as %d", adef.LoginMaxFailures, adef.LoginUserMaxFailures)
	}
	if e.OTPPerPhoneDay, err = strconv.Atoi(get("OTP_PER_PHONE_DAY", strconv.Itoa(adef.OTPPerPhoneDay))); err != nil || e.OTPPerPhoneDay < 1 {
		return e, fmt.Errorf("OTP_PER_PHONE_DAY must be a number ≥ 1, such as %d", adef.OTPPerPhoneDay)
	}
	return e, nil
}

// applyApp puts the abuse limits into the service's configuration.
func (e securityEnv) applyApp(c *app.Config) {
	c.RateLimits, c.LoginUserMaxFailures, c.OTPPerPhoneDay = e.RateLimits, e.LoginUserMaxFailures, e.OTPPerPhoneDay
}

// apply puts the transport settings into the handlers' configuration.
func (e securityEnv) apply(h *handlers.Config) {
	h.TrustedProxies, h.PublicBaseURL, h.HSTSMaxAge = e.TrustedProxies, e.PublicBaseURL, e.HSTSMaxAge
	h.ReadTimeout, h.WriteTimeout, h.IdleTimeout = e.ReadTimeout, e.WriteTimeout, e.IdleTimeout
}
