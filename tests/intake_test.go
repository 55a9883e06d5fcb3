package tests

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"phananh/geo"
)

// ticket is the ticket shape the mobile app reads.
type ticket struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	State    string `json:"state"`
	Version  int    `json:"version"`
	Category string `json:"category"`
	Area     struct{ Code, Name string }
	Unit     struct{ ID, Name, Kind string }
	Location struct {
		Lat, Lng  float64
		AccuracyM float64 `json:"accuracy_m"`
	}
	BoundarySet     string `json:"boundary_set"`
	RoutedByNearest bool   `json:"routed_by_nearest"`
	CreatedAt       string `json:"created_at"`
	TriageDueAt     string `json:"triage_due_at"`
	ResolveDueAt    string `json:"resolve_due_at"`
	History         []struct{ Action, To, Visibility string }
}

func loadSet(t *testing.T, id string) *geo.BoundarySet {
	t.Helper()
	data, err := os.ReadFile("../seed/data/boundaries/" + id + ".geojson")
	if err != nil {
		t.Fatal(err)
	}
	set, err := geo.Parse(id, data)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func report(category string, lat, lng float64) map[string]any {
	return map[string]any{
		"category":    category,
		"description": "Nhóm thanh niên tụ tập gây mất trật tự sau 22 giờ.",
		"location":    map[string]any{"lat": lat, "lng": lng, "accuracy_m": 12},
	}
}

// checkTimes verifies the RFC 3339 +07:00 timestamps and that deadlines lie after filing.
func checkTimes(t *testing.T, tk ticket) {
	t.Helper()
	var parsed []time.Time
	for _, s := range []string{tk.CreatedAt, tk.TriageDueAt, tk.ResolveDueAt} {
		if !strings.HasSuffix(s, "+07:00") {
			t.Errorf("time %q is not in +07:00", s)
		}
		p, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("time %q: %v", s, err)
		}
		parsed = append(parsed, p)
	}
	if !parsed[1].After(parsed[0]) || parsed[2].Before(parsed[1]) {
		t.Errorf("deadlines out of order: created %s triage %s resolve %s", tk.CreatedAt, tk.TriageDueAt, tk.ResolveDueAt)
	}
}

func TestIntakeRoutesEveryWard(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		tk := s.signInResident("0912000001")
		for i, a := range set.Areas() {
			p := a.InteriorPoint()
			// Alternate the pilot domains: security goes to the ward police, welfare to the
			// ward's culture–social office, urban order to the People's Committee.
			route := [][2]string{{"ANTT.01", "cong_an"}, {"ASXH.02", "vhxh"}, {"TTDT", "ubnd"}}[i%3]
			cat, kind := route[0], route[1]
			var got ticket
			s.request(t, "POST", "/v1/tickets", tk.AccessToken, report(cat, p.Lat(), p.Lon())).expect(t, http.StatusCreated).json(t, &got)
			want := fmt.Sprintf("longxuyen-2023.%s.%s", a.Code, kind)
			if got.Area.Code != a.Code || got.Area.Name != a.Name || got.Unit.ID != want || got.Unit.Kind != kind || got.RoutedByNearest {
				t.Errorf("%s (%s): routed to area %+v unit %+v nearest=%v, want unit %s", a.Name, a.Code, got.Area, got.Unit, got.RoutedByNearest, want)
			}
			if got.State != "received" || got.Version != 1 || got.BoundarySet != "longxuyen-2023" || got.Category != cat {
				t.Errorf("ticket = %+v", got)
			}
			if !strings.HasPrefix(got.Code, "LX-") || len(got.History) != 1 || got.History[0].To != "received" {
				t.Errorf("code %q history %+v", got.Code, got.History)
			}
			checkTimes(t, got)

			// The reporter reads it back identically.
			var back ticket
			s.request(t, "GET", "/v1/tickets/"+got.ID, tk.AccessToken, nil).expect(t, http.StatusOK).json(t, &back)
			if diff := cmp.Diff(got, back); diff != "" {
				t.Errorf("read back differs (-created +read):\n%s", diff)
			}
		}
		// Locate answers with the same routing.
		a := set.Areas()[0]
		p := a.InteriorPoint()
		var loc struct {
			Area  struct{ Code string }
			Units []struct{ ID, Kind string }
		}
		s.request(t, "GET", fmt.Sprintf("/v1/areas/locate?lat=%v&lng=%v", p.Lat(), p.Lon()), "", nil).expect(t, http.StatusOK).json(t, &loc)
		if loc.Area.Code != a.Code || len(loc.Units) != 3 {
			t.Errorf("locate = %+v, want area %s with 3 units", loc, a.Code)
		}
	})
}

func TestIntakeOnProvinceBoundarySet(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "angiang-2025")
	s := startServer(t, storeKind{name: "sqlite"}, "BOUNDARY_SET=angiang-2025", "TICKET_CODE_PREFIX=AG")
	tk := s.signInResident("0912000002")
	areas := set.Areas()
	for i := 0; i < len(areas); i += 9 { // a spread sample of the 102 units
		a := areas[i]
		p := a.InteriorPoint()
		var got ticket
		s.request(t, "POST", "/v1/tickets", tk.AccessToken, report("ASXH.08", p.Lat(), p.Lon())).expect(t, http.StatusCreated).json(t, &got)
		if got.Area.Code != a.Code || got.Unit.ID != "angiang-2025."+a.Code+".vhxh" || got.BoundarySet != "angiang-2025" || !strings.HasPrefix(got.Code, "AG-") {
			t.Errorf("%s (%s): got area %+v unit %+v set %s code %s", a.Name, a.Code, got.Area, got.Unit, got.BoundarySet, got.Code)
		}
	}
}

// westmost returns the vertex of the set with the smallest longitude: a point west of it is
// outside every polygon, at a known distance from the set.
func westmost(set *geo.BoundarySet) (lat, lng float64) {
	lng = math.Inf(1)
	for _, a := range set.Areas() {
		for _, poly := range a.Geometry {
			for _, ring := range poly {
				for _, pt := range ring {
					if pt.Lon() < lng {
						lat, lng = pt.Lat(), pt.Lon()
					}
				}
			}
		}
	}
	return lat, lng
}

// metresWest moves a point west by m metres.
func metresWest(lat, lng, m float64) (float64, float64) {
	return lat, lng - m/(111320*math.Cos(lat*math.Pi/180))
}

func TestNearestFallbackAndOutsideJurisdiction(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	lat, lng := westmost(set)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		tk := s.signInResident("0912000003")

		nlat, nlng := metresWest(lat, lng, 120)
		var got ticket
		s.request(t, "POST", "/v1/tickets", tk.AccessToken, report("ANTT.03", nlat, nlng)).expect(t, http.StatusCreated).json(t, &got)
		if !got.RoutedByNearest || got.Area.Code == "" {
			t.Errorf("120 m outside: routed_by_nearest=%v area=%+v", got.RoutedByNearest, got.Area)
		}
		if m := set.Locate(lat, lng, 0); m.Area != nil && got.Area.Code != m.Area.Code {
			t.Errorf("nearest area %s, want the area of the westmost vertex %s", got.Area.Code, m.Area.Code)
		}

		flat, flng := metresWest(lat, lng, 5000)
		e := s.request(t, "POST", "/v1/tickets", tk.AccessToken, report("ANTT.03", flat, flng)).expect(t, http.StatusUnprocessableEntity).apiError(t)
		if e.Error.Code != "outside_jurisdiction" || !strings.Contains(e.Error.Message, "longxuyen-2023") {
			t.Errorf("5 km outside: %+v", e)
		}
		var list struct{ Tickets []ticket }
		s.request(t, "GET", "/v1/tickets?mine=true", tk.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
		if len(list.Tickets) != 1 {
			t.Errorf("%d tickets stored, want only the nearest-routed one", len(list.Tickets))
		}
	})
}

func TestIntakeRefusesBadInput(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	p := set.Areas()[3].InteriorPoint()
	ok := func(mut func(m map[string]any)) map[string]any { return reportWith(p, mut) }
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "BODY_LIMIT=65536")
		tk := s.signInResident("0912000004")
		for _, c := range badReports(p) {
			t.Run(c.name, func(t *testing.T) { checkIntakeRefusal(t, s, tk.AccessToken, c) })
		}
		s.request(t, "POST", "/v1/tickets", tk.AccessToken, ok(func(map[string]any) {}), "Content-Type: text/plain").expect(t, http.StatusUnsupportedMediaType)
		s.request(t, "POST", "/v1/tickets", "", ok(func(map[string]any) {})).expect(t, http.StatusUnauthorized)
		s.request(t, "POST", "/v1/tickets", "forged.token.value", ok(func(map[string]any) {})).expect(t, http.StatusUnauthorized)
		s.request(t, "POST", "/v1/tickets", tk.AccessToken, ok(func(m map[string]any) { m["client_request_id"] = "a" }), "Idempotency-Key: b").expect(t, http.StatusBadRequest)

		// Nothing above was stored.
		var list struct{ Tickets []ticket }
		s.request(t, "GET", "/v1/tickets?mine=true", tk.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
		if len(list.Tickets) != 0 {
			t.Errorf("%d tickets stored by refused requests", len(list.Tickets))
		}
		// Officials do not file reports as residents.
		officer := s.createOfficial("officer", "officer1", "longxuyen-2023.30280.cong_an")
		s.request(t, "POST", "/v1/tickets", officer.AccessToken, ok(func(map[string]any) {})).expect(t, http.StatusForbidden)
	})
}

// reportWith is an ANTT.01 report at p changed by mut.
func reportWith(p orb.Point, mut func(m map[string]any)) map[string]any {
	m := report("ANTT.01", p.Lat(), p.Lon())
	mut(m)
	return m
}

// intakeRefusal is a report body the intake refuses, with the refusal's status, code and field.
type intakeRefusal struct {
	name   string
	body   any
	status int
	code   string
	field  string
}

// badReports are bodies of reports at p that the intake must refuse: fields residents may not
// set, bad locations, descriptions, categories, media and types, and malformed or oversized JSON.
func badReports(p orb.Point) []intakeRefusal {
	ok := func(mut func(m map[string]any)) map[string]any { return reportWith(p, mut) }
	loc := func(lat, lng any) func(m map[string]any) {
		return func(m map[string]any) { m["location"] = map[string]any{"lat": lat, "lng": lng} }
	}
	return []intakeRefusal{
		{"resident sets state", ok(func(m map[string]any) { m["state"] = "resolved" }), 400, "invalid", "state"},
		{"resident sets unit", ok(func(m map[string]any) { m["unit"] = map[string]any{"id": "city.ioc"} }), 400, "invalid", "unit"},
		{"resident sets area", ok(func(m map[string]any) { m["area"] = "30280" }), 400, "invalid", "area"},
		{"resident sets deadline", ok(func(m map[string]any) { m["resolve_due_at"] = "2030-01-01T00:00:00+07:00" }), 400, "invalid", "resolve_due_at"},
		{"resident sets reporter", ok(func(m map[string]any) { m["reporter_id"] = "someone" }), 400, "invalid", "reporter_id"},
		{"unknown nested field", ok(func(m map[string]any) { m["location"] = map[string]any{"lat": p.Lat(), "lng": p.Lon(), "alt": 3} }), 400, "invalid", "location.alt"},
		{"lat as string", ok(loc("10.38", p.Lon())), 400, "invalid", "location.lat"},
		{"NaN", ok(loc("NaN", p.Lon())), 400, "invalid", "location.lat"},
		{"lat out of range", ok(loc(91.0, p.Lon())), 400, "invalid", "location.lat"},
		{"lng out of range", ok(loc(p.Lat(), 181.0)), 400, "invalid", "location.lng"},
		{"swapped lat and lng", ok(loc(p.Lon(), p.Lat())), 400, "invalid", "location.lat"},
		{"null island", ok(loc(0.0, 0.0)), 422, "outside_jurisdiction", "location"},
		{"missing lat", ok(func(m map[string]any) { m["location"] = map[string]any{"lng": p.Lon()} }), 400, "invalid", "location.lat"},
		{"missing location", ok(func(m map[string]any) { delete(m, "location") }), 400, "invalid", "location"},
		{"negative accuracy", ok(func(m map[string]any) {
			m["location"] = map[string]any{"lat": p.Lat(), "lng": p.Lon(), "accuracy_m": -1}
		}), 400, "invalid", "location.accuracy_m"},
		{"empty description", ok(func(m map[string]any) { m["description"] = "   " }), 400, "invalid", "description"},
		{"description over 4000", ok(func(m map[string]any) { m["description"] = strings.Repeat("ồ", 4001) }), 400, "invalid", "description"},
		{"description wrong type", ok(func(m map[string]any) { m["description"] = 5 }), 400, "invalid", "description"},
		{"missing category", ok(func(m map[string]any) { delete(m, "category") }), 400, "invalid", "category"},
		{"unknown category", ok(func(m map[string]any) { m["category"] = "XYZ.99" }), 422, "unprocessable", "category"},
		{"unowned media", ok(func(m map[string]any) { m["media"] = []string{"abc"} }), 422, "unprocessable", "media"},
		{"too many media", ok(func(m map[string]any) { m["media"] = []string{"1", "2", "3", "4", "5", "6", "7"} }), 400, "invalid", "media"},
		{"allow_contact as string", ok(func(m map[string]any) { m["allow_contact"] = "yes" }), 400, "invalid", "allow_contact"},
		{"malformed JSON", `{"category": "ANTT.01",`, 400, "invalid", ""},
		{"array body", `[]`, 400, "invalid", ""},
		{"two objects", `{} {}`, 400, "invalid", ""},
		{"empty body", ``, 400, "invalid", ""},
		{"oversized body", ok(func(m map[string]any) { m["address"] = strings.Repeat("x", 70000) }), 413, "too_large", ""},
	}
}

// checkIntakeRefusal files c's body and checks the refusal.
func checkIntakeRefusal(t *testing.T, s *server, token string, c intakeRefusal) {
	t.Helper()
	r, err := s.do("POST", "/v1/tickets", token, c.body)
	for i := 0; err != nil && c.status == http.StatusRequestEntityTooLarge && i < 5; i++ {
		// The server answers 413 from the Content-Length and closes without reading the
		// body; the client may see the reset before the answer. Ask again.
		r, err = s.do("POST", "/v1/tickets", token, c.body)
	}
	if err != nil {
		t.Fatal(err)
	}
	e := r.expect(t, c.status).apiError(t)
	if e.Error.Code != c.code || e.Error.Field != c.field {
		t.Errorf("error = %+v, want code %s field %q", e.Error, c.code, c.field)
	}
}

func TestIdempotentRetries(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	p := set.Areas()[5].InteriorPoint()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		tk := s.signInResident("0912000005")
		const n = 50
		var wg sync.WaitGroup
		results := make([]response, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r, err := s.do("POST", "/v1/tickets", tk.AccessToken, report("ASXH.01", p.Lat(), p.Lon()), "Idempotency-Key: phone-7f3a-0001")
				if err != nil {
					t.Error(err)
				}
				results[i] = r
			}(i)
		}
		wg.Wait()
		created, replayed := 0, 0
		ids := map[string]bool{}
		for _, r := range results {
			var got ticket
			r.json(t, &got)
			ids[got.ID] = true
			switch r.status {
			case http.StatusCreated:
				created++
			case http.StatusOK:
				replayed++
			default:
				t.Errorf("status %d: %s", r.status, r.body)
			}
		}
		if created != 1 || replayed != n-1 || len(ids) != 1 {
			t.Errorf("created %d, replayed %d, distinct ids %d; want 1, %d, 1", created, replayed, len(ids), n-1)
		}
		// The same key through the body field is the same report; another resident's same key is not.
		var viaField ticket
		body := report("ASXH.01", p.Lat(), p.Lon())
		body["client_request_id"] = "phone-7f3a-0001"
		s.request(t, "POST", "/v1/tickets", tk.AccessToken, body).expect(t, http.StatusOK).json(t, &viaField)
		if !ids[viaField.ID] {
			t.Errorf("client_request_id replay returned %s", viaField.ID)
		}
		other := s.signInResident("0912000006")
		var theirs ticket
		s.request(t, "POST", "/v1/tickets", other.AccessToken, report("ASXH.01", p.Lat(), p.Lon()), "Idempotency-Key: phone-7f3a-0001").expect(t, http.StatusCreated).json(t, &theirs)
		if ids[theirs.ID] {
			t.Error("another resident's key returned the first resident's ticket")
		}
		var list struct{ Tickets []ticket }
		s.request(t, "GET", "/v1/tickets?mine=true", tk.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
		if len(list.Tickets) != 1 {
			t.Errorf("%d tickets stored, want 1", len(list.Tickets))
		}
	})
}

func TestTicketReadPolicyAndPaging(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	a := set.Areas()[0]
	p := a.InteriorPoint()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		owner := s.signInResident("0912000007")
		var ids []string
		for i := 0; i < 5; i++ {
			var got ticket
			s.request(t, "POST", "/v1/tickets", owner.AccessToken, report("ANTT.04", p.Lat(), p.Lon())).expect(t, http.StatusCreated).json(t, &got)
			ids = append(ids, got.ID)
		}
		unit := "longxuyen-2023." + a.Code + ".cong_an"
		stranger := s.signInResident("0912000008")
		ownUnit := s.createOfficial("officer", "own.unit", unit)
		otherUnit := s.createOfficial("officer", "other.unit", "longxuyen-2023."+set.Areas()[1].Code+".cong_an")
		ioc := s.createOfficial("ioc_viewer", "ioc.viewer", "")
		for name, c := range map[string]struct {
			token  string
			status int
		}{
			"reporter":         {owner.AccessToken, 200},
			"responsible unit": {ownUnit.AccessToken, 200},
			"IOC":              {ioc.AccessToken, 200},
			"another resident": {stranger.AccessToken, 404},
			"another ward":     {otherUnit.AccessToken, 404},
			"anonymous":        {"", 401},
		} {
			t.Run(name, func(t *testing.T) {
				s.request(t, "GET", "/v1/tickets/"+ids[0], c.token, nil).expect(t, c.status)
			})
		}
		s.request(t, "GET", "/v1/tickets/does-not-exist", owner.AccessToken, nil).expect(t, http.StatusNotFound)

		// Keyset pages of 2: newest first, every ticket exactly once.
		var seen []string
		cursor := ""
		for page := 0; page < 5; page++ {
			var list struct {
				Tickets    []ticket
				NextCursor string `json:"next_cursor"`
			}
			s.request(t, "GET", "/v1/tickets?mine=true&limit=2&cursor="+cursor, owner.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
			for _, tk := range list.Tickets {
				seen = append(seen, tk.ID)
			}
			if list.NextCursor == "" {
				break
			}
			cursor = list.NextCursor
		}
		want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
		if diff := cmp.Diff(want, seen); diff != "" {
			t.Errorf("paged ids (-want +got):\n%s", diff)
		}
		s.request(t, "GET", "/v1/tickets?mine=true&cursor=!!!", owner.AccessToken, nil).expect(t, http.StatusBadRequest)
		s.request(t, "GET", "/v1/tickets?mine=true&limit=abc", owner.AccessToken, nil).expect(t, http.StatusBadRequest)
		var big struct{ Tickets []ticket }
		s.request(t, "GET", "/v1/tickets?mine=true&limit=1000", owner.AccessToken, nil).expect(t, http.StatusOK).json(t, &big)
		if len(big.Tickets) != 5 {
			t.Errorf("limit clamp: %d tickets", len(big.Tickets))
		}
		var strangers struct{ Tickets []ticket }
		s.request(t, "GET", "/v1/tickets?mine=true", stranger.AccessToken, nil).expect(t, http.StatusOK).json(t, &strangers)
		if len(strangers.Tickets) != 0 {
			t.Errorf("another resident lists %d of the owner's tickets", len(strangers.Tickets))
		}
	})
}

// TestLimitClamped: with more tickets than the largest page, a client asking for more gets the
// largest page (100) and a cursor to the rest — the resident's own list and an officer's queue.
// It runs on SQLite only: the clamp is the app's (app.Config.MaxPageSize) and the
// cursor paging behind it is each store's, which the contract suite checks on both; filing 105
// reports through FerretDB took half a minute and checked nothing more.
func TestLimitClamped(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	a := set.Areas()[0]
	p := a.InteriorPoint()
	s := startServer(t, storeKind{name: "sqlite"})
	owner := s.signInResident("0912000017")
	const filed = 105
	for range filed {
		s.request(t, "POST", "/v1/tickets", owner.AccessToken, report("ANTT.04", p.Lat(), p.Lon())).expect(t, http.StatusCreated)
	}
	type page struct {
		Tickets    []ticket
		NextCursor string `json:"next_cursor"`
	}
	var first, rest page
	s.request(t, "GET", "/v1/tickets?mine=true&limit=100000", owner.AccessToken, nil).expect(t, http.StatusOK).json(t, &first)
	if len(first.Tickets) != 100 || first.NextCursor == "" {
		t.Fatalf("limit=100000: %d tickets, next cursor %q; want 100 and a cursor", len(first.Tickets), first.NextCursor)
	}
	s.request(t, "GET", "/v1/tickets?mine=true&limit=100000&cursor="+first.NextCursor, owner.AccessToken, nil).expect(t, http.StatusOK).json(t, &rest)
	if len(rest.Tickets) != filed-100 || rest.NextCursor != "" {
		t.Errorf("second page: %d tickets, next cursor %q; want %d and none", len(rest.Tickets), rest.NextCursor, filed-100)
	}

	officer := s.createOfficial("officer", "clamp.officer", "longxuyen-2023."+a.Code+".cong_an")
	var q struct{ Tickets []ticket }
	s.request(t, "GET", "/v1/queue?limit=100000", officer.AccessToken, nil).expect(t, http.StatusOK).json(t, &q)
	if len(q.Tickets) != 100 {
		t.Errorf("queue with limit=100000: %d tickets, want 100", len(q.Tickets))
	}
}
