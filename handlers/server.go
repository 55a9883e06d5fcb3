// Package handlers is the HTTP transport of phananh on Fiber v2: the route table with the roles
// that may call each route (policy), the middleware chain (security headers, request id, access
// log, load shedding, panic recovery, request deadline, body limits), bearer-token, machine-key
// and rate-limit checks, request decoding and response shapes, the Open311 and export encodings,
// the OpenAPI document and the server-rendered web console for officials under /console. Every
// handler calls one of app's capability services. The JSON API, Open311 and the console are
// separate types, each presenting errors its own way (see Server); this package is the one place
// where errors become status codes and where failed requests are logged. It is the only package of the
// server that imports Fiber (the benchmark tool bench/cmd/baseline imports it as a yardstick).
package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Config holds the transport limits. Every field has a safe default in DefaultConfig.
type Config struct {
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	RequestTimeout time.Duration // deadline of the request's context, so slow stores give up
	BodyLimit      int           // bytes
	// MaxInFlight bounds the requests served at once; more are refused with 503 (shed.go).
	MaxInFlight int
	// ExportMaxConcurrent bounds the export streams running at once, each a full scan of the
	// store; more are refused with 503 (export.go).
	ExportMaxConcurrent int
	// TrustedProxies may name the client in X-Forwarded-For, and the scheme and host in
	// X-Forwarded-Proto and X-Forwarded-Host (TRUSTED_PROXIES; ratelimit.go, forwarded.go).
	TrustedProxies []netip.Prefix
	// PublicBaseURL, when set, is the only base of the absolute URLs the server writes
	// (PUBLIC_BASE_URL; forwarded.go): scheme, host and optional path, no trailing slash.
	PublicBaseURL string
	// HSTSMaxAge, when positive, sends Strict-Transport-Security with this many seconds on
	// every response (HSTS_MAX_AGE; headers.go).
	HSTSMaxAge int
	// ConsoleTileURL is the web console's base-map tile URL template ({z}/{x}/{y}); empty
	// draws the ward maps without a base map, so the console works offline.
	ConsoleTileURL string
	// Observer watches every request for metrics and traces (package telemetry); nil: nothing.
	Observer Observer
}

// Observer watches every request, so that package telemetry can count and trace requests while
// this package imports neither Prometheus nor OpenTelemetry.
type Observer interface {
	// StartRequest is called when a request arrives, with its method, its request id and a
	// reader of its headers (to continue a caller's trace); the request runs with the context
	// it returns. The function it returns is called once, when the answer's status is known,
	// with the route template that served the request — "/v1/tickets/:id", never the path,
	// which holds ids and tokens — or RouteUnmatched or RouteShed, and the status.
	StartRequest(ctx context.Context, method, requestID string, header func(string) string) (context.Context, func(route string, status int))
}

// Route labels of requests that no route of the table served.
const (
	// RouteUnmatched: no route matched the path (404) or the method (405).
	RouteUnmatched = "(unmatched)"
	// RouteShed: refused with 503 before routing because MaxInFlight requests were in flight.
	RouteShed = "(shed)"
)

// DefaultConfig returns limits suited to a mobile API: report bodies are small (media travel
// separately), so 1 MiB is generous.
func DefaultConfig() Config {
	return Config{
		ReadTimeout:    15 * time.Second,
		WriteTimeout:   30 * time.Second,
		IdleTimeout:    120 * time.Second,
		RequestTimeout: 10 * time.Second,
		BodyLimit:      1 << 20,
		MaxInFlight:    512,
		// Two full scans at once leave the store to everyone else; a third is told to come back.
		ExportMaxConcurrent: 2,
	}
}

// Server binds the use cases to HTTP. It owns what every route shares — the middleware chain,
// the route table (policy), authentication, rate limits, the client's address — and three
// presentations of the use cases, each a type of its own with its own way of showing errors:
//
//   - jsonAPI, the JSON API under /v1 (auth.go, catalog.go, tickets.go, workflow.go, media.go,
//     push.go, stats.go, export.go): errors are the JSON error body of handleError, with the
//     status of statusOf;
//   - open311API, GeoReport v2 under /open311/v2 (open311.go): errors are the specification's
//     error list, in JSON or XML, with its own statuses (open311Error);
//   - consoleUI, the officials' web console under /console (console*.go): errors are an HTML
//     page in the official's language, or a redirect to sign in (consoleErrors).
type Server struct {
	svc     *app.App
	log     *slog.Logger
	cfg     Config
	openapi []byte // rendered once; the document never changes at run time
	// inFlight holds a token per request being served (shed.go).
	inFlight chan struct{}
	// exports holds a token per export stream running (export.go).
	exports chan struct{}

	api     *jsonAPI
	open311 *open311API
	console *consoleUI
}

// jsonAPI serves the JSON API; its errors go through handleError.
type jsonAPI struct{ *Server }

// open311API serves GeoReport v2; its errors are the specification's error list (open311Error).
type open311API struct{ *Server }

// New returns the Fiber application serving every route of the API.
func New(svc *app.App, log *slog.Logger, cfg Config) (*fiber.App, error) {
	if cfg.MaxInFlight < 1 {
		return nil, fmt.Errorf("max in-flight requests must be at least 1, not %d", cfg.MaxInFlight)
	}
	if cfg.ExportMaxConcurrent < 1 {
		return nil, fmt.Errorf("max concurrent exports must be at least 1, not %d", cfg.ExportMaxConcurrent)
	}
	s := &Server{svc: svc, log: log, cfg: cfg, inFlight: make(chan struct{}, cfg.MaxInFlight),
		exports: make(chan struct{}, cfg.ExportMaxConcurrent)}
	pages, err := newConsole(cfg)
	if err != nil {
		return nil, err
	}
	s.api, s.open311, s.console = &jsonAPI{s}, &open311API{s}, &consoleUI{Server: s, pages: pages}
	if s.openapi, err = s.renderOpenAPI(); err != nil {
		return nil, err
	}
	f := fiber.New(fiber.Config{
		AppName:               "phananh",
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		BodyLimit:             cfg.BodyLimit,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		// Values from *fiber.Ctx are reused after the handler returns; Immutable copies them so
		// no string handed to the app can change underneath it.
		Immutable:     true,
		StrictRouting: false,
		CaseSensitive: true,
		// Bodies are streamed so media uploads go to disk, never whole into memory (media.go);
		// limitBody applies BodyLimit to every other route.
		StreamRequestBody: true,
	})
	f.Use(s.securityHeaders, s.requestID, s.accessLog, s.shedLoad, s.recoverPanic, s.deadline, s.limitBody, s.refuseEncodedBodies, s.rateLimitHeaders)
	s.routes(f)
	return f, nil
}

// Route is one registered operation; the OpenAPI test compares these with the document.
type Route struct{ Method, Path string }

// routeSpec is one row of the route policy table.
type routeSpec struct {
	Method, Path string
	Roles        []models.Role // nil: public
	handler      fiber.Handler
}

// policy is THE table of routes and the roles that may call them: routes are registered from it
// and nowhere else, TestOpenAPICoversRoutes ties it to the OpenAPI document, and the black-box
// authorization matrix (tests/authz_test.go) checks it against every role.
func (s *Server) policy() []routeSpec {
	// Who may call a route, before the per-ticket policy (models.Principal.TicketAccess) decides
	// what they see of which ticket. nil means public.
	var anyone []models.Role
	signedIn := models.Roles
	residents := []models.Role{models.RoleResident}
	officials := []models.Role{models.RoleOfficer, models.RoleLeader, models.RoleIOCOperator, models.RoleIOCViewer, models.RoleAdmin}
	adminsOnly := []models.Role{models.RoleAdmin}
	replyWriters := []models.Role{models.RoleLeader, models.RoleIOCOperator, models.RoleAdmin}
	iocRoles := []models.Role{models.RoleIOCOperator, models.RoleIOCViewer, models.RoleAdmin}
	// Legal holds keep an identity past its erasure: the IOC operators and administrators decide.
	holdCallers := []models.Role{models.RoleIOCOperator, models.RoleAdmin}
	onBehalfFilers := []models.Role{models.RoleIOCOperator, models.RoleOfficer, models.RoleLeader}
	// The IOC's statistics and change feed: IOC roles, administrators, or a machine key.
	statsCallers := []models.Role{models.RoleIOCViewer, models.RoleIOCOperator, models.RoleAdmin, keyRole(models.ScopeStats)}
	feedCallers := []models.Role{models.RoleIOCViewer, models.RoleIOCOperator, models.RoleAdmin, keyRole(models.ScopeFeed)}
	// The internal export carries private tickets: a key needs the export scope, not stats.
	exportCallers := []models.Role{models.RoleIOCViewer, models.RoleIOCOperator, models.RoleAdmin, keyRole(models.ScopeExport)}
	return []routeSpec{
		{"GET", "/livez", anyone, s.livez},
		{"GET", "/healthz", anyone, s.livez},
		{"GET", "/readyz", anyone, s.readyz},
		{"GET", "/openapi.json", anyone, s.openAPI},

		{"POST", "/v1/auth/otp", anyone, s.api.requestOTP},
		{"POST", "/v1/auth/otp/verify", anyone, s.api.verifyOTP},
		{"POST", "/v1/auth/login", anyone, s.api.login},
		{"POST", "/v1/auth/refresh", anyone, s.api.refresh},
		{"POST", "/v1/auth/logout", anyone, s.api.logout},
		{"GET", "/v1/me", signedIn, s.api.me},
		// Every role may call it; accounts without a password (residents) get a 409.
		{"POST", "/v1/me/password", signedIn, s.api.changePassword},
		// Second factor (twofactor.go): officials only; the app refuses the other roles too.
		{"POST", "/v1/me/2fa/enroll", officials, s.api.enrollTwoFactor},
		{"POST", "/v1/me/2fa/confirm", officials, s.api.confirmTwoFactor},
		{"DELETE", "/v1/me/2fa", officials, s.api.disableTwoFactor},
		// Personal data rights (privacy.go, privacy_export.go; Law 91/2025/QH15).
		{"GET", "/v1/privacy", anyone, s.api.privacyNotice},
		{"GET", "/v1/me/consents", residents, s.api.listConsents},
		{"POST", "/v1/me/consents", residents, s.api.postConsent},
		{"DELETE", "/v1/me/consents/:purpose", residents, s.api.withdrawConsent},
		{"GET", "/v1/me/data", residents, s.limited("export", s.api.myData)},
		{"PATCH", "/v1/me", residents, s.api.patchMe},
		{"POST", "/v1/me/phone", residents, s.api.requestPhoneChange},
		{"POST", "/v1/me/phone/verify", residents, s.api.verifyPhoneChange},
		{"GET", "/v1/admin/privacy/register", adminsOnly, s.api.privacyRegister},
		// Erasure (erasure.go): a resident erases their account with a fresh sign-in code.
		{"DELETE", "/v1/me", residents, s.api.eraseMe},

		{"GET", "/v1/categories", anyone, s.api.listCategories},
		{"GET", "/v1/units", anyone, s.api.listUnits},
		{"GET", "/v1/areas", anyone, s.api.listAreas},
		{"GET", "/v1/areas/locate", anyone, s.api.locate},
		{"GET", "/v1/areas/:code", anyone, s.api.getArea},

		// Exports (export.go): the IOC export streams every field but identities; open data is redacted.
		{"GET", "/v1/export/tickets.csv", exportCallers, s.api.exportHandler(false, exportCSV)},
		{"GET", "/v1/export/tickets.geojson", exportCallers, s.api.exportHandler(false, exportGeoJSON)},
		{"GET", "/v1/opendata/tickets.csv", anyone, s.api.exportHandler(true, exportCSV)},
		{"GET", "/v1/opendata/tickets.geojson", anyone, s.api.exportHandler(true, exportGeoJSON)},

		// Open311 GeoReport v2 (open311.go), each resource as .json and .xml. All public: GETs show
		// public tickets only, and POST checks its api_key form field itself (the spec wants 403).
		{"GET", "/open311/v2/discovery.json", anyone, s.open311.open311(formatJSON, s.open311.o311Discovery)},
		{"GET", "/open311/v2/services.json", anyone, s.open311.open311(formatJSON, s.open311.o311Services)},
		{"GET", "/open311/v2/services/:service_code.json", anyone, s.open311.open311(formatJSON, s.open311.o311Definition)},
		{"GET", "/open311/v2/requests.json", anyone, s.open311.open311(formatJSON, s.open311.o311Requests)},
		{"POST", "/open311/v2/requests.json", anyone, s.open311.open311(formatJSON, s.open311.o311Post)},
		{"GET", "/open311/v2/requests/:service_request_id.json", anyone, s.open311.open311(formatJSON, s.open311.o311Request)},
		{"GET", "/open311/v2/request/:service_request_id.json", anyone, s.open311.open311(formatJSON, s.open311.o311RequestAlias)},
		{"GET", "/open311/v2/tokens/:token.json", anyone, s.open311.open311(formatJSON, s.open311.o311Token)},
		{"GET", "/open311/v2/servicerequestupdates.json", anyone, s.open311.open311(formatJSON, s.open311.o311Updates)},
		{"GET", "/open311/v2/discovery.xml", anyone, s.open311.open311(formatXML, s.open311.o311Discovery)},
		{"GET", "/open311/v2/services.xml", anyone, s.open311.open311(formatXML, s.open311.o311Services)},
		{"GET", "/open311/v2/services/:service_code.xml", anyone, s.open311.open311(formatXML, s.open311.o311Definition)},
		{"GET", "/open311/v2/requests.xml", anyone, s.open311.open311(formatXML, s.open311.o311Requests)},
		{"POST", "/open311/v2/requests.xml", anyone, s.open311.open311(formatXML, s.open311.o311Post)},
		{"GET", "/open311/v2/requests/:service_request_id.xml", anyone, s.open311.open311(formatXML, s.open311.o311Request)},
		{"GET", "/open311/v2/request/:service_request_id.xml", anyone, s.open311.open311(formatXML, s.open311.o311RequestAlias)},
		{"GET", "/open311/v2/tokens/:token.xml", anyone, s.open311.open311(formatXML, s.open311.o311Token)},
		{"GET", "/open311/v2/servicerequestupdates.xml", anyone, s.open311.open311(formatXML, s.open311.o311Updates)},

		{"POST", "/v1/tickets", residents, s.api.createTicket}, // rate-limited by the app, after replays
		// Filing on a resident's behalf (intake.go): the hotline (IOC operators), walk-ins (wards).
		{"POST", "/v1/tickets/on-behalf", onBehalfFilers, s.api.createOnBehalf},
		{"GET", "/v1/tickets", residents, s.api.listTickets},
		{"GET", "/v1/tickets/nearby", signedIn, s.limited("nearby", s.api.nearby)},
		{"GET", "/v1/tickets/:id", signedIn, s.api.getTicket},
		{"POST", "/v1/tickets/:id/actions", signedIn, s.limited("action", s.api.act)},
		{"GET", "/v1/tickets/:id/duplicates", officials, s.api.duplicates}, // candidates to merge into (duplicates.go)
		// Legal holds (erasure.go): IOC operators and administrators, audited.
		{"POST", "/v1/tickets/:id/legal-hold", holdCallers, s.api.placeLegalHold},
		{"DELETE", "/v1/tickets/:id/legal-hold", holdCallers, s.api.releaseLegalHold},
		{"GET", "/v1/queue", officials, s.api.queue},
		{"GET", "/v1/queue/events", officials, s.queueEvents},                        // server-sent events (live.go)
		{"POST", "/v1/queue/actions", officials, s.limited("action", s.api.bulkAct)}, // bulk accept/assign (bulk.go)
		{"GET", "/v1/queue/filters", officials, s.api.listFilters},                   // saved filters (filters.go)
		{"POST", "/v1/queue/filters", officials, s.api.saveFilter},
		{"DELETE", "/v1/queue/filters/:id", officials, s.api.deleteFilter},
		// Canned replies (replies.go): the unit's officials read them; its leaders and the IOC write.
		{"GET", "/v1/replies", officials, s.api.listReplies},
		{"POST", "/v1/replies", replyWriters, s.api.createReply},
		{"PUT", "/v1/replies/:id", replyWriters, s.api.updateReply},
		{"DELETE", "/v1/replies/:id", replyWriters, s.api.deleteReply},
		{"GET", "/v1/admin/audit", adminsOnly, s.api.audit},
		{"GET", "/v1/admin/calendar", adminsOnly, s.api.listCalendar},
		{"GET", "/v1/admin/switchovers", adminsOnly, s.api.listSwitchOvers},
		{"POST", "/v1/admin/switchovers", adminsOnly, s.api.scheduleSwitchOver},
		{"DELETE", "/v1/admin/switchovers/:id", adminsOnly, s.api.cancelSwitchOver},
		{"PUT", "/v1/admin/calendar/:year", adminsOnly, s.api.putCalendarYear},
		{"GET", "/v1/admin/keys", adminsOnly, s.api.listKeys},
		{"POST", "/v1/admin/keys", adminsOnly, s.api.createKey},
		{"DELETE", "/v1/admin/keys/:id", adminsOnly, s.api.revokeKey},
		{"GET", "/v1/admin/users", adminsOnly, s.api.listUsers},
		{"POST", "/v1/admin/users", adminsOnly, s.api.createUser},
		{"PATCH", "/v1/admin/users/:id", adminsOnly, s.api.updateUser},
		{"POST", "/v1/admin/users/:id/disable", adminsOnly, s.api.disableUser},
		{"POST", "/v1/admin/users/:id/enable", adminsOnly, s.api.enableUser},
		{"POST", "/v1/admin/users/:id/reset-password", adminsOnly, s.api.resetUserPassword},
		{"POST", "/v1/admin/users/:id/reset-2fa", adminsOnly, s.api.resetUserTwoFactor},
		{"GET", "/v1/admin/units", adminsOnly, s.api.adminListUnits},
		{"POST", "/v1/admin/units", adminsOnly, s.api.adminCreateUnit},
		{"PATCH", "/v1/admin/units/:id", adminsOnly, s.api.adminUpdateUnit},
		{"GET", "/v1/admin/routing-rules", adminsOnly, s.api.adminListRoutingRules},
		{"POST", "/v1/admin/routing-rules", adminsOnly, s.api.adminPutRoutingRule},
		{"DELETE", "/v1/admin/routing-rules", adminsOnly, s.api.adminDeleteRoutingRule},
		{"GET", "/v1/admin/categories", adminsOnly, s.api.adminListCategories},
		{"POST", "/v1/admin/categories", adminsOnly, s.api.adminCreateCategory},
		{"PATCH", "/v1/admin/categories/:code", adminsOnly, s.api.adminUpdateCategory},
		{"GET", "/v1/admin/categories/:code/policies", adminsOnly, s.api.adminCategoryPolicies},

		// Media (media.go): uploads by any signed-in user; reading follows the ticket's policy
		// inside the handler, and images of public tickets are public, so the route is open.
		{"POST", "/v1/media", signedIn, s.limited("upload", s.api.uploadMedia)},
		{"POST", "/v1/media/uploads", signedIn, s.limited("upload", s.api.createUpload)},
		{"PATCH", "/v1/media/:id", signedIn, s.limited("upload_patch", s.api.patchUpload)},
		{"GET", "/v1/media/:id", anyone, s.api.getMedia},
		{"HEAD", "/v1/media/:id", anyone, s.api.getMedia}, // tus: the offset of an upload in progress

		{"GET", "/v1/me/notifications", residents, s.api.listNotifications},
		{"POST", "/v1/me/notifications/read", residents, s.api.markNotificationsRead},
		{"GET", "/v1/devices", signedIn, s.api.listDevices},
		{"POST", "/v1/devices", signedIn, s.api.registerDevice},
		{"DELETE", "/v1/devices/:token", signedIn, s.api.unregisterDevice},
		{"GET", "/v1/subscriptions", residents, s.api.listSubscriptions},
		{"POST", "/v1/subscriptions", residents, s.api.subscribe},
		{"DELETE", "/v1/subscriptions/:area", residents, s.api.unsubscribe},

		{"GET", "/v1/stats/summary", statsCallers, s.api.statsSummary},
		{"GET", "/v1/stats/timeseries", statsCallers, s.api.statsTimeseries},
		{"GET", "/v1/stats/areas", statsCallers, s.api.statsAreas},
		{"GET", "/v1/stats/areas.geojson", statsCallers, s.api.statsAreasGeoJSON},
		{"GET", "/v1/stats/units", statsCallers, s.api.statsUnits},
		{"GET", "/v1/stats/hotspots", statsCallers, s.api.statsHotspots},
		{"GET", "/v1/reports/periodic", statsCallers, s.api.periodicReport},
		{"GET", "/v1/reports/archive", statsCallers, s.api.reportArchive}, // made on schedule (report_archive.go)
		{"GET", "/v1/reports/archive/:id", statsCallers, s.api.archivedReport},
		{"GET", "/v1/feed/changes", feedCallers, s.api.feedChanges},

		// The web console (console*.go): HTML pages signed in by a cookie session instead of a
		// bearer token, CSRF-checked on POST; not API operations, so not in the OpenAPI document.
		{"GET", "/console", officials, s.console.consoleHome},
		{"GET", "/console/login", anyone, s.console.consoleLoginPage},
		{"POST", "/console/login", anyone, s.console.consoleLogin},
		{"POST", "/console/logout", anyone, s.console.consoleLogout},
		{"GET", "/console/static/:name", anyone, s.console.consoleStatic},
		{"GET", "/console/queue", officials, s.console.consoleQueue},
		{"GET", "/console/queue/events", officials, s.queueEvents}, // the queue page's live updates (live.go)
		{"POST", "/console/queue/bulk", officials, s.console.consoleBulk},
		{"POST", "/console/queue/filters", officials, s.console.consoleSaveFilter},
		{"POST", "/console/queue/filters/:id/delete", officials, s.console.consoleDeleteFilter},
		{"GET", "/console/replies", officials, s.console.consoleReplies},
		{"POST", "/console/replies", replyWriters, s.console.consoleSaveReply},
		{"POST", "/console/replies/:id/delete", replyWriters, s.console.consoleDeleteReply},
		{"GET", "/console/intake", onBehalfFilers, s.console.consoleIntake},
		{"POST", "/console/intake", onBehalfFilers, s.console.consoleIntakeFile},
		{"GET", "/console/tickets/:id", officials, s.console.consoleTicket},
		{"POST", "/console/tickets/:id/actions", officials, s.console.consoleAct},
		{"GET", "/console/dashboard", iocRoles, s.console.consoleDashboard},
		{"GET", "/console/reports/periodic", iocRoles, s.console.consoleReport},
		{"GET", "/console/reports/archive/:id", iocRoles, s.console.consoleArchivedReport},
		{"GET", "/console/media/:id", officials, s.console.consoleMedia},
		{"GET", "/console/password", officials, s.console.consolePasswordPage},
		{"GET", "/console/admin/users", adminsOnly, s.console.consoleAdminUsers},
		{"POST", "/console/admin/users", adminsOnly, s.console.consoleAdminCreateUser},
		{"POST", "/console/admin/users/:id/disable", adminsOnly, s.console.consoleAdminDisableUser},
		{"POST", "/console/admin/users/:id/enable", adminsOnly, s.console.consoleAdminDisableUser},
		{"GET", "/console/admin/categories", adminsOnly, s.console.consoleAdminCategories},
		{"POST", "/console/admin/categories/:code", adminsOnly, s.console.consoleAdminUpdateCategory},
		{"GET", "/console/admin/audit", adminsOnly, s.console.consoleAuditPage},
		{"GET", "/console/2fa", officials, s.console.consoleTwoFactorPage},
		{"POST", "/console/2fa/enroll", officials, s.console.consoleTwoFactorEnroll},
		{"POST", "/console/2fa/confirm", officials, s.console.consoleTwoFactorConfirm},
		{"POST", "/console/2fa/disable", officials, s.console.consoleTwoFactorDisable},
		{"GET", "/console/admin/keys", adminsOnly, s.console.consoleAdminKeys},
		{"POST", "/console/admin/keys", adminsOnly, s.console.consoleAdminCreateKey},
		{"POST", "/console/admin/keys/:id/revoke", adminsOnly, s.console.consoleAdminRevokeKey},
		{"GET", "/console/admin/calendar", adminsOnly, s.console.consoleAdminCalendar},
		{"POST", "/console/admin/calendar", adminsOnly, s.console.consoleAdminSetCalendar},
		{"POST", "/console/password", officials, s.console.consolePassword},
	}
}

func (s *Server) routes(f *fiber.App) {
	for _, r := range s.policy() {
		handlers := []fiber.Handler{r.handler}
		if strings.HasPrefix(r.Path, consolePrefix) { // cookie session and CSRF (console.go)
			handlers = s.console.handlers(r.Method, r.Path, r.Roles, r.handler)
		} else if r.Roles != nil {
			handlers = []fiber.Handler{s.requireUser, s.requireRole(r.Roles), r.handler}
			if consentRoute(r.Method, r.Path) { // the privacy notice accepted first (privacy.go)
				handlers = []fiber.Handler{s.requireUser, s.requireRole(r.Roles), s.requireConsent, r.handler}
			}
			if keyScope(r.Roles) != "" { // the route also admits machine keys (stats.go)
				handlers = []fiber.Handler{s.requireUserOrKey(r.Roles), s.requireRoleOrKey(r.Roles), r.handler}
			}
		}
		path := r.Path
		markRoute := func(c *fiber.Ctx) error { c.Locals(localRoute, path); return c.Next() }
		f.Add(r.Method, r.Path, append([]fiber.Handler{markRoute}, handlers...)...)
	}
}

// localRoute holds the template of the table's route serving the request (routeTemplate).
const localRoute = "route"

// Routes lists the registered API routes (without Fiber's automatic HEAD twins, and without the
// web console's HTML pages under /console, which are not API operations).
func Routes(f *fiber.App) []Route { return routesOf(f, false) }

// ConsoleRoutes lists the web console's registered routes, which Routes leaves out: the privacy
// tests call every page of both lists as callers who may not read a ticket.
func ConsoleRoutes(f *fiber.App) []Route { return routesOf(f, true) }

func routesOf(f *fiber.App, console bool) []Route {
	var out []Route
	seen := map[Route]bool{}
	for _, r := range f.GetRoutes(true) {
		if r.Method == fiber.MethodHead || r.Path == "/" || strings.HasPrefix(r.Path, consolePrefix) != console {
			continue
		}
		rt := Route{r.Method, r.Path}
		if !seen[rt] {
			seen[rt] = true
			out = append(out, rt)
		}
	}
	return out
}

const localRequestID = "request_id"

// requestID keeps a well-formed X-Request-ID from the caller (a gateway's) or makes one, and
// echoes it, so one report can be followed through every log line.
func (s *Server) requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if len(id) == 0 || len(id) > 64 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals(localRequestID, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

// requestIDOf is the request's id (requestID).
func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// recoverPanic turns a panic in a handler into a 500 and a logged stack instead of a dead process.
func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "request_id", c.Locals(localRequestID), "panic", r, "stack", string(debug.Stack()))
			err = models.Errorf(models.EInternal, "internal error")
		}
	}()
	return c.Next()
}

// deadline bounds the work of one request; the app and stores honour ctx.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// accessLog writes one line per request and tells the Observer; errors were already mapped to a
// status by the error handler when c.Next returns through it. The line holds what an operator
// needs to follow a request and nothing that identifies a person: the request id, the route
// template (never the path, whose ids and tokens would link a line to a ticket or a device),
// the method, the status, the latency and the caller's role (never their id, phone or token).
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	finish := func(string, int) {}
	if s.cfg.Observer != nil {
		var ctx context.Context
		ctx, finish = s.cfg.Observer.StartRequest(c.UserContext(), c.Method(), requestIDOf(c), func(k string) string { return c.Get(k) })
		c.SetUserContext(ctx)
	}
	err := c.Next()
	if err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	route, status := routeTemplate(c), c.Response().StatusCode()
	finish(route, status)
	s.log.LogAttrs(c.UserContext(), slog.LevelInfo, "request",
		slog.Any("request_id", c.Locals(localRequestID)),
		slog.String("route", route),
		slog.String("method", c.Method()),
		slog.Int("status", status),
		slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("role", callerRole(c)),
	)
	return nil
}

// callerRole is the role the request was made with, for the access log: the account's role,
// "key:<scope>" for a machine key, or "anonymous" when no credential was checked (public
// routes, or a request refused before its credential was).
func callerRole(c *fiber.Ctx) string {
	p, ok := c.Locals(localPrincipal).(models.Principal)
	switch {
	case !ok:
		return "anonymous"
	case p.Scope != "":
		return "key:" + string(p.Scope)
	case p.Role == "":
		return "anonymous"
	}
	return string(p.Role)
}

// routeTemplate is the route of the table that served the request, RouteShed when it was shed
// before routing, or RouteUnmatched when no route matched. Each route of the table records its
// template first thing (routes): Fiber's own current route cannot tell a route of the table
// from the middleware's when none matched.
func routeTemplate(c *fiber.Ctx) string {
	if shed, _ := c.Locals(localShed).(bool); shed {
		return RouteShed
	}
	if r, ok := c.Locals(localRoute).(string); ok {
		return r
	}
	return RouteUnmatched
}

// statusOf is the single map from the error vocabulary to HTTP.
func statusOf(code string) int {
	switch code {
	case models.EInvalid:
		return fiber.StatusBadRequest
	case models.EUnprocessable, models.EOutsideJurisdiction:
		return fiber.StatusUnprocessableEntity
	case models.EUnauthorized, models.ESecondFactorRequired:
		return fiber.StatusUnauthorized
	case models.EForbidden, models.EPasswordChangeRequired, models.ESecondFactorEnrolmentRequired, models.EConsentRequired:
		return fiber.StatusForbidden
	case models.ENotFound:
		return fiber.StatusNotFound
	case models.EConflict:
		return fiber.StatusConflict
	case models.ETooLarge:
		return fiber.StatusRequestEntityTooLarge
	case models.EUnsupportedMedia:
		return fiber.StatusUnsupportedMediaType
	case models.ERateLimited:
		return fiber.StatusTooManyRequests
	case models.EUnavailable:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

// codeMethodNotAllowed is the code of a route asked with a method it does not serve; Fiber finds
// it, no layer below the transport can.
const codeMethodNotAllowed = "method_not_allowed"

// fiberErrorCode names Fiber's own errors (unknown route, body too large …) in our vocabulary.
func fiberErrorCode(status int) (string, string) {
	switch status {
	case fiber.StatusNotFound:
		return models.ENotFound, "no such route"
	case fiber.StatusMethodNotAllowed:
		return codeMethodNotAllowed, "method not allowed"
	case fiber.StatusRequestEntityTooLarge:
		return models.ETooLarge, "request body too large"
	case fiber.StatusRequestTimeout:
		return models.EInvalid, "request timed out"
	}
	return models.EInvalid, "bad request"
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is the one schema of every error answer. Code, Message and Field are those of the
// first problem, so that clients written before Errors existed keep working.
type errorDetail struct {
	Code    string `json:"code" jsonschema:"example=invalid" jsonschema_description:"stable machine code, one per HTTP status: invalid 400, unauthorized and second_factor_required 401, forbidden, password_change_required, second_factor_enrolment_required and consent_required 403, not_found 404, method_not_allowed 405, conflict 409, too_large 413, unsupported_media_type 415, unprocessable and outside_jurisdiction 422, rate_limited 429, internal 500, unavailable 503"`
	Message string `json:"message" jsonschema_description:"for a person: Vietnamese by default, English with Accept-Language: en (or ?lang=en); when errors is present, the message of its first entry"`
	Field   string `json:"field,omitempty" jsonschema_description:"the field of errors' first entry, for clients that show one field"`
	// Errors lists every field problem of the request at once (a form marks them all),
	// each with a stable problem code (models.Problem*); absent when no field is at fault.
	Errors []fieldErrorBody `json:"errors,omitempty" jsonschema_description:"every field at fault, when the request has field problems: a form marks them all at once"`
	// RequestID is the request's X-Request-Id, so that a user who reports an error can quote
	// the one value that finds its log line.
	RequestID string `json:"request_id,omitempty" jsonschema_description:"the request's X-Request-Id (the caller's, when well-formed, else one the server made): quote it when reporting the error, it finds the request's log line"`
}

// fieldErrorBody is one entry of errorDetail.Errors.
type fieldErrorBody struct {
	Field   string `json:"field" jsonschema:"example=location.lat" jsonschema_description:"path of the field in the body: location.lat, items[2].id; or a header (If-Match)"`
	Code    string `json:"code" jsonschema:"enum=required,enum=wrong_type,enum=unknown_field,enum=bad_enum,enum=out_of_range,enum=too_long,enum=too_many,enum=malformed,enum=mismatch,enum=invalid" jsonschema_description:"what is wrong, stable: required (missing or empty), wrong_type (another JSON type), unknown_field (not part of the request), bad_enum (not an allowed value), out_of_range, too_long (text), too_many (list items), malformed (a value of the wrong form: time, phone, code), mismatch (disagrees with another value), invalid (anything else; the message says what)"`
	Message string `json:"message" jsonschema_description:"for a person, in the language of message, naming the field"`
}

// fieldErrors words the field problems of a request in the caller's language.
func fieldErrors(problems []*models.Error, en bool) []fieldErrorBody {
	out := make([]fieldErrorBody, 0, len(problems))
	for _, p := range problems {
		b := fieldErrorBody{Field: p.Field, Code: p.Problem}
		if b.Code == "" {
			b.Code = models.ProblemInvalid
		}
		var ok bool
		if b.Message, ok = problemText(p, en); !ok {
			b.Message = localized(p, p.Code, p.Message, false, en)
		}
		out = append(out, b)
	}
	return out
}

// logFailure is the one place where failed requests are logged: server-side failures (5xx) with
// their cause, which the answer never carries. Client errors are the access log's business.
func (s *Server) logFailure(c *fiber.Ctx, status int, err error) {
	if status >= 500 {
		s.log.LogAttrs(c.UserContext(), slog.LevelError, "request failed",
			slog.Any("request_id", c.Locals(localRequestID)),
			slog.String("method", c.Method()), slog.String("route", routeTemplate(c)),
			slog.Int("status", status), slog.String("error", err.Error()))
	}
}

// handleError writes the JSON error of err, in the caller's language (wantsEnglish; a bad
// ?lang= is answered in Vietnamese), and logs server-side failures with their cause.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	en, _ := wantsEnglish(c)
	var fe *fiber.Error
	detail := errorDetail{Code: models.ErrorCode(err)}
	message, generic := models.ErrorMessage(err), detail.Code == models.EInternal
	status := statusOf(detail.Code)
	if errors.As(err, &fe) {
		status, generic = fe.Code, true
		detail.Code, message = fiberErrorCode(fe.Code)
	} else if errors.Is(err, context.DeadlineExceeded) {
		status, generic = fiber.StatusServiceUnavailable, true
		detail.Code, message = models.EUnavailable, "the request took too long"
	} else {
		detail.Errors = fieldErrors(models.FieldProblems(err), en)
	}
	detail.Message = localized(err, detail.Code, message, generic, en)
	if len(detail.Errors) > 0 {
		detail.Field, detail.Message = detail.Errors[0].Field, detail.Errors[0].Message
	}
	var retry *app.RetryAfter
	if status == fiber.StatusTooManyRequests && errors.As(err, &retry) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(retry.Wait.Seconds())))))
	}
	s.logFailure(c, status, err)
	detail.RequestID = requestIDOf(c)
	lang := "vi"
	if en {
		lang = "en"
	}
	c.Vary(fiber.HeaderAcceptLanguage) // the message is in the language asked for
	c.Set(fiber.HeaderContentLanguage, lang)
	return c.Status(status).JSON(errorBody{detail})
}

// livez answers while the process serves HTTP at all (/livez, and /healthz for the clients of
// earlier releases): an orchestrator restarts the process when it fails, so it checks nothing
// a restart would not fix.
func (s *Server) livez(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) }

// readiness is the body of /readyz: every check, and what is wrong with those that failed.
type readiness struct {
	Status string           `json:"status" jsonschema:"enum=ready,enum=unready"`
	Checks []readinessCheck `json:"checks"`
}

type readinessCheck struct {
	Name    string `json:"name" jsonschema_description:"store, schema, write_queue or worker:<name> (sla, media_gc, device_pruning, push)"`
	OK      bool   `json:"ok"`
	Problem string `json:"problem,omitempty"`
}

// readyz answers 200 when this instance should get traffic and 503 with the reasons when not
// (app.App.Ready): a load balancer stops sending it requests, and an operator reads why.
func (s *Server) readyz(c *fiber.Ctx) error {
	r := s.svc.Ready(c.UserContext())
	body := readiness{Status: "ready", Checks: make([]readinessCheck, len(r.Checks))}
	for i, ch := range r.Checks {
		body.Checks[i] = readinessCheck{Name: ch.Name, OK: ch.Problem == "", Problem: ch.Problem}
	}
	if !r.Ready {
		body.Status = "unready"
		c.Status(fiber.StatusServiceUnavailable)
	}
	return c.JSON(body)
}
