package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// What each audience may see of a ticket, as allow-lists of JSON field paths ("/" between keys,
// "#" for an array element, "*" for a map key such as a state in counts). A response carrying
// any other path fails TestResponseFieldAllowLists: a new field must be added here on purpose.
var (
	ticketPublicFields = []string{
		"id", "code", "state", "version", "category", "group", "description", "address",
		"location/lat", "location/lng", "location/accuracy_m", "media/#", "allow_contact", "private",
		"area/code", "area/name", "unit/id", "unit/name", "unit/kind", "boundary_set", "routed_by_nearest",
		"created_at", "updated_at", "triage_due_at", "resolve_due_at", "due_at", "overdue",
		"outcome", "result_note", "rating", "reject_reason", "duplicate_of", "on_time_class",
		"reopen_count", "followers_count", "allowed_actions/#",
		// The version of the category's deadline and privacy policy the ticket was filed under.
		"policy_version",
		"history/#/at", "history/#/action", "history/#/from", "history/#/to", "history/#/actor_role",
		"history/#/note", "history/#/visibility",
		// Set on a resident's own answer or rating comment, which the public view leaves out
		// (tests/privacy_test.go): seen by the reporter and the officials.
		"history/#/note_internal",
		// What an action decided: reason, outcome, the deadline requested, granted or
		// approaching, the unit moved to, the original of a duplicate (by code), the rating.
		"history/#/reason", "history/#/outcome", "history/#/due_at", "history/#/unit_id", "history/#/unit_name",
		"history/#/duplicate_of", "history/#/rating",
		// The duplicate a merged_from event took in (by code), public only when it was.
		"history/#/merged_from",
		// The categories a recategorize moved the ticket from and to.
		"history/#/category", "history/#/prev_category",
	}
	// Officials' additions: staff actors, extension, assignment, escalation, earlier units.
	ticketInternalFields = []string{
		"history/#/actor", "history/#/assignee", "history/#/escalation_level",
		"routing_ambiguous", "extension/due_at", "extension/reason", "assigned_to",
		"escalation_level", "transferred_from/#",
		// What the public reads instead of the description (hide_from_public), and the events
		// that set it and named the photos hidden.
		"public_description", "history/#/public_description",
		// The end-to-end deadline from filing and each unit's time with the ticket, and when the
		// resident is reminded to answer.
		"e2e_due_at", "unit_holds/#/unit_id", "unit_holds/#/unit_name", "unit_holds/#/from", "unit_holds/#/until",
		"unit_holds/#/held_hours", "info_remind_at",
	}
	// How the report came and until when the resident may answer a question: the reporter's and
	// the officials' views, never the public copy (the nearby list); and who filed it on a
	// resident's behalf, officials only.
	ticketChannelFields = []string{"channel", "info_wait_until"}
	filedByFields       = []string{"filed_by"}
	// Only in one ticket opened by an official (pseudonym always; phone and name when allowed).
	reporterFields = []string{"reporter/pseudonym", "reporter/phone", "reporter/name"}

	open311RequestFields = []string{
		"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
		"agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
		"address", "address_id", "zipcode", "lat", "long", "media_url",
		"notes/#/datetime", "notes/#/description", "notes/#/type",
		"extended_attributes/code", "extended_attributes/state", "extended_attributes/group",
		"extended_attributes/area_code", "extended_attributes/outcome",
	}
	feedFields = []string{
		"changes/#/position", "changes/#/ticket_id", "changes/#/code", "changes/#/version", "changes/#/at",
		"changes/#/action", "changes/#/from", "changes/#/to", "changes/#/area_code", "changes/#/unit_id",
		"changes/#/category", "next_cursor", "has_more",
	}
)

// within prefixes every pattern.
func within(prefix string, lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, p := range l {
			out = append(out, prefix+p)
		}
	}
	return out
}

// fieldViews are the allow-lists of each response shape.
var fieldViews = map[string][]string{
	"resident ticket": slices.Concat(ticketPublicFields, ticketChannelFields),
	"resident list":   append(within("tickets/#/", ticketPublicFields, ticketChannelFields), "next_cursor"),
	"nearby":          append(within("tickets/#/", ticketPublicFields), "tickets/#/distance_m"),
	"official ticket": slices.Concat(ticketPublicFields, ticketInternalFields, reporterFields, ticketChannelFields, filedByFields),
	"queue":           append(within("tickets/#/", ticketPublicFields, ticketInternalFields, ticketChannelFields, filedByFields), "next_cursor", "counts/*"),
	"feed":            feedFields,
	"open311 list":    within("#/", open311RequestFields),
	"open311 request": open311RequestFields,
	"open311 updates": within("#/", []string{"update_id", "service_request_id", "status", "description", "updated_datetime", "media_url"}),
}

// jsonPaths lists the field paths of a JSON document (leaves and empty containers).
func jsonPaths(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path.Join(prefix, k), e)
			}
		case []any:
			for _, e := range x {
				walk(path.Join(prefix, "#"), e)
			}
		default:
			seen[prefix] = true
		}
	}
	walk("", v)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// seenResponse is one response of the scripted flow: who asked, which shape it has, which
// audience's secrets it must not carry.
type seenResponse struct {
	who, what, view, audience string
	body                      []byte
}

// TestResponseFieldAllowLists runs a scripted flow (filing, following, triage, internal and
// public notes, an extension, a request for information and the answer, resolution, rating, a
// private report) and checks every response against the allow-list of its shape, and against
// the secrets its audience must never see: other people's phones and account ids, internal
// notes, the reporter's pseudonym, private tickets.
func TestResponseFieldAllowLists(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 7), ward(set, 8)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		const phoneA, phoneB = "0912600001", "0912600002"
		resA, resB := s.signInResident(phoneA), s.signInResident(phoneB)
		officerX := s.createOfficial("officer", "fields.officer.x", unitOf(x.code, "ubnd"))
		leaderX := s.createOfficial("leader", "fields.leader.x", unitOf(x.code, "ubnd"))
		officerY := s.createOfficial("officer", "fields.officer.y", unitOf(y.code, "ubnd"))
		policeX := s.createOfficial("officer", "fields.police.x", unitOf(x.code, "cong_an"))
		ioc := s.createOfficial("ioc_operator", "fields.ioc", "")
		feedKey := s.apiKey(t, "feed")
		internalMarker := fmt.Sprintf("NOIBO-%d", time.Now().UnixNano())
		publicMarker := fmt.Sprintf("CONGKHAI-%d", time.Now().UnixNano())

		var seen []seenResponse
		record := func(who, what, view, audience string, r response, status int) []byte {
			t.Helper()
			if r.status != status {
				t.Fatalf("%s %s: status %d, want %d: %s", who, what, r.status, status, r.body)
			}
			seen = append(seen, seenResponse{who, what, view, audience, r.body})
			return r.body
		}
		get := func(who, token, p, view, audience string) []byte {
			t.Helper()
			return record(who, "GET "+p, view, audience, s.request(t, "GET", p, token, nil), http.StatusOK)
		}
		// do performs an action that must succeed and records the answer.
		do := func(who, token, view, audience, id, action string, f fields) wfTicket {
			t.Helper()
			cur := getTicket(t, s, ioc.AccessToken, id)
			var tk wfTicket
			body := record(who, action, view, audience, act(t, s, token, id, cur.Version, action, f), http.StatusOK)
			if err := json.Unmarshal(body, &tk); err != nil {
				t.Fatal(err)
			}
			return tk
		}

		file := func(body map[string]any) wfTicket {
			var tk wfTicket
			b := record("residentA", "file", "resident ticket", "resident", s.request(t, "POST", "/v1/tickets", resA.AccessToken, body), http.StatusCreated)
			if err := json.Unmarshal(b, &tk); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		tPub := file(wfReport("TTDT", x, "Lấn chiếm vỉa hè trước chợ", true))
		tQuiet := file(wfReport("TTDT", x, "Quán nhậu lấn chiếm lòng đường", false))              // no contact
		tPriv := file(wfReport("ANTT.05", x, "Nghi có người sử dụng ma túy trong nhà trọ", true)) // confidential

		c := fieldsCast{resA, resB, officerX, leaderX, officerY, policeX, ioc}
		actAsEveryone(t, s, do, c, internalMarker, publicMarker, tPub, tQuiet, tPriv)
		readAsEveryone(t, s, get, record, c, x, feedKey, tPub, tQuiet, tPriv)
		do("officerX", officerX.AccessToken, "official ticket", "unit", tPub.ID, "resolve", fields{"outcome": "fixed", "note": "Đã giải tỏa."})
		do("residentA", resA.AccessToken, "resident ticket", "resident", tPub.ID, "rate", fields{"rating": 4})

		// What each audience must never see.
		full := getTicket(t, s, ioc.AccessToken, tPub.ID)
		if full.Reporter == nil || full.Reporter.Pseudonym == "" {
			t.Fatalf("the IOC sees no reporter pseudonym: %+v", full.Reporter)
		}
		pseudonym := full.Reporter.Pseudonym
		forbidden, required := audienceSecrets(phoneA, phoneB, c, pseudonym, internalMarker, publicMarker, tPub, tQuiet, tPriv)
		checkSeen(t, seen, forbidden, required)
	})
}

// fieldsCast are the callers of TestResponseFieldAllowLists.
type fieldsCast struct{ resA, resB, officerX, leaderX, officerY, policeX, ioc tokens }

// actAsEveryone takes the actions of the scripted flow through do: following, triage, internal
// and public notes, an extension, an assignment, a request for information and the answer, and
// the triage of the quiet and the private report.
func actAsEveryone(t *testing.T, s *server, do func(who, token, view, audience, id, action string, f fields) wfTicket,
	c fieldsCast, internalMarker, publicMarker string, tPub, tQuiet, tPriv wfTicket) {
	t.Helper()
	resA, resB, officerX, leaderX, policeX, ioc := c.resA, c.resB, c.officerX, c.leaderX, c.policeX, c.ioc
	do("residentB", resB.AccessToken, "resident ticket", "resident", tPub.ID, "follow", nil)
	do("officerX", officerX.AccessToken, "official ticket", "unit", tPub.ID, "accept", nil)
	do("officerX", officerX.AccessToken, "official ticket", "unit", tPub.ID, "note", fields{"note": internalMarker})
	do("officerX", officerX.AccessToken, "official ticket", "unit", tPub.ID, "note", fields{"note": publicMarker, "visibility": "public"})
	cur := getTicket(t, s, ioc.AccessToken, tPub.ID)
	due := parseTime(t, cur.ResolveDueAt).Add(48 * time.Hour)
	do("officerX", officerX.AccessToken, "official ticket", "unit", tPub.ID, "request_extension", fields{"reason": internalMarker, "due_at": rfc(due)})
	do("leaderX", leaderX.AccessToken, "official ticket", "unit", tPub.ID, "approve_extension", nil)
	do("leaderX", leaderX.AccessToken, "official ticket", "unit", tPub.ID, "assign", fields{"officer": officerX.User.ID, "note": internalMarker})
	do("officerX", officerX.AccessToken, "official ticket", "unit", tPub.ID, "request_info", fields{"note": "Xin gửi thêm ảnh."})
	do("residentA", resA.AccessToken, "resident ticket", "resident", tPub.ID, "provide_info", fields{"note": "Trước số nhà 12."})
	do("officerX", officerX.AccessToken, "official ticket", "unit", tQuiet.ID, "accept", nil)
	do("officerX", officerX.AccessToken, "official ticket", "unit quiet", tQuiet.ID, "note", fields{"note": internalMarker})
	do("policeX", policeX.AccessToken, "official ticket", "unit", tPriv.ID, "accept", nil)
	do("policeX", policeX.AccessToken, "official ticket", "unit", tPriv.ID, "note", fields{"note": internalMarker})
}

// readAsEveryone makes the reads of the scripted flow, through get and record: the tickets, the
// lists, nearby, the queues, the feed, Open311, open data and the exports.
func readAsEveryone(t *testing.T, s *server, get func(who, token, p, view, audience string) []byte,
	record func(who, what, view, audience string, r response, status int) []byte,
	c fieldsCast, x wardPoint, feedKey string, tPub, tQuiet, tPriv wfTicket) {
	t.Helper()
	resA, resB, officerX, officerY, policeX, ioc := c.resA, c.resB, c.officerX, c.officerY, c.policeX, c.ioc
	// Reads by everyone.
	for _, id := range []string{tPub.ID, tQuiet.ID, tPriv.ID} {
		get("residentA", resA.AccessToken, "/v1/tickets/"+id, "resident ticket", "resident")
		get("ioc", ioc.AccessToken, "/v1/tickets/"+id, "official ticket", "ioc")
	}
	get("residentB", resB.AccessToken, "/v1/tickets/"+tPub.ID, "resident ticket", "resident")
	get("officerX", officerX.AccessToken, "/v1/tickets/"+tPub.ID, "official ticket", "unit")
	get("officerX", officerX.AccessToken, "/v1/tickets/"+tQuiet.ID, "official ticket", "unit quiet")
	get("policeX", policeX.AccessToken, "/v1/tickets/"+tPriv.ID, "official ticket", "unit quiet") // ANTT: never the phone
	get("residentA", resA.AccessToken, "/v1/tickets?mine=true", "resident list", "resident")
	get("residentB", resB.AccessToken, "/v1/tickets?mine=true", "resident list", "resident")
	for _, cat := range []string{"TTDT", "ANTT.05"} {
		get("residentB", resB.AccessToken, fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=%s", x.lat, x.lng, cat), "nearby", "public")
	}
	for _, q := range []struct {
		who string
		tk  tokens
	}{{"officerX", officerX}, {"officerY", officerY}, {"policeX", policeX}, {"ioc", ioc}} {
		get(q.who, q.tk.AccessToken, "/v1/queue", "queue", "queue")
	}
	get("ioc", ioc.AccessToken, "/v1/feed/changes", "feed", "feed")
	record("feed key", "GET /v1/feed/changes", "feed", "feed", s.request(t, "GET", "/v1/feed/changes", "", nil, "X-API-Key: "+feedKey), http.StatusOK)
	get("anonymous", "", "/open311/v2/requests.json?extensions=true", "open311 list", "public")
	get("anonymous", "", "/open311/v2/requests/"+tPub.ID+".json?extensions=true", "open311 list", "public")
	get("anonymous", "", "/open311/v2/request/"+tPub.ID+".json?extensions=true", "open311 request", "public")
	get("anonymous", "", "/open311/v2/servicerequestupdates.json", "open311 updates", "public")
	for _, p := range []string{"/open311/v2/requests.xml?extensions=true", "/v1/opendata/tickets.csv", "/v1/opendata/tickets.geojson"} {
		get("anonymous", "", p, "", "public") // not JSON field lists: secrets only
	}
	for _, p := range []string{"/v1/export/tickets.csv", "/v1/export/tickets.geojson"} {
		get("ioc", ioc.AccessToken, p, "", "export") // every field but identities
	}
}

// audienceSecrets are what each audience must never see, and what some must see (by request),
// so the lists are not vacuous.
func audienceSecrets(phoneA, phoneB string, c fieldsCast, pseudonym, internalMarker, publicMarker string,
	tPub, tQuiet, tPriv wfTicket) (forbidden, required map[string][]string) {
	resA, resB, officerX, leaderX, policeX := c.resA, c.resB, c.officerX, c.leaderX, c.policeX
	digitsA, digitsB := phoneA[1:], phoneB[1:] // matches 0912…, +84912… and 84912…
	staff := []string{officerX.User.ID, leaderX.User.ID, policeX.User.ID}
	nobody := []string{resA.User.ID, resB.User.ID, digitsB} // no response ever carries these
	forbidden = map[string][]string{
		"resident":   slices.Concat(nobody, []string{digitsA, pseudonym, internalMarker}, staff),
		"public":     slices.Concat(nobody, []string{digitsA, pseudonym, internalMarker, tPriv.ID, tPriv.Code}, staff),
		"unit":       nobody,
		"unit quiet": append(slices.Clone(nobody), digitsA),
		"ioc":        nobody,
		"queue":      append(slices.Clone(nobody), digitsA),
		"export":     append(slices.Clone(nobody), digitsA), // the pseudonym is no identity: the IOC reads it anyway
		"feed":       slices.Concat(nobody, []string{digitsA, pseudonym, internalMarker, publicMarker}, staff),
	}
	// …and what some must see, so the lists above are not vacuous.
	required = map[string][]string{
		"officerX GET /v1/tickets/" + tPub.ID:   {digitsA, internalMarker, pseudonym},
		"ioc GET /v1/tickets/" + tPriv.ID:       {digitsA, internalMarker},
		"residentA GET /v1/tickets/" + tPub.ID:  {publicMarker},
		"residentB GET /v1/tickets/" + tPub.ID:  {publicMarker},
		"officerX GET /v1/tickets/" + tQuiet.ID: {internalMarker, pseudonym},
	}
	return forbidden, required
}

// checkSeen checks every recorded response against the secrets of its audience, the strings its
// request must carry, and the allow-list of its view; and that the flow made every request
// required names.
func checkSeen(t *testing.T, seen []seenResponse, forbidden, required map[string][]string) {
	t.Helper()
	found := map[string]bool{}
	for _, r := range seen {
		key := r.who + " " + r.what
		for _, secret := range forbidden[r.audience] {
			if bytes.Contains(r.body, []byte(secret)) {
				t.Errorf("%s (%s) carries %q:\n%s", key, r.audience, secret, r.body)
			}
		}
		for _, must := range required[key] {
			if !bytes.Contains(r.body, []byte(must)) {
				t.Errorf("%s lacks %q:\n%s", key, must, r.body)
			}
		}
		if _, ok := required[key]; ok {
			found[key] = true
		}
		if r.view == "" {
			continue
		}
		allow, ok := fieldViews[r.view]
		if !ok {
			t.Fatalf("no allow-list %q", r.view)
		}
		for _, p := range jsonPaths(t, r.body) {
			if !slices.ContainsFunc(allow, func(pattern string) bool { ok, _ := path.Match(pattern, p); return ok }) {
				t.Errorf("%s (%s view): field %s is not on the allow-list", key, r.view, p)
			}
		}
		// A resident's ticket never shows an internal event.
		if strings.HasPrefix(r.view, "resident") || r.view == "nearby" {
			if bytes.Contains(r.body, []byte(`"visibility":"internal"`)) {
				t.Errorf("%s shows an internal event:\n%s", key, r.body)
			}
		}
	}
	for key := range required {
		if !found[key] {
			t.Errorf("the flow made no request %q", key)
		}
	}
}

// TestMassAssignment sends the fields a caller does not own — state, unit, area, deadlines,
// reporter, version, history … — with a report and with actions. The strict decoder refuses
// every key the request type does not declare (400, naming the field) and nothing is stored;
// declared fields that do not belong to the action performed (a unit with "accept", a deadline
// with "follow", an outcome with "rate") are ignored: the action does what it does and no more.
func TestMassAssignment(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 9), ward(set, 10)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		resA, resB := s.signInResident("0912700001"), s.signInResident("0912700002")
		officer := s.createOfficial("officer", "mass.officer.x", unitOf(x.code, "ubnd"))
		ioc := s.createOfficial("ioc_viewer", "mass.ioc", "")
		future := rfc(time.Now().Add(90 * 24 * time.Hour))

		// Filing: every undeclared key is refused by name, nothing is filed.
		undeclared := refuseUndeclaredOnFiling(t, s, resA, resB, officer, x, y, future)

		tk := fileTicket(t, s, resA.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè, thử gán trường", true))
		base := getTicket(t, s, ioc.AccessToken, tk.ID)
		if base.Unit.ID != unitOf(x.code, "ubnd") || base.Area.Code != x.code {
			t.Fatalf("filed at %s %s", base.Unit.ID, base.Area.Code)
		}

		// Actions: undeclared keys refused by name, for residents and officials alike.
		for _, who := range []struct {
			name, token, action string
		}{{"reporter", resA.AccessToken, "withdraw"}, {"other resident", resB.AccessToken, "follow"}, {"officer", officer.AccessToken, "accept"}} {
			for _, key := range []string{"state", "version", "history", "reporter", "reporter_id", "triage_due_at", "resolve_due_at", "assigned_to", "private", "unit_id", "area_code", "followers"} {
				r := act(t, s, who.token, tk.ID, base.Version, who.action, fields{key: undeclared[key]})
				refused(t, r, http.StatusBadRequest, "invalid", key)
			}
		}
		if now := getTicket(t, s, ioc.AccessToken, tk.ID); now.Version != base.Version || now.State != "received" {
			t.Fatalf("refused actions changed the ticket: version %d state %s", now.Version, now.State)
		}

		// Declared fields foreign to the action: no effect.
		foreign := fields{"unit": unitOf(y.code, "ubnd"), "area": y.code, "due_at": future, "officer": officer.User.ID,
			"rating": 5, "outcome": "not_fixable", "duplicate_of": tk.ID, "reason": "other", "comment": "x"}
		b := getTicket(t, s, ioc.AccessToken, tk.ID)
		step(t, s, resB.AccessToken, b, "follow", foreign, b.State)
		a := getTicket(t, s, ioc.AccessToken, tk.ID)
		sameFields(t, "follow with foreign fields", b, a)
		// accept moves due_at to the resolution deadline, nothing else.
		step(t, s, officer.AccessToken, a, "accept", foreign, "assigned")
		b, a = a, getTicket(t, s, ioc.AccessToken, tk.ID)
		sameFields(t, "accept with foreign fields", b, a)
		note := fields{"note": "Ghi chú nội bộ", "visibility": "internal"}
		for k, v := range foreign {
			note[k] = v
		}
		step(t, s, officer.AccessToken, a, "note", note, "assigned")
		b, a = a, getTicket(t, s, ioc.AccessToken, tk.ID)
		sameFields(t, "note with foreign fields", b, a)
		resolve := fields{"outcome": "fixed", "note": "Đã giải tỏa."}
		for k, v := range foreign {
			if k != "outcome" {
				resolve[k] = v
			}
		}
		step(t, s, officer.AccessToken, a, "resolve", resolve, "resolved")
		b, a = a, getTicket(t, s, ioc.AccessToken, tk.ID)
		sameFields(t, "resolve with foreign fields", b, a, "outcome")
		if a.Outcome != "fixed" || a.Rating != 0 {
			t.Errorf("resolved: outcome %q rating %d, want fixed 0", a.Outcome, a.Rating)
		}
		rate := fields{"rating": 2}
		for k, v := range foreign {
			if k != "rating" {
				rate[k] = v
			}
		}
		step(t, s, resA.AccessToken, getTicket(t, s, resA.AccessToken, tk.ID), "rate", rate, "closed")
		b, a = a, getTicket(t, s, ioc.AccessToken, tk.ID)
		sameFields(t, "rate with foreign fields", b, a, "rating")
		if a.Rating != 2 || a.Outcome != "fixed" {
			t.Errorf("rated: rating %d outcome %q, want 2 fixed", a.Rating, a.Outcome)
		}
	})
}

// refuseUndeclaredOnFiling files reports with each key the report type does not declare (and
// one nested in the location): each is refused by name, and nothing is filed. It returns the
// undeclared keys with the values sent.
func refuseUndeclaredOnFiling(t *testing.T, s *server, resA, resB, officer tokens, x, y wardPoint, future string) map[string]any {
	t.Helper()
	undeclared := map[string]any{
		"state": "resolved", "version": 7, "unit": unitOf(y.code, "ubnd"), "unit_id": unitOf(y.code, "ubnd"),
		"area": y.code, "area_code": y.code, "due_at": future, "triage_due_at": future, "resolve_due_at": future,
		"reporter": map[string]any{"phone": "0912700002"}, "reporter_id": resB.User.ID, "history": []any{},
		"private": false, "id": "chosen-id", "code": "LX-2026-999999", "followers": []string{resB.User.ID},
		"rating": 5, "outcome": "fixed", "assigned_to": officer.User.ID, "created_at": future, "escalation_level": 2,
		"boundary_set": "other", "extension": map[string]any{"due_at": future}, "on_time_class": "on_time",
	}
	for key, v := range undeclared {
		body := wfReport("TTDT", x, "Thử gán trường không được phép", true)
		body[key] = v
		refused(t, s.request(t, "POST", "/v1/tickets", resA.AccessToken, body), http.StatusBadRequest, "invalid", key)
	}
	nested := wfReport("TTDT", x, "Thử gán trường lồng", true)
	nested["location"] = map[string]any{"lat": x.lat, "lng": x.lng, "area": y.code}
	refused(t, s.request(t, "POST", "/v1/tickets", resA.AccessToken, nested), http.StatusBadRequest, "invalid", "location.area")
	var mine struct{ Tickets []wfTicket }
	s.request(t, "GET", "/v1/tickets?mine=true", resA.AccessToken, nil).expect(t, http.StatusOK).json(t, &mine)
	if len(mine.Tickets) != 0 {
		t.Fatalf("refused reports were filed: %d tickets", len(mine.Tickets))
	}
	return undeclared
}

// sameFields checks that the fields an action may not set are the same before and after it, but
// for allowChange.
func sameFields(t *testing.T, what string, before, after wfTicket, allowChange ...string) {
	t.Helper()
	check := map[string][2]any{
		"unit": {before.Unit.ID, after.Unit.ID}, "area": {before.Area.Code, after.Area.Code},
		"triage_due_at": {before.TriageDueAt, after.TriageDueAt}, "resolve_due_at": {before.ResolveDueAt, after.ResolveDueAt},
		"assigned_to": {before.AssignedTo, after.AssignedTo}, "rating": {before.Rating, after.Rating},
		"outcome": {before.Outcome, after.Outcome}, "duplicate_of": {before.DuplicateOf, after.DuplicateOf},
		"reject_reason": {before.RejectReason, after.RejectReason}, "extension": {before.Extension == nil, after.Extension == nil},
	}
	for k, v := range check {
		if v[0] != v[1] && !slices.Contains(allowChange, k) {
			t.Errorf("%s changed %s: %v → %v", what, k, v[0], v[1])
		}
	}
}
