package handlers

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// The web console: server-rendered pages under /console/ for ward officials (queue, ticket,
// actions) and the IOC (dashboard). Officials sign in with their password; the session is the
// same pair of tokens the API issues, kept in HttpOnly, SameSite=Strict cookies scoped to
// /console, so the console needs no session store of its own and a disabled account or a revoked
// refresh family ends a console session exactly as it ends an app session:
//
//   - consoleAccessCookie holds the 15-minute access JWT; every console request verifies it.
//   - consoleRefreshCookie holds the single-use refresh token. When the access token has
//     expired, a page request rotates it (app.Auth.Refresh) and sets both cookies again.
//     Sub-resources (photos) never refresh, so the parallel requests a page makes cannot
//     spend one refresh token twice (which the API treats as theft and answers by revoking the
//     family).
//   - consoleCSRFCookie holds a random token that every form repeats in a hidden field; every
//     POST is refused (403) unless the two match (double submit). It is replaced at sign-in, so
//     a token planted before sign-in is worthless after it. SameSite=Strict already keeps other
//     sites' forms from carrying the session; the token is the second, independent defence.
//
// Cookies are Secure when the request came over TLS: directly, as X-Forwarded-Proto: https from
// a trusted proxy that terminates it, or by PUBLIC_BASE_URL being https (forwarded.go). Pages
// are sent with a CSP that allows only this origin's scripts and styles (no inline script), and
// html/template escapes every value it prints.

// consolePrefix is where the console lives. Routes under it are HTML pages, not API operations:
// they are left out of the OpenAPI document (Routes skips them) and authenticate by cookie.
const consolePrefix = "/console"

const (
	consoleAccessCookie  = "phananh_console"
	consoleRefreshCookie = "phananh_console_refresh"
	consoleCSRFCookie    = "phananh_csrf"
	consoleLangCookie    = "phananh_lang"
	consoleCSRFField     = "csrf"
)

// consoleFS holds the console's templates and static files, compiled into the binary so the
// console works offline and the Go build needs no front-end tooling.
//
//go:embed console/templates/*.html console/static/*
var consoleFS embed.FS

// console is the parsed templates (one set per language, so templates call {{t "key"}}) and
// the console's settings.
type console struct {
	pages   map[string]*template.Template // by language
	static  fs.FS
	tileURL string // base-map tile URL template ({z}/{x}/{y}); "" draws the map without tiles
	csp     string
}

// consoleUI serves the officials' web console: HTML pages with a cookie session and CSRF
// checks. Its errors are HTML pages in the official's language, or a redirect to the sign-in
// page when the session is missing (consoleErrors), never the API's JSON error body.
type consoleUI struct {
	*Server
	pages *console
}

// consoleLangs are the console's languages, Vietnamese first (the default).
var consoleLangs = []string{"vi", "en"}

// newConsole parses the embedded templates once; a template error fails the server's start.
func newConsole(cfg Config) (*console, error) {
	static, err := fs.Sub(consoleFS, "console/static")
	if err != nil {
		return nil, err
	}
	imgSrc := "'self' data:"
	if cfg.ConsoleTileURL != "" {
		u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(cfg.ConsoleTileURL))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("console tile URL %q must be an http(s) URL with {z}, {x} and {y}", cfg.ConsoleTileURL)
		}
		imgSrc += " " + u.Scheme + "://" + u.Host
	}
	con := &console{pages: map[string]*template.Template{}, static: static, tileURL: cfg.ConsoleTileURL,
		csp: "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + imgSrc +
			"; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}
	for _, lang := range consoleLangs {
		t, err := template.New("console").Funcs(consoleFuncs(lang)).ParseFS(consoleFS, "console/templates/*.html")
		if err != nil {
			return nil, fmt.Errorf("console templates: %w", err)
		}
		con.pages[lang] = t
	}
	return con, nil
}

// consoleFuncs are the template helpers of one language.
func consoleFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":    func(key string) string { return translate(lang, key) },
		"when": func(v any) string { return consoleTime(v) },
		"pct": func(v *float64) string {
			if v == nil {
				return "–"
			}
			return fmt.Sprintf("%.0f %%", *v*100)
		},
		"hours": func(v *float64) string {
			if v == nil {
				return "–"
			}
			return fmt.Sprintf("%.1f", *v)
		},
		"short": func(s string, n int) string {
			r := []rune(s)
			if len(r) <= n {
				return s
			}
			return string(r[:n]) + "…"
		},
		// internal: the action's history event is for officials only (its note field says so).
		"internal": func(a string) bool { return models.AlwaysInternal(models.Action(a)) },
		// danger: the action ends or refuses something and asks for a confirmation first.
		"danger": func(a string) bool {
			return slices.Contains([]models.Action{models.ActReject, models.ActMarkDuplicate, models.ActMerge, models.ActDenyExt}, models.Action(a))
		},
		// confirms: the action asks for a confirmation first — the dangerous ones, and the
		// triage corrections whose effects reach beyond the page (a recategorization moves the
		// deadlines and may move the ticket to another unit; set_private and hide_from_public
		// change what the public reads).
		"confirms": func(a string) bool {
			return slices.Contains([]models.Action{models.ActReject, models.ActMarkDuplicate, models.ActMerge, models.ActDenyExt,
				models.ActRecategorize, models.ActSetPrivate, models.ActHideFromPublic}, models.Action(a))
		},
		// replyForm: the action's form offers the unit's canned replies for its note.
		"replyForm": func(a string) bool { return slices.Contains(consoleReplyForms, a) },
		"has": func(list []models.Action, a string) bool {
			for _, x := range list {
				if string(x) == a {
					return true
				}
			}
			return false
		},
	}
}

// consoleTime shows an instant (RFC 3339 text or time.Time) as officials read it, in
// Vietnamese time: 27/11/2026 21:05.
func consoleTime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case string:
		if x == "" {
			return ""
		}
		p, err := time.Parse(time.RFC3339, x)
		if err != nil {
			return x
		}
		t = p
	}
	if t.IsZero() {
		return ""
	}
	return t.In(models.VietnamTime).Format("02/01/2006 15:04")
}

// consolePage is what every page template receives; Data is the page's own view model.
type consolePage struct {
	Lang      string
	OtherLang string
	Title     string
	CSRF      string
	User      *consoleUser
	Path      string // the current path and query, for the language switch
	Refresh   int    // seconds between dashboard refreshes; 0: none
	Flash     *consoleFlash
	Data      any
}

type consoleUser struct {
	Role  models.Role
	Unit  string
	IOC   bool // may open the dashboard
	Admin bool // may open the administration pages

	// Intake: may file reports on a resident's behalf (the "Tiếp nhận hộ" page).
	Intake bool
}

// consoleFlash is the message a page shows at its top: a success, a plain error, or a
// conflict (someone else acted first).
type consoleFlash struct {
	Kind    string // ok, error, conflict
	Message string
	// Secret is shown once after the message: a new account's one-time password, a new key.
	Secret string
}

// handlers is the chain of one console route: HTML errors and security headers, the CSRF
// check on POST, then the cookie session for routes that need a role.
func (s *consoleUI) handlers(method, route string, roles []models.Role, h fiber.Handler) []fiber.Handler {
	chain := []fiber.Handler{s.consoleErrors}
	if method == fiber.MethodPost {
		chain = append(chain, s.consoleCSRF)
	}
	if roles != nil {
		// Sub-resources never refresh: a page's parallel image requests must not spend one
		// refresh token several times.
		refresh := !strings.HasPrefix(route, consolePrefix+"/media")
		chain = append(chain, s.consoleSession(roles, refresh))
	}
	return append(chain, h)
}

// consoleErrors sets the console's headers and renders failures as an HTML page with the
// status of the error vocabulary, instead of the API's JSON error.
func (s *consoleUI) consoleErrors(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", s.pages.csp)
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	err := c.Next()
	if err == nil {
		return nil
	}
	code := models.ErrorCode(err)
	status := statusOf(code)
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
	}
	if status >= 500 {
		return err // logged and answered by the server's error handler
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.consoleRender(c, status, "error", "error.title", nil, consoleErrorView{Status: status, Code: code, Message: models.ErrorMessage(err)})
}

type consoleErrorView struct {
	Status  int
	Code    string
	Message string
}

// consoleCSRF refuses a POST whose form does not repeat the session's CSRF token.
func (s *consoleUI) consoleCSRF(c *fiber.Ctx) error {
	cookie := c.Cookies(consoleCSRFCookie)
	sent := c.FormValue(consoleCSRFField)
	if len(cookie) < 32 || subtle.ConstantTimeCompare([]byte(cookie), []byte(sent)) != 1 {
		return models.Errorf(models.EForbidden, "the form has expired or did not come from this console (CSRF token missing or wrong); reload the page and try again")
	}
	return c.Next()
}

// consoleSession admits a request whose access cookie (or, on pages, refresh cookie) belongs to
// one of roles. Without a session, pages redirect to the sign-in page.
func (s *consoleUI) consoleSession(roles []models.Role, refresh bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.svc.Auth.Authenticate(c.UserContext(), c.Cookies(consoleAccessCookie))
		if err != nil && refresh && c.Cookies(consoleRefreshCookie) != "" {
			var t *app.Tokens
			if t, err = s.svc.Auth.Refresh(c.UserContext(), c.Cookies(consoleRefreshCookie)); err == nil {
				s.setSessionCookies(c, t)
				p, err = s.svc.Auth.Authenticate(c.UserContext(), t.AccessToken)
			}
		}
		if err != nil {
			s.clearSessionCookies(c)
			if c.Method() == fiber.MethodGet {
				return c.Redirect(consolePrefix+"/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return models.Errorf(models.EUnauthorized, "your session has ended; sign in again")
		}
		allowed := false
		for _, r := range roles {
			allowed = allowed || r == p.Role
		}
		if !allowed {
			return models.Errorf(models.EForbidden, "the console page is not for the %s role", p.Role)
		}
		if p.PasswordChange && c.Route().Path != consolePrefix+"/password" {
			if c.Method() == fiber.MethodGet {
				return c.Redirect(consolePrefix+"/password", fiber.StatusSeeOther)
			}
			return models.Errorf(models.EPasswordChangeRequired, "change the one-time password first")
		}
		if p.SecondFactorEnrolment && !p.PasswordChange && !strings.HasPrefix(c.Route().Path, consolePrefix+"/2fa") {
			if c.Method() == fiber.MethodGet {
				return c.Redirect(consolePrefix+"/2fa", fiber.StatusSeeOther)
			}
			return models.Errorf(models.ESecondFactorEnrolmentRequired,
				"this deployment requires a second factor for your role: turn it on first (console page /console/2fa)")
		}
		c.Locals(localPrincipal, p)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Next()
	}
}

func (s *consoleUI) cookie(c *fiber.Ctx, name, value string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: consolePrefix, Expires: expires, HTTPOnly: true,
		Secure: s.secureRequest(c), SameSite: fiber.CookieSameSiteStrictMode})
}

func (s *consoleUI) setSessionCookies(c *fiber.Ctx, t *app.Tokens) {
	s.cookie(c, consoleAccessCookie, t.AccessToken, t.RefreshExpiresAt)
	s.cookie(c, consoleRefreshCookie, t.RefreshToken, t.RefreshExpiresAt)
}

func (s *consoleUI) clearSessionCookies(c *fiber.Ctx) {
	past := time.Unix(1, 0)
	s.cookie(c, consoleAccessCookie, "", past)
	s.cookie(c, consoleRefreshCookie, "", past)
}

// csrfToken returns the request's CSRF token, creating it (and its cookie) when absent.
func (s *consoleUI) csrfToken(c *fiber.Ctx) string {
	if tok := c.Cookies(consoleCSRFCookie); len(tok) >= 32 {
		return tok
	}
	return s.newCSRFToken(c)
}

func (s *consoleUI) newCSRFToken(c *fiber.Ctx) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	s.cookie(c, consoleCSRFCookie, tok, time.Time{})
	return tok
}

// consoleLang picks the language: ?lang= (remembered in a cookie), else the cookie, else
// Vietnamese.
func (s *consoleUI) consoleLang(c *fiber.Ctx) string {
	lang := c.Query("lang")
	if lang == "vi" || lang == "en" {
		c.Cookie(&fiber.Cookie{Name: consoleLangCookie, Value: lang, Path: consolePrefix, MaxAge: 365 * 24 * 3600,
			Secure: s.secureRequest(c), SameSite: fiber.CookieSameSiteLaxMode})
		return lang
	}
	if lang = c.Cookies(consoleLangCookie); lang == "en" {
		return lang
	}
	return "vi"
}

// consoleRender renders page (a template name) inside the layout with status.
func (s *consoleUI) consoleRender(c *fiber.Ctx, status int, page, titleKey string, flash *consoleFlash, data any) error {
	lang := s.consoleLang(c)
	v := consolePage{Lang: lang, OtherLang: "en", Title: translate(lang, titleKey), CSRF: s.csrfToken(c), Flash: flash, Data: data}
	if lang == "en" {
		v.OtherLang = "vi"
	}
	u, err := url.Parse(c.OriginalURL())
	if err == nil {
		q := u.Query()
		q.Set("lang", v.OtherLang)
		q.Del("done")
		v.Path = u.Path + "?" + q.Encode()
	}
	if p, ok := c.Locals(localPrincipal).(models.Principal); ok && p.UserID != "" {
		v.User = &consoleUser{Role: p.Role, Unit: p.UnitID, IOC: p.Role.SeesAllTickets(), Admin: p.Role == models.RoleAdmin,
			Intake: p.Role == models.RoleIOCOperator || p.Role.NeedsUnit()}
		if un, ok := s.svc.Catalog.Unit(p.UnitID); ok {
			v.User.Unit = un.Name
			if lang == "en" && un.NameEN != "" {
				v.User.Unit = un.NameEN
			}
		}
	}
	if d, ok := data.(*consoleDashboard); ok {
		v.Refresh = d.Refresh
	}
	var buf bytes.Buffer
	if err := s.pages.pages[lang].ExecuteTemplate(&buf, page, v); err != nil {
		return fmt.Errorf("render console page %s: %w", page, err)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// consoleHome sends officials to their queue and the IOC to the dashboard.
func (s *consoleUI) consoleHome(c *fiber.Ctx) error {
	if principal(c).Role.SeesAllTickets() {
		return c.Redirect(consolePrefix+"/dashboard", fiber.StatusSeeOther)
	}
	return c.Redirect(consolePrefix+"/queue", fiber.StatusSeeOther)
}

type consoleLoginView struct {
	Username string
	Next     string
}

// safeNext keeps a post-sign-in redirect inside the console (no open redirect).
func safeNext(next string) string {
	if !strings.HasPrefix(next, consolePrefix+"/") || strings.HasPrefix(next, consolePrefix+"/login") ||
		strings.Contains(next, "..") || strings.ContainsAny(next, "\\\r\n") {
		return consolePrefix + "/"
	}
	return next
}

func (s *consoleUI) consoleLoginPage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	var flash *consoleFlash
	if c.Query("changed") == "1" {
		flash = &consoleFlash{Kind: "ok", Message: translate(s.consoleLang(c), "login.changed")}
	}
	return s.consoleRender(c, fiber.StatusOK, "login", "login.title", flash, consoleLoginView{Next: safeNext(c.Query("next"))})
}

func (s *consoleUI) consoleLogin(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	username, next := c.FormValue("username"), safeNext(c.FormValue("next"))
	t, err := s.svc.Auth.Login(c.UserContext(), username, c.FormValue("password"), c.FormValue("otp"), s.clientIP(c))
	if err == nil && !t.User.Role.Official() {
		err = models.Errorf(models.EForbidden, "the console is for officials")
	}
	if err != nil {
		status := statusOf(models.ErrorCode(err))
		if status >= 500 {
			return err
		}
		return s.consoleRender(c, status, "login", "login.title", &consoleFlash{Kind: "error", Message: models.ErrorMessage(err)},
			consoleLoginView{Username: username, Next: next})
	}
	s.setSessionCookies(c, t)
	s.newCSRFToken(c)
	if t.User.PasswordChangeRequired {
		next = consolePrefix + "/password"
	} else if next == consolePrefix+"/" && t.User.Role.SeesAllTickets() {
		next = consolePrefix + "/dashboard"
	} else if next == consolePrefix+"/" {
		next = consolePrefix + "/queue"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *consoleUI) consoleLogout(c *fiber.Ctx) error {
	if rt := c.Cookies(consoleRefreshCookie); rt != "" {
		if err := s.svc.Auth.Logout(c.UserContext(), rt); err != nil {
			return err
		}
	}
	s.clearSessionCookies(c)
	s.newCSRFToken(c)
	return c.Redirect(consolePrefix+"/login", fiber.StatusSeeOther)
}

// consoleStatic serves the embedded CSS and JavaScript.
func (s *consoleUI) consoleStatic(c *fiber.Ctx) error {
	name := c.Params("name")
	data, err := fs.ReadFile(s.pages.static, name)
	if err != nil || strings.Contains(name, "/") {
		return models.Errorf(models.ENotFound, "no such file")
	}
	switch path.Ext(name) {
	case ".css":
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	case ".js":
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	default:
		c.Set(fiber.HeaderContentType, "application/octet-stream")
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(data)
}
