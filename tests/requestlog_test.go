package tests

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// accessLine finds the access log line ("msg":"request") of the request with id, waiting for the
// log pipe; it returns the line and its fields.
func accessLine(t *testing.T, s *server, id string) (string, map[string]any) {
	t.Helper()
	var line string
	var rec map[string]any
	waitFor(t, "the access log line of "+id, 10*time.Second, func() bool {
		for _, l := range strings.Split(s.stderr.String(), "\n") {
			var r map[string]any
			if json.Unmarshal([]byte(l), &r) == nil && r["msg"] == "request" && r["request_id"] == id {
				line, rec = l, r
				return true
			}
		}
		return false
	})
	return line, rec
}

// TestRequestLog checks the access log: one JSON line per request with its request id, route
// template, method, status, latency and the caller's role — and nothing that identifies the
// caller or the ticket (no user id, phone, token or path) — and that a JSON error body carries
// the request id of the X-Request-Id header.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	const phone = "0912300101"
	rep := s.signInResident(phone)
	tk := fileTicket(t, s, rep.AccessToken, report("ANTT.01", 10.386, 105.435))
	s.request(t, "GET", "/v1/tickets/"+tk.ID, rep.AccessToken, nil, "X-Request-Id: rlog-get").expect(t, http.StatusOK)
	s.request(t, "GET", "/v1/categories", "", nil, "X-Request-Id: rlog-public").expect(t, http.StatusOK)

	secrets := []string{tk.ID, rep.User.ID, rep.AccessToken, rep.RefreshToken, strings.TrimPrefix(phone, "0"), tk.Code}
	for _, c := range []struct{ id, route, method, role string }{
		{"rlog-get", "/v1/tickets/:id", "GET", "resident"},
		{"rlog-public", "/v1/categories", "GET", "anonymous"},
	} {
		line, rec := accessLine(t, s, c.id)
		if rec["route"] != c.route || rec["method"] != c.method || rec["status"] != float64(200) || rec["role"] != c.role {
			t.Errorf("access line %s, want route %s, method %s, status 200, role %s", line, c.route, c.method, c.role)
		}
		if ms, ok := rec["latency_ms"].(float64); !ok || ms < 0 || ms > 30000 {
			t.Errorf("access line %s has no plausible latency_ms", line)
		}
		if _, ok := rec["path"]; ok {
			t.Errorf("access line %s has the raw path", line)
		}
		for _, secret := range secrets {
			if strings.Contains(line, secret) {
				t.Errorf("access line %s contains %q, which identifies the caller or the ticket", line, secret)
			}
		}
	}

	// Error bodies carry the request id: the caller's, and one the server made.
	missing := "/v1/tickets/0123456789abcdef0123456789abcdef"
	r := s.request(t, "GET", missing, rep.AccessToken, nil, "X-Request-Id: rlog-missing").expect(t, http.StatusNotFound)
	var body struct {
		Error struct {
			Code      string
			RequestID string `json:"request_id"`
		}
	}
	r.json(t, &body)
	if body.Error.Code != "not_found" || body.Error.RequestID != "rlog-missing" || r.header.Get("X-Request-Id") != "rlog-missing" {
		t.Errorf("error body %s with X-Request-Id %q; want the request id rlog-missing in both", r.body, r.header.Get("X-Request-Id"))
	}
	r = s.request(t, "GET", missing, "", nil).expect(t, http.StatusUnauthorized)
	r.json(t, &body)
	if id := r.header.Get("X-Request-Id"); id == "" || body.Error.RequestID != id {
		t.Errorf("error body %s with X-Request-Id %q; want the same request id in both", r.body, id)
	}
	if line, rec := accessLine(t, s, "rlog-missing"); rec["route"] != "/v1/tickets/:id" || rec["status"] != float64(404) || strings.Contains(line, "0123456789abcdef") {
		t.Errorf("access line of the 404: %s", line)
	}
}
