package handlers

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// securityHeaders completes every response, after the handler and the error handler wrote it,
// with the headers that protect what it carries:
//
//   - X-Content-Type-Options: nosniff, so a browser never reads a body (an uploaded file, an
//     error echoing input) as anything but its declared type;
//   - Strict-Transport-Security when HSTS_MAX_AGE is set, so browsers that once reached the
//     service over HTTPS never try plain HTTP again;
//   - Cache-Control: no-store on token responses, console pages and every answer to a caller
//     who sent credentials (RFC 6749 §5.1): they carry tokens, identities or tickets, which no
//     browser disk, proxy or CDN may keep. Only an answer its handler marked public (images of
//     public tickets, the console's CSS and script) keeps its caching: anyone may fetch those
//     anonymously anyway. Anonymous answers keep what their handler chose.
//
// Doing it here, once, instead of in each handler means a new route cannot forget it.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	err := c.Next()
	h := &c.Response().Header
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if s.cfg.HSTSMaxAge > 0 {
		h.Set(fiber.HeaderStrictTransportSecurity, "max-age="+strconv.Itoa(s.cfg.HSTSMaxAge)+"; includeSubDomains")
	}
	if carriesIdentity(c) && !bytes.HasPrefix(h.Peek(fiber.HeaderCacheControl), []byte("public")) {
		h.Set(fiber.HeaderCacheControl, "no-store")
	}
	return err
}

// carriesIdentity reports whether the answer may hold tokens, identities or tickets: the sign-in
// routes, the console, and any request that sent a bearer token or an API key or was
// authenticated by a console session.
func carriesIdentity(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, "/v1/auth/") || strings.HasPrefix(p, consolePrefix) ||
		len(c.Request().Header.Peek(fiber.HeaderAuthorization)) > 0 || len(c.Request().Header.Peek(HeaderAPIKey)) > 0 ||
		c.Locals(localPrincipal) != nil
}
