package main

import (
	"fmt"
	"net/netip"
	"time"

	"phananh/app"
	"phananh/handlers"
)

// securityEnv is the abuse and slow-client configuration: RATE_LIMITS, TRUSTED_PROXIES and the
// connection timeouts READ_TIMEOUT, WRITE_TIMEOUT, IDLE_TIMEOUT.
type securityEnv struct {
	RateLimits     app.RateLimits
	TrustedProxies []netip.Prefix
	ReadTimeout    time.Duration // a request (headers and body) must arrive within this
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration // a keep-alive connection without a request is closed after this
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
	return e, nil
}

// apply puts the transport settings into the handlers' configuration.
func (e securityEnv) apply(h *handlers.Config) {
	h.TrustedProxies = e.TrustedProxies
	h.ReadTimeout, h.WriteTimeout, h.IdleTimeout = e.ReadTimeout, e.WriteTimeout, e.IdleTimeout
}
