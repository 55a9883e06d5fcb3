package tests

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"phananh/handlers"
)

// routeParam is a parameter of a route as the router writes it (":id", ":service_code").
var routeParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// Privacy: a ticket has three views — the reporter's (exact), the handling officials' (internal)
// and the public one for everyone else — and every route that serves someone who may not read a
// ticket answers with the public one: the point rounded to the open data's ~100 m grid, no
// street address, phone numbers removed from free text, residents' own answers left out, no
// identities. These tests file reports whose private parts are unique "canary" strings and look
// for them in what strangers receive.

// canaryReport is a report whose private parts are unique strings.
type canaryReport struct {
	lat, lng    float64
	address     string
	phoneInText string // a phone number typed into the description
	body        map[string]any
}

// newCanaryReport places a report a few metres from p, off the public grid: the exact point has
// six decimals that the rounded one does not share.
func newCanaryReport(category string, p wardPoint, tag string) canaryReport {
	c := canaryReport{
		lat:         math.Round(p.lat*1000)/1000 + 0.000237,
		lng:         math.Round(p.lng*1000)/1000 + 0.000319,
		address:     "Hẻm " + tag + " đường Trần Hưng Đạo",
		phoneInText: "0987 654 321",
	}
	c.body = report(category, c.lat, c.lng)
	c.body["address"] = c.address
	c.body["description"] = "Báo cáo " + tag + ", gọi tôi 0987 654 321 nhé"
	return c
}

// secrets are the strings of c that only its reporter and its officials may read.
func (c canaryReport) secrets() []string {
	return []string{
		strconv.FormatFloat(c.lat, 'f', -1, 64), strconv.FormatFloat(c.lng, 'f', -1, 64),
		c.address, c.phoneInText, "987 654 321", "987654321",
	}
}

// leaks lists the secrets found in a response's body or headers.
func leaks(r response, secrets []string) []string {
	var all strings.Builder
	all.Write(r.body)
	for k, vs := range r.header {
		all.WriteString("\n" + k + ": " + strings.Join(vs, ", "))
	}
	var found []string
	for _, s := range secrets {
		if s != "" && strings.Contains(all.String(), s) {
			found = append(found, s)
		}
	}
	return found
}

// noLeak fails the test when r carries one of the secrets.
func noLeak(t *testing.T, what string, r response, secrets []string) {
	t.Helper()
	if found := leaks(r, secrets); len(found) > 0 {
		body := string(r.body)
		if len(body) > 300 {
			body = body[:300] + "…"
		}
		t.Errorf("%s (status %d) shows %q: %s", what, r.status, found, body)
	}
}

func TestPrivacyFollowersAndStrangersGetThePublicView(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 0)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		a := s.signInResident("0912300001")
		b := s.signInResident("0912300002")
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")
		c := newCanaryReport("TTDT", x, "canary-follow")
		tk := fileTicket(t, s, a.AccessToken, c.body)
		secrets := append(c.secrets(), "912300001")

		// Unfollowing a ticket one never followed changes nothing, and answers with the public view.
		r := act(t, s, b.AccessToken, tk.ID, tk.Version, "unfollow", nil).expect(t, http.StatusOK)
		noLeak(t, "unfollow by a stranger", r, secrets)
		r = act(t, s, b.AccessToken, tk.ID, tk.Version, "follow", nil).expect(t, http.StatusOK)
		noLeak(t, "follow", r, secrets)
		var view wfTicket
		r.json(t, &view)
		if view.FollowersCount != 1 || !strings.Contains(string(r.body), "[số điện thoại đã ẩn]") {
			t.Errorf("follower's view: followers_count %d, body %s", view.FollowersCount, r.body)
		}
		noLeak(t, "GET by a follower", s.request(t, "GET", "/v1/tickets/"+tk.ID, b.AccessToken, nil).expect(t, http.StatusOK), secrets)
		// The reporter still reads it exactly.
		mine := s.request(t, "GET", "/v1/tickets/"+tk.ID, a.AccessToken, nil).expect(t, http.StatusOK)
		if found := leaks(mine, c.secrets()[:3]); len(found) != 3 {
			t.Errorf("the reporter's view lacks the exact point or address: found %q in %s", found, mine.body)
		}

		// A rejected ticket: GET answers 404 to a stranger, and unfollow must not show more.
		c2 := newCanaryReport("TTDT", x, "canary-rejected")
		rej := fileTicket(t, s, a.AccessToken, c2.body)
		rej = step(t, s, ioc.AccessToken, rej, "reject", fields{"reason": "not_a_real_problem"}, "rejected")
		s.request(t, "GET", "/v1/tickets/"+rej.ID, b.AccessToken, nil).expect(t, http.StatusNotFound)
		r = act(t, s, b.AccessToken, rej.ID, rej.Version, "unfollow", nil)
		noLeak(t, "unfollow of a rejected ticket", r, c2.secrets())

		// A private ticket cannot be followed, and answers like an unknown one.
		priv := fileTicket(t, s, a.AccessToken, newCanaryReport("ANTT.03", x, "canary-private").body)
		r = act(t, s, b.AccessToken, priv.ID, priv.Version, "follow", nil)
		refused(t, r, http.StatusNotFound, "not_found", "")
		noLeak(t, "follow of a private ticket", r, []string{"canary-private"})
	})
}

func TestPrivacyNearbyShowsThePublicViewToEveryRole(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 0), ward(set, 1)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		a := s.signInResident("0912300011")
		c := newCanaryReport("TTDT", x, "canary-nearby")
		tk := fileTicket(t, s, a.AccessToken, c.body)
		secrets := append(c.secrets(), "912300011")
		callers := map[string]string{
			"resident":          s.signInResident("0912300012").AccessToken,
			"officer of Y":      s.createOfficial("officer", "officer.y", unitOf(y.code, "ubnd")).AccessToken,
			"leader of Y":       s.createOfficial("leader", "leader.y", unitOf(y.code, "ubnd")).AccessToken,
			"the reporter also": a.AccessToken, // "nearby" is public data, whoever asks
		}
		for who, token := range callers {
			var out struct{ Tickets []wfTicket }
			r := s.request(t, "GET", fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=TTDT", c.lat, c.lng), token, nil).expect(t, http.StatusOK)
			r.json(t, &out)
			if len(out.Tickets) != 1 || out.Tickets[0].ID != tk.ID {
				t.Fatalf("%s: nearby %v, want [%s]", who, ids(out.Tickets), tk.ID)
			}
			noLeak(t, "nearby for "+who, r, secrets)
			// The distance is to the public point, so it cannot place the report more precisely.
			want := haversine(c.lat, c.lng, math.Round(c.lat*1000)/1000, math.Round(c.lng*1000)/1000)
			if d := out.Tickets[0].DistanceM; d == nil || math.Abs(*d-math.Round(want)) > 0.5 {
				t.Errorf("%s: distance_m %v, want %v (to the rounded point)", who, d, math.Round(want))
			}
		}
	})
}

// haversine is the distance in metres between two points.
func haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const earth, rad = 6371008.8, math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earth * math.Asin(math.Sqrt(h))
}

func TestPrivacyOpen311FiltersOnWhatItShows(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 0)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		a := s.signInResident("0912300021")
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")
		c := newCanaryReport("TTDT", x, "canary-bbox")
		tk := fileTicket(t, s, a.AccessToken, c.body)
		pubLat, pubLng := math.Round(c.lat*1000)/1000, math.Round(c.lng*1000)/1000

		found := func(minLat, maxLat float64) bool {
			t.Helper()
			var out []struct {
				ID string `json:"service_request_id"`
			}
			q := fmt.Sprintf("/open311/v2/requests.json?bbox=%v,%v,%v,%v", pubLng-0.01, minLat, pubLng+0.01, maxLat)
			s.request(t, "GET", q, "", nil).expect(t, http.StatusOK).json(t, &out)
			for _, r := range out {
				if r.ID == tk.ID {
					return true
				}
			}
			return false
		}
		for _, tc := range []struct {
			what     string
			min, max float64
			want     bool
		}{
			{"a box around the exact point only", c.lat - 0.00003, c.lat + 0.00003, false},
			{"a box around the public point only", pubLat - 0.0001, pubLat + 0.0001, true},
			{"a box ending just below the public point", pubLat - 0.01, pubLat - 0.00001, false},
			{"a box starting at the public point", pubLat, pubLat + 0.01, true},
		} {
			if got := found(tc.min, tc.max); got != tc.want {
				t.Errorf("%s [%v, %v]: found %v, want %v", tc.what, tc.min, tc.max, got, tc.want)
			}
		}

		// tokens/{id} answers like requests/{id}: a private ticket does not exist.
		priv := fileTicket(t, s, a.AccessToken, newCanaryReport("ANTT.03", x, "canary-token").body)
		for _, path := range []string{"/open311/v2/tokens/" + priv.ID + ".json", "/open311/v2/requests/" + priv.ID + ".json"} {
			r := s.request(t, "GET", path, "", nil)
			if r.status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404: %s", path, r.status, r.body)
			}
		}
		s.request(t, "GET", "/open311/v2/tokens/"+tk.ID+".json", "", nil).expect(t, http.StatusOK)

		// A public report merged into a private one must not name it.
		dup := fileTicket(t, s, a.AccessToken, newCanaryReport("TTDT", x, "canary-dup").body)
		step(t, s, ioc.AccessToken, dup, "mark_duplicate", fields{"duplicate_of": priv.ID}, "duplicate")
		for _, path := range []string{
			"/open311/v2/requests/" + dup.ID + ".json?extensions=true",
			"/open311/v2/requests/" + dup.ID + ".xml?extensions=true",
			"/open311/v2/servicerequestupdates.json",
		} {
			noLeak(t, path, s.request(t, "GET", path, "", nil).expect(t, http.StatusOK), []string{priv.ID, priv.Code})
		}
		b := s.signInResident("0912300022")
		dupNow := getTicket(t, s, a.AccessToken, dup.ID)
		r := act(t, s, b.AccessToken, dup.ID, dupNow.Version, "unfollow", nil)
		noLeak(t, "a stranger's view of the duplicate", r, []string{priv.ID, priv.Code})
	})
}

func TestPrivacyResidentsAnswersAreInternalUnlessPublic(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 0)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		a := s.signInResident("0912300031")
		b := s.signInResident("0912300032")
		officer := s.createOfficial("officer", "officer.x", unitOf(x.code, "ubnd"))
		tk := fileTicket(t, s, a.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè", false))
		act(t, s, b.AccessToken, tk.ID, tk.Version, "follow", nil).expect(t, http.StatusOK)
		tk = getTicket(t, s, a.AccessToken, tk.ID)
		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
		tk = step(t, s, officer.AccessToken, tk, "request_info", fields{"note": "Số nhà cụ thể?"}, "awaiting_info")
		tk = step(t, s, a.AccessToken, tk, "provide_info", fields{"note": "canary-answer nhà tôi số 5, gọi 0912 300 031"}, "in_progress")
		tk = step(t, s, officer.AccessToken, tk, "request_info", fields{"note": "Giờ nào?"}, "awaiting_info")
		invalid(t, act(t, s, a.AccessToken, tk.ID, tk.Version, "provide_info", fields{"note": "x", "visibility": "everyone"}), "visibility")
		tk = step(t, s, a.AccessToken, tk, "provide_info", fields{"note": "shared-answer buổi tối", "visibility": "public"}, "in_progress")
		tk = step(t, s, officer.AccessToken, tk, "resolve", fields{"outcome": "fixed", "note": "Đã giải tỏa."}, "resolved")
		step(t, s, a.AccessToken, tk, "rate", fields{"rating": 2, "comment": "canary-rating chậm quá"}, "closed")

		internal := []string{"canary-answer", "canary-rating"}
		for what, r := range map[string]response{
			"the follower's view":   s.request(t, "GET", "/v1/tickets/"+tk.ID, b.AccessToken, nil).expect(t, http.StatusOK),
			"Open311 request":       s.request(t, "GET", "/open311/v2/requests/"+tk.ID+".json?extensions=true", "", nil).expect(t, http.StatusOK),
			"Open311 updates":       s.request(t, "GET", "/open311/v2/servicerequestupdates.json", "", nil).expect(t, http.StatusOK),
			"open data (CSV)":       s.request(t, "GET", "/v1/opendata/tickets.csv", "", nil).expect(t, http.StatusOK),
			"open data (GeoJSON)":   s.request(t, "GET", "/v1/opendata/tickets.geojson", "", nil).expect(t, http.StatusOK),
			"Open311 request (XML)": s.request(t, "GET", "/open311/v2/requests/"+tk.ID+".xml?extensions=true", "", nil).expect(t, http.StatusOK),
		} {
			noLeak(t, what, r, internal)
			if !strings.Contains(string(r.body), "shared-answer") && strings.Contains(what, "Open311") {
				t.Errorf("%s lacks the answer the resident made public: %s", what, r.body)
			}
		}
		for who, token := range map[string]string{"reporter": a.AccessToken, "officer": officer.AccessToken} {
			r := s.request(t, "GET", "/v1/tickets/"+tk.ID, token, nil).expect(t, http.StatusOK)
			if found := leaks(r, internal); len(found) != 2 {
				t.Errorf("the %s reads %q of the resident's texts, want both", who, found)
			}
		}
	})
}

func TestPrivacyIntakeReplayAnswersBeyondTheLimit(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 0)
	s := startServer(t, storeKind{name: "sqlite"}, "RATE_LIMITS="+relaxedRateLimits+",intake_user=2/15m")
	a := s.signInResident("0912300041")
	var first wfTicket
	for i, key := range []string{"k1", "k2"} {
		r := s.request(t, "POST", "/v1/tickets", a.AccessToken, wfReport("TTDT", x, "", false), "Idempotency-Key: "+key).expect(t, http.StatusCreated)
		if i == 0 {
			r.json(t, &first)
		}
	}
	r := s.request(t, "POST", "/v1/tickets", a.AccessToken, wfReport("TTDT", x, "", false), "Idempotency-Key: k3")
	refused(t, r, http.StatusTooManyRequests, "rate_limited", "")
	// The phone lost the answer to k1 and retries: its report arrived, and it must learn so.
	var replay wfTicket
	s.request(t, "POST", "/v1/tickets", a.AccessToken, wfReport("TTDT", x, "", false), "Idempotency-Key: k1").expect(t, http.StatusOK).json(t, &replay)
	if replay.ID != first.ID {
		t.Errorf("replay answered ticket %s, want %s", replay.ID, first.ID)
	}
}

// TestPrivacyNearbyIsRateLimited: a grid of "nearby" requests cannot sweep the city.
func TestPrivacyNearbyIsRateLimited(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 0)
	s := startServer(t, storeKind{name: "sqlite"}, "RATE_LIMITS="+relaxedRateLimits+",nearby_user=3/15m")
	a := s.signInResident("0912300042")
	q := fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=TTDT", x.lat, x.lng)
	for i := 0; i < 3; i++ {
		s.request(t, "GET", q, a.AccessToken, nil).expect(t, http.StatusOK)
	}
	r := s.request(t, "GET", q, a.AccessToken, nil)
	refused(t, r, http.StatusTooManyRequests, "rate_limited", "")
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// TestPrivacyCanaryOnEveryRoute files reports whose private parts are canary strings and then,
// as every caller that may not read them — another resident, an officer and a leader of another
// ward, an anonymous visitor, a machine key of each scope —, calls every GET route of the route
// table (handlers.Routes and handlers.ConsoleRoutes, so a new route is covered as soon as it is
// registered), and the actions that answer with a ticket. No canary may appear in any body or
// header.
func TestPrivacyCanaryOnEveryRoute(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 0), ward(set, 1)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		reporter := s.signInResident("0912390001")
		officerX := s.createOfficial("officer", "canary.officer.x", unitOf(x.code, "ubnd"))
		pub := newCanaryReport("TTDT", x, "canary-public")
		photo := s.uploadOK(t, reporter.AccessToken, phoneJPEG(t, 40)).ID
		pub.body["media"] = []string{photo}
		tPub := fileTicket(t, s, reporter.AccessToken, pub.body)
		priv := newCanaryReport("ANTT.03", x, "canary-private-7c1")
		tPriv := fileTicket(t, s, reporter.AccessToken, priv.body)
		// History with a resident's internal answer.
		tPub = step(t, s, officerX.AccessToken, tPub, "accept", nil, "assigned")
		tPub = step(t, s, officerX.AccessToken, tPub, "request_info", fields{"note": "Cần thêm thông tin"}, "awaiting_info")
		step(t, s, reporter.AccessToken, tPub, "provide_info", fields{"note": "canary-answer-5e2 ở nhà số 9"}, "in_progress")
		secrets := slices.Concat(pub.secrets(), priv.secrets(), []string{"912390001", "canary-private-7c1", "canary-answer-5e2"})

		bearer := func(tk tokens) []string { return []string{"Authorization: Bearer " + tk.AccessToken} }
		officerY := s.createOfficial("officer", "canary.officer.y", unitOf(y.code, "ubnd"))
		leaderY := s.createOfficial("leader", "canary.leader.y", unitOf(y.code, "ubnd"))
		residentB := s.signInResident("0912390002")
		callers := []canaryCaller{
			{"another resident", bearer(residentB)},
			{"officer of another ward", bearer(officerY)},
			{"leader of another ward", bearer(leaderY)},
			{"anonymous", nil},
		}
		for _, scope := range []string{"open311", "stats", "feed", "export"} {
			callers = append(callers, canaryCaller{scope + " key", []string{"X-API-Key: " + apiKey(t, s, "canary "+scope, scope)}})
		}

		// Every GET route of the route table, with its parameters filled from the canary reports.
		queries := map[string][]string{
			"/v1/tickets":                  {"mine=true"},
			"/v1/tickets/nearby":           {fmt.Sprintf("lat=%v&lng=%v&category=TTDT", pub.lat, pub.lng), fmt.Sprintf("lat=%v&lng=%v&category=ANTT.03", priv.lat, priv.lng)},
			"/v1/areas/locate":             {fmt.Sprintf("lat=%v&lng=%v", pub.lat, pub.lng)},
			"/v1/queue":                    {"", "q=canary"},
			"/console/queue":               {"", "q=canary"},
			"/open311/v2/requests.json":    {"extensions=true", fmt.Sprintf("extensions=true&bbox=%v,%v,%v,%v", pub.lng-0.01, pub.lat-0.01, pub.lng+0.01, pub.lat+0.01)},
			"/open311/v2/requests.xml":     {"extensions=true"},
			"/v1/opendata/tickets.csv":     {"", "category=ANTT.03"},
			"/v1/opendata/tickets.geojson": {""},
		}
		ticketIDs := []string{tPub.ID, tPriv.ID}
		fill := map[string][]string{
			"id": ticketIDs, "token": ticketIDs, "service_request_id": ticketIDs, "code": {x.code}, "area": {x.code},
			"service_code": {"TTDT", "ANTT.03"}, "name": {"console.css", "console.js"},
		}
		table, err := handlers.New(nil, slog.New(slog.DiscardHandler), handlers.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		expand := func(routes []handlers.Route) []string {
			t.Helper()
			return expandRoutes(t, routes, fill, queries, photo)
		}
		urls, pages := expand(handlers.Routes(table)), expand(handlers.ConsoleRoutes(table))
		if len(urls) < 40 || len(pages) < 5 {
			t.Fatalf("only %d API and %d console GET requests from the route table", len(urls), len(pages))
		}
		t.Logf("%d API GET requests per caller, %d callers; %d console pages", len(urls), len(callers), len(pages))
		checkGetsLeakNothing(t, s, callers, slices.Concat(urls, pages), secrets)

		checkActionsLeakNothing(t, s, reporter.AccessToken, callers, ticketIDs, secrets)

		checkConsoleLeaksNothing(t, s, reporter.AccessToken, pages, ticketIDs, secrets)
	})
}

// checkGetsLeakNothing sends every GET request as every caller that may not read the canary
// reports (console pages answer them with the sign-in page) and checks no answer names a secret.
func checkGetsLeakNothing(t *testing.T, s *server, callers []canaryCaller, urls, secrets []string) {
	t.Helper()
	for _, c := range callers {
		for _, u := range urls {
			if strings.HasPrefix(u, "/v1/queue/events") {
				// An event stream does not end: what a caller hears in a while, replaying the
				// whole change feed from its start, must not name the canary reports either.
				noLeak(t, c.name+": GET "+u, listen(t, http.DefaultClient, s.base+u, c.headers), secrets)
				continue
			}
			r, err := s.do("GET", u, "", nil, c.headers...)
			if err != nil {
				t.Fatalf("GET %s: %v", u, err)
			}
			noLeak(t, c.name+": GET "+u, r, secrets)
		}
	}
}

// canaryCaller is a caller that may not read the canary reports: a name and its headers.
type canaryCaller struct {
	name    string
	headers []string
}

// expandRoutes lists the URLs of the GET routes, their parameters filled from fill (media ids
// with photo), each with the queries given for its path (or none and extensions=true).
func expandRoutes(t *testing.T, routes []handlers.Route, fill, queries map[string][]string, photo string) []string {
	t.Helper()
	t.Helper()
	var urls []string
	for _, r := range routes {
		if r.Method != "GET" {
			continue
		}
		expanded := []string{r.Path}
		for _, m := range routeParam.FindAllStringSubmatch(r.Path, -1) {
			values := fill[m[1]]
			if m[1] == "id" && strings.Contains(r.Path, "/media/") {
				values = []string{photo}
			}
			if len(values) == 0 {
				t.Fatalf("the canary test cannot fill :%s in GET %s: give it values", m[1], r.Path)
			}
			var next []string
			for _, e := range expanded {
				for _, v := range values {
					next = append(next, strings.Replace(e, m[0], v, 1))
				}
			}
			expanded = next
		}
		qs := queries[r.Path]
		if qs == nil {
			qs = []string{"", "extensions=true"}
		}
		for _, e := range expanded {
			for _, q := range qs {
				u := e
				if q != "" {
					u += "?" + q
				}
				urls = append(urls, u)
			}
		}
	}
	slices.Sort(urls)
	return urls
}

// checkActionsLeakNothing has each caller take the actions that answer with a ticket, on both
// reports, at their current versions (read as the reporter): no answer may carry a secret.
func checkActionsLeakNothing(t *testing.T, s *server, reporter string, callers []canaryCaller, ticketIDs, secrets []string) {
	t.Helper()
	// The actions that answer with a ticket, on both reports, at their current versions.
	for _, c := range callers {
		for _, id := range ticketIDs {
			for _, action := range []string{"unfollow", "follow", "unfollow", "note", "accept", "provide_info", "rate"} {
				cur := getTicket(t, s, reporter, id)
				body := actBody(action, cur.Version, fields{"note": "thử", "rating": 5})
				r, err := s.do("POST", "/v1/tickets/"+id+"/actions", "", body, c.headers...)
				if err != nil {
					t.Fatal(err)
				}
				noLeak(t, c.name+": "+action+" on "+id, r, secrets)
			}
		}
	}
}

// checkConsoleLeaksNothing opens every console page and acts on both reports as the officials
// of another ward: no answer may carry a secret.
func checkConsoleLeaksNothing(t *testing.T, s *server, reporter string, pages, ticketIDs, secrets []string) {
	t.Helper()
	// Every console page, for the officials of another ward.
	for _, who := range []string{"canary.officer.y", "canary.leader.y"} {
		cc := newConsoleClient(t, s)
		cc.signIn(who)
		for _, page := range pages {
			if strings.HasPrefix(page, "/console/queue/events") { // a stream (listen)
				noLeak(t, who+": console "+page, listen(t, cc.http, s.base+page, nil), secrets)
				continue
			}
			noLeak(t, who+": console "+page, cc.do("GET", page, nil), secrets)
		}
		for _, id := range ticketIDs {
			cur := getTicket(t, s, reporter, id)
			noLeak(t, who+": console action on "+id, cc.act(id, cur.Version, "note", url.Values{"note": {"thử"}}), secrets)
		}
	}
}

// listen reads an event stream with client from its first change (Last-Event-ID of position 0)
// for a second and a half and returns what arrived as the answer's body.
func listen(t *testing.T, client *http.Client, url string, headers []string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	req.Header.Set("Last-Event-ID", base64.RawURLEncoding.EncodeToString([]byte("f1:0")))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // ends with the context's deadline for an open stream
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}
