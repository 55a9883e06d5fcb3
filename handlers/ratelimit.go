package handlers

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// ParseTrustedProxies reads TRUSTED_PROXIES: a comma-separated list of addresses or CIDR
// prefixes of the reverse proxies in front of the server. Only requests arriving from them may
// name the client in X-Forwarded-For; from anyone else the header is ignored, so it cannot be
// used to dodge per-address rate limits.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("TRUSTED_PROXIES: %q is neither an address nor a CIDR prefix", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address rate limits and audit records use: the peer address, or — when the
// peer is a trusted proxy — the nearest address in X-Forwarded-For that is not a trusted proxy
// (reading from the right, since each proxy appends what it saw and only the part our proxies
// wrote can be believed).
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP().String()
	addr, err := netip.ParseAddr(peer)
	if err != nil || !s.trusted(addr) {
		return peer
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: stop at the last address we could trust
		}
		if !s.trusted(a) {
			return a.Unmap().String()
		}
		peer = a.Unmap().String()
	}
	return peer
}

// limited wraps a handler with the store-backed rate limits of operation ("intake", "upload" …):
// per client address and, when signed in, per account. A refusal is 429 with Retry-After
// (handleError). Put it after authentication so the account is known.
func (s *Server) limited(operation string, h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.svc.RateLimit(c.UserContext(), operation, s.clientIP(c), principal(c).UserID); err != nil {
			return err
		}
		return h(c)
	}
}

// refuseEncodedBodies answers 415 to a request body sent with a Content-Encoding. Fiber's
// c.Body() would inflate gzip, deflate and brotli bodies (chained, as the header lists them) in
// memory with no limit, after BodyLimit has checked only the compressed size: a 1 MB body can
// become gigabytes (a "zip bomb"). No client of this API compresses what it sends.
func (s *Server) refuseEncodedBodies(c *fiber.Ctx) error {
	if enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); enc != "" && !strings.EqualFold(enc, "identity") {
		return models.Errorf(models.EUnsupportedMedia, "request bodies must not be compressed (Content-Encoding: %.20s)", enc)
	}
	return c.Next()
}
