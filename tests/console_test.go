package tests

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"phananh/geo"
)

// The web console under /console: its security over plain HTTP (sessions, CSRF, roles, escaping,
// CSP) and, in a real browser (Debian's chromium driven by chromedp), an officer processing a
// ticket and the IOC dashboard.

const consolePassword = "correct horse battery" // createOfficial's password

// consoleClient is a browser-like HTTP client: a cookie jar, and redirects reported rather than
// followed so tests see each 303.
type consoleClient struct {
	t    *testing.T
	s    *server
	http *http.Client
}

func newConsoleClient(t *testing.T, s *server) *consoleClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &consoleClient{t: t, s: s, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (cc *consoleClient) do(method, path string, form url.Values) response {
	cc.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, cc.s.base+path, body)
	if err != nil {
		cc.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := cc.http.Do(req)
	if err != nil {
		cc.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		cc.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// cookie returns the value of a console cookie in the jar.
func (cc *consoleClient) cookie(name string) string {
	u, _ := url.Parse(cc.s.base + "/console/")
	for _, c := range cc.http.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a cookie into the jar as if the server had set it.
func (cc *consoleClient) setCookie(name, value string) {
	u, _ := url.Parse(cc.s.base + "/console/")
	cc.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/console"}})
}

// signIn goes through the sign-in form and returns the page the console redirects to.
func (cc *consoleClient) signIn(username string) string {
	cc.t.Helper()
	cc.do("GET", "/console/login", nil).expect(cc.t, http.StatusOK)
	r := cc.do("POST", "/console/login", url.Values{"csrf": {cc.cookie("phananh_csrf")}, "username": {username}, "password": {consolePassword}})
	r.expect(cc.t, http.StatusSeeOther)
	return r.header.Get("Location")
}

// act posts an action form as the ticket page would.
func (cc *consoleClient) act(id string, version int, action string, extra url.Values) response {
	cc.t.Helper()
	form := url.Values{"csrf": {cc.cookie("phananh_csrf")}, "action": {action}, "expected_version": {fmt.Sprint(version)}}
	for k, v := range extra {
		form[k] = v
	}
	return cc.do("POST", "/console/tickets/"+id+"/actions", form)
}

var scriptTag = regexp.MustCompile(`(?i)<script[^>]*>`)

// noInlineScript fails when a page has a script element without src (the CSP would block it,
// and an injected one must never appear).
func noInlineScript(t *testing.T, page string, body []byte) {
	t.Helper()
	for _, tag := range scriptTag.FindAll(body, -1) {
		if !bytes.Contains(tag, []byte(`src="/console/static/`)) {
			t.Errorf("%s has an inline or foreign script element %s", page, tag)
		}
	}
}

func TestConsoleSessionsCSRFAndEscaping(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 0), ward(set, 1)
	s := startServer(t, storeKind{name: "sqlite"})
	resident := s.signInResident("0912300001")
	officer := s.createOfficial("officer", "canbo.x", unitOf(x.code, "ubnd"))
	s.createOfficial("officer", "canbo.y", unitOf(y.code, "ubnd"))
	ioc := s.createOfficial("ioc_viewer", "ioc.xem", "")
	const hostile = `<script>alert("xss")</script> Lấn chiếm vỉa hè <img src=x onerror=alert(1)>`
	tk := fileTicket(t, s, resident.AccessToken, wfReport("TTDT", x, hostile, false))

	o := &consoleFixture{s: s, x: x, y: y, resident: resident, officer: officer, ioc: ioc, tk: tk, anon: newConsoleClient(t, s)}
	checkLoginPage(t, o.anon)

	t.Run("sign-in", o.signIn)

	o.officerUI = newConsoleClient(t, s)
	o.officerUI.signIn("canbo.x")

	t.Run("escaping", o.escaping)
	t.Run("csrf on actions", o.csrfOnActions)
	t.Run("bad forms change nothing", o.badForms)
	t.Run("an accepted form acts", o.acceptedForm)
	t.Run("a leader assigns from the unit's officials", o.leaderAssigns)
	t.Run("roles", o.roles)
	t.Run("expired access token is refreshed once, logout ends the session", o.refreshAndLogout)
	t.Run("static files and language", o.staticAndLanguage)
}

// consoleFixture is a server with a resident's ticket whose description is hostile markup, the
// officer of its ward's committee (and, signed in, their console), an IOC viewer and an
// anonymous console client.
type consoleFixture struct {
	s                      *server
	x, y                   wardPoint
	resident, officer, ioc tokens
	tk                     wfTicket
	anon, officerUI        *consoleClient
}

// checkLoginPage checks that the queue sends an anonymous client to the sign-in page, which has
// a strict CSP, no inline script, and sets a CSRF cookie.
func checkLoginPage(t *testing.T, anon *consoleClient) {
	t.Helper()
	r := anon.do("GET", "/console/queue", nil).expect(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/console/login?next=") {
		t.Errorf("unauthenticated queue redirects to %q, want the sign-in page", loc)
	}
	r = anon.do("GET", "/console/login", nil).expect(t, http.StatusOK)
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	noInlineScript(t, "login page", r.body)
	if anon.cookie("phananh_csrf") == "" {
		t.Fatal("the sign-in page set no CSRF cookie")
	}

}

// signIn checks the sign-in form: CSRF token required, wrong passwords refused, the session
// cookie's attributes, a new CSRF token, and no open redirect through next=.
func (o *consoleFixture) signIn(t *testing.T) {
	cc := newConsoleClient(t, o.s)
	cc.do("GET", "/console/login", nil).expect(t, http.StatusOK)
	// Without the token, and with a token that is not the cookie's: refused, no session.
	for _, token := range []string{"", strings.Repeat("a", 64)} {
		r := cc.do("POST", "/console/login", url.Values{"csrf": {token}, "username": {"canbo.x"}, "password": {consolePassword}})
		r.expect(t, http.StatusForbidden)
		if cc.cookie("phananh_console") != "" {
			t.Errorf("csrf %q: a session cookie was set", token)
		}
	}
	r := cc.do("POST", "/console/login", url.Values{"csrf": {cc.cookie("phananh_csrf")}, "username": {"canbo.x"}, "password": {"wrong password"}})
	r.expect(t, http.StatusUnauthorized)
	if !bytes.Contains(r.body, []byte("invalid username or password")) {
		t.Errorf("wrong password page does not say so: %s", r.body)
	}
	before := cc.cookie("phananh_csrf")
	r = cc.do("POST", "/console/login", url.Values{"csrf": {before}, "username": {"canbo.x"}, "password": {consolePassword}})
	r.expect(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/console/queue" {
		t.Errorf("officer lands on %q, want /console/queue", loc)
	}
	var session string
	for _, c := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "phananh_console=") {
			session = strings.ToLower(c)
		}
	}
	for _, want := range []string{"httponly", "samesite=strict", "path=/console"} {
		if !strings.Contains(session, want) {
			t.Errorf("session cookie %q lacks %s", session, want)
		}
	}
	if after := cc.cookie("phananh_csrf"); after == before || after == "" {
		t.Error("the CSRF token was not replaced at sign-in")
	}
	// An open redirect through next= is not possible.
	cc2 := newConsoleClient(t, o.s)
	cc2.do("GET", "/console/login", nil)
	r = cc2.do("POST", "/console/login", url.Values{"csrf": {cc2.cookie("phananh_csrf")}, "username": {"ioc.xem"},
		"password": {consolePassword}, "next": {"//evil.example/console/"}})
	if loc := r.header.Get("Location"); loc != "/console/dashboard" {
		t.Errorf("next=//evil… redirects to %q, want /console/dashboard", loc)
	}
}

// escaping checks that the officer's pages show the hostile description escaped, with no inline
// script, and are not cached.
func (o *consoleFixture) escaping(t *testing.T) {
	for _, page := range []string{"/console/queue", "/console/tickets/" + o.tk.ID} {
		r := o.officerUI.do("GET", page, nil).expect(t, http.StatusOK)
		if !bytes.Contains(r.body, []byte(`&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;`)) {
			t.Errorf("%s does not show the description escaped", page)
		}
		if bytes.Contains(r.body, []byte(`<script>alert`)) || bytes.Contains(r.body, []byte(`<img src=x`)) {
			t.Errorf("%s renders the description as markup", page)
		}
		noInlineScript(t, page, r.body)
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s Cache-Control %q, want no-store", page, cc)
		}
	}
}

// csrfOnActions checks that action forms without the CSRF token are refused and change nothing.
func (o *consoleFixture) csrfOnActions(t *testing.T) {
	good := o.officerUI.cookie("phananh_csrf")
	for _, token := range []string{"", "short", strings.Repeat("0", 64)} {
		form := url.Values{"action": {"accept"}, "expected_version": {"1"}}
		if token != "" {
			form.Set("csrf", token)
		}
		r := o.officerUI.do("POST", "/console/tickets/"+o.tk.ID+"/actions", form)
		r.expect(t, http.StatusForbidden)
		if !bytes.Contains(r.body, []byte("CSRF")) {
			t.Errorf("csrf %q: the refusal does not explain itself: %s", token, r.body)
		}
	}
	if cur := getTicket(t, o.s, o.officer.AccessToken, o.tk.ID); cur.Version != 1 || cur.State != "received" {
		t.Fatalf("a refused form changed the ticket: %s v%d", cur.State, cur.Version)
	}
	if o.officerUI.cookie("phananh_csrf") != good {
		t.Fatal("the CSRF cookie changed")
	}
}

// badForms checks that bad action forms are refused with a plain explanation and change nothing.
func (o *consoleFixture) badForms(t *testing.T) {
	for _, c := range []struct {
		name    string
		version string
		action  string
		extra   url.Values
		status  int
		says    string
	}{
		{"stale version", "7", "accept", nil, http.StatusConflict, "version 1"},
		{"no version", "", "accept", nil, http.StatusBadRequest, "version"},
		{"unknown action", "1", "explode", nil, http.StatusBadRequest, "unknown action"},
		{"not allowed now", "1", "resolve", url.Values{"outcome": {"fixed"}, "note": {"x"}}, http.StatusConflict, "not possible"},
		{"bad deadline", "1", "request_extension", url.Values{"due_at": {"tomorrow"}, "reason": {"x"}}, http.StatusBadRequest, "deadline"},
	} {
		form := url.Values{"csrf": {o.officerUI.cookie("phananh_csrf")}, "action": {c.action}, "expected_version": {c.version}}
		for k, v := range c.extra {
			form[k] = v
		}
		r := o.officerUI.do("POST", "/console/tickets/"+o.tk.ID+"/actions", form)
		if r.status != c.status || !bytes.Contains(r.body, []byte(c.says)) {
			t.Errorf("%s: status %d, want %d with %q", c.name, r.status, c.status, c.says)
		}
	}
	if cur := getTicket(t, o.s, o.officer.AccessToken, o.tk.ID); cur.Version != 1 {
		t.Fatalf("a refused form changed the ticket to v%d", cur.Version)
	}
	// The conflict page shows the ticket as it is now, with a plain explanation.
	r := o.officerUI.act(o.tk.ID, 5, "accept", nil)
	if r.status != http.StatusConflict || !bytes.Contains(r.body, []byte(`class="flash conflict"`)) ||
		!bytes.Contains(r.body, []byte(`id="ticket-version">1<`)) {
		t.Errorf("conflict page: status %d, no conflict banner or no current version", r.status)
	}
}

// acceptedForm checks that a good form acts.
func (o *consoleFixture) acceptedForm(t *testing.T) {
	r := o.officerUI.act(o.tk.ID, 1, "accept", url.Values{"note": {"Đã nhận, sẽ kiểm tra."}})
	r.expect(t, http.StatusSeeOther)
	if cur := getTicket(t, o.s, o.officer.AccessToken, o.tk.ID); cur.State != "assigned" || cur.Version != 2 {
		t.Fatalf("after accept: %s v%d", cur.State, cur.Version)
	}
}

// leaderAssigns checks the assign form of a leader: the unit's officials only, and the current
// assignee shown.
func (o *consoleFixture) leaderAssigns(t *testing.T) {
	leader := o.s.createOfficial("leader", "truong.x", unitOf(o.x.code, "ubnd"))
	other := o.s.createOfficial("officer", "canbo.y3", unitOf(o.y.code, "ubnd"))
	leaderUI := newConsoleClient(t, o.s)
	leaderUI.signIn("truong.x")
	page := leaderUI.do("GET", "/console/tickets/"+o.tk.ID, nil).expect(t, http.StatusOK)
	form := regexp.MustCompile(`(?s)<select name="officer" required>(.*?)</select>`).FindSubmatch(page.body)
	if form == nil {
		t.Fatalf("the assign form has no list of officials:\n%s", page.body)
	}
	var offered []string
	for _, m := range regexp.MustCompile(`<option value="([^"]*)"[^>]*>([^<]*)</option>`).FindAllSubmatch(form[1], -1) {
		offered = append(offered, string(m[1])+" "+string(m[2]))
	}
	want := []string{o.officer.User.ID + " canbo.x", leader.User.ID + " truong.x"}
	if diff := cmp.Diff(want, offered); diff != "" {
		t.Errorf("officials offered (-want +got), another ward's %s must not be:\n%s", other.User.ID, diff)
	}
	// The officer has no assign form, so no list either.
	if bytes.Contains(o.officerUI.do("GET", "/console/tickets/"+o.tk.ID, nil).body, []byte(`name="officer"`)) {
		t.Error("an officer's page offers the assign form")
	}
	leaderUI.act(o.tk.ID, 2, "assign", url.Values{"officer": {leader.User.ID}}).expect(t, http.StatusSeeOther)
	if cur := getTicket(t, o.s, leader.AccessToken, o.tk.ID); cur.AssignedTo != leader.User.ID || cur.Version != 3 {
		t.Fatalf("after assign: assigned to %q, v%d", cur.AssignedTo, cur.Version)
	}
	page = leaderUI.do("GET", "/console/tickets/"+o.tk.ID, nil).expect(t, http.StatusOK)
	if !bytes.Contains(page.body, []byte(`<option value="`+leader.User.ID+`" selected>`)) {
		t.Error("the assign form does not show the current assignee")
	}
}

// roles checks which console pages each principal may open, and that a bearer token is no
// console session.
func (o *consoleFixture) roles(t *testing.T) {
	tokens := map[string]string{"resident": o.resident.AccessToken, "officer X": o.officer.AccessToken, "ioc viewer": o.ioc.AccessToken,
		"officer Y": o.s.createOfficial("officer", "canbo.y2", unitOf(o.y.code, "ubnd")).AccessToken,
		"leader X":  o.s.createOfficial("leader", "lanhdao.x", unitOf(o.x.code, "ubnd")).AccessToken,
		"admin":     o.s.createOfficial("admin", "quantri", "").AccessToken,
		"garbage":   "not-a-token", "anonymous": ""}
	ticket := "/console/tickets/" + o.tk.ID
	want := map[string]map[string]int{ // principal → page → status
		"resident":   {"/console/queue": 403, "/console/dashboard": 403, ticket: 403},
		"officer X":  {"/console/queue": 200, "/console/dashboard": 403, ticket: 200},
		"officer Y":  {"/console/queue": 200, "/console/dashboard": 403, ticket: 404},
		"leader X":   {"/console/queue": 200, "/console/dashboard": 403, ticket: 200},
		"ioc viewer": {"/console/queue": 200, "/console/dashboard": 200, ticket: 200},
		"admin":      {"/console/queue": 200, "/console/dashboard": 200, ticket: 200},
		"garbage":    {"/console/queue": 303, "/console/dashboard": 303, ticket: 303},
		"anonymous":  {"/console/queue": 303, "/console/dashboard": 303, ticket: 303},
	}
	for who, pages := range want {
		for page, status := range pages {
			cc := newConsoleClient(t, o.s)
			if tokens[who] != "" {
				cc.setCookie("phananh_console", tokens[who])
			}
			if r := cc.do("GET", page, nil); r.status != status {
				t.Errorf("%s GET %s: %d, want %d", who, page, r.status, status)
			}
		}
	}
	// A bearer token is not a console session: the console reads only its cookie.
	req, _ := http.NewRequest("GET", o.s.base+"/console/queue", nil)
	req.Header.Set("Authorization", "Bearer "+o.officer.AccessToken)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("bearer token on the console: %d, want 303 to sign-in", resp.StatusCode)
	}
}

// refreshAndLogout checks that an expired access token is refreshed once, and that logout ends
// the session, in the API too.
func (o *consoleFixture) refreshAndLogout(t *testing.T) {
	cc := newConsoleClient(t, o.s)
	cc.signIn("canbo.x")
	refresh := cc.cookie("phananh_console_refresh")
	cc.setCookie("phananh_console", "expired")
	cc.do("GET", "/console/queue", nil).expect(t, http.StatusOK)
	if cc.cookie("phananh_console_refresh") == refresh || cc.cookie("phananh_console") == "expired" {
		t.Fatal("the session was not rotated")
	}
	current := cc.cookie("phananh_console_refresh")
	cc.do("POST", "/console/logout", url.Values{"csrf": {cc.cookie("phananh_csrf")}}).expect(t, http.StatusSeeOther)
	cc.do("GET", "/console/queue", nil).expect(t, http.StatusSeeOther)
	// The refresh token of the ended session no longer works through the API either.
	r := o.s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": current})
	r.expect(t, http.StatusUnauthorized)
}

// staticAndLanguage checks the static files and the choice of language.
func (o *consoleFixture) staticAndLanguage(t *testing.T) {
	r := o.anon.do("GET", "/console/static/console.js", nil).expect(t, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("console.js Content-Type %q", ct)
	}
	o.anon.do("GET", "/console/static/nope.js", nil).expect(t, http.StatusNotFound)
	if r := o.officerUI.do("GET", "/console/queue", nil); !bytes.Contains(r.body, []byte("Hàng đợi phản ánh")) {
		t.Error("the queue is not in Vietnamese by default")
	}
	if r := o.officerUI.do("GET", "/console/queue?lang=en", nil); !bytes.Contains(r.body, []byte("Ticket queue")) {
		t.Error("lang=en does not switch to English")
	}
	if r := o.officerUI.do("GET", "/console/queue", nil); !bytes.Contains(r.body, []byte("Ticket queue")) {
		t.Error("the language choice is not remembered")
	}
}

// chromiumPath finds a Chromium or Chrome binary: PHANANH_CHROMIUM, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("PHANANH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where browser tests save screenshots: PHANANH_SCREENSHOTS (relative to the
// module root, e.g. docs/screenshots for the README's pictures) or a temporary directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("PHANANH_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // go test runs in tests/
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts headless chromium and returns a context for chromedp actions; it skips the
// test when no chromium can be found.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no chromium binary found (install Debian's chromium, or set PHANANH_CHROMIUM): browser test skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1366, 900), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "vi-VN"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout here, it would stop it
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return ctx
}

// browserWait bounds each browser step, so a missing element fails the test instead of hanging.
const browserWait = time.Minute

// inBrowser runs steps in the tab, failing the test with what was being done.
func inBrowser(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// fromBrowser runs one action that returns a value.
func fromBrowser[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// browserUntil waits until a JavaScript condition holds in the tab, across navigations (an
// evaluation interrupted by one is tried again).
func browserUntil(t *testing.T, ctx context.Context, what, condition string) {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	for time.Now().Before(deadline) {
		step, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(step, chromedp.Evaluate[bool](condition))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("browser: %s: %s did not hold within %s", what, condition, browserWait)
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	buf := fromBrowser(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", filepath.Join(dir, name), len(buf))
}

// photo writes a small PNG, as a phone camera's picture would be uploaded.
func photo(t *testing.T) string {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 320), uint8(120 + y/4), 90, 255})
		}
	}
	path := filepath.Join(t.TempDir(), "ket-qua.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// areaNamed finds a ward by name (the README's Mỹ Bình), else the first.
func areaNamed(set *geo.BoundarySet, name string) wardPoint {
	for i, a := range set.Areas() {
		if a.Name == name {
			return ward(set, i)
		}
	}
	return ward(set, 0)
}

func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	shots := screenshotDir(t)
	set := loadSet(t, "longxuyen-2023")
	x := areaNamed(set, "Mỹ Bình")
	other := ward(set, 3)
	s := startServer(t, storeKind{name: "sqlite"})
	resident := s.signInResident("0912345678")
	neighbour := s.signInResident("0912345679")
	police := unitOf(x.code, "cong_an")
	officer := s.createOfficial("officer", "canbo.mybinh", police)
	s.createOfficial("ioc_operator", "ioc.dieuhanh", "")

	// The unit's queue: a few reports in several states, one of them the one processed below.
	tk := fileTicket(t, s, resident.AccessToken, wfReport("ANTT.01", x, "Nhóm thanh niên đánh nhau trước quán karaoke trên đường Hai Bà Trưng.", true))
	filed := 1 + fileNeighbourReports(t, s, set, x, other, neighbour.AccessToken, officer.AccessToken)

	base := s.base
	inBrowser(t, ctx, "sign in",
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "canbo.mybinh"),
		chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue`)),
	)
	rows := fromBrowser(t, ctx, "count queue rows", chromedp.Evaluate[int](`document.querySelectorAll('#queue tbody tr').length`))
	if rows != 4 {
		t.Errorf("the officer's queue shows %d tickets, want the unit's 4", rows)
	}
	screenshot(t, ctx, shots, "queue.png")

	const result = "Công an phường đã giải tán nhóm thanh niên, lập biên bản vi phạm hành chính."
	shown := resolveInBrowser(t, ctx, s, shots, officer.AccessToken, tk, result)
	residentSeesResult(t, s, resident.AccessToken, tk.ID, result, shown[0])
	checkDashboard(t, ctx, s, shots, len(set.Areas()), filed)

	// English on request.
	inBrowser(t, ctx, "switch to English", chromedp.Click(chromedp.CSS(`a.lang`)), chromedp.WaitVisible(chromedp.CSS(`#ward-map svg`)))
	title := fromBrowser(t, ctx, "read the title", chromedp.Text(chromedp.CSS(`h1`)))
	if !strings.Contains(title, "IOC dashboard") {
		t.Errorf("English dashboard title %q", title)
	}
}

// fileNeighbourReports has the neighbour file three more reports for the police of ward x (the
// officer accepts the first), one in ward other, and eight in other wards, so the IOC map has
// something to colour. It returns the number of reports filed.
func fileNeighbourReports(t *testing.T, s *server, set *geo.BoundarySet, x, other wardPoint, neighbour, officer string) int {
	t.Helper()
	for i, d := range []struct{ cat, text string }{
		{"ANTT.04", "Quán karaoke mở nhạc lớn sau 23 giờ, ảnh hưởng khu dân cư."},
		{"ANTT.02", "Nhóm thanh niên đua xe, nẹt pô trên đường Trần Hưng Đạo lúc nửa đêm."},
		{"ANTT.03", "Xe máy bị mất trộm trước chợ Mỹ Bình lúc sáng sớm."},
	} {
		body := wfReport(d.cat, offsetNorth(x, float64(40*(i+1))), d.text, false)
		filed := fileTicket(t, s, neighbour, body)
		if i == 0 {
			step(t, s, officer, filed, "accept", nil, "assigned")
		}
	}
	fileTicket(t, s, neighbour, wfReport("TTDT", other, "Lấn chiếm vỉa hè bán hàng rong.", false))
	// Reports in other wards, so the IOC map has something to colour.
	filed := 4
	for i, n := range []int{3, 2, 2, 1} {
		for k := 0; k < n; k++ {
			w := offsetEast(ward(set, 5+2*i), float64(30*k))
			fileTicket(t, s, neighbour, wfReport("TTDT", w, fmt.Sprintf("Rác thải ùn ứ, lấn chiếm lòng đường (%d).", k+1), false))
			filed++
		}
	}
	return filed
}

// resolveInBrowser has the signed-in officer (token) open tk in the console, meet a conflict
// after a colleague's note, accept, start and resolve it with result and a photo; it returns
// the media ids of the result photos the page shows loaded.
func resolveInBrowser(t *testing.T, ctx context.Context, s *server, shots, officer string, tk wfTicket, result string) []string {
	t.Helper()
	// Open the ticket; meanwhile a colleague writes a note through the API, so the page's
	// version is stale and the first click meets a conflict, shown plainly.
	inBrowser(t, ctx, "open the ticket",
		chromedp.Click(chromedp.CSS(`tr[data-id="`+tk.ID+`"] a.ticket-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#form-accept`)),
	)
	step(t, s, officer, tk, "note", fields{"note": "Đã liên hệ tổ dân phố.", "visibility": "internal"}, "received")
	inBrowser(t, ctx, "accept on a stale page",
		chromedp.Click(chromedp.CSS(`#act-accept`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash.conflict`)),
	)
	banner := fromBrowser(t, ctx, "read the banner", chromedp.Text(chromedp.CSS(`#flash`)))
	if !strings.Contains(banner, "Người khác đã thao tác") {
		t.Errorf("conflict banner %q", banner)
	}
	state := func() string {
		return fromBrowser(t, ctx, "read state", chromedp.AttributeValue(chromedp.CSS(`#ticket-state`), "data-state")).Value
	}
	inBrowser(t, ctx, "accept again", chromedp.Click(chromedp.CSS(`#act-accept`)), chromedp.WaitVisible(chromedp.CSS(`#ticket-state[data-state="assigned"]`)))
	if st := state(); st != "assigned" {
		t.Fatalf("after accept the page shows %q", st)
	}
	inBrowser(t, ctx, "start", chromedp.Click(chromedp.CSS(`#act-start`)), chromedp.WaitVisible(chromedp.CSS(`#ticket-state[data-state="in_progress"]`)))
	if st := state(); st != "in_progress" {
		t.Fatalf("after start the page shows %q", st)
	}
	inBrowser(t, ctx, "resolve with a photo",
		chromedp.SetValue(chromedp.CSS(`#resolve-outcome`), "fixed"),
		chromedp.SendKeys(chromedp.CSS(`#note-resolve`), result),
		chromedp.SetUploadFiles(chromedp.CSS(`#resolve-photos`), []string{photo(t)}),
		chromedp.Click(chromedp.CSS(`#act-resolve`)),
		chromedp.WaitVisible(chromedp.CSS(`#result-photos img`)),
	)
	if st := state(); st != "resolved" {
		t.Fatalf("after resolve the page shows %q", st)
	}
	screenshot(t, ctx, shots, "ticket.png")
	shown := fromBrowser(t, ctx, "the result photo", chromedp.Evaluate[[]string](`new Promise(done => {
		const imgs = [...document.querySelectorAll('#result-photos img')];
		const check = () => imgs.every(i => i.complete) ? done(imgs.filter(i => i.naturalWidth > 0).map(i => i.dataset.media)) : setTimeout(check, 50);
		check();
	})`, chromedp.EvalAwaitPromise))
	if len(shown) != 1 {
		t.Fatalf("the ticket page shows %d loaded result photos, want 1", len(shown))
	}
	return shown
}

// residentSeesResult checks the reporter's view of the resolved ticket id through the API:
// state, outcome, result note, public history only, and the result photo.
func residentSeesResult(t *testing.T, s *server, resident, id, result, photo string) {
	t.Helper()
	// The resident sees the result through the API: state, outcome, note, public history only.
	mine := getTicket(t, s, resident, id)
	if mine.State != "resolved" || mine.Outcome != "fixed" || mine.ResultNote != result {
		t.Errorf("resident sees %s %s %q", mine.State, mine.Outcome, mine.ResultNote)
	}
	if got := strings.Join(mine.actions(), ","); got != "submit,accept,start,resolve" {
		t.Errorf("resident's history %s, want submit,accept,start,resolve (the internal note hidden)", got)
	}
	onlyPublic(t, "reporter", mine)
	// …and the result photo, shrunk in the browser and re-encoded by the server.
	r := s.request(t, "GET", "/v1/media/"+photo+"?size=thumb", resident, nil).expect(t, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("result photo thumb Content-Type %q", ct)
	}
}

// checkDashboard signs out and in as the IOC operator and checks the dashboard: the same figures
// as the statistics API (filed reports received) and one map area per ward (areas in the set).
func checkDashboard(t *testing.T, ctx context.Context, s *server, shots string, areas, filed int) {
	t.Helper()
	// The IOC dashboard: the same figures as the statistics API, and one map area per ward.
	inBrowser(t, ctx, "sign out and in as the IOC",
		chromedp.Click(chromedp.CSS(`#logout`)),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "ioc.dieuhanh"),
		chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#ward-map svg`)),
	)
	type dashboardPage struct {
		From, To string
		Figures  map[string]string
		Areas    map[string]string
	}
	page := fromBrowser(t, ctx, "read the dashboard", chromedp.Evaluate[dashboardPage](`(() => {
		const d = document.getElementById('dash');
		const figures = {}, areas = {};
		document.querySelectorAll('dd[data-value]').forEach(e => figures[e.id.slice(4)] = e.dataset.value);
		document.querySelectorAll('#ward-map path.area').forEach(e => areas[e.dataset.code] = e.dataset.value);
		return {From: d.dataset.from, To: d.dataset.to, Figures: figures, Areas: areas};
	})()`))
	ioc := s.createOfficial("ioc_viewer", "ioc.xem", "")
	var summary struct{ Figures map[string]any }
	s.request(t, "GET", "/v1/stats/summary?from="+page.From+"&to="+page.To, ioc.AccessToken, nil).expect(t, http.StatusOK).json(t, &summary)
	for _, m := range []string{"received", "backlog", "resolved", "overdue"} {
		if want := fmt.Sprint(summary.Figures[m]); page.Figures[m] != want {
			t.Errorf("dashboard %s = %q, API %s", m, page.Figures[m], want)
		}
	}
	if page.Figures["received"] != fmt.Sprint(filed) {
		t.Errorf("dashboard received %q, want the %d filed", page.Figures["received"], filed)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	s.request(t, "GET", "/v1/stats/areas.geojson?from="+page.From+"&to="+page.To, ioc.AccessToken, nil).expect(t, http.StatusOK).json(t, &fc)
	if len(page.Areas) != len(fc.Features) || len(fc.Features) != areas {
		t.Errorf("map has %d areas, the API %d, the boundary set %d", len(page.Areas), len(fc.Features), areas)
	}
	for _, f := range fc.Features {
		code := fmt.Sprint(f.Properties["code"])
		if want := fmt.Sprint(f.Properties["backlog"]); page.Areas[code] != want {
			t.Errorf("map area %s backlog %q, API %s", code, page.Areas[code], want)
		}
	}
	screenshot(t, ctx, shots, "dashboard.png")
	checkDashboardFilter(t, ctx, s, ioc.AccessToken, page.From, page.To, page.Figures["received"])
}

// checkDashboardFilter checks the hotspot layer over the ward map, then chooses a category group
// in the dashboard's form: the figures become the statistics API's for that group, fewer than all
// of them.
func checkDashboardFilter(t *testing.T, ctx context.Context, s *server, token, from, to, all string) {
	t.Helper()
	// The hotspot layer (500 m cells by default) draws the cells of /v1/stats/hotspots.
	drawn := fromBrowser(t, ctx, "read the hotspot layer", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#ward-map rect.hotspot')).map(r => r.dataset.count)`))
	var hot struct{ Cells []struct{ Count int } }
	s.request(t, "GET", "/v1/stats/hotspots?from="+from+"&to="+to, token, nil).expect(t, http.StatusOK).json(t, &hot)
	if len(drawn) == 0 || len(drawn) != len(hot.Cells) {
		t.Errorf("the map draws %d hotspot cells, the API has %d (want some)", len(drawn), len(hot.Cells))
	}
	for i := range min(len(drawn), len(hot.Cells)) {
		if drawn[i] != fmt.Sprint(hot.Cells[i].Count) {
			t.Errorf("hotspot cell %d drawn with %s reports, the API %d", i, drawn[i], hot.Cells[i].Count)
		}
	}
	inBrowser(t, ctx, "filter the dashboard by category group",
		chromedp.SetValue(chromedp.CSS(`#f-group`), "do_thi"),
		chromedp.Click(chromedp.CSS(`#dash-apply`)),
		chromedp.WaitVisible(chromedp.CSS(`#dash[data-group="do_thi"] #ward-map svg`)),
	)
	shown := fromBrowser(t, ctx, "read the filtered figures", chromedp.Evaluate[map[string]string](`(() => {
		const figures = {};
		document.querySelectorAll('#dash dd[data-value]').forEach(e => figures[e.id.slice(4)] = e.dataset.value);
		return figures;
	})()`))
	var summary struct{ Figures map[string]any }
	s.request(t, "GET", "/v1/stats/summary?group=do_thi&from="+from+"&to="+to, token, nil).expect(t, http.StatusOK).json(t, &summary)
	for _, m := range []string{"received", "backlog", "resolved", "overdue"} {
		if want := fmt.Sprint(summary.Figures[m]); shown[m] != want {
			t.Errorf("dashboard of do_thi: %s = %q, API %s", m, shown[m], want)
		}
	}
	if shown["received"] == all || shown["received"] == "0" {
		t.Errorf("dashboard of do_thi: received %q, want some but fewer than all %s", shown["received"], all)
	}
}

// TestConsoleFirstAdminChangesPassword: the first administrator signing in to the console with
// the one-time password is sent to the password page from every page, cannot post anything
// else, changes it there (a wrong current password is refused on the page), is signed out, and
// signs in with the new password to the dashboard.
func TestConsoleFirstAdminChangesPassword(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	oneTime := s.adminPassword(t)
	cc := newConsoleClient(t, s)
	cc.do("GET", "/console/login", nil).expect(t, http.StatusOK)
	csrf := func() string { return cc.cookie("phananh_csrf") }
	r := cc.do("POST", "/console/login", url.Values{"csrf": {csrf()}, "username": {"admin"}, "password": {oneTime}}).expect(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/console/password" {
		t.Fatalf("signed in with the one-time password, sent to %q", loc)
	}
	for _, page := range []string{"/console/dashboard", "/console/queue"} {
		if loc := cc.do("GET", page, nil).expect(t, http.StatusSeeOther).header.Get("Location"); loc != "/console/password" {
			t.Errorf("GET %s sent to %q, want the password page", page, loc)
		}
	}
	cc.do("POST", "/console/tickets/x/actions", url.Values{"csrf": {csrf()}, "action": {"note"}}).expect(t, http.StatusForbidden)
	page := cc.do("GET", "/console/password", nil).expect(t, http.StatusOK)
	noInlineScript(t, "password", page.body)

	const newPass = "mật khẩu mới của quản trị"
	wrong := cc.do("POST", "/console/password", url.Values{"csrf": {csrf()}, "current_password": {"not it"}, "new_password": {newPass}})
	if wrong.status != http.StatusForbidden || !strings.Contains(string(wrong.body), "password-form") {
		t.Errorf("a wrong current password: status %d, want 403 with the form again", wrong.status)
	}
	r = cc.do("POST", "/console/password", url.Values{"csrf": {csrf()}, "current_password": {oneTime}, "new_password": {newPass}}).expect(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/console/login?changed=1" {
		t.Errorf("after the change, sent to %q", loc)
	}
	if cc.cookie("phananh_console") != "" {
		t.Error("the session cookie survived the password change")
	}
	cc.do("GET", "/console/login?changed=1", nil).expect(t, http.StatusOK)
	r = cc.do("POST", "/console/login", url.Values{"csrf": {csrf()}, "username": {"admin"}, "password": {newPass}}).expect(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/console/dashboard" {
		t.Errorf("signed in with the new password, sent to %q", loc)
	}
	cc.do("GET", "/console/dashboard", nil).expect(t, http.StatusOK)
}
