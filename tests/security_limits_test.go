package tests

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// relaxedRateLimits is what startServer runs with: other tests file hundreds of reports from one
// account and address. The tests below set RATE_LIMITS themselves (the last value wins).
const relaxedRateLimits = "action_user=1000000/1h,action_ip=1000000/1h,intake_user=1000000/1h,intake_ip=1000000/1h,login_ip=1000000/1h,upload_user=1000000/1h,upload_ip=1000000/1h,nearby_user=1000000/1h,nearby_ip=1000000/1h"

// sameStore is the environment that points a second server at the first one's store (and its
// signing key, which instances share).
func sameStore(s *server) []string {
	if uri := envValue(s.env, "MONGODB_URI"); uri != "" {
		return []string{"MONGODB_URI=" + uri, "MONGODB_DATABASE=" + envValue(s.env, "MONGODB_DATABASE"),
			"JWT_KEY_FILE=" + filepath.Join(s.dataDir, "jwt-ed25519.pem")}
	}
	return []string{"DATA_DIR=" + s.dataDir}
}

// tooMany checks a 429: JSON error rate_limited and a Retry-After of 1 s … max seconds.
func tooMany(t *testing.T, what string, r response, max int) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429; body %s", what, r.status, r.body)
	}
	if e := r.apiError(t); e.Error.Code != "rate_limited" {
		t.Errorf("%s: error %+v", what, e)
	}
	n, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || n < 1 || n > max {
		t.Errorf("%s: Retry-After %q, want 1…%d seconds", what, r.header.Get("Retry-After"), max)
	}
}

// TestRateLimitsAcrossInstances: the per-account intake limit and the per-address sign-in limit
// are counted in the store, so two servers on one store share them; X-Forwarded-For moves no
// one to a fresh counter unless the peer is a configured trusted proxy. Windows are a day long,
// so the counts cannot reset during the test (except across midnight UTC).
func TestRateLimitsAcrossInstances(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		limits := "RATE_LIMITS=intake_user=3/24h,login_ip=4/24h,action_user=4/24h"
		a := startServer(t, st, limits)
		b := startServer(t, st, append(sameStore(a), limits)...)
		r1 := a.signInResident("0944000001")
		r2 := a.signInResident("0944000002")
		body := report("TTDT", 10.386, 105.435) // public: other residents may follow it
		for _, s := range []*server{a, b, a} {
			s.request(t, "POST", "/v1/tickets", r1.AccessToken, body).expect(t, http.StatusCreated)
		}
		tooMany(t, "4th report on b", b.request(t, "POST", "/v1/tickets", r1.AccessToken, body), 24*3600)
		tooMany(t, "5th report on a", a.request(t, "POST", "/v1/tickets", r1.AccessToken, body), 24*3600)
		// Another resident has a counter of their own.
		b.request(t, "POST", "/v1/tickets", r2.AccessToken, body).expect(t, http.StatusCreated)
		var mine struct{ Tickets []ticket }
		a.request(t, "GET", "/v1/tickets?mine=true", r1.AccessToken, nil).expect(t, http.StatusOK).json(t, &mine)
		if len(mine.Tickets) != 3 {
			t.Errorf("resident 1 has %d tickets, want 3 (refused reports must not be stored)", len(mine.Tickets))
		}

		// Workflow actions: a script toggling follow is stopped at the limit, and the refused
		// action changes nothing.
		var tk, again wfTicket
		a.request(t, "GET", "/v1/tickets/"+mine.Tickets[0].ID, r1.AccessToken, nil).expect(t, http.StatusOK).json(t, &tk)
		for i, s := range []*server{a, b, a, b} {
			act(t, s, r2.AccessToken, tk.ID, tk.Version, []string{"follow", "unfollow"}[i%2], nil).expect(t, http.StatusOK).json(t, &tk)
		}
		tooMany(t, "5th action", a.request(t, "POST", "/v1/tickets/"+tk.ID+"/actions", r2.AccessToken, actBody("follow", tk.Version, nil)), 24*3600)
		if b.request(t, "GET", "/v1/tickets/"+tk.ID, r1.AccessToken, nil).expect(t, http.StatusOK).json(t, &again); again.Version != tk.Version {
			t.Errorf("a refused action changed the ticket: version %d → %d", tk.Version, again.Version)
		}

		// Password sign-in: four attempts per address, whichever instance answers.
		login := map[string]string{"username": "nobody", "password": "a guess of a password"}
		for i, s := range []*server{a, b, a, b} {
			if r := s.request(t, "POST", "/v1/auth/login", "", login); r.status != http.StatusUnauthorized {
				t.Fatalf("login %d: %d %s", i, r.status, r.body)
			}
		}
		tooMany(t, "5th login", a.request(t, "POST", "/v1/auth/login", "", login), 24*3600)
		tooMany(t, "5th login with X-Forwarded-For, no trusted proxy", b.request(t, "POST", "/v1/auth/login", "", login,
			"X-Forwarded-For: 203.0.113.7"), 24*3600)

		// Behind a trusted proxy (127.0.0.1 here) the client address comes from X-Forwarded-For,
		// read from the right: a value the client put in front does not give it a new counter.
		c := startServer(t, st, append(sameStore(a), limits, "TRUSTED_PROXIES=127.0.0.1/32,10.0.0.0/8")...)
		tooMany(t, "the proxy itself", c.request(t, "POST", "/v1/auth/login", "", login), 24*3600)
		for i := 0; i < 4; i++ {
			xff := "X-Forwarded-For: 198.51.100." + strconv.Itoa(i) + ", 203.0.113.7, 10.1.2.3"
			if r := c.request(t, "POST", "/v1/auth/login", "", login, xff); r.status != http.StatusUnauthorized {
				t.Fatalf("login %d via the proxy: %d %s", i, r.status, r.body)
			}
		}
		tooMany(t, "5th login of 203.0.113.7 via the proxy", c.request(t, "POST", "/v1/auth/login", "", login,
			"X-Forwarded-For: 192.0.2.99, 203.0.113.7"), 24*3600)
		c.request(t, "POST", "/v1/auth/login", "", login, "X-Forwarded-For: 203.0.113.8").expect(t, http.StatusUnauthorized)
	})
}

// TestRetryAfterOnEvery429: the OTP limits and the account lockout also say when to come back.
func TestRetryAfterOnEvery429(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	for i := 0; i < 3; i++ {
		s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0955000001"}).expect(t, http.StatusAccepted)
	}
	tooMany(t, "4th OTP", s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0955000001"}), 15*60)

	s.createOfficial("leader", "lanhdao.lock", "longxuyen-2023.30280.cong_an")
	for i := 0; i < 5; i++ {
		s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "lanhdao.lock", "password": "not the password"}).expect(t, http.StatusUnauthorized)
	}
	tooMany(t, "locked account", s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "lanhdao.lock", "password": "correct horse battery"}), 15*60)
}

// TestRequestDeadline: with a deadline too short for any store call, every route that reaches
// the store gives up with 503 instead of hanging, and routes served from memory still answer.
func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"}, "REQUEST_TIMEOUT=1ns")
	s.request(t, "GET", "/healthz", "", nil).expect(t, http.StatusOK)
	s.request(t, "GET", "/v1/categories", "", nil).expect(t, http.StatusOK)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/readyz", ""},
		{"POST", "/v1/auth/otp", `{"phone":"0966000001"}`},
		{"POST", "/v1/auth/login", `{"username":"admin","password":"whatever it is"}`},
		{"GET", "/open311/v2/requests.json", ""},
		{"GET", "/v1/opendata/tickets.csv", ""},
	} {
		var body any
		if r.body != "" {
			body = r.body
		}
		resp := s.request(t, r.method, r.path, "", body)
		if resp.status != http.StatusServiceUnavailable && !(resp.status == http.StatusOK && strings.HasPrefix(r.path, "/v1/opendata")) {
			t.Errorf("%s %s: status %d, want 503; body %s", r.method, r.path, resp.status, resp.body)
		}
	}
	if s.sms.sent("+84966000001") != 0 {
		t.Error("an SMS went out for a request past its deadline")
	}
}

// TestSlowClientsAreCut: a client that trickles its request slower than READ_TIMEOUT, or keeps an
// idle connection open past IDLE_TIMEOUT, is disconnected; the server keeps serving others.
func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"}, "READ_TIMEOUT=1s", "IDLE_TIMEOUT=1s")
	addr := strings.TrimPrefix(s.base, "http://")
	// trickle writes head, then one byte of rest every 200 ms; it reports whether the server
	// ended the exchange (closed, or answered with an error) before the whole request was sent.
	trickle := func(head, rest string) (cut bool, answer string) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		done := make(chan string, 1)
		go func() {
			line, _ := bufio.NewReader(conn).ReadString('\n')
			done <- line
		}()
		if _, err := io.WriteString(conn, head); err != nil {
			return true, ""
		}
		for i := 0; i < len(rest); i++ {
			select {
			case line := <-done:
				return true, line
			case <-time.After(200 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{rest[i]}); err != nil {
				return true, ""
			}
		}
		return false, ""
	}
	// 20 s worth of header bytes, and of body bytes, against a 1 s read timeout.
	if cut, line := trickle("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", strings.Repeat("a", 100)+"\r\n\r\n"); !cut || strings.Contains(line, " 200 ") {
		t.Errorf("slow headers: cut=%v answer %q", cut, line)
	}
	body := `{"phone":"0977000001"}` + strings.Repeat(" ", 80)
	head := "POST /v1/auth/otp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if cut, line := trickle(head, body); !cut || strings.Contains(line, " 202 ") {
		t.Errorf("slow body: cut=%v answer %q", cut, line)
	}
	if s.sms.sent("+84977000001") != 0 {
		t.Error("the trickled request was served")
	}

	// An idle keep-alive connection is closed after IDLE_TIMEOUT.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Error("an idle connection was kept open for 20 s with IDLE_TIMEOUT=1s")
		}
	}
	s.request(t, "GET", "/healthz", "", nil).expect(t, http.StatusOK)
}

// TestCompressedBodiesRefused: a compressed request body is refused with 415 before anything
// inflates it — Fiber would otherwise inflate gzip, deflate and brotli bodies, chained, with no
// limit, so a body under BODY_LIMIT could take gigabytes of memory.
func TestCompressedBodiesRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	res := s.signInResident("0977000002")
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	if _, err := zw.Write(bytes.Repeat([]byte(" "), 64<<20)); err != nil { // 64 MB of spaces, ~64 KB gzipped
		t.Fatal(err)
	}
	zw.Close()
	for _, enc := range []string{"gzip", "gzip, gzip", "br", "deflate", "x-unknown"} {
		r := s.request(t, "POST", "/v1/tickets", res.AccessToken, bomb.Bytes(), "Content-Encoding: "+enc)
		if r.status != http.StatusUnsupportedMediaType {
			t.Errorf("Content-Encoding %s: status %d, want 415; body %s", enc, r.status, r.body)
		} else if e := r.apiError(t); e.Error.Code != "unsupported_media_type" {
			t.Errorf("Content-Encoding %s: %+v", enc, e)
		}
	}
	// identity is no encoding at all.
	s.request(t, "POST", "/v1/tickets", res.AccessToken, report("ANTT.01", 10.386, 105.435), "Content-Encoding: identity").expect(t, http.StatusCreated)
}

// TestBusyServerSheds: with MAX_IN_FLIGHT requests being served, one more is refused at once
// with 503, Retry-After and the error body, and nothing of it is done; health probes still
// answer; once the slots free up, requests are served again.
func TestBusyServerSheds(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"}, "MAX_IN_FLIGHT=2", "READ_TIMEOUT=60s", "METRICS_ADDR=127.0.0.1:0")
	addr := strings.TrimPrefix(s.base, "http://")
	// Two sign-in requests hold the two slots: their bodies (JSON padded with whitespace past
	// the server's read buffer, so the handler starts before the body is complete) arrive half,
	// and the server is busy reading them until the rest comes.
	type held struct {
		conn net.Conn
		rest string
	}
	var slow []held
	for _, phone := range []string{"0988000001", "0988000002"} {
		conn, rest := halfSentSignIn(t, addr, phone)
		slow = append(slow, held{conn, rest})
	}
	// The slots fill as the server reads the two heads. A request sent before then could take a
	// slot first and have a slow one shed, so nothing else is sent until both are in flight.
	waitInFlight(t, s, 2)
	r := s.request(t, "GET", "/v1/categories", "", nil)
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("with both slots taken: status %d, want 503", r.status)
	}
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	if e := r.apiError(t); e.Error.Code != "unavailable" {
		t.Errorf("error code %q, want unavailable", e.Error.Code)
	}
	s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0988000003"}).expect(t, http.StatusServiceUnavailable)
	s.request(t, "GET", "/healthz", "", nil).expect(t, http.StatusOK)
	s.request(t, "GET", "/readyz", "", nil).expect(t, http.StatusOK)

	for _, h := range slow {
		if _, err := io.WriteString(h.conn, h.rest); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(h.conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("slow request: status %d, want 202", resp.StatusCode)
		}
	}
	s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0988000004"}).expect(t, http.StatusAccepted)
	for phone, want := range map[string]int{"+84988000001": 1, "+84988000002": 1, "+84988000003": 0, "+84988000004": 1} {
		if got := s.sms.sent(phone); got != want {
			t.Errorf("SMS to %s: %d, want %d", phone, got, want)
		}
	}
}

// waitInFlight waits until n requests are being served, as the metrics listener (METRICS_ADDR,
// never shed) counts them, so a test can fill the in-flight slots without racing its own probes.
func waitInFlight(t *testing.T, s *server, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d requests in flight", n), 20*time.Second, func() bool {
		v, _ := scrape(t, s).value("phananh_http_requests_in_flight")
		return v >= float64(n)
	})
}

// halfSentSignIn sends a sign-in request with only half its body, so that it holds one of the
// server's in-flight slots until the rest is written; it returns the connection and the rest.
func halfSentSignIn(t *testing.T, addr, phone string) (net.Conn, string) {
	t.Helper()
	body := `{"phone":"` + phone + `"}` + strings.Repeat(" ", 20000)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	head := "POST /v1/auth/otp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head+body[:10000]); err != nil {
		t.Fatal(err)
	}
	return conn, body[10000:]
}
