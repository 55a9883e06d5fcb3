package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestAuthorizationObjects extends the route × role matrix (authz_test.go) to the objects a
// route names: for every route that takes an id — tickets, their actions, media and resumable
// uploads, subscriptions, Open311 requests — the owner, a resident who does not own it,
// the responsible ward's officer, an officer of another ward (and of another unit of the same
// ward), a unit the ticket was transferred away from, the IOC and anonymous callers. Anything
// not theirs answers as if it did not exist (404), never 403 with a hint, and changes nothing.
func TestAuthorizationObjects(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 5), ward(set, 6)
	eachStore(t, func(t *testing.T, st storeKind) {
		o := newObjectsFixture(t, startServer(t, st), x, y)
		o.checkProbes(t)
		o.checkConsole(t)
		o.checkNothingTaken(t)
		o.checkTransfer(t)
		o.checkQueuesAndNearby(t)
		o.checkMarkDuplicate(t)
		o.checkSubscriptions(t)
	})
}

// The principals of TestAuthorizationObjects.
const (
	oResA, oResB              = "residentA", "residentB"
	oPoliceX, oPoliceY        = "police.x", "police.y" // ward police (private ANTT tickets)
	oUbndX, oUbndY            = "ubnd.x", "ubnd.y"     // ward committee (public TTDT tickets)
	oIOCViewer, oAnon, oAdmin = "ioc.viewer", "anonymous", "admin"
)

// objectsFixture is a server with the principals' access tokens and residentA's objects: a
// public report in ward x with a photo, a private one with a photo, a photo not yet attached,
// and a resumable upload in progress.
type objectsFixture struct {
	s                               *server
	tok                             map[string]string
	x, y                            wardPoint
	tPub, tPriv                     wfTicket
	photoPub, photoPriv, photoLoose string
	upload                          string
}

func newObjectsFixture(t *testing.T, s *server, x, y wardPoint) *objectsFixture {
	t.Helper()
	o := &objectsFixture{s: s, x: x, y: y}
	tok := map[string]string{
		oResA:      s.signInResident("0912500001").AccessToken,
		oResB:      s.signInResident("0912500002").AccessToken,
		oPoliceX:   s.createOfficial("officer", oPoliceX, unitOf(x.code, "cong_an")).AccessToken,
		oPoliceY:   s.createOfficial("officer", oPoliceY, unitOf(y.code, "cong_an")).AccessToken,
		oUbndX:     s.createOfficial("officer", oUbndX, unitOf(x.code, "ubnd")).AccessToken,
		oUbndY:     s.createOfficial("officer", oUbndY, unitOf(y.code, "ubnd")).AccessToken,
		oIOCViewer: s.createOfficial("ioc_viewer", oIOCViewer, "").AccessToken,
		oAdmin:     s.createOfficial("admin", "admin.obj", "").AccessToken,
		oAnon:      "",
	}
	o.tok = tok

	// residentA's objects: a public report with a photo, a private one with a photo, a photo
	// not yet attached, and a resumable upload in progress.
	o.photoPub = s.uploadOK(t, tok[oResA], phoneJPEG(t, 10)).ID
	o.photoPriv = s.uploadOK(t, tok[oResA], phoneJPEG(t, 20)).ID
	o.photoLoose = s.uploadOK(t, tok[oResA], phoneJPEG(t, 30)).ID
	pubBody := wfReport("TTDT", x, "Lấn chiếm vỉa hè, đối tượng kiểm thử", true)
	pubBody["media"] = []string{o.photoPub}
	o.tPub = fileTicket(t, s, tok[oResA], pubBody)
	privBody := wfReport("ANTT.01", x, "Đánh nhau trước quán karaoke, đối tượng kiểm thử", true)
	privBody["media"] = []string{o.photoPriv}
	o.tPriv = fileTicket(t, s, tok[oResA], privBody)
	if o.tPub.Unit.ID != unitOf(x.code, "ubnd") || o.tPriv.Unit.ID != unitOf(x.code, "cong_an") {
		t.Fatalf("routed to %s and %s", o.tPub.Unit.ID, o.tPriv.Unit.ID)
	}
	var upload struct{ ID string }
	s.request(t, "POST", "/v1/media/uploads", tok[oResA], nil, "Upload-Length: 5000", "Tus-Resumable: 1.0.0").
		expect(t, http.StatusCreated).json(t, &upload)

	o.upload = upload.ID
	return o
}

// objectProbe is one call on one of residentA's objects; want is the status of each principal
// (missing principals: 404).
type objectProbe struct {
	name string
	call func(p string) response
	want map[string]int // missing principals: 404
}

// checkProbes makes every probe as every principal: anything not theirs answers 404.
func (o *objectsFixture) checkProbes(t *testing.T) {
	t.Helper()
	everyone := []string{oResA, oResB, oPoliceX, oPoliceY, oUbndX, oUbndY, oIOCViewer, oAdmin, oAnon}
	probes := o.probes(t)
	var deviations []string
	for _, pr := range probes {
		for _, p := range everyone {
			want, ok := pr.want[p]
			if !ok {
				want = http.StatusNotFound
			}
			if r := pr.call(p); r.status != want {
				body := string(r.body)
				if len(body) > 160 {
					body = body[:160] + "…"
				}
				deviations = append(deviations, fmt.Sprintf("%-55s %-10s got %d, want %d; %s", pr.name, p, r.status, want, body))
			}
		}
	}
	if len(deviations) > 0 {
		t.Errorf("%d deviations:\n%s", len(deviations), strings.Join(deviations, "\n"))
	}
}

// probes are the calls on residentA's objects: read and act on the tickets, read the photos,
// look at and write into the upload, read the Open311 requests.
func (o *objectsFixture) probes(t *testing.T) []objectProbe {
	get := func(path string) func(string) response {
		return func(p string) response { return o.s.request(t, "GET", path, o.tok[p], nil) }
	}
	note := func(id string) func(string) response {
		return func(p string) response {
			v := getTicket(t, o.s, o.tok[oIOCViewer], id).Version
			if strings.HasPrefix(p, "resident") {
				return act(t, o.s, o.tok[p], id, v, "follow", nil)
			}
			return act(t, o.s, o.tok[p], id, v, "note", fields{"note": "Kiểm tra phân quyền đối tượng"})
		}
	}
	return []objectProbe{
		{"GET private ticket", get("/v1/tickets/" + o.tPriv.ID), map[string]int{
			oResA: 200, oPoliceX: 200, oIOCViewer: 200, oAdmin: 200, oAnon: 401}},
		{"act on private ticket (residents follow, officials note)", note(o.tPriv.ID), map[string]int{
			oResA: 403, oPoliceX: 200, oIOCViewer: 403, oAdmin: 403, oAnon: 401}},
		{"GET public ticket", get("/v1/tickets/" + o.tPub.ID), map[string]int{
			oResA: 200, oUbndX: 200, oIOCViewer: 200, oAdmin: 200, oAnon: 401}},
		{"GET photo of the private ticket", get("/v1/media/" + o.photoPriv + "?size=thumb"), map[string]int{
			oResA: 200, oPoliceX: 200, oIOCViewer: 200, oAdmin: 200}},
		// Images of public tickets are public (Open311 media_url): anyone reads them.
		{"GET photo of the public ticket", get("/v1/media/" + o.photoPub + "?size=thumb"), map[string]int{
			oResA: 200, oResB: 200, oPoliceX: 200, oPoliceY: 200, oUbndX: 200, oUbndY: 200, oIOCViewer: 200, oAdmin: 200, oAnon: 200}},
		{"GET unattached photo", get("/v1/media/" + o.photoLoose), map[string]int{oResA: 200}},
		{"HEAD upload in progress", func(p string) response {
			return o.s.request(t, "HEAD", "/v1/media/"+o.upload, o.tok[p], nil, "Tus-Resumable: 1.0.0")
		}, map[string]int{oResA: 200}},
		{"PATCH another's upload", func(p string) response {
			if p == oResA {
				return response{status: http.StatusNotFound} // the owner's PATCH is media_test.go's
			}
			return o.s.request(t, "PATCH", "/v1/media/"+o.upload, o.tok[p], "abcdef", "Tus-Resumable: 1.0.0",
				"Upload-Offset: 0", "Content-Type: application/offset+octet-stream")
		}, map[string]int{oAnon: 401}},
		{"Open311 private request", get("/open311/v2/requests/" + o.tPriv.ID + ".json"), nil},
		{"Open311 public request", get("/open311/v2/requests/" + o.tPub.ID + ".json"), map[string]int{
			oResA: 200, oResB: 200, oPoliceX: 200, oPoliceY: 200, oUbndX: 200, oUbndY: 200, oIOCViewer: 200, oAdmin: 200, oAnon: 200}},
	}
}

// checkConsole checks that the web console applies the same policy to its pages (cookie
// sessions).
func (o *objectsFixture) checkConsole(t *testing.T) {
	t.Helper()
	// The web console applies the same policy to its pages (cookie sessions).
	for _, c := range []struct {
		who  string
		want int
	}{{oPoliceX, 200}, {oPoliceY, 404}, {oUbndX, 404}, {oIOCViewer, 200}} {
		cc := newConsoleClient(t, o.s)
		cc.signIn(c.who)
		for _, p := range []string{"/console/tickets/" + o.tPriv.ID, "/console/media/" + o.photoPriv + "?size=thumb"} {
			if r := cc.do("GET", p, nil); r.status != c.want {
				t.Errorf("console %s as %s: status %d, want %d", p, c.who, r.status, c.want)
			}
		}
		if c.want == 404 && c.who != oIOCViewer {
			v := getTicket(t, o.s, o.tok[oIOCViewer], o.tPriv.ID).Version
			if r := cc.act(o.tPriv.ID, v, "note", url.Values{"note": {"Kiểm tra phân quyền"}}); r.status != http.StatusNotFound {
				t.Errorf("console note on the private ticket as %s: status %d, want 404", c.who, r.status)
			}
		}
	}
}

// checkNothingTaken checks that the PATCHes of others wrote nothing into residentA's upload, and
// that another resident cannot attach residentA's photo.
func (o *objectsFixture) checkNothingTaken(t *testing.T) {
	t.Helper()
	// The PATCHes of others wrote nothing into residentA's upload.
	if r := o.s.request(t, "HEAD", "/v1/media/"+o.upload, o.tok[oResA], nil, "Tus-Resumable: 1.0.0"); r.header.Get("Upload-Offset") != "0" {
		t.Errorf("upload offset after others' PATCHes: %q, want 0", r.header.Get("Upload-Offset"))
	}

	// Another resident cannot attach residentA's photo to a report of their own: the id is
	// "unknown" to them, nothing is filed, and the photo stays residentA's alone.
	stolen := wfReport("TTDT", o.y, "Báo cáo dùng ảnh của người khác", false)
	stolen["media"] = []string{o.photoLoose}
	invalid(t, o.s.request(t, "POST", "/v1/tickets", o.tok[oResB], stolen), "media")
	var mine struct{ Tickets []wfTicket }
	o.s.request(t, "GET", "/v1/tickets?mine=true", o.tok[oResB], nil).expect(t, http.StatusOK).json(t, &mine)
	if len(mine.Tickets) != 0 {
		t.Errorf("residentB has %d tickets after a refused report", len(mine.Tickets))
	}
	o.s.request(t, "GET", "/v1/media/"+o.photoLoose, o.tok[oResA], nil).expect(t, http.StatusOK)
	o.s.request(t, "GET", "/v1/media/"+o.photoLoose, o.tok[oResB], nil).expect(t, http.StatusNotFound)
	o.s.request(t, "GET", "/v1/tickets?mine=true", o.tok[oResA], nil).expect(t, http.StatusOK).json(t, &mine)
	if len(mine.Tickets) != 2 {
		t.Errorf("residentA lists %d tickets, want 2", len(mine.Tickets))
	}
}

// checkTransfer has the ward committee of X transfer the public ticket to Y: X keeps read access
// but may no longer act; Y reads and acts; others still see nothing.
func (o *objectsFixture) checkTransfer(t *testing.T) {
	t.Helper()
	// A transfer: the ward committee of X hands the public ticket to Y. X keeps read access
	// (internal view) but may no longer act; Y now reads and acts; B still sees nothing.
	cur := getTicket(t, o.s, o.tok[oUbndX], o.tPub.ID)
	moved := step(t, o.s, o.tok[oUbndX], cur, "transfer", fields{"area": o.y.code, "reason": "Sai địa bàn"}, "received")
	if moved.Unit.ID != unitOf(o.y.code, "ubnd") {
		t.Fatalf("transferred to %s", moved.Unit.ID)
	}
	if prev := getTicket(t, o.s, o.tok[oUbndX], o.tPub.ID); prev.Reporter == nil || prev.Reporter.Phone != "" {
		t.Errorf("the unit it came from sees reporter %+v, want the pseudonym only", prev.Reporter)
	}
	refused(t, act(t, o.s, o.tok[oUbndX], o.tPub.ID, moved.Version, "note", fields{"note": "còn ở đây không?"}), http.StatusForbidden, "forbidden", "")
	refused(t, act(t, o.s, o.tok[oUbndX], o.tPub.ID, moved.Version, "accept", nil), http.StatusForbidden, "forbidden", "")
	step(t, o.s, o.tok[oUbndY], moved, "accept", nil, "assigned")
	o.s.request(t, "GET", "/v1/tickets/"+o.tPub.ID, o.tok[oPoliceY], nil).expect(t, http.StatusNotFound)
	o.s.request(t, "GET", "/v1/tickets/"+o.tPub.ID, o.tok[oResB], nil).expect(t, http.StatusNotFound)
}

// checkQueuesAndNearby checks that an officer's queue lists their unit's tickets only, whatever
// the filter, and that nearby never offers the private ticket.
func (o *objectsFixture) checkQueuesAndNearby(t *testing.T) {
	t.Helper()
	// Queues: an officer's queue lists their unit's tickets only.
	for _, c := range []struct {
		who  string
		want []string
	}{{oPoliceX, []string{o.tPriv.ID}}, {oPoliceY, nil}, {oUbndX, nil}, {oUbndY, []string{o.tPub.ID}}} {
		var q struct{ Tickets []wfTicket }
		o.s.request(t, "GET", "/v1/queue", o.tok[c.who], nil).expect(t, http.StatusOK).json(t, &q)
		var got []string
		for _, tk := range q.Tickets {
			got = append(got, tk.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s queue %v, want %v", c.who, got, c.want)
		}
	}
	// …and no filter reaches another unit's: unit= is refused, area= stays within the unit.
	refused(t, o.s.request(t, "GET", "/v1/queue?unit="+unitOf(o.y.code, "ubnd"), o.tok[oUbndX], nil), http.StatusForbidden, "forbidden", "unit")
	var other struct{ Tickets []wfTicket }
	o.s.request(t, "GET", "/v1/queue?area="+o.y.code, o.tok[oUbndX], nil).expect(t, http.StatusOK).json(t, &other)
	if len(other.Tickets) != 0 {
		t.Errorf("ubnd.x's queue filtered by ward Y lists %d tickets", len(other.Tickets))
	}
	// Nearby (the "me too" search) never offers a private ticket.
	var near struct{ Tickets []wfTicket }
	o.s.request(t, "GET", fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=ANTT.01", o.x.lat, o.x.lng), o.tok[oResB], nil).expect(t, http.StatusOK).json(t, &near)
	for _, tk := range near.Tickets {
		if tk.ID == o.tPriv.ID {
			t.Errorf("nearby offers the private ticket %s to another resident", o.tPriv.Code)
		}
	}
}

// checkMarkDuplicate checks that mark_duplicate only names tickets the caller may read, and that
// a private original never gains the duplicate's reporter as a follower.
func (o *objectsFixture) checkMarkDuplicate(t *testing.T) {
	t.Helper()
	// mark_duplicate names another ticket: only one the caller may read (else it answers as
	// for an unknown id and changes nothing), and a private original never gains the
	// duplicate's reporter as a follower.
	tY := fileTicket(t, o.s, o.tok[oResB], wfReport("TTDT", o.y, "Vỉa hè phường Y bị lấn chiếm", false))
	tDup := fileTicket(t, o.s, o.tok[oResB], wfReport("TTDT", o.x, "Vỉa hè trước chợ bị lấn chiếm", false))
	for _, of := range []wfTicket{tY, o.tPriv} {
		r := act(t, o.s, o.tok[oUbndX], tDup.ID, tDup.Version, "mark_duplicate", fields{"duplicate_of": of.ID})
		invalid(t, r, "duplicate_of")
		if strings.Contains(string(r.body), of.Code) {
			t.Errorf("the refusal names %s, which %s may not read: %s", of.Code, oUbndX, r.body)
		}
	}
	if got := getTicket(t, o.s, o.tok[oIOCViewer], tDup.ID); got.State != "received" || got.Version != 1 {
		t.Errorf("refused mark_duplicate changed the ticket: %s v%d", got.State, got.Version)
	}
	if got := getTicket(t, o.s, o.tok[oIOCViewer], o.tPriv.ID); got.FollowersCount != 0 {
		t.Errorf("the private ticket has %d followers", got.FollowersCount)
	}
	tPriv2 := fileTicket(t, o.s, o.tok[oResB], wfReport("ANTT.01", o.x, "Lại đánh nhau trước quán karaoke", true))
	step(t, o.s, o.tok[oPoliceX], tPriv2, "mark_duplicate", fields{"duplicate_of": o.tPriv.ID}, "duplicate")
	o.s.request(t, "GET", "/v1/tickets/"+o.tPriv.ID, o.tok[oResB], nil).expect(t, http.StatusNotFound)
	if got := getTicket(t, o.s, o.tok[oIOCViewer], o.tPriv.ID); got.FollowersCount != 0 || got.Version != getTicket(t, o.s, o.tok[oPoliceX], o.tPriv.ID).Version {
		t.Errorf("the private original gained followers: %d", got.FollowersCount)
	}
}

// checkSubscriptions checks that subscriptions are per account.
func (o *objectsFixture) checkSubscriptions(t *testing.T) {
	t.Helper()
	// Subscriptions are per account: B removing an area A subscribed to changes nothing of A's.
	o.s.request(t, "POST", "/v1/subscriptions", o.tok[oResA], map[string]string{"area_code": o.x.code}).expect(t, http.StatusCreated)
	o.s.request(t, "DELETE", "/v1/subscriptions/"+o.x.code, o.tok[oResB], nil).expect(t, http.StatusNoContent)
	if got := listSubscriptions(t, o.s, o.tok[oResA]); !slices.Equal(got, []string{o.x.code}) {
		t.Errorf("residentA's subscriptions after B's delete: %v", got)
	}
	if got := listSubscriptions(t, o.s, o.tok[oResB]); len(got) != 0 {
		t.Errorf("residentB sees subscriptions %v", got)
	}
}

// routeCallers is who may call each operation of the OpenAPI document, written independently of
// handlers/server.go's policy() so the two can be compared. Every operation must have a row.
var routeCallers = map[string]string{
	"GET /v1/me": "signed-in", "POST /v1/me/password": "signed-in", "GET /v1/devices": "signed-in", "POST /v1/devices": "signed-in", "DELETE /v1/devices/{token}": "signed-in",
	"POST /v1/media": "signed-in", "POST /v1/media/uploads": "signed-in", "PATCH /v1/media/{id}": "signed-in",
	"GET /v1/tickets/nearby": "signed-in", "GET /v1/tickets/{id}": "signed-in", "POST /v1/tickets/{id}/actions": "signed-in",
	"GET /v1/tickets": "residents", "POST /v1/tickets": "residents",
	"GET /v1/subscriptions": "residents", "POST /v1/subscriptions": "residents", "DELETE /v1/subscriptions/{area}": "residents",
	"GET /v1/queue":                   "officials",
	"GET /v1/queue/events":            "officials",
	"POST /v1/queue/actions":          "officials",
	"GET /v1/queue/filters":           "officials",
	"POST /v1/queue/filters":          "officials",
	"DELETE /v1/queue/filters/{id}":   "officials",
	"GET /v1/reports/archive":         "ioc",
	"GET /v1/reports/archive/{id}":    "ioc",
	"GET /v1/tickets/{id}/duplicates": "officials",
	"GET /v1/replies":                 "officials",
	"POST /v1/replies":                "reply-writers",
	"PUT /v1/replies/{id}":            "reply-writers",
	"DELETE /v1/replies/{id}":         "reply-writers",
	"GET /v1/admin/audit":             "admins",
	"GET /v1/admin/keys":              "admins", "POST /v1/admin/keys": "admins", "DELETE /v1/admin/keys/{id}": "admins",
	"GET /v1/admin/switchovers": "admins", "POST /v1/admin/switchovers": "admins", "DELETE /v1/admin/switchovers/{id}": "admins",
	"GET /v1/admin/calendar": "admins", "PUT /v1/admin/calendar/{year}": "admins",
	"GET /v1/admin/users": "admins", "POST /v1/admin/users": "admins", "PATCH /v1/admin/users/{id}": "admins",
	"POST /v1/admin/users/{id}/disable": "admins", "POST /v1/admin/users/{id}/enable": "admins",
	"POST /v1/admin/users/{id}/reset-password": "admins",
	"POST /v1/admin/users/{id}/reset-2fa":      "admins",
	"POST /v1/me/2fa/enroll":                   "officials", "POST /v1/me/2fa/confirm": "officials", "DELETE /v1/me/2fa": "officials",
	"GET /v1/admin/units": "admins", "POST /v1/admin/units": "admins", "PATCH /v1/admin/units/{id}": "admins",
	"GET /v1/admin/routing-rules": "admins", "POST /v1/admin/routing-rules": "admins", "DELETE /v1/admin/routing-rules": "admins",
	"GET /v1/admin/categories": "admins", "POST /v1/admin/categories": "admins", "PATCH /v1/admin/categories/{code}": "admins",
	"GET /v1/admin/categories/{code}/policies": "admins",
	// Personal data rights (privacy_test.go): residents' own data; the register for administrators.
	"GET /v1/me/consents": "residents", "POST /v1/me/consents": "residents", "DELETE /v1/me/consents/{purpose}": "residents",
	"GET /v1/me/data": "residents", "PATCH /v1/me": "residents", "POST /v1/me/phone": "residents", "POST /v1/me/phone/verify": "residents",
	"GET /v1/admin/privacy/register": "admins",
	"GET /v1/me/notifications":       "residents", "POST /v1/me/notifications/read": "residents",
	"GET /v1/export/tickets.csv": "ioc", "GET /v1/export/tickets.geojson": "ioc", "GET /v1/feed/changes": "ioc",
	"GET /v1/stats/summary": "ioc", "GET /v1/stats/timeseries": "ioc", "GET /v1/stats/areas": "ioc",
	"GET /v1/stats/areas.geojson": "ioc", "GET /v1/stats/units": "ioc", "GET /v1/stats/hotspots": "ioc", "GET /v1/reports/periodic": "ioc",
	"DELETE /v1/me":                    "residents",
	"POST /v1/tickets/{id}/legal-hold": "holds", "DELETE /v1/tickets/{id}/legal-hold": "holds",
	"POST /v1/tickets/on-behalf": "on-behalf",
}

// TestEveryRouteRoleMatrix calls every operation of the OpenAPI document as every role (and
// anonymously) and compares the answer with routeCallers: a caller outside the row gets 401
// (anonymous) or 403, one inside never does. Operations without a row are public and must not
// depend on who calls: the same status with any token or none. A new operation the table does
// not know fails the test until it is given a row (or is checked to be public).
func TestEveryRouteRoleMatrix(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 11)
	s := startServer(t, storeKind{name: "sqlite"})
	roles := []string{"resident", "officer", "leader", "ioc_operator", "ioc_viewer", "admin", "anonymous"}
	tok := map[string]string{
		"resident":     s.signInResident("0912800001").AccessToken,
		"officer":      s.createOfficial("officer", "route.officer", unitOf(x.code, "ubnd")).AccessToken,
		"leader":       s.createOfficial("leader", "route.leader", unitOf(x.code, "ubnd")).AccessToken,
		"ioc_operator": s.createOfficial("ioc_operator", "route.ioc.op", "").AccessToken,
		"ioc_viewer":   s.createOfficial("ioc_viewer", "route.ioc.viewer", "").AccessToken,
		"admin":        s.createOfficial("admin", "route.admin", "").AccessToken,
	}
	allowed := map[string][]string{
		"signed-in":     {"resident", "officer", "leader", "ioc_operator", "ioc_viewer", "admin"},
		"residents":     {"resident"},
		"officials":     {"officer", "leader", "ioc_operator", "ioc_viewer", "admin"},
		"admins":        {"admin"},
		"ioc":           {"ioc_operator", "ioc_viewer", "admin"},
		"holds":         {"ioc_operator", "admin"},             // legal holds (erasure_test.go)
		"reply-writers": {"leader", "ioc_operator", "admin"},   // canned replies (replies_test.go)
		"on-behalf":     {"officer", "leader", "ioc_operator"}, // filing for a resident (channels_test.go)
	}
	params := strings.NewReplacer("{id}", "00000000000000000000000000000000", "{token}", "no-such-token",
		"{area}", x.code, "{code}", x.code, "{service_code}", "TTDT", "{service_request_id}", "00000000000000000000000000000000")

	ops := openAPIOperations(t, s)
	for op := range routeCallers {
		if !slices.Contains(ops, op) {
			t.Errorf("routeCallers names %s, which the OpenAPI document lacks", op)
		}
	}
	var deviations []string
	for _, op := range ops {
		method, p, _ := strings.Cut(op, " ")
		class, guarded := routeCallers[op]
		if !guarded && !strings.HasPrefix(p, "/open311/") && !strings.HasPrefix(p, "/v1/auth/") && !slices.Contains(publicOps, op) {
			deviations = append(deviations, fmt.Sprintf("%s: no row in routeCallers and not a known public operation", op))
			continue
		}
		statuses := map[string]int{}
		for _, role := range roles {
			var body any
			if method == "POST" || method == "PATCH" {
				body = "{}"
			}
			var r response
			if p == "/v1/queue/events" { // a stream: the answer's status, not its end
				r = eventsAnswer(t, s, tok[role])
			} else {
				r = s.request(t, method, params.Replace(p), tok[role], body)
			}
			statuses[role] = r.status
			switch {
			case !guarded:
			case role == "anonymous" && r.status != http.StatusUnauthorized:
				deviations = append(deviations, fmt.Sprintf("%-40s %-12s got %d, want 401", op, role, r.status))
			case role != "anonymous" && slices.Contains(allowed[class], role) && (r.status == 401 || r.status == 403):
				deviations = append(deviations, fmt.Sprintf("%-40s %-12s got %d, want access (%s): %s", op, role, r.status, class, r.body))
			case role != "anonymous" && !slices.Contains(allowed[class], role) && r.status != http.StatusForbidden:
				deviations = append(deviations, fmt.Sprintf("%-40s %-12s got %d, want 403 (%s)", op, role, r.status, class))
			}
		}
		if !guarded {
			for _, role := range roles {
				if statuses[role] != statuses["anonymous"] {
					deviations = append(deviations, fmt.Sprintf("%-40s public, but %s gets %d and anonymous %d", op, role, statuses[role], statuses["anonymous"]))
				}
			}
		}
	}
	if len(deviations) > 0 {
		t.Errorf("%d deviations:\n%s", len(deviations), strings.Join(deviations, "\n"))
	}
}

// openAPIOperations lists the operations ("METHOD /path") of the server's OpenAPI document,
// sorted; there must be at least 40.
func openAPIOperations(t *testing.T, s *server) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	s.request(t, "GET", "/openapi.json", "", nil).expect(t, http.StatusOK).json(t, &doc)
	var ops []string
	for p, methods := range doc.Paths {
		for m := range methods {
			switch m = strings.ToUpper(m); m {
			case "GET", "POST", "PUT", "PATCH", "DELETE":
				ops = append(ops, m+" "+p)
			}
		}
	}
	sort.Strings(ops)
	if len(ops) < 40 {
		t.Fatalf("only %d operations in the OpenAPI document", len(ops))
	}
	return ops
}

// publicOps are the public operations outside /open311/ and /v1/auth/.
var publicOps = []string{
	"GET /livez", "GET /healthz", "GET /readyz", "GET /openapi.json", "GET /v1/categories", "GET /v1/units", "GET /v1/areas",
	"GET /v1/areas/locate", "GET /v1/areas/{code}", "GET /v1/media/{id}",
	"GET /v1/opendata/tickets.csv", "GET /v1/opendata/tickets.geojson", "GET /v1/privacy",
}
