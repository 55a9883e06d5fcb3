package handlers

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
	"phananh/tokens"
)

// fuzzServer is the whole HTTP stack in process — the real handlers, use cases and a real SQLite
// file — with a token for every role, so fuzz targets reach the parsers behind authentication.
type fuzzServer struct {
	app      *fiber.App
	tokens   map[models.Role]string
	o311Key  string
	keys     map[models.APIKeyScope]string // machine keys by scope
	ticketID string
}

// newFuzzServer builds the server once per fuzzing process (and once per `go test` run).
func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	ctx := context.Background()
	now := time.Now()
	store := apptest.Store(tb, now)
	hours := [][2]string{{"07:00", "11:30"}, {"13:00", "17:00"}}
	cal, err := apptest.Calendar(hours)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := app.DefaultConfig()
	cfg.PseudonymKey = []byte("fuzz pseudonyms")
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	signer := tokens.New(key, "phananh", "phananh-api")
	svc := apptest.New(tb, store, apptest.Options{Config: &cfg, OfficeHours: hours, Tokens: signer,
		Effects: []app.Effect{app.NewFactsEffect(store, app.NewWorkingCalendar(cal)), app.NewFeedEffect(store)}})
	hcfg := DefaultConfig()
	hcfg.RequestTimeout = time.Minute // a slow fuzzing machine must not turn into 503s
	f, err := New(svc, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), hcfg)
	if err != nil {
		tb.Fatal(err)
	}
	fs := &fuzzServer{app: f, tokens: map[models.Role]string{}}
	resident := &models.User{ID: "fuzz-resident", Role: models.RoleResident, Phone: "+84912000000", CreatedAt: now}
	if err := store.CreateUser(ctx, resident); err != nil {
		tb.Fatal(err)
	}
	accepted := app.ConsentInput{Purpose: models.PurposeAccount, Version: app.PrivacyNoticeVersion, Granted: true}
	if _, err := svc.Privacy.Consent(ctx, models.Principal{UserID: resident.ID, Role: models.RoleResident}, accepted); err != nil {
		tb.Fatal(err)
	}
	unit := "longxuyen-2023.30280.cong_an"
	for _, u := range []struct {
		role models.Role
		unit string
	}{{models.RoleOfficer, unit}, {models.RoleLeader, unit}, {models.RoleIOCOperator, ""}, {models.RoleAdmin, ""}} {
		created, err := svc.Auth.CreateOfficial(ctx, u.role, "fuzz."+string(u.role), "a long fuzzing password", u.unit)
		if err != nil {
			tb.Fatal(err)
		}
		fs.tokens[u.role], err = signer.SignAccess(app.AccessClaims{UserID: created.ID, Role: u.role, UnitID: u.unit, ExpiresAt: now.Add(24 * time.Hour)}, now)
		if err != nil {
			tb.Fatal(err)
		}
	}
	if fs.tokens[models.RoleResident], err = signer.SignAccess(app.AccessClaims{UserID: resident.ID, Role: models.RoleResident, ExpiresAt: now.Add(24 * time.Hour)}, now); err != nil {
		tb.Fatal(err)
	}
	if fs.o311Key, _, err = svc.Auth.CreateAPIKey(ctx, app.CommandLine(), app.NewAPIKey{Name: "fuzz", Scope: models.ScopeOpen311}); err != nil {
		tb.Fatal(err)
	}
	fs.keys = map[models.APIKeyScope]string{}
	for _, scope := range []models.APIKeyScope{models.ScopeStats, models.ScopeExport} {
		if fs.keys[scope], _, err = svc.Auth.CreateAPIKey(ctx, app.CommandLine(), app.NewAPIKey{Name: "fuzz " + string(scope), Scope: scope}); err != nil {
			tb.Fatal(err)
		}
	}
	// One ticket in the officer's ward, for the action and read routes.
	body := `{"category":"ANTT.01","description":"Nhóm thanh niên tụ tập gây ồn ào.","location":{"lat":10.386,"lng":105.435}}`
	status, out := fs.do(tb, "POST", "/v1/tickets", models.RoleResident, "application/json", body)
	if status != http.StatusCreated {
		tb.Fatalf("seed ticket: %d %s", status, out)
	}
	var tk struct{ ID string }
	if err := json.Unmarshal(out, &tk); err != nil || tk.ID == "" {
		tb.Fatalf("seed ticket: %s", out)
	}
	fs.ticketID = tk.ID
	return fs
}

// do sends one request through the real Fiber stack (no network) as role ("" for anonymous).
func (fs *fuzzServer) do(tb testing.TB, method, target string, role models.Role, contentType, body string) (int, []byte) {
	tb.Helper()
	req := httptest.NewRequest(method, "http://phananh.test/", strings.NewReader(body))
	// The target goes in verbatim (httptest.NewRequest would reject what the fuzzer makes).
	p, q, _ := strings.Cut(target, "?")
	req.URL, req.RequestURI = &url.URL{Path: p, RawQuery: q}, ""
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok := fs.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := fs.app.Test(req, -1)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// checkAnswer is the property every fuzz target asserts: no 5xx, and every refusal is our JSON
// error (or Open311's error list), never a stack trace or an empty body.
func checkAnswer(t *testing.T, what string, status int, body []byte) {
	t.Helper()
	if status >= 500 {
		t.Fatalf("%s: status %d: %s", what, status, body)
	}
	if status >= 400 && !json.Valid(body) && !bytes.HasPrefix(body, []byte("<?xml")) {
		t.Fatalf("%s: status %d with a body that is not an error document: %q", what, status, body)
	}
}

// FuzzTicketJSON feeds arbitrary bodies to the strict JSON decoder of report intake (and the
// action endpoint, which shares it), as a resident and as an officer.
func FuzzTicketJSON(f *testing.F) {
	for _, s := range []string{
		`{"category":"ANTT.01","description":"Đánh nhau trước quán karaoke.","location":{"lat":10.386,"lng":105.435,"accuracy_m":15},"address":"Đường Hai Bà Trưng","allow_contact":true}`,
		`{"category":"ANTT.01","description":"x","location":{"lat":1e309,"lng":-0}}`,
		`{"category":"ANTT.01","location":{"lat":"10","lng":105}}`,
		`{"category":"ANTT.01","location":{"lat":10.386,"lng":105.435,"alt":3}}`,
		`{"category":"ANTT.01","location":null,"media":["a","b"],"client_request_id":"k1"}`,
		`{"state":"closed","unit_id":"x","version":9}`,
		`[{"category":"ANTT.01"}]`,
		`{"category":"ANTT.01"}{"category":"ANTT.01"}`,
		`{"description":"` + strings.Repeat("é", 3000) + `"}`,
		`{"action":"note","expected_version":1,"note":"ghi chú"}`,
		`{"action":"resolve","expected_version":-1,"outcome":"fixed","note":"x"}`,
		`{"action":"extend","expected_version":1e20,"until":"2026-13-45T99:00:00Z"}`,
		"\xef\xbb\xbf{}", `{"a":`, `"just a string"`, `null`, ``,
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte(`{"action":"accept","expected_version":1}`), true)
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte, action bool) {
		if action {
			status, out := fs.do(t, "POST", "/v1/tickets/"+fs.ticketID+"/actions", models.RoleOfficer, "application/json", string(body))
			checkAnswer(t, "action", status, out)
			return
		}
		status, out := fs.do(t, "POST", "/v1/tickets", models.RoleResident, "application/json", string(body))
		checkAnswer(t, "intake", status, out)
	})
}

// FuzzOpen311Form posts arbitrary form bodies (service code, coordinates, attribute[…] syntax)
// to Open311's POST requests; the literal KEY stands for a valid open311 api_key.
func FuzzOpen311Form(f *testing.F) {
	for _, s := range []string{
		"api_key=KEY&service_code=DT.01&lat=10.386&long=105.435&description=%E1%BB%94+g%C3%A0+s%C3%A2u",
		"api_key=KEY&service_code=ASXH.08&lat=10.386&long=105.435&description=x&attribute[AGE]=12&attribute[KIND][]=a&attribute[KIND][]=b",
		"api_key=KEY&service_code=ASXH.08&lat=10.386&long=105.435&attribute[=1&attribute[]]=2&attribute[[x]]=3",
		"api_key=KEY&service_code=DT.01&lat=NaN&long=Inf",
		"api_key=KEY&service_code=DT.01&lat=1e400&long=-1e400&jurisdiction_id=other",
		"api_key=KEY&service_code=DT.01&lat=10.386&long=105.435&description=" + strings.Repeat("a", 5000),
		"api_key=wrong&service_code=DT.01",
		"api_key=KEY&%zz=1&service_code=%",
		"api_key=KEY&api_key=KEY&service_code=DT.01&service_code=ANTT.01&lat=10.386&long=105.435&description=x&email=a@b&media_url=http://x",
		"",
	} {
		f.Add(s, false)
	}
	f.Add("api_key=KEY&service_code=DT.01&lat=10.386&long=105.435&description=x", true)
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, form string, xml bool) {
		path := "/open311/v2/requests.json"
		if xml {
			path = "/open311/v2/requests.xml"
		}
		status, out := fs.do(t, "POST", path, "", "application/x-www-form-urlencoded", strings.ReplaceAll(form, "KEY", fs.o311Key))
		checkAnswer(t, "open311 post", status, out)
	})
}

// queryRoutes are the GET routes whose query strings come from outside, with who calls them.
var queryRoutes = []struct {
	path string
	role models.Role
	key  models.APIKeyScope // X-API-Key with this scope instead of a bearer token ("": none)
}{
	{"/open311/v2/requests.json", "", ""},
	{"/open311/v2/requests.xml", "", ""},
	{"/open311/v2/servicerequestupdates.json", "", ""},
	{"/v1/tickets", models.RoleResident, ""},
	{"/v1/me/notifications", models.RoleResident, ""},
	{"/v1/tickets/nearby", models.RoleResident, ""},
	{"/v1/queue", models.RoleOfficer, ""},
	{"/v1/queue", models.RoleIOCOperator, ""},
	{"/v1/tickets/does-not-exist/duplicates", models.RoleOfficer, ""},
	{"/v1/replies", models.RoleLeader, ""},
	{"/v1/replies", models.RoleIOCOperator, ""},
	{"/v1/areas/locate", "", ""},
	{"/v1/admin/audit", models.RoleAdmin, ""},
	{"/v1/admin/keys", models.RoleAdmin, ""},
	{"/v1/admin/users", models.RoleAdmin, ""},
	{"/v1/admin/units", models.RoleAdmin, ""},
	{"/v1/admin/routing-rules", models.RoleAdmin, ""},
	{"/v1/admin/categories", models.RoleAdmin, ""},
	{"/v1/feed/changes", models.RoleAdmin, ""},
	{"/v1/stats/summary", models.RoleAdmin, ""},
	{"/v1/stats/timeseries", models.RoleAdmin, ""},
	{"/v1/stats/units", "", models.ScopeStats},
	{"/v1/stats/hotspots", models.RoleIOCOperator, ""},
	{"/v1/reports/periodic", models.RoleIOCOperator, ""},
	{"/v1/export/tickets.csv", "", models.ScopeExport},
	{"/v1/opendata/tickets.geojson", "", ""},
}

// FuzzQueryParams sends arbitrary query strings (bbox, cursors, limit, dates, states …) to every
// list route; route picks one of queryRoutes.
func FuzzQueryParams(f *testing.F) {
	seeds := []string{
		"bbox=105.4,10.3,105.5,10.4&status=open&page=2&page_size=1000&extensions=true",
		"bbox=1,2,3&start_date=2026-01-01&end_date=2025-01-01",
		"bbox=NaN,Inf,-Inf,1e999",
		"limit=0", "limit=-1", "limit=99999999999999999999", "limit=1e3",
		"cursor=%FF%FE", "cursor=eyJ4Ijo", "cursor=" + strings.Repeat("A", 2000),
		"mine=true&state=received,assigned,bogus&limit=5", "following=true&mine=true", "following=yes&cursor=x", "unread=maybe&lang=fr",
		"lat=10.386&lng=105.435&category=ANTT.01", "lat=91&lng=181", "lat=&lng=",
		"overdue=maybe&due_before=yesterday&q=%00&area=x&unit=y",
		"channel=hotline&group=moi_truong", "channel=bogus&group=%00", "channel=open311&from=2026-01-01",
		"from=2026-02-30&to=2026-13-01&interval=fortnight&metric=everything",
		"from=2026-01-01&to=2026-12-31&cell=250", "from=2020-01-01&to=2026-12-31&cell=99999", "cell=-1&from=2026-01-01",
		"from=2026-01-01T00:00:00Z&to=9999-12-31&min_sample=-3",
		"service_request_id=a,b,,c&service_code=ANTT.01&updated_after=2026-01-01T00:00+07:00",
		"action=login_locked&from=not-a-time",
		"period=2026-Q5&by=ward&format=pdf", "period=2026-11&by=area&format=csv", "period=99999", "period=2026-00",
		"%", "&&&=&=", "a[]=1&a[b]=2",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		if len(query) > 3000 {
			return // longer request lines are refused by the HTTP server itself (431), before any handler
		}
		r := queryRoutes[int(route)%len(queryRoutes)]
		req := httptest.NewRequest("GET", "http://phananh.test/", nil)
		req.URL, req.RequestURI = &url.URL{Path: r.path, RawQuery: query}, ""
		if tok := fs.tokens[r.role]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if r.key != "" {
			req.Header.Set("X-API-Key", fs.keys[r.key])
		}
		resp, err := fs.app.Test(req, -1)
		if err != nil && strings.Contains(err.Error(), "error when reading request headers") {
			return // not a valid request line (a raw newline …): the HTTP parser answers 400 itself
		} else if err != nil {
			t.Fatalf("%s?%s: %v", r.path, query, err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		checkAnswer(t, r.path+"?"+query, resp.StatusCode, out)
	})
}
