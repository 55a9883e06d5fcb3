// Package tests holds black-box tests: they build the real phananh binary, start it on a random
// port against a real store (SQLite in a temp dir, or MongoDB wire protocol to FerretDB running
// in this test process) and speak HTTP to it, as the mobile app and the console do.
package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"phananh/store/mongodb/mongotest"
)

// binary is the server built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	// Every test runs its own server processes on their own ports and data directories, and
	// spends most of its time waiting for them, so tests run in parallel (t.Parallel) six at a
	// time unless -parallel says otherwise: two cores stay busy where one test alone leaves them
	// mostly idle. Under the race detector, which makes every process several times busier,
	// four at a time.
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		parallel := "6"
		if raceBuild {
			parallel = "4"
		}
		if err := flag.Set("test.parallel", parallel); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	dir, err := os.MkdirTemp("", "phananh-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "phananh")
	args := []string{"build", "-o", binary}
	if raceBuild {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "phananh/cmd/phananh")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build server:", err)
		os.Exit(1)
	}
	code := m.Run()
	if contractReport() && code == 0 {
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// storeKind says which store a test server runs on.
type storeKind struct {
	name  string
	mongo *mongotest.Server // nil for SQLite
}

// eachStore runs f once on SQLite and once on MongoDB (FerretDB in process, or MONGODB_TEST_URI),
// each where storeRuns allows it.
func eachStore(t *testing.T, f func(t *testing.T, st storeKind)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, storeKind{name: "sqlite"}) })
	t.Run("mongodb", func(t *testing.T) { f(t, mongoStore(t)) })
}

// mongoStore starts a MongoDB for a test (FerretDB in process, or a database of
// MONGODB_TEST_URI), or skips the test where storeRuns says no.
func mongoStore(t *testing.T) storeKind {
	t.Helper()
	skipUnlessStoreRuns(t, "mongodb")
	return storeKind{name: "mongodb", mongo: mongotest.Start(t)}
}

// skipUnlessStoreRuns skips the test unless its store runs in this test run:
//
//   - PHANANH_TEST_STORES, when set, lists the stores that run (sqlite, mongodb);
//   - otherwise FerretDB does not run under the race detector. FerretDB runs inside this test
//     process, which the race detector makes several times slower: on two cores its load made
//     the requests of every parallel test miss their deadlines. .ci/run runs the tests twice,
//     with -race on SQLite, then without on FerretDB (PHANANH_TEST_STORES=mongodb); a real
//     MongoDB (MONGODB_TEST_URI) runs under the race detector too.
func skipUnlessStoreRuns(t *testing.T, store string) {
	t.Helper()
	if list := os.Getenv("PHANANH_TEST_STORES"); list != "" {
		if !slices.Contains(strings.Split(list, ","), store) {
			t.Skipf("store %s: not in PHANANH_TEST_STORES=%s", store, list)
		}
		return
	}
	if store == "mongodb" && raceBuild && mongoIsFerretDB() {
		t.Skip("FerretDB runs without the race detector (PHANANH_TEST_STORES=mongodb, as .ci/run does)")
	}
}

// skipUnderRace skips a test of durability across SIGKILL under the race detector: what it
// checks (nothing acknowledged is lost, nothing is sent twice) is not a data race, its server
// code runs under the detector in every other test, and .ci/run's long step runs it at full
// size without the detector — under it, the same run took a minute and a half of the race step.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceBuild {
		t.Skip("durability across SIGKILL: run without the race detector (PHANANH_LONG_TESTS=1, as .ci/run does)")
	}
}

// server is one running phananh process.
type server struct {
	t       *testing.T
	base    string
	metrics string // base URL of the metrics listener, when METRICS_ADDR is set
	dataDir string
	env     []string
	sms     *smsGateway
	stdout  *lockedBuffer
	stderr  *lockedBuffer
	client  *http.Client
	stop    func()    // SIGTERM and wait (graceful shutdown); also run at cleanup
	cmd     *exec.Cmd // the process, for tests that kill it (SIGKILL)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// storeEnv is the environment that points a server at st's store: nothing for SQLite (the data
// directory), a fresh database for MongoDB.
func storeEnv(t *testing.T, st storeKind) []string {
	t.Helper()
	if st.mongo == nil {
		return nil
	}
	uri, db := st.mongo.NewDatabase(t)
	env := []string{"MONGODB_URI=" + uri, "MONGODB_DATABASE=" + db}
	if st.mongo.FerretDB() {
		// The in-process FerretDB shares the machine's cores with every server of the run
		// and runs one command at a time (mongotest's serializer): under that load a single
		// small command has waited 11 s (MONGOTEST_FERRETDB_LOG=1 names them), which the
		// default 10-second request deadline turned into 503s. That is the test bed's speed,
		// not the store's; a real MongoDB (MONGODB_TEST_URI) keeps the default, and tests of
		// the deadline itself set their own.
		env = append(env, "REQUEST_TIMEOUT=25s")
	}
	return env
}

// startServer starts the binary with a fresh data directory (and database) and waits until it
// listens. extraEnv entries ("KEY=value") override the defaults.
func startServer(t *testing.T, st storeKind, extraEnv ...string) *server {
	t.Helper()
	skipUnlessStoreRuns(t, st.name)
	s := &server{t: t, dataDir: t.TempDir(), sms: newSMSGateway(t), stdout: &lockedBuffer{}, stderr: &lockedBuffer{},
		client: &http.Client{Timeout: 30 * time.Second}}
	s.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"ADDR=127.0.0.1:0",
		"DATA_DIR=" + s.dataDir,
		"SMS_DRIVER=http",
		"SMS_HTTP_URL=" + s.sms.srv.URL,
		"LOG_FORMAT=json",
		// Tests file hundreds of reports from one account and address; the abuse limits have
		// their own tests (security_limits_test.go), which set RATE_LIMITS themselves.
		"RATE_LIMITS=" + relaxedRateLimits,
	}
	if raceBuild {
		// The race detector slows the server several times over; beside the run's other
		// servers on two cores, requests that take milliseconds otherwise have passed the
		// default 10-second deadline. The deadline's own test sets it explicitly.
		s.env = append(s.env, "REQUEST_TIMEOUT=25s")
	}
	s.env = append(s.env, storeEnv(t, st)...)
	s.env = append(s.env, extraEnv...)

	cmd := exec.Command(binary)
	cmd.Env = s.env
	cmd.Stdout = s.stdout
	s.cmd = cmd
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.Write([]byte(line + "\n"))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			} else if rec.Msg == "metrics listening" { // logged before "listening"
				s.metrics = "http://" + rec.Addr
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	var stopOnce sync.Once
	s.stop = func() {
		stopOnce.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			if t.Failed() {
				t.Logf("server stderr:\n%s", tail(s.stderr.String(), 40))
			}
		})
	}
	t.Cleanup(s.stop)
	select {
	case a := <-addr:
		s.base = "http://" + a
	case err := <-exited:
		t.Fatalf("server exited before listening: %v\n%s", err, s.stderr.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("server did not listen within 90 s\n%s", s.stderr.String())
	}
	return s
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// response is a decoded HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v, failing the test on malformed JSON.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// bodyWithoutRequestID is the body with its error's request id (error.request_id, which is the
// X-Request-Id header and differs for every request) cut out, for tests that compare the
// answers of two requests.
func (r response) bodyWithoutRequestID() string {
	return strings.Replace(string(r.body), `,"request_id":"`+r.header.Get("X-Request-Id")+`"`, "", 1)
}

// apiError is the error body every failure carries.
type apiError struct {
	Error struct {
		Code, Message, Field string
		Errors               []struct{ Field, Code, Message string }
	}
}

func (r response) apiError(t *testing.T) apiError {
	t.Helper()
	var e apiError
	r.json(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("status %d body %s is not a JSON error", r.status, r.body)
	}
	return e
}

// request sends a request and fails t on a transport error; body may be nil, a string/[]byte
// sent verbatim, or a value encoded as JSON. headers are "Key: value" strings.
func (s *server) request(t testing.TB, method, path, token string, body any, headers ...string) response {
	t.Helper()
	r, err := s.do(method, path, token, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// do sends a request; safe to call from any goroutine.
func (s *server) do(method, path, token string, body any, headers ...string) (response, error) {
	var (
		rd      io.Reader
		payload []byte
	)
	switch b := body.(type) {
	case nil:
	case string:
		payload = []byte(b)
	case []byte:
		payload = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		payload = data
	}
	if body != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return response{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	checkContract(req, payload, resp, data)
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// expect fails the test unless the response has the wanted status.
func (r response) expect(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// admin runs `phananh admin …` against the server's store, with stdin.
func (s *server) admin(stdin string, args ...string) (string, error) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"admin"}, args...)...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%v: %s", err, errb.String())
	}
	return out.String(), nil
}

// smsGateway is a fake SMS provider webhook that keeps the last code sent to each phone, and
// the last message (a report filed on a resident's behalf tells them its code).
type smsGateway struct {
	srv   *httptest.Server
	mu    sync.Mutex
	codes map[string]string
	count map[string]int
	last  map[string]string
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

func newSMSGateway(t *testing.T) *smsGateway {
	g := &smsGateway{codes: map[string]string{}, count: map[string]int{}, last: map[string]string{}}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct{ To, Message string }
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		m := codeRE.FindStringSubmatch(msg.Message)
		if m == nil {
			http.Error(w, "no code", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.codes[msg.To], g.count[msg.To], g.last[msg.To] = m[1], g.count[msg.To]+1, msg.Message
		g.mu.Unlock()
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *smsGateway) code(phone string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.codes[phone]
}

// message is the last text sent to phone ("" when none).
func (g *smsGateway) message(phone string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.last[phone]
}

func (g *smsGateway) sent(phone string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count[phone]
}

// tokens is the sign-in answer.
type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	User         struct {
		ID, Role, Phone, Username string
		UnitID                    string `json:"unit_id"`
		PasswordChangeRequired    bool   `json:"password_change_required"`
	}
	// Privacy is the notice in force and whether the resident accepted it (residents only).
	Privacy *struct {
		Version  int
		Accepted bool
	}
}

// signInResident goes through the OTP flow for a phone (national format "09…").
func (s *server) signInResident(phone string) tokens {
	s.t.Helper()
	s.request(s.t, "POST", "/v1/auth/otp", "", map[string]string{"phone": phone}).expect(s.t, http.StatusAccepted)
	e164 := "+84" + strings.TrimPrefix(phone, "0")
	code := s.sms.code(e164)
	if code == "" {
		s.t.Fatalf("no SMS code received for %s", e164)
	}
	var tk tokens
	s.request(s.t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": phone, "code": code}).expect(s.t, http.StatusOK).json(s.t, &tk)
	// Silence is not consent: the resident accepts the privacy notice in force explicitly, as
	// the app does after showing it, before anything that creates personal data.
	if tk.Privacy == nil {
		s.t.Fatalf("the sign-in of %s does not say which privacy notice is in force", e164)
	}
	if !tk.Privacy.Accepted {
		s.request(s.t, "POST", "/v1/me/consents", tk.AccessToken, map[string]any{"purpose": "account", "version": tk.Privacy.Version}).
			expect(s.t, http.StatusOK)
		tk.Privacy.Accepted = true
	}
	return tk
}

// createOfficial creates an account with the CLI and signs it in.
func (s *server) createOfficial(role, username, unit string) tokens {
	s.t.Helper()
	args := []string{"user", "create", "--role", role, "--username", username}
	if unit != "" {
		args = append(args, "--unit", unit)
	}
	const password = "correct horse battery"
	if out, err := s.admin(password+"\n", args...); err != nil {
		s.t.Fatalf("admin user create: %v %s", err, out)
	}
	var tk tokens
	s.request(s.t, "POST", "/v1/auth/login", "", map[string]string{"username": username, "password": password}).expect(s.t, http.StatusOK).json(s.t, &tk)
	return tk
}
