package handlers

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Absolute URLs (Open311 discovery and media_url) and the console cookies' Secure flag depend on
// how the client reached the server. X-Forwarded-Host and X-Forwarded-Proto say so only when a
// reverse proxy wrote them: from anyone else they would let a client put https://evil.example
// into answers a cache may serve to others, or drop the Secure flag. So they are believed only
// from TRUSTED_PROXIES (which must set them, not append to them), and PUBLIC_BASE_URL, when
// set, is the only base at all. Use baseURL and secureRequest, never Fiber's c.BaseURL,
// c.Protocol, c.Secure or c.Hostname, which believe every client.

// ParsePublicBaseURL reads PUBLIC_BASE_URL: an http or https URL with a host and an optional
// path (where a proxy mounts the API), no query or fragment. It returns it without a trailing
// slash, ready to be prefixed to a path; "" stays "" (no public base configured).
func ParsePublicBaseURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("PUBLIC_BASE_URL must be an http(s) URL such as https://phananh.example.gov.vn, not %q", s)
	}
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// fromTrustedProxy reports whether the peer of the connection is one of TRUSTED_PROXIES.
func (s *Server) fromTrustedProxy(c *fiber.Ctx) bool {
	addr, err := netip.ParseAddr(c.Context().RemoteIP().String())
	return err == nil && s.trusted(addr)
}

// forwarded is the first value of a X-Forwarded-* header from a trusted proxy, else "".
func (s *Server) forwarded(c *fiber.Ctx, header string) string {
	if !s.fromTrustedProxy(c) {
		return ""
	}
	first, _, _ := strings.Cut(c.Get(header), ",")
	return strings.TrimSpace(first)
}

// secureRequest reports whether the client's side of the request is HTTPS: PUBLIC_BASE_URL is
// https, the connection is TLS, or a trusted proxy says it terminated TLS.
func (s *Server) secureRequest(c *fiber.Ctx) bool {
	return strings.HasPrefix(s.cfg.PublicBaseURL, "https://") || c.Context().IsTLS() ||
		strings.EqualFold(s.forwarded(c, fiber.HeaderXForwardedProto), "https")
}

// baseURL is the scheme and host (and path, from PUBLIC_BASE_URL) the server's absolute URLs
// start with: PUBLIC_BASE_URL when set, else what the client used, as a trusted proxy reports
// it or from the Host header.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if s.cfg.PublicBaseURL != "" {
		return s.cfg.PublicBaseURL
	}
	scheme := "http"
	if s.secureRequest(c) {
		scheme = "https"
	}
	host := s.forwarded(c, fiber.HeaderXForwardedHost)
	if host == "" {
		host = string(c.Request().URI().Host())
	}
	return scheme + "://" + host
}
