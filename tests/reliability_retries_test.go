package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"phananh/store/mongodb/mongotest"
)

// cutProxy forwards connections to the server and drops them on purpose: with after set, it
// forwards one request, reads the head of the server's answer (the server has decided: a 2xx
// means the report is committed) and closes both sides without passing a byte of it on — a
// mobile network that loses the response; without, it closes the client's connection at once
// (the request is lost before the server sees it).
type cutProxy struct {
	ln     net.Listener
	target string
	after  bool
	cut    atomic.Int64 // answers dropped
	mu     sync.Mutex
	status map[string][]int // Idempotency-Key → statuses of the answers dropped
}

func newCutProxy(t *testing.T, target string, after bool) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, after: after, status: map[string][]int{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	return p
}

func (p *cutProxy) handle(client net.Conn) {
	defer client.Close()
	if !p.after {
		return
	}
	req, err := http.ReadRequest(bufio.NewReader(client))
	if err != nil {
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	if err := req.Write(server); err != nil {
		return
	}
	_ = server.SetReadDeadline(time.Now().Add(2 * time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(server), req)
	if err != nil {
		return
	}
	p.cut.Add(1)
	p.mu.Lock()
	key := req.Header.Get("Idempotency-Key")
	p.status[key] = append(p.status[key], resp.StatusCode)
	p.mu.Unlock()
	// Closing without a byte of the answer makes the client see EOF or a reset.
}

// dropped returns the statuses of the answers the proxy dropped for key.
func (p *cutProxy) dropped(key string) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status[key]
}

func (p *cutProxy) url() string { return "http://" + p.ln.Addr().String() }

// TestNoLossNoDuplicateUnderRetries files reports from many simulated phones on a bad network:
// 30 % of submissions are retried — after the connection was lost before the server saw the
// request, after the server committed but the answer was cut, or after a complete answer (a
// nervous user). Every retry carries the same Idempotency-Key. In the end there is exactly one
// ticket per submission, every retry after a commit was answered 200 with the original ticket,
// and nothing else was created. Default size: 1,000 reports from 50 phones on SQLite, 100 from
// 10 on FerretDB; PHANANH_LONG_TESTS=1: 10,000 from 200 phones (FerretDB, which scans a
// collection per query: 500 from 50, unless MONGODB_TEST_URI names a real MongoDB).
func TestNoLossNoDuplicateUnderRetries(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		reports, phones := 1000, 50
		if st.mongo != nil {
			reports, phones = 100, 10
		}
		if longTests() {
			reports, phones = 10000, 200
			if st.mongo != nil && os.Getenv(mongotest.EnvURI) == "" {
				reports, phones = 500, 50
			}
		}
		// Phones have addresses of their own: behind the (trusted) local proxy, each signs in
		// from its X-Forwarded-For address, within the per-address OTP limit.
		s := startServer(t, st, "TRUSTED_PROXIES=127.0.0.1/32")
		target := strings.TrimPrefix(s.base, "http://")
		// Fresh connections for the lossy paths, so Go's transport never retries by itself.
		n := retryNetwork{base: s.base, before: newCutProxy(t, target, false), after: newCutProxy(t, target, true),
			direct: &http.Client{Timeout: 60 * time.Second},
			lossy:  &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
		ph := signInPhones(t, s, phones)

		tally := &retryTally{firstID: map[string]string{}}
		start := time.Now()
		var wg sync.WaitGroup
		for p := range ph {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(p), 42))
				for i := p; i < reports; i += phones {
					n.fileWithRetries(tally, ph[p], fmt.Sprintf("phone-%03d-report-%05d", p, i), rng)
				}
			})
		}
		wg.Wait()
		took := time.Since(start)
		for _, p := range tally.problems {
			t.Error(p)
		}

		checkOneTicketPerReport(t, s, ph, tally.firstID, reports)
		t.Logf("%d reports from %d phones in %s (%.0f/s): %d created on first delivery, %d answered with the original after a cut; retries: %d lost requests, %d cut answers (%d cut by the proxy), %d repeats; %d answers were 503 (deadline) and retried",
			reports, phones, took.Round(time.Millisecond), float64(reports)/took.Seconds(), tally.created, tally.replayed, tally.lostBefore, tally.lostAfter, n.after.cut.Load(), tally.nervous, tally.unavailable)
		if int(n.after.cut.Load()) != tally.lostAfter {
			t.Errorf("the proxy cut %d answers, the phones lost %d", n.after.cut.Load(), tally.lostAfter)
		}
	})
}

// retryPhone is a simulated phone: its access token and its X-Forwarded-For header.
type retryPhone struct {
	token string
	xff   string
}

// signInPhones signs n phones in, each from an address of its own.
func signInPhones(t *testing.T, s *server, n int) []retryPhone {
	t.Helper()
	ph := make([]retryPhone, n)
	for i := range ph {
		num := fmt.Sprintf("0913%06d", i)
		xff := fmt.Sprintf("X-Forwarded-For: 10.%d.%d.%d", i/65536%256, i/256%256, i%256)
		s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": num}, xff).expect(t, http.StatusAccepted)
		code := s.sms.code("+84" + strings.TrimPrefix(num, "0"))
		var tk tokens
		s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]any{"phone": num, "code": code, "accept_privacy_version": 1}, xff).expect(t, http.StatusOK).json(t, &tk)
		ph[i] = retryPhone{tk.AccessToken, xff}
	}
	return ph
}

// retryTally is what the phones saw, shared between them.
type retryTally struct {
	mu                             sync.Mutex
	firstID                        map[string]string // key → id of the first 2xx answer
	created, replayed              int
	lostBefore, lostAfter, nervous int
	unavailable                    int
	problems                       []string
}

// fail records a problem (the first 20).
func (r *retryTally) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.problems) < 20 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

// count adds one to the counter n of the tally.
func (r *retryTally) count(n *int) {
	r.mu.Lock()
	*n++
	r.mu.Unlock()
}

// retryNetwork is the way from the phones to the server: direct, or on fresh connections through
// the proxy that drops the request before the server sees it (before) or cuts the answer
// (after).
type retryNetwork struct {
	base          string
	before, after *cutProxy
	direct, lossy *http.Client
}

// postReport files body with the idempotency key on c; the answer must be the ticket of key.
func postReport(c *http.Client, base, token, key string, body []byte) (int, string, error) {
	req, err := http.NewRequest("POST", base+"/v1/tickets", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var tk struct{ ID, Description string }
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode < 300 {
		err = json.Unmarshal(data, &tk)
	}
	if err == nil && resp.StatusCode < 300 && !strings.Contains(tk.Description, key) {
		err = fmt.Errorf("answer for %s is ticket %s %q", key, tk.ID, tk.Description)
	}
	if err == nil && resp.StatusCode >= 300 {
		err = fmt.Errorf("status %d: %s", resp.StatusCode, data)
	}
	return resp.StatusCode, tk.ID, err
}

// fileWithRetries files the report key of phone ph as a phone on a bad network would: 10 % of
// the time the request is lost first, 15 % the answer is cut (possibly several times), then it
// is delivered, and 5 % of the time a nervous user taps again after the answer.
func (n retryNetwork) fileWithRetries(tally *retryTally, ph retryPhone, key string, rng *rand.Rand) {
	body, _ := json.Marshal(wfReport("ANTT.01", wardPoint{lat: 10.386, lng: 105.435}, "Báo cáo "+key+".", false))
	r := rng.Float64()
	switch {
	case r < 0.10: // the request is lost; the phone tries again
		if _, _, err := postReport(n.lossy, n.before.url(), ph.token, key, body); err == nil {
			tally.fail("%s: a dropped connection returned an answer", key)
		}
		tally.count(&tally.lostBefore)
	case r < 0.25: // committed, but the answer is lost (possibly several times)
		for {
			if _, _, err := postReport(n.lossy, n.after.url(), ph.token, key, body); err == nil {
				tally.fail("%s: a cut connection returned an answer", key)
			}
			tally.count(&tally.lostAfter)
			if rng.Float64() >= 0.3 {
				break
			}
		}
	}
	id, ok := n.deliver(tally, ph, key, body)
	if ok && r >= 0.25 && r < 0.30 { // answered, and the nervous user taps again
		status2, id2, err := postReport(n.direct, n.base, ph.token, key, body)
		for try := 0; try < 5 && status2 == http.StatusServiceUnavailable; try++ {
			status2, id2, err = postReport(n.direct, n.base, ph.token, key, body)
		}
		if err != nil || status2 != http.StatusOK || id2 != id {
			tally.fail("%s: repeat answered %d %s (%v), want 200 with %s", key, status2, id2, err, id)
		}
		tally.count(&tally.nervous)
	}
}

// deliver files the report key directly (again after a 503, up to 5 times) and checks the
// answer: 200 with the original if an earlier attempt was committed, 201 if none was. It
// records and returns the ticket's id; ok is false when no answer came.
func (n retryNetwork) deliver(tally *retryTally, ph retryPhone, key string, body []byte) (id string, ok bool) {
	// A dropped 2xx means the report is committed: the retry must be answered
	// with it (200). A 503 (the request's deadline passed on a loaded machine)
	// leaves it open whether the report was stored, and is retried, as the app
	// does.
	committed, uncertain := false, false
	for _, st := range n.after.dropped(key) {
		committed = committed || st < 300
		uncertain = uncertain || st >= 500
	}
	var status int
	var err error
	for try := 0; try < 5; try++ {
		if status, id, err = postReport(n.direct, n.base, ph.token, key, body); status != http.StatusServiceUnavailable {
			break
		}
		uncertain = true
		tally.count(&tally.unavailable)
	}
	if err != nil {
		tally.fail("%s: %v", key, err)
		return "", false
	}
	switch {
	case committed && status != http.StatusOK:
		tally.fail("%s: retry after a committed request answered %d, want 200 (the original)", key, status)
	case !committed && !uncertain && status != http.StatusCreated:
		tally.fail("%s: first delivered request answered %d, want 201", key, status)
	}
	tally.mu.Lock()
	tally.firstID[key] = id
	if status == http.StatusCreated {
		tally.created++
	} else {
		tally.replayed++
	}
	tally.mu.Unlock()
	return id, true
}

// checkOneTicketPerReport checks that the phones' lists hold exactly one ticket per report,
// each the one the phone was answered with (firstID).
func checkOneTicketPerReport(t *testing.T, s *server, ph []retryPhone, firstID map[string]string, reports int) {
	t.Helper()
	ids := map[string]bool{}
	for p := range ph {
		cursor := ""
		for {
			var list struct {
				Tickets []struct {
					ID, Description string
				}
				NextCursor string `json:"next_cursor"`
			}
			s.request(t, "GET", "/v1/tickets?mine=true&limit=100&cursor="+cursor, ph[p].token, nil).expect(t, http.StatusOK).json(t, &list)
			for _, tk := range list.Tickets {
				if ids[tk.ID] {
					t.Errorf("ticket %s listed twice", tk.ID)
				}
				ids[tk.ID] = true
				key := strings.TrimSuffix(strings.TrimPrefix(tk.Description, "Báo cáo "), ".")
				if firstID[key] != tk.ID {
					t.Errorf("ticket %s (%s) is not the one answered for %s (%s)", tk.ID, tk.Description, key, firstID[key])
				}
			}
			if cursor = list.NextCursor; cursor == "" {
				break
			}
		}
	}
	if len(ids) != reports || len(firstID) != reports {
		t.Errorf("%d tickets stored, %d reports answered, want %d", len(ids), len(firstID), reports)
	}
}
