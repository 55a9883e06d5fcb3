package tests

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"phananh/app"
	"phananh/store/mongodb"
	"phananh/store/sqlite"
)

// Black-box tests of the transport and deployment defaults: export streams inside the load
// limits, forwarded headers believed only from trusted proxies, the caching and security headers,
// and what a production start refuses and creates on disk.

// storeOf opens the running server's store directly, to write many tickets at once.
func storeOf(t *testing.T, s *server) app.Store {
	t.Helper()
	var st app.Store
	var err error
	if uri := envValue(s.env, "MONGODB_URI"); uri != "" {
		st, err = mongodb.Open(t.Context(), uri, envValue(s.env, "MONGODB_DATABASE"))
	} else {
		st, err = sqlite.Open(t.Context(), filepath.Join(envValue(s.env, "DATA_DIR"), "phananh.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// heldDownload is a GET whose answer the client has begun and stopped reading.
type heldDownload struct {
	conn net.Conn
	resp *http.Response
}

// holdDownload asks for path on a connection whose receive buffer is a few kilobytes and reads
// only the status and headers. An export many times larger than every buffer on the way (the
// socket's, the kernel's, fasthttp's pipe) then stays unfinished, its writes blocked, until the
// test reads the rest or closes the connection.
func holdDownload(t *testing.T, s *server, path string) heldDownload {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 4096), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("held download of %s: status %d", path, resp.StatusCode)
	}
	return heldDownload{conn, resp}
}

// finish reads the rest of the download and returns its size.
func (h heldDownload) finish(t *testing.T) int64 {
	t.Helper()
	n, err := io.Copy(io.Discard, h.resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h.resp.Body.Close()
	return n
}

// TestExportStreamsHoldTheirSlots: an export is streamed after its handler returns, for as long
// as the client reads. With MAX_IN_FLIGHT=2 and EXPORT_MAX_CONCURRENT=1, one slow anonymous
// download must keep both an export slot (a second export is refused with 503 and Retry-After)
// and an in-flight slot (one more slow request makes the server busy), and give both back when
// it is read to its end or when its client goes away.
func TestExportStreamsHoldTheirSlots(t *testing.T) {
	t.Parallel()
	w := ward(loadSet(t, "longxuyen-2023"), 0)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "MAX_IN_FLIGHT=2", "EXPORT_MAX_CONCURRENT=1", "READ_TIMEOUT=60s", "WRITE_TIMEOUT=120s", "METRICS_ADDR=127.0.0.1:0")
		// 600 tickets of 7 KB: a 4 MB export, ten times what the buffers between a stalled
		// client and the store's scan hold.
		insertTickets(t, storeOf(t, s), w, 0, 600, strings.Repeat("Rác thải đổ trộm ven kênh. ", 200))
		const export = "/v1/opendata/tickets.csv"

		held := holdDownload(t, s, export)
		r := s.request(t, "GET", "/v1/opendata/tickets.geojson", "", nil)
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "30" || r.apiError(t).Error.Code != "unavailable" {
			t.Fatalf("a second export while one streams: status %d, Retry-After %q, body %.200s; want 503, 30, unavailable",
				r.status, r.header.Get("Retry-After"), r.body)
		}
		// One in-flight slot is free: other requests are served.
		s.request(t, "GET", "/v1/categories", "", nil).expect(t, http.StatusOK)

		// A sign-in whose body arrives half takes the other slot (as in TestBusyServerSheds).
		// Nothing else is sent until the server reads its head: a request in between could take
		// the slot first and have the sign-in shed. The metrics count requests until their status,
		// so the export (whose status is sent) is not among them: one is the sign-in.
		conn, rest := halfSentSignIn(t, strings.TrimPrefix(s.base, "http://"), "0988100001")
		waitInFlight(t, s, 1)
		if r := s.request(t, "GET", "/v1/categories", "", nil); r.status != http.StatusServiceUnavailable {
			t.Fatalf("with the export and the slow sign-in in flight: status %d, want 503", r.status)
		}
		s.request(t, "GET", "/healthz", "", nil).expect(t, http.StatusOK)

		if _, err := io.WriteString(conn, rest); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("slow sign-in: status %d, want 202", resp.StatusCode)
		}
		full := held.finish(t)
		if full < 4<<20 {
			t.Fatalf("the export is %d bytes; the test needs it far larger than the buffers", full)
		}
		// The stream gave its slots back before its last chunk was sent: no waiting. The
		// download itself may be slow (FerretDB under the race detector on a busy machine), so
		// it gets a client without the usual 30 s limit: what is checked is its size, not its speed.
		s.request(t, "GET", "/v1/categories", "", nil).expect(t, http.StatusOK)
		if got := unhurried(s).request(t, "GET", export, "", nil).expect(t, http.StatusOK); int64(len(got.body)) != full {
			t.Errorf("export after the slow one: %d bytes, want %d", len(got.body), full)
		}

		// A client that goes away mid-download frees the export's slots too.
		gone := holdDownload(t, s, export)
		gone.conn.Close()
		waitFor(t, "the abandoned export to give its slots back", 20*time.Second, func() bool {
			return exportStatus(t, s, export) == http.StatusOK
		})
	})
}

// unhurried returns a copy of s whose requests have no time limit of their own (the test's
// timeout still bounds them), for downloads whose speed is not what a test checks.
func unhurried(s *server) *server {
	v := *s
	v.client = &http.Client{}
	return &v
}

// exportStatus starts a download of path and returns its status without reading the body: the
// status alone says whether the export got its slots.
func exportStatus(t *testing.T, s *server, path string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// viaAddress returns a copy of s whose requests leave from the loopback address ip (the whole
// 127.0.0.0/8 is local), so one server can be reached from a trusted proxy and from anyone.
func viaAddress(s *server, ip string) *server {
	v := *s
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	v.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	return &v
}

// forwardCase is one request of TestForwardedHeadersNeedTrustedProxy: from which loopback
// address, with which headers, and the base URL and cookie Secure flag the answers must show.
type forwardCase struct {
	name, from string
	headers    []string
	base       string // "" is the server's own address, as the client dialled it
	secure     bool
}

// TestForwardedHeadersNeedTrustedProxy: X-Forwarded-Host and X-Forwarded-Proto decide the
// Open311 discovery URL, media_url and the console cookies' Secure flag only when they come from
// TRUSTED_PROXIES; PUBLIC_BASE_URL, when set, decides alone.
func TestForwardedHeadersNeedTrustedProxy(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 0)
	spoof := []string{"X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https"}
	const public = "https://phananh.example.gov.vn"
	eachStore(t, func(t *testing.T, st storeKind) {
		for _, srv := range []struct {
			name  string
			env   []string
			cases []forwardCase
		}{
			{"trusted proxy 127.0.0.2", []string{"TRUSTED_PROXIES=127.0.0.2"}, []forwardCase{
				{"anyone, spoofing", "127.0.0.1", spoof, "", false},
				{"the proxy, forwarding", "127.0.0.2", spoof, "https://evil.example", true},
				{"the proxy, plain", "127.0.0.2", nil, "", false},
			}},
			{"public base URL", []string{"TRUSTED_PROXIES=127.0.0.2", "PUBLIC_BASE_URL=" + public + "/"}, []forwardCase{
				{"anyone, spoofing", "127.0.0.1", spoof, public, true},
				{"the proxy, forwarding", "127.0.0.2", spoof, public, true},
			}},
		} {
			t.Run(srv.name, func(t *testing.T) {
				s := startServer(t, st, srv.env...)
				res := s.signInResident("0912700001")
				photo := s.uploadOK(t, res.AccessToken, phoneJPEG(t, 50))
				body := wfReport("TTDT", x, "Lấn chiếm vỉa hè, có ảnh.", false)
				body["media"] = []string{photo.ID}
				tk := fileTicket(t, s, res.AccessToken, body)
				for _, tc := range srv.cases {
					t.Run(tc.name, func(t *testing.T) {
						c := viaAddress(s, tc.from)
						base := tc.base
						if base == "" {
							base = s.base
						}
						var disc struct {
							Endpoints []struct{ URL string }
						}
						d := c.request(t, "GET", "/open311/v2/discovery.json", "", nil, tc.headers...).expect(t, http.StatusOK)
						d.json(t, &disc)
						if len(disc.Endpoints) != 1 || disc.Endpoints[0].URL != base+"/open311/v2" {
							t.Errorf("discovery endpoints %+v, want %s/open311/v2", disc.Endpoints, base)
						}
						var reqs []struct {
							MediaURL string `json:"media_url"`
						}
						q := c.request(t, "GET", "/open311/v2/requests/"+tk.ID+".json", "", nil, tc.headers...).expect(t, http.StatusOK)
						q.json(t, &reqs)
						if want := base + "/v1/media/" + photo.ID + "?size=large"; len(reqs) != 1 || reqs[0].MediaURL != want {
							t.Errorf("requests %+v, want media_url %s", reqs, want)
						}
						page := c.request(t, "GET", "/console/login", "", nil, tc.headers...).expect(t, http.StatusOK)
						cookies := (&http.Response{Header: page.header}).Cookies()
						if len(cookies) == 0 {
							t.Fatal("the sign-in page set no cookie")
						}
						for _, ck := range cookies {
							if ck.Secure != tc.secure {
								t.Errorf("cookie %s Secure=%v, want %v", ck.Name, ck.Secure, tc.secure)
							}
						}
						if base == "https://evil.example" {
							return
						}
						for _, r := range []response{d, q, page} {
							for k, vs := range r.header {
								if strings.Contains(strings.Join(vs, " "), "evil.example") {
									t.Errorf("header %s: %q carries the spoofed host", k, vs)
								}
							}
							if bytes.Contains(r.body, []byte("evil.example")) {
								t.Errorf("body carries the spoofed host: %.300s", r.body)
							}
						}
					})
				}
			})
		}
	})
}

// TestSecurityHeaders: every answer says nosniff and, with HSTS_MAX_AGE, Strict-Transport-
// Security; token answers, console pages and every answer to a caller who sent credentials are
// no-store, except images of public tickets read as anyone could, which stay cacheable;
// anonymous public reads keep their own caching.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 0)
	const hsts = "max-age=31536000; includeSubDomains"
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "HSTS_MAX_AGE=31536000")
		phone := "0912700101"
		s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": phone}).expect(t, http.StatusAccepted)
		verify := s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]any{"phone": phone, "code": s.sms.code("+84912700101"), "accept_privacy_version": 1}).expect(t, http.StatusOK)
		var res tokens
		verify.json(t, &res)
		refresh := s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": res.RefreshToken}).expect(t, http.StatusOK)
		other := s.signInResident("0912700102")
		officer := s.createOfficial("officer", "headers.officer", unitOf(x.code, "ubnd"))
		login := s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "headers.officer", "password": consolePassword}).expect(t, http.StatusOK)

		private := s.uploadOK(t, res.AccessToken, phoneJPEG(t, 60))
		body := wfReport("ANTT.01", x, "Đánh nhau trước quán, có ảnh.", false) // a private category
		body["media"] = []string{private.ID}
		fileTicket(t, s, res.AccessToken, body)
		public := s.uploadOK(t, res.AccessToken, phoneJPEG(t, 61))
		body = wfReport("TTDT", x, "Lấn chiếm vỉa hè, có ảnh.", false)
		body["media"] = []string{public.ID}
		tk := fileTicket(t, s, res.AccessToken, body)

		cc := newConsoleClient(t, s)
		cc.signIn("headers.officer")

		get := func(path, token string) response { return s.request(t, "GET", path, token, nil) }
		for _, tc := range []struct {
			name  string
			r     response
			cache string // the Cache-Control wanted
		}{
			{"POST /v1/auth/otp/verify", verify, "no-store"},
			{"POST /v1/auth/refresh", refresh, "no-store"},
			{"POST /v1/auth/login", login, "no-store"},
			{"GET /v1/me", get("/v1/me", res.AccessToken).expect(t, http.StatusOK), "no-store"},
			{"GET /v1/me, bad token", get("/v1/me", "not-a-token").expect(t, http.StatusUnauthorized), "no-store"},
			{"GET /v1/tickets?mine=true", get("/v1/tickets?mine=true", res.AccessToken).expect(t, http.StatusOK), "no-store"},
			{"GET /v1/tickets/{id}", get("/v1/tickets/"+tk.ID, res.AccessToken).expect(t, http.StatusOK), "no-store"},
			{"GET /v1/queue", get("/v1/queue", officer.AccessToken).expect(t, http.StatusOK), "no-store"},
			{"GET /v1/categories, signed in", get("/v1/categories", res.AccessToken).expect(t, http.StatusOK), "no-store"},
			{"GET /v1/media private photo", get("/v1/media/"+private.ID, res.AccessToken).expect(t, http.StatusOK), "no-store"},
			{"GET /v1/media public photo, its reporter", get("/v1/media/"+public.ID, res.AccessToken).expect(t, http.StatusOK), "no-store"},
			{"GET /v1/media public photo, another resident", get("/v1/media/"+public.ID, other.AccessToken).expect(t, http.StatusOK), "public, max-age=3600"},
			{"GET /v1/media public photo, anonymous", get("/v1/media/"+public.ID, "").expect(t, http.StatusOK), "public, max-age=3600"},
			{"GET /v1/categories, anonymous", get("/v1/categories", "").expect(t, http.StatusOK), ""},
			{"GET /v1/areas, anonymous", get("/v1/areas", "").expect(t, http.StatusOK), ""},
			{"GET /openapi.json", get("/openapi.json", "").expect(t, http.StatusOK), ""},
			{"GET /no/such/route", get("/no/such/route", "").expect(t, http.StatusNotFound), ""},
			{"GET /console/login", cc.do("GET", "/console/login", nil).expect(t, http.StatusOK), "no-store"},
			{"GET /console/queue", cc.do("GET", "/console/queue", nil).expect(t, http.StatusOK), "no-store"},
			{"GET /console/static/console.css", cc.do("GET", "/console/static/console.css", nil).expect(t, http.StatusOK), "public, max-age=3600"},
		} {
			if got := tc.r.header.Get("Cache-Control"); got != tc.cache {
				t.Errorf("%s: Cache-Control %q, want %q", tc.name, got, tc.cache)
			}
			if got := tc.r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options %q, want nosniff", tc.name, got)
			}
			if got := tc.r.header.Get("Strict-Transport-Security"); got != hsts {
				t.Errorf("%s: Strict-Transport-Security %q, want %q", tc.name, got, hsts)
			}
		}
	})
	// HSTS is off by default: a server reached over plain HTTP cannot know it is ever on HTTPS.
	s := startServer(t, storeKind{name: "sqlite"})
	r := s.request(t, "GET", "/v1/categories", "", nil).expect(t, http.StatusOK)
	if got := r.header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("Strict-Transport-Security %q without HSTS_MAX_AGE", got)
	}
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
}

// TestProductionRefusesLogSMS: with ENV=production the server will not start while sign-in codes
// would go to the log, and says which setting to change; with a gateway it starts.
func TestProductionRefusesLogSMS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		env     []string
		message string
	}{
		{"SMS_DRIVER unset", []string{"ENV=production"}, "ENV=production needs SMS_DRIVER=http"},
		{"SMS_DRIVER=log", []string{"ENV=production", "SMS_DRIVER=log"}, "ENV=production needs SMS_DRIVER=http"},
		{"unknown ENV", []string{"ENV=prod"}, `ENV must be development or production, not "prod"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refusedStart(t, tc.message, tc.env...)
		})
	}
	// startServer configures an SMS gateway (SMS_DRIVER=http).
	s := startServer(t, storeKind{name: "sqlite"}, "ENV=production")
	s.signInResident("0912700201")
	if strings.Contains(s.stderr.String(), "sign-in codes are written to this log") {
		t.Error("the log-driver warning with an SMS gateway configured")
	}
}

// TestDataDirOwnerOnly: a development start with no SMS settings warns that sign-in codes go to
// the log, and leaves the data directory, the database and the media directories to the
// server's account only, tightening what an earlier version created open to others.
func TestDataDirOwnerOnly(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		dir := filepath.Join(t.TempDir(), "data")
		open := []string{dir}
		if st.mongo == nil {
			open = append(open, filepath.Join(dir, "media"))
		}
		for _, d := range open {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(d, 0o755); err != nil { // whatever the umask
				t.Fatal(err)
			}
		}
		if st.mongo == nil {
			// An empty file is an empty SQLite database, created open by an earlier version.
			if err := os.WriteFile(filepath.Join(dir, "phananh.db"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(dir, "phananh.db"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s := startServer(t, st, "DATA_DIR="+dir, "SMS_DRIVER=")
		if !strings.Contains(s.stderr.String(), `"level":"WARN","msg":"SMS_DRIVER=log: sign-in codes are written to this log; set SMS_DRIVER=http for production"`) {
			t.Errorf("no warning about the log SMS driver:\n%s", tail(s.stderr.String(), 20))
		}
		want := map[string]os.FileMode{
			dir:                                   0o700,
			filepath.Join(dir, "jwt-ed25519.pem"): 0o600,
			filepath.Join(dir, "media-staging"):   0o700,
		}
		if st.mongo == nil {
			for name, mode := range map[string]os.FileMode{"phananh.db": 0o600, "phananh.db-wal": 0o600, "phananh.db-shm": 0o600,
				"media": 0o700, "media/tmp": 0o700} {
				want[filepath.Join(dir, name)] = mode
			}
		}
		for path, mode := range want {
			fi, err := os.Stat(path)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			if fi.Mode().Perm() != mode {
				t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
			}
		}
	})
}
