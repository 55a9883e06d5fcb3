package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The authorization policy of every ticket route, as one table: route × principal × ticket →
// status. Ticket routes are probed on tX (ward X) and tY (ward Y), both filed by residentA;
// routes without a ticket are probed once per principal.

// Principals of the matrix.
const (
	pResidentA = "residentA" // reporter of tX and tY
	pResidentB = "residentB" // another resident
	pOfficerX  = "officerX"
	pOfficerY  = "officerY"
	pLeaderX   = "leaderX"
	pIOCOp     = "ioc_operator"
	pIOCViewer = "ioc_viewer"
	pAdmin     = "admin"
	pAnonymous = "anonymous"
)

var matrixPrincipals = []string{pResidentA, pResidentB, pOfficerX, pOfficerY, pLeaderX, pIOCOp, pIOCViewer, pAdmin, pAnonymous}

// onXY is the expected status on tX and on tY.
type onXY struct{ x, y int }

// all is the same status for both tickets (and for routes without a ticket).
func all(status int) onXY { return onXY{status, status} }

// policyRow is one route of the policy. Route is "METHOD /path" with the path as the OpenAPI
// document writes it.
type policyRow struct {
	route     string
	perTicket bool
	want      map[string]onXY
}

// matrixAction is the representative action each principal tries through the action endpoint:
// officials write a note, the other resident says "me too", the reporter tries what only
// officials may do.
var matrixAction = map[string]string{
	pResidentA: "note", pResidentB: "follow", pOfficerX: "note", pOfficerY: "note", pLeaderX: "note",
	pIOCOp: "note", pIOCViewer: "note", pAdmin: "note", pAnonymous: "note",
}

var policy = []policyRow{
	{route: "GET /v1/tickets/{id}", perTicket: true, want: map[string]onXY{
		pResidentA: all(200), pResidentB: all(404),
		pOfficerX: {200, 404}, pOfficerY: {404, 200}, pLeaderX: {200, 404},
		pIOCOp: all(200), pIOCViewer: all(200), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/tickets/{id}/actions", perTicket: true, want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(200), // follow: any other resident, non-private ticket
		pOfficerX: {200, 404}, pOfficerY: {404, 200}, pLeaderX: {200, 404},
		pIOCOp: all(200), pIOCViewer: all(403), pAdmin: all(403), pAnonymous: all(401),
	}},
	{route: "GET /v1/tickets/{id}/duplicates", perTicket: true, want: map[string]onXY{ // officials handling it
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: {200, 404}, pOfficerY: {404, 200}, pLeaderX: {200, 404},
		pIOCOp: all(200), pIOCViewer: all(200), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "GET /v1/tickets", want: map[string]onXY{ // ?mine=true
		pResidentA: all(200), pResidentB: all(200),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(403), pAnonymous: all(401),
	}},
	{route: "POST /v1/tickets", want: map[string]onXY{
		pResidentA: all(201), pResidentB: all(201),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(403), pAnonymous: all(401),
	}},
	{route: "POST /v1/tickets/on-behalf", want: map[string]onXY{ // a hotline call, a walk-in
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(201), pOfficerY: all(201), pLeaderX: all(201),
		pIOCOp: all(201), pIOCViewer: all(403), pAdmin: all(403), pAnonymous: all(401),
	}},
	{route: "GET /v1/queue", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(200), pOfficerY: all(200), pLeaderX: all(200),
		pIOCOp: all(200), pIOCViewer: all(200), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/queue/actions", want: map[string]onXY{ // a bulk accept of a ticket nobody has: per-ticket 404 (bulk_test.go)
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(200), pOfficerY: all(200), pLeaderX: all(200),
		pIOCOp: all(200), pIOCViewer: all(200), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "GET /v1/queue/filters", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(200), pOfficerY: all(200), pLeaderX: all(200),
		pIOCOp: all(200), pIOCViewer: all(200), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/queue/filters", want: map[string]onXY{ // each official saves one of their own (filters_test.go)
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(201), pOfficerY: all(201), pLeaderX: all(201),
		pIOCOp: all(201), pIOCViewer: all(201), pAdmin: all(201), pAnonymous: all(401),
	}},
	{route: "DELETE /v1/queue/filters/{id}", want: map[string]onXY{ // an id nobody has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(404), pOfficerY: all(404), pLeaderX: all(404),
		pIOCOp: all(404), pIOCViewer: all(404), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "GET /v1/queue/events", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(200), pOfficerY: all(200), pLeaderX: all(200),
		pIOCOp: all(200), pIOCViewer: all(200), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "GET /v1/tickets/nearby", want: map[string]onXY{
		pResidentA: all(200), pResidentB: all(200),
		pOfficerX: all(200), pOfficerY: all(200), pLeaderX: all(200),
		pIOCOp: all(200), pIOCViewer: all(200), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "GET /v1/subscriptions", want: map[string]onXY{
		pResidentA: all(200), pResidentB: all(200),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(403), pAnonymous: all(401),
	}},
	{route: "POST /v1/media/uploads", want: map[string]onXY{ // any signed-in user uploads (media_test.go: who reads)
		pResidentA: all(201), pResidentB: all(201),
		pOfficerX: all(201), pOfficerY: all(201), pLeaderX: all(201),
		pIOCOp: all(201), pIOCViewer: all(201), pAdmin: all(201), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/audit", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/switchovers", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/switchovers", want: map[string]onXY{ // to the set in force: refused
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(400), pAnonymous: all(401),
	}},
	{route: "DELETE /v1/admin/switchovers/{id}", want: map[string]onXY{ // an id no switch-over has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/calendar", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "PUT /v1/admin/calendar/{year}", want: map[string]onXY{ // a far year: no deadline moves
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/keys", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/keys", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(201), pAnonymous: all(401),
	}},
	{route: "DELETE /v1/admin/keys/{id}", want: map[string]onXY{ // an id no key has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}}, {route: "GET /v1/admin/users", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/users", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(201), pAnonymous: all(401),
	}},
	{route: "PATCH /v1/admin/users/{id}", want: map[string]onXY{ // an id no account has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/users/{id}/disable", want: map[string]onXY{ // an id no account has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/users/{id}/enable", want: map[string]onXY{ // an id no account has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/users/{id}/reset-password", want: map[string]onXY{ // an id no account has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/users/{id}/reset-2fa", want: map[string]onXY{ // an id no account has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "POST /v1/me/2fa/enroll", want: map[string]onXY{ // officials only; each gets a secret
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(200), pOfficerY: all(200), pLeaderX: all(200),
		pIOCOp: all(200), pIOCViewer: all(200), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/me/2fa/confirm", want: map[string]onXY{ // after the enrolment above, with a malformed code
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(400), pOfficerY: all(400), pLeaderX: all(400),
		pIOCOp: all(400), pIOCViewer: all(400), pAdmin: all(400), pAnonymous: all(401),
	}},
	{route: "DELETE /v1/me/2fa", want: map[string]onXY{ // no second factor is on
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(409), pOfficerY: all(409), pLeaderX: all(409),
		pIOCOp: all(409), pIOCViewer: all(409), pAdmin: all(409), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/privacy/register", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/units", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/units", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(201), pAnonymous: all(401),
	}},
	{route: "PATCH /v1/admin/units/{id}", want: map[string]onXY{ // an id no unit has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/routing-rules", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/routing-rules", want: map[string]onXY{ // the unit the category goes to anyway
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "DELETE /v1/admin/routing-rules", want: map[string]onXY{ // a pair without a rule
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/categories", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(200), pAnonymous: all(401),
	}},
	{route: "POST /v1/admin/categories", want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(201), pAnonymous: all(401),
	}},
	{route: "PATCH /v1/admin/categories/{code}", want: map[string]onXY{ // a code no category has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	{route: "GET /v1/admin/categories/{code}/policies", want: map[string]onXY{ // a code no category has
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(403), pIOCViewer: all(403), pAdmin: all(404), pAnonymous: all(401),
	}},
	// Legal holds (erasure_test.go): placed by the IOC operator on both tickets, so the
	// administrator, after it, finds them held; released in the same order.
	{route: "POST /v1/tickets/{id}/legal-hold", perTicket: true, want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(200), pIOCViewer: all(403), pAdmin: all(409), pAnonymous: all(401),
	}},
	{route: "DELETE /v1/tickets/{id}/legal-hold", perTicket: true, want: map[string]onXY{
		pResidentA: all(403), pResidentB: all(403),
		pOfficerX: all(403), pOfficerY: all(403), pLeaderX: all(403),
		pIOCOp: all(200), pIOCViewer: all(403), pAdmin: all(409), pAnonymous: all(401),
	}},
}

// errorCodes is the error code each refusal status must carry.
var errorCodes = map[int]string{401: "unauthorized", 403: "forbidden", 404: "not_found"}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	for _, row := range policy {
		for _, p := range matrixPrincipals {
			if _, ok := row.want[p]; !ok {
				t.Fatalf("policy table: %s has no entry for %s", row.route, p)
			}
		}
	}
	set := loadSet(t, "longxuyen-2023")
	x, y, z := ward(set, 0), ward(set, 1), ward(set, 2)
	s := startServer(t, storeKind{name: "sqlite"})
	tok := matrixTokens(s, x, y)
	// Non-private reports, so that another resident may follow them.
	tX := fileTicket(t, s, tok[pResidentA], wfReport("TTDT", x, "Lấn chiếm vỉa hè phường X", false))
	tY := fileTicket(t, s, tok[pResidentA], wfReport("TTDT", y, "Lấn chiếm vỉa hè phường Y", false))
	if tX.Unit.ID != unitOf(x.code, "ubnd") || tY.Unit.ID != unitOf(y.code, "ubnd") {
		t.Fatalf("tickets routed to %s and %s", tX.Unit.ID, tY.Unit.ID)
	}

	c := matrixCaller{s: s, tok: tok, x: x, z: z}
	var deviations []string
	check := func(route, p, ticket string, want int, r response) {
		if d := policyDeviation(route, p, ticket, want, r); d != "" {
			deviations = append(deviations, d)
		}
	}
	// GETs before actions: residentB's follow changes what residentB may read.
	for _, row := range policy {
		for _, p := range matrixPrincipals {
			if !row.perTicket {
				check(row.route, p, "-", row.want[p].x, c.call(t, row.route, p, nil))
				continue
			}
			check(row.route, p, "tX", row.want[p].x, c.call(t, row.route, p, &tX))
			check(row.route, p, "tY", row.want[p].y, c.call(t, row.route, p, &tY))
		}
	}
	if len(deviations) > 0 {
		t.Errorf("%d deviations from the policy table:\n%s", len(deviations), strings.Join(deviations, "\n"))
	}

	// An unknown ticket answers like an invisible one.
	for _, p := range []string{pResidentB, pOfficerY} {
		r := s.request(t, "GET", "/v1/tickets/does-not-exist", tok[p], nil)
		refused(t, r, http.StatusNotFound, "not_found", "")
	}
	// residentB now follows both: public view only, and still not the reporter.
	view := getTicket(t, s, tok[pResidentB], tX.ID)
	onlyPublic(t, "follower", view)
	for _, e := range view.History {
		if e.Action == "note" {
			t.Errorf("follower sees the internal note %+v", e)
		}
	}
	refused(t, act(t, s, tok[pResidentB], tX.ID, view.Version, "withdraw", nil), http.StatusForbidden, "forbidden", "")
	if full := getTicket(t, s, tok[pOfficerX], tX.ID); !slices.Contains(full.actions(), "note") {
		t.Errorf("officer X does not see the internal notes: %v", full.actions())
	}
}

// matrixTokens signs in every principal of the matrix (officials of ward x's and y's people's
// committees) and returns their access tokens ("" for the anonymous caller).
func matrixTokens(s *server, x, y wardPoint) map[string]string {
	return map[string]string{
		pResidentA: s.signInResident("0912200001").AccessToken,
		pResidentB: s.signInResident("0912200002").AccessToken,
		pOfficerX:  s.createOfficial("officer", "officer.x", unitOf(x.code, "ubnd")).AccessToken,
		pOfficerY:  s.createOfficial("officer", "officer.y", unitOf(y.code, "ubnd")).AccessToken,
		pLeaderX:   s.createOfficial("leader", "leader.x", unitOf(x.code, "ubnd")).AccessToken,
		pIOCOp:     s.createOfficial("ioc_operator", "ioc.op", "").AccessToken,
		pIOCViewer: s.createOfficial("ioc_viewer", "ioc.viewer", "").AccessToken,
		pAdmin:     s.createOfficial("admin", "admin2", "").AccessToken,
		pAnonymous: "",
	}
}

// matrixCaller calls the routes of the policy table as the principals of tok: near ward x's
// point, filing in ward z.
type matrixCaller struct {
	s    *server
	tok  map[string]string
	x, z wardPoint
}

// call performs one route for one principal on one ticket (nil for routes without a ticket).
func (c matrixCaller) call(t *testing.T, route, p string, tk *wfTicket) response {
	t.Helper()
	s, tok, x, z := c.s, c.tok, c.x, c.z
	if method, path, body, ok := adminRequest(route, p, x); ok {
		return s.request(t, method, path, tok[p], body)
	}
	switch route {
	case "GET /v1/tickets/{id}":
		return s.request(t, "GET", "/v1/tickets/"+tk.ID, tok[p], nil)
	case "POST /v1/tickets/{id}/actions":
		// Always the current version, so only authorization decides.
		cur := getTicket(t, s, tok[pIOCViewer], tk.ID)
		f := fields{}
		if matrixAction[p] == "note" {
			f = fields{"note": "Kiểm tra phân quyền", "visibility": "internal"}
		}
		return act(t, s, tok[p], tk.ID, cur.Version, matrixAction[p], f)
	case "GET /v1/tickets":
		return s.request(t, "GET", "/v1/tickets?mine=true", tok[p], nil)
	case "POST /v1/tickets":
		return s.request(t, "POST", "/v1/tickets", tok[p], wfReport("MT", z, "Rác thải ở phường Z", false))
	case "POST /v1/tickets/on-behalf":
		body := wfReport("MT", z, "Rác thải ở phường Z, báo qua đường dây nóng", false)
		body["channel"] = "hotline"
		return s.request(t, "POST", "/v1/tickets/on-behalf", tok[p], body)
	case "GET /v1/queue":
		return s.request(t, "GET", "/v1/queue", tok[p], nil)
	case "GET /v1/queue/filters":
		return s.request(t, "GET", "/v1/queue/filters", tok[p], nil)
	case "POST /v1/queue/filters":
		return s.request(t, "POST", "/v1/queue/filters", tok[p], map[string]any{"name": "Quá hạn", "query": "overdue=true"})
	case "DELETE /v1/queue/filters/{id}":
		return s.request(t, "DELETE", "/v1/queue/filters/00000000000000000000000000000000", tok[p], nil)
	case "POST /v1/queue/actions":
		return s.request(t, "POST", "/v1/queue/actions", tok[p], map[string]any{"action": "accept",
			"tickets": []any{map[string]any{"id": "00000000000000000000000000000000", "expected_version": 1}}})
	case "GET /v1/queue/events":
		return eventsAnswer(t, s, tok[p])
	case "GET /v1/tickets/{id}/duplicates":
		return s.request(t, "GET", "/v1/tickets/"+tk.ID+"/duplicates?radius=500", tok[p], nil)
	case "GET /v1/tickets/nearby":
		return s.request(t, "GET", fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=TTDT", x.lat, x.lng), tok[p], nil)
	case "POST /v1/media/uploads":
		return s.request(t, "POST", "/v1/media/uploads", tok[p], nil, "Upload-Length: 1000")
	case "GET /v1/subscriptions":
		return s.request(t, "GET", "/v1/subscriptions", tok[p], nil)
	case "POST /v1/tickets/{id}/legal-hold", "DELETE /v1/tickets/{id}/legal-hold":
		method, _, _ := strings.Cut(route, " ")
		return s.request(t, method, "/v1/tickets/"+tk.ID+"/legal-hold", tok[p], map[string]string{"reason": "điều tra " + p})
	}
	t.Fatalf("policy table names %s, which the matrix cannot call", route)
	return response{}
}

// adminRequest is the request the matrix sends to an administration or second-factor route as
// p: an id nothing has, or a body that changes nothing another test relies on; ok is false for
// other routes.
func adminRequest(route, p string, x wardPoint) (method, path string, body any, ok bool) {
	switch route {
	case "GET /v1/admin/audit":
		method, path, body = "GET", "/v1/admin/audit", nil
	case "GET /v1/admin/switchovers":
		method, path, body = "GET", "/v1/admin/switchovers", nil
	case "POST /v1/admin/switchovers":
		method, path, body = "POST", "/v1/admin/switchovers", map[string]string{"to_set": "longxuyen-2023",
			"at": time.Now().Add(time.Hour).Format(time.RFC3339), "in_progress": "stay"}
	case "DELETE /v1/admin/switchovers/{id}":
		method, path, body = "DELETE", "/v1/admin/switchovers/no-such-switchover", nil
	case "GET /v1/admin/calendar":
		method, path, body = "GET", "/v1/admin/calendar", nil
	case "PUT /v1/admin/calendar/{year}":
		method, path, body = "PUT", "/v1/admin/calendar/2099", map[string][]string{"days_off": {"2099-01-01"}, "swapped_working_days": {}}
	case "GET /v1/admin/keys":
		method, path, body = "GET", "/v1/admin/keys", nil
	case "POST /v1/admin/keys":
		method, path, body = "POST", "/v1/admin/keys", map[string]string{"name": "matrix " + p, "scope": "stats"}
	case "DELETE /v1/admin/keys/{id}":
		method, path, body = "DELETE", "/v1/admin/keys/no-such-key", nil
	case "GET /v1/admin/users":
		method, path, body = "GET", "/v1/admin/users?q=matrix", nil
	case "POST /v1/admin/users":
		method, path, body = "POST", "/v1/admin/users", map[string]string{"username": "matrix.created", "role": "ioc_viewer"}
	case "PATCH /v1/admin/users/{id}":
		method, path, body = "PATCH", "/v1/admin/users/no-such-user", map[string]string{"display_name": "x"}
	case "POST /v1/admin/users/{id}/disable":
		method, path, body = "POST", "/v1/admin/users/no-such-user/disable", map[string]string{"reason": "matrix"}
	case "POST /v1/admin/users/{id}/enable":
		method, path, body = "POST", "/v1/admin/users/no-such-user/enable", nil
	case "POST /v1/admin/users/{id}/reset-password":
		method, path, body = "POST", "/v1/admin/users/no-such-user/reset-password", nil
	case "POST /v1/admin/users/{id}/reset-2fa":
		method, path, body = "POST", "/v1/admin/users/no-such-user/reset-2fa", nil
	case "POST /v1/me/2fa/enroll":
		method, path, body = "POST", "/v1/me/2fa/enroll", nil
	case "POST /v1/me/2fa/confirm":
		// Five digits: never a valid code, whatever the time.
		method, path, body = "POST", "/v1/me/2fa/confirm", map[string]string{"code": "12345"}
	case "DELETE /v1/me/2fa":
		method, path, body = "DELETE", "/v1/me/2fa", map[string]string{"code": "123456"}
	case "GET /v1/admin/units", "GET /v1/admin/routing-rules", "GET /v1/admin/categories", "GET /v1/admin/privacy/register":
		method, path, body = "GET", strings.TrimPrefix(route, "GET "), nil
	case "POST /v1/admin/units":
		method, path, body = "POST", "/v1/admin/units", map[string]string{"id": "matrix.unit", "kind": "cap_nuoc", "name": "Matrix " + p}
	case "PATCH /v1/admin/units/{id}":
		method, path, body = "PATCH", "/v1/admin/units/no-such-unit", map[string]string{"name": "x"}
	case "POST /v1/admin/routing-rules":
		method, path, body = "POST", "/v1/admin/routing-rules", map[string]string{"category": "TTDT", "area_code": x.code, "unit_id": unitOf(x.code, "ubnd")}
	case "DELETE /v1/admin/routing-rules":
		method, path, body = "DELETE", "/v1/admin/routing-rules?category=TTDT&area_code=no-such-area", nil
	case "POST /v1/admin/categories":
		method, path, body = "POST", "/v1/admin/categories", map[string]any{"code": "matrix.cat", "group": "khac", "name": "Matrix " + p, "name_en": "Matrix",
			"unit_kind": "ioc", "triage_sla": map[string]any{"value": 4, "unit": "working_hours"}, "resolve_sla": map[string]any{"value": 3, "unit": "working_days"}}
	case "PATCH /v1/admin/categories/{code}":
		method, path, body = "PATCH", "/v1/admin/categories/no-such-category", map[string]string{"name": "x"}
	case "GET /v1/admin/categories/{code}/policies":
		method, path, body = "GET", "/v1/admin/categories/no-such-category/policies", nil
	default:
		return "", "", nil, false
	}
	return method, path, body, true
}

// policyDeviation describes how the answer r of route for principal p on ticket differs from the
// status want (and, for a refusal, its error code), or is "" when it does not.
func policyDeviation(route, p, ticket string, want int, r response) string {
	got := r.status
	detail := ""
	if code, ok := errorCodes[want]; ok && got == want {
		var e apiError
		if json.Unmarshal(r.body, &e) != nil || e.Error.Code != code {
			detail = fmt.Sprintf(" but error code %q, want %q", e.Error.Code, code)
		}
	}
	if got != want || detail != "" {
		body := string(r.body)
		if len(body) > 200 {
			body = body[:200] + "…"
		}
		return fmt.Sprintf("%-32s %-13s %-3s got %d, want %d%s; body %s", route, p, ticket, got, want, detail, body)
	}
	return ""
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// TestPolicyCoversEveryTicketRoute fails when the OpenAPI document lists a ticket, queue or admin
// route that the policy table has no entry for.
func TestPolicyCoversEveryTicketRoute(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	s.request(t, "GET", "/openapi.json", "", nil).expect(t, http.StatusOK).json(t, &doc)
	if len(doc.Paths) == 0 {
		t.Fatal("the OpenAPI document has no paths")
	}
	covered := map[string]bool{}
	for _, row := range policy {
		method, path, _ := strings.Cut(row.route, " ")
		covered[method+" "+pathParam.ReplaceAllString(path, "{}")] = true
	}
	var missing []string
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/v1/tickets") && !strings.HasPrefix(path, "/v1/queue") && !strings.HasPrefix(path, "/v1/admin") {
			continue
		}
		for method := range ops {
			m := strings.ToUpper(method)
			switch m {
			case "GET", "POST", "PUT", "PATCH", "DELETE":
			default:
				continue // parameters, summary …
			}
			if !covered[m+" "+pathParam.ReplaceAllString(path, "{}")] {
				missing = append(missing, m+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes in the OpenAPI document without an entry in the policy table:\n%s", strings.Join(missing, "\n"))
	}
	// And the table names no route the document lacks.
	for _, row := range policy {
		method, path, _ := strings.Cut(row.route, " ")
		found := false
		for p, ops := range doc.Paths {
			if pathParam.ReplaceAllString(p, "{}") == pathParam.ReplaceAllString(path, "{}") {
				_, found = ops[strings.ToLower(method)]
			}
		}
		if !found {
			t.Errorf("policy route %s is not in the OpenAPI document", row.route)
		}
	}
}
