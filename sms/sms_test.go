package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"phananh/models"
)

// The sender interface as app declares it; both drivers must satisfy it.
type sender interface {
	Send(ctx context.Context, phone, text string) error
}

var (
	_ sender = (*Log)(nil)
	_ sender = (*HTTP)(nil)
)

const (
	phone = "+84912345678"
	text  = `Mã xác thực "482913" của bạn — phản ánh #PA-2026 đã được "UBND phường Mỹ Bình" tiếp nhận.` + "\nKhông chia sẻ mã này."
)

// received is one request as the fake gateway saw it.
type received struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// gateway starts a fake SMS gateway answering status and body, and returns the requests it got.
func gateway(t *testing.T, status int, respBody string) (*httptest.Server, <-chan received) {
	t.Helper()
	got := make(chan received, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- received{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), b}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, respBody)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// httpSendCase is one configuration of the HTTP driver and what the gateway must receive.
type httpSendCase struct {
	name      string
	template  string
	header    map[string]string
	wantCT    string
	wantAuth  string
	checkBody func(t *testing.T, body []byte)
}

func TestHTTPSend(t *testing.T) {
	tests := []httpSendCase{
		{
			name:     "default template",
			header:   map[string]string{"Authorization": "Bearer s3cret"},
			wantCT:   "application/json",
			wantAuth: "Bearer s3cret",
			checkBody: func(t *testing.T, body []byte) {
				var m map[string]string
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatalf("body is not JSON: %v: %s", err, body)
				}
				if m["to"] != phone || m["message"] != text || len(m) != 2 {
					t.Errorf("body %v", m)
				}
			},
		},
		{
			name:     "custom JSON template",
			template: `{"recipients":[{{json .Phone}}],"sms":{"content":{{json .Text}},"unicode":true}}`,
			header:   map[string]string{"x-api-key": "k"},
			wantCT:   "application/json",
			checkBody: func(t *testing.T, body []byte) {
				var m struct {
					Recipients []string `json:"recipients"`
					SMS        struct {
						Content string `json:"content"`
						Unicode bool   `json:"unicode"`
					} `json:"sms"`
				}
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatalf("body is not JSON: %v: %s", err, body)
				}
				if len(m.Recipients) != 1 || m.Recipients[0] != phone || m.SMS.Content != text || !m.SMS.Unicode {
					t.Errorf("body %+v", m)
				}
			},
		},
		{
			name:     "form body, content type overridden case-insensitively",
			template: `to={{urlquery .Phone}}&text={{urlquery .Text}}`,
			header:   map[string]string{"content-type": "application/x-www-form-urlencoded"},
			wantCT:   "application/x-www-form-urlencoded",
			checkBody: func(t *testing.T, body []byte) {
				v, err := url.ParseQuery(string(body))
				if err != nil {
					t.Fatalf("body is not a form: %v: %s", err, body)
				}
				if v.Get("to") != phone || v.Get("text") != text {
					t.Errorf("body %v", v)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkHTTPSend(t, tc) })
	}
}

// checkHTTPSend sends one message through a driver configured as tc and checks the request the
// fake gateway received.
func checkHTTPSend(t *testing.T, tc httpSendCase) {
	t.Helper()
	srv, got := gateway(t, http.StatusAccepted, `{"id":"1"}`)
	h, err := NewHTTP(HTTPConfig{URL: srv.URL + "/v1/sms?key=abc", Template: tc.template, Header: tc.header})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Send(context.Background(), phone, text); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := <-got
	if r.method != http.MethodPost || r.path != "/v1/sms" || r.query != "key=abc" {
		t.Errorf("request %s %s?%s", r.method, r.path, r.query)
	}
	if ct := r.header.Get("Content-Type"); ct != tc.wantCT {
		t.Errorf("Content-Type %q, want %q", ct, tc.wantCT)
	}
	if len(r.header.Values("Content-Type")) != 1 {
		t.Errorf("Content-Type sent %d times", len(r.header.Values("Content-Type")))
	}
	if auth := r.header.Get("Authorization"); auth != tc.wantAuth {
		t.Errorf("Authorization %q, want %q", auth, tc.wantAuth)
	}
	for k, v := range tc.header {
		if r.header.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, r.header.Get(k), v)
		}
	}
	tc.checkBody(t, r.body)
}

func TestHTTPRefusals(t *testing.T) {
	long := strings.Repeat("x", 1000)
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string
	}{
		{"server error", http.StatusInternalServerError, "gateway exploded: " + long, models.EUnavailable},
		{"bad gateway", http.StatusBadGateway, "", models.EUnavailable},
		{"rate limited", http.StatusTooManyRequests, `{"error":"slow down"}`, models.EUnavailable},
		{"unauthorized", http.StatusUnauthorized, `{"error":"bad key"}`, models.EInternal},
		{"bad request", http.StatusBadRequest, `{"error":"invalid number"}`, models.EInternal},
		// A gateway that echoes the number: the error reaches the log, so the number is masked.
		{"echoes the phone", http.StatusBadRequest, `{"error":"blocked","to":"` + phone + `"}`, models.EInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := gateway(t, tc.status, tc.body)
			h, err := NewHTTP(HTTPConfig{URL: srv.URL + "/send?token=TOPSECRET"})
			if err != nil {
				t.Fatal(err)
			}
			err = h.Send(context.Background(), phone, text)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			<-got
			if c := models.ErrorCode(err); c != tc.wantCode {
				t.Errorf("code %s, want %s (%v)", c, tc.wantCode, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, http.StatusText(tc.status)) || !strings.Contains(msg, strconv.Itoa(tc.status)) {
				t.Errorf("error lacks the status: %v", err)
			}
			if strings.Contains(msg, strings.Repeat("x", 201)) {
				t.Errorf("error carries more than 200 bytes of body: %d bytes", len(msg))
			}
			if tc.body != "" && !strings.Contains(msg, tc.body[:min(len(tc.body), 18)]) {
				t.Errorf("error lacks the start of the body: %v", err)
			}
			if strings.Contains(msg, "TOPSECRET") {
				t.Errorf("error leaks the query string: %v", err)
			}
			if strings.Contains(msg, strings.TrimPrefix(phone, "+84")) {
				t.Errorf("error carries the phone number: %v", err)
			}
		})
	}
}

// A POST redirected by 302 would arrive as a GET without a body and could be answered 200: the
// default client must not follow it.
func TestHTTPRedirectNotFollowed(t *testing.T) {
	followed := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			followed <- r.Method
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	h, err := NewHTTP(HTTPConfig{URL: srv.URL + "/sms"})
	if err != nil {
		t.Fatal(err)
	}
	err = h.Send(context.Background(), phone, text)
	if err == nil || !strings.Contains(err.Error(), "302") {
		t.Fatalf("got %v, want an error with the 302 status", err)
	}
	select {
	case m := <-followed:
		t.Errorf("the redirect was followed with %s", m)
	default:
	}
}

func TestHTTPUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close() // nothing listens there any more
	h, err := NewHTTP(HTTPConfig{URL: u + "/sms?api_key=TOPSECRET"})
	if err != nil {
		t.Fatal(err)
	}
	err = h.Send(context.Background(), phone, text)
	if !models.IsCode(err, models.EUnavailable) {
		t.Fatalf("got %v, want %s", err, models.EUnavailable)
	}
	if strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("error leaks the query string: %v", err)
	}
}

// hangingGateway never answers until the client goes away or the test ends.
func hangingGateway(t *testing.T) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv, arrived
}

func TestHTTPContext(t *testing.T) {
	t.Run("cancelled while waiting", func(t *testing.T) {
		srv, arrived := hangingGateway(t)
		h, err := NewHTTP(HTTPConfig{URL: srv.URL, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-arrived
			cancel()
		}()
		start := time.Now()
		err = h.Send(ctx, phone, text)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled in the chain", err)
		}
		if !models.IsCode(err, models.EUnavailable) {
			t.Errorf("code %s, want %s", models.ErrorCode(err), models.EUnavailable)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Send returned after %v", d)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		srv, got := gateway(t, http.StatusOK, "")
		h, err := NewHTTP(HTTPConfig{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := h.Send(ctx, phone, text); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		select {
		case <-got:
			t.Error("the gateway got a request for a cancelled context")
		default:
		}
	})
	t.Run("configured timeout", func(t *testing.T) {
		srv, _ := hangingGateway(t)
		h, err := NewHTTP(HTTPConfig{URL: srv.URL, Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		err = h.Send(context.Background(), phone, text)
		if !errors.Is(err, context.DeadlineExceeded) || !models.IsCode(err, models.EUnavailable) {
			t.Fatalf("got %v, want an unavailable deadline error", err)
		}
	})
}

func TestNewHTTPInvalid(t *testing.T) {
	tests := []struct {
		name string
		cfg  HTTPConfig
	}{
		{"empty URL", HTTPConfig{}},
		{"relative URL", HTTPConfig{URL: "/sms"}},
		{"no scheme", HTTPConfig{URL: "gateway.example.vn/sms"}},
		{"ftp scheme", HTTPConfig{URL: "ftp://gateway.example.vn/sms"}},
		{"no host", HTTPConfig{URL: "https:///sms"}},
		{"port only", HTTPConfig{URL: "https://:8443/sms"}},
		{"unparsable URL", HTTPConfig{URL: "http://[::1/sms?key=TOPSECRET"}},
		{"template syntax", HTTPConfig{URL: "https://gw.example.vn", Template: `{"to":{{json .Phone}`}},
		{"unknown function", HTTPConfig{URL: "https://gw.example.vn", Template: `{"to":{{xml .Phone}}}`}},
		{"unknown field", HTTPConfig{URL: "https://gw.example.vn", Template: `{"to":{{json .Number}}}`}},
		{"JSON without escaping", HTTPConfig{URL: "https://gw.example.vn", Template: `{"to":"{{.Phone}}","message":"{{.Text}}"}`}},
		{"bad header name", HTTPConfig{URL: "https://gw.example.vn", Header: map[string]string{"X Api Key": "k"}}},
		{"header value injection", HTTPConfig{URL: "https://gw.example.vn", Header: map[string]string{"X-Api-Key": "k\r\nX-Evil: 1"}}},
		{"negative timeout", HTTPConfig{URL: "https://gw.example.vn", Timeout: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHTTP(tc.cfg)
			if err == nil {
				t.Fatalf("NewHTTP accepted %+v", tc.cfg)
			}
			if h != nil {
				t.Error("non-nil driver with an error")
			}
			if strings.Contains(err.Error(), "TOPSECRET") {
				t.Errorf("error leaks the URL: %v", err)
			}
		})
	}

	// Non-JSON bodies are not held to JSON validity.
	if _, err := NewHTTP(HTTPConfig{
		URL:      "http://localhost:9000/sms",
		Template: `{{.Phone}};{{.Text}}`,
		Header:   map[string]string{"Content-Type": "text/plain; charset=utf-8"},
	}); err != nil {
		t.Errorf("plain-text template refused: %v", err)
	}
}

func TestHTTPEmptyPhone(t *testing.T) {
	srv, got := gateway(t, http.StatusOK, "")
	h, err := NewHTTP(HTTPConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Send(context.Background(), "", text); !models.IsCode(err, models.EInvalid) {
		t.Fatalf("got %v, want %s", err, models.EInvalid)
	}
	select {
	case <-got:
		t.Error("the gateway got a request without a phone number")
	default:
	}
}

func TestLog(t *testing.T) {
	var buf bytes.Buffer
	l := NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	if err := l.Send(context.Background(), phone, text); err != nil {
		t.Fatal(err)
	}

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("log line is not JSON: %v: %s", err, lines[0])
	}
	for key, want := range map[string]string{"msg": "sms", "level": "INFO", "phone": phone, "text": text} {
		if rec[key] != want {
			t.Errorf("%s = %v, want %q", key, rec[key], want)
		}
	}

	t.Run("refusals", func(t *testing.T) {
		buf.Reset()
		if err := l.Send(context.Background(), "", text); !models.IsCode(err, models.EInvalid) {
			t.Errorf("empty phone: got %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := l.Send(ctx, phone, text); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled context: got %v", err)
		}
		if buf.Len() != 0 {
			t.Errorf("refused messages were logged: %s", buf.String())
		}
	})

	t.Run("nil logger", func(t *testing.T) {
		if err := NewLog(nil).Send(context.Background(), phone, "dev"); err != nil {
			t.Fatal(err)
		}
	})
}
