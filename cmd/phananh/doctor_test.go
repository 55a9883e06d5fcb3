package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"phananh/store/sqlite"
	"phananh/tokens"
)

// TestAdminDoctor runs `phananh admin doctor` on a healthy deployment (every check ok) and on a
// broken one — a signing key others can read, an SMS gateway that does not answer, an FCM server
// whose clock is five minutes away — and checks each problem is named and the command fails.
func TestAdminDoctor(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlite.Open(t.Context(), filepath.Join(dir, "phananh.db"))
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	key := filepath.Join(dir, "jwt-ed25519.pem")
	if _, err := tokens.LoadOrCreateKey(key, nil); err != nil {
		t.Fatal(err)
	}
	var offset time.Duration
	var heads int
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			t.Errorf("doctor sent %s %s; it must only reach the servers (HEAD)", r.Method, r.URL)
		}
		heads++
		w.Header().Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusNotFound)
	}))
	defer fake.Close()
	env := map[string]string{"DATA_DIR": dir, "SMS_DRIVER": "http", "SMS_HTTP_URL": fake.URL + "/send",
		"FCM_PROJECT_ID": "p", "FCM_ENDPOINT": fake.URL + "/v1"}

	out, err := runDoctor(t, env)
	if err != nil {
		t.Fatalf("a healthy deployment: %v\n%s", err, out)
	}
	for _, check := range []string{"store", "signing key", "disk", "sms", "fcm", "clock", "boundary set"} {
		if !strings.Contains(out, "ok   "+check) {
			t.Errorf("healthy: no ok line for %s in\n%s", check, out)
		}
	}
	if heads != 2 {
		t.Errorf("%d HEAD requests, want one each to the SMS gateway and FCM", heads)
	}

	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	env["SMS_HTTP_URL"] = closed.URL + "/send"
	offset = 5 * time.Minute
	out, err = runDoctor(t, env)
	if err == nil || !strings.Contains(err.Error(), "3 check(s) failed") {
		t.Errorf("a broken deployment: %v, want 3 failed checks\n%s", err, out)
	}
	for _, want := range []string{"FAIL signing key    " + key + " has mode 0644", "FAIL sms ", "FAIL clock          "} {
		if !strings.Contains(out, want) {
			t.Errorf("broken: no line %q in\n%s", want, out)
		}
	}
}

func runDoctor(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"admin", "doctor"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), err
}
