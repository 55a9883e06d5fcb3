package handlers

import (
	"fmt"
	"math"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
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
// (handleError); every answer carries the RateLimit headers (rateLimitHeaders). Put it after authentication so the account is known.
func (s *Server) limited(operation string, h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.svc.RateLimit(c.UserContext(), operation, s.clientIP(c), principal(c).UserID); err != nil {
			return err
		}
		return h(c)
	}
}

// rateLimitHeaders tells a client the rate limits its request counted against, as the IETF
// httpapi draft "RateLimit header fields for HTTP" words them, so that an app can slow down
// before it is refused: RateLimit-Policy lists each limit ("intake_user";q=30;w=900: 30
// requests per 900 s) and RateLimit what is left of it ("intake_user";r=29;t=840: 29 more
// in the 840 s until the window ends). The limits report this with their count
// (app.WithQuotaReport), at no extra store round trip; a request no limit counted gets neither
// header. On a 429 the limit that refused it is the last one listed, with r=0, beside Retry-After.
func (s *Server) rateLimitHeaders(c *fiber.Ctx) error {
	ctx, report := app.WithQuotaReport(c.UserContext())
	c.SetUserContext(ctx)
	err := c.Next()
	quotas := report.Quotas()
	if len(quotas) == 0 {
		return err
	}
	policies, states := make([]string, len(quotas)), make([]string, len(quotas))
	for i, q := range quotas {
		policies[i] = fmt.Sprintf("%q;q=%d;w=%d", q.Policy, q.Limit, int(q.Window.Seconds()))
		states[i] = fmt.Sprintf("%q;r=%d;t=%d", q.Policy, q.Remaining, int(math.Ceil(q.Reset.Seconds())))
	}
	c.Set("RateLimit-Policy", strings.Join(policies, ", "))
	c.Set("RateLimit", strings.Join(states, ", "))
	return err
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
