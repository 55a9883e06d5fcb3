package tests

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResidentSignIn(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)

		// A wrong code is refused and signs no one in.
		s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0912 345 678"}).expect(t, http.StatusAccepted)
		code := s.sms.code("+84912345678")
		if len(code) != 6 {
			t.Fatalf("code %q is not 6 digits", code)
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		e := s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": "0912345678", "code": wrong}).expect(t, http.StatusUnauthorized).apiError(t)
		if e.Error.Code != "unauthorized" {
			t.Errorf("wrong code error = %+v", e)
		}

		// The right code (phone typed differently, same number) gives tokens for a resident.
		var tk tokens
		s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": "+84 912 345 678", "code": code}).expect(t, http.StatusOK).json(t, &tk)
		if tk.User.Role != "resident" || tk.User.Phone != "+84912345678" || tk.ExpiresIn != 900 || tk.AccessToken == "" || tk.RefreshToken == "" {
			t.Fatalf("tokens = %+v", tk)
		}
		// A code works once.
		s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": "0912345678", "code": code}).expect(t, http.StatusUnauthorized)

		var me struct{ ID, Role, Phone string }
		s.request(t, "GET", "/v1/me", tk.AccessToken, nil).expect(t, http.StatusOK).json(t, &me)
		if me.ID != tk.User.ID || me.Role != "resident" {
			t.Errorf("me = %+v", me)
		}
		// Signing in again with the same phone finds the same account.
		again := s.signInResident("0912345678")
		if again.User.ID != tk.User.ID {
			t.Errorf("second sign-in created account %s, want %s", again.User.ID, tk.User.ID)
		}

		// Refresh rotates; reusing the spent token revokes the whole family.
		var rotated tokens
		s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": tk.RefreshToken}).expect(t, http.StatusOK).json(t, &rotated)
		if rotated.RefreshToken == tk.RefreshToken || rotated.User.ID != tk.User.ID {
			t.Fatalf("refresh did not rotate: %+v", rotated)
		}
		s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": tk.RefreshToken}).expect(t, http.StatusUnauthorized)
		s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": rotated.RefreshToken}).expect(t, http.StatusUnauthorized)

		// Logout ends the other session's family too.
		s.request(t, "POST", "/v1/auth/logout", "", map[string]string{"refresh_token": again.RefreshToken}).expect(t, http.StatusNoContent)
		s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": again.RefreshToken}).expect(t, http.StatusUnauthorized)
	})
}

func TestOTPLimits(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	// Per phone: three codes per window, then 429 and no SMS.
	for i := 0; i < 3; i++ {
		s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0987654321"}).expect(t, http.StatusAccepted)
	}
	s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0987654321"}).expect(t, http.StatusTooManyRequests)
	if n := s.sms.sent("+84987654321"); n != 3 {
		t.Errorf("%d SMS sent, want 3", n)
	}
	// Attempts: five wrong codes, then even the right code is refused.
	s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0371234567"}).expect(t, http.StatusAccepted)
	code := s.sms.code("+84371234567")
	wrong := "123456"
	if code == wrong {
		wrong = "654321"
	}
	for i := 0; i < 5; i++ {
		s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": "0371234567", "code": wrong}).expect(t, http.StatusUnauthorized)
	}
	s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": "0371234567", "code": code}).expect(t, http.StatusTooManyRequests)
	s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": "0371234567", "code": code}).expect(t, http.StatusUnauthorized)

	bad := []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"not a phone", "/v1/auth/otp", `{"phone":"hello"}`, 400, "phone"},
		{"foreign phone", "/v1/auth/otp", `{"phone":"+14155550100"}`, 400, "phone"},
		{"unknown field", "/v1/auth/otp", `{"phone":"0912345678","role":"admin"}`, 400, "role"},
		{"wrong type", "/v1/auth/otp", `{"phone":912345678}`, 400, "phone"},
		{"short code", "/v1/auth/otp/verify", `{"phone":"0912345678","code":"123"}`, 400, "code"},
		{"empty body", "/v1/auth/otp", ``, 400, ""},
	}
	for _, b := range bad {
		r := s.request(t, "POST", b.path, "", b.body).expect(t, b.status)
		if e := r.apiError(t); e.Error.Field != b.field {
			t.Errorf("%s: field = %q, want %q", b.name, e.Error.Field, b.field)
		}
	}
}

func TestOfficialLoginAndLockout(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	// First start wrote the administrator's one-time password to an owner-only file, since its
	// standard output is not a terminal.
	adminPass := s.adminPassword(t)
	if fi, err := os.Stat(filepath.Join(s.dataDir, "admin-password.txt")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the password file: %v, %v; want mode 0600", fi, err)
	}
	var tk tokens
	s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPass}).expect(t, http.StatusOK).json(t, &tk)
	if tk.User.Role != "admin" {
		t.Errorf("admin signed in as %+v", tk.User)
	}
	if strings.Contains(s.stderr.String(), adminPass) || strings.Contains(s.stdout.String(), adminPass) {
		t.Error("the administrator password was written to the log or standard output")
	}

	unit := "longxuyen-2023.30280.cong_an"
	officer := s.createOfficial("officer", "canbo.mybinh", unit)
	if officer.User.Role != "officer" || officer.User.UnitID != unit {
		t.Errorf("officer = %+v", officer.User)
	}
	if _, err := s.admin("correct horse battery\n", "user", "create", "--role", "officer", "--username", "x", "--unit", "nope"); err == nil {
		t.Error("an officer with an unknown unit was created")
	}
	if _, err := s.admin("short\n", "user", "create", "--role", "leader", "--username", "y", "--unit", unit); err == nil {
		t.Error("a short password was accepted")
	}

	// Five wrong passwords lock the account; then even the right one is refused for a while.
	for i := 0; i < 5; i++ {
		s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "canbo.mybinh", "password": "wrong password"}).expect(t, http.StatusUnauthorized)
	}
	e := s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "canbo.mybinh", "password": "correct horse battery"}).expect(t, http.StatusTooManyRequests).apiError(t)
	if !strings.Contains(e.Error.Message, "tạm khóa") {
		t.Errorf("lockout message = %q", e.Error.Message)
	}
	// Unknown users get the same answer as wrong passwords.
	r := s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "nobody", "password": "whatever it is"}, "Accept-Language: en").expect(t, http.StatusUnauthorized)
	if e := r.apiError(t); e.Error.Message != "invalid username or password" {
		t.Errorf("unknown user message = %q", e.Error.Message)
	}

	// API keys are printed once and stored hashed.
	keyOut, err := s.admin("", "apikey", "create", "--name", "IOC An Giang", "--scope", "stats")
	if err != nil || !strings.Contains(keyOut, "pk_") {
		t.Errorf("apikey create: %v %q", err, keyOut)
	}
	if _, err := s.admin("", "apikey", "create", "--name", "x", "--scope", "everything"); err == nil {
		t.Error("an unknown scope was accepted")
	}
}

func TestBearerTokensAreChecked(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	tk := s.signInResident("0901234567")
	for name, auth := range map[string]string{
		"missing":     "",
		"garbage":     "Bearer abc.def.ghi",
		"not bearer":  "Basic " + tk.AccessToken,
		"tampered":    "Bearer " + tk.AccessToken[:len(tk.AccessToken)-3] + "AAA",
		"refresh tok": "Bearer " + tk.RefreshToken,
	} {
		r := s.request(t, "GET", "/v1/me", "", nil, "Authorization: "+auth).expect(t, http.StatusUnauthorized)
		if e := r.apiError(t); e.Error.Code != "unauthorized" {
			t.Errorf("%s: %+v", name, e)
		}
	}
}

// adminPassword returns the administrator's one-time password that the first start writes to
// the data directory (its standard output here is a pipe, not a terminal).
func (s *server) adminPassword(t *testing.T) string {
	t.Helper()
	const prefix = "one-time password: "
	var line string
	path := filepath.Join(s.dataDir, "admin-password.txt")
	waitFor(t, "the administrator's one-time password in "+path, 30*time.Second, func() bool {
		out, _ := os.ReadFile(path)
		i := strings.Index(string(out), prefix)
		if i < 0 {
			return false
		}
		rest, _, complete := strings.Cut(string(out)[i+len(prefix):], "\n")
		line = rest
		return complete
	})
	return strings.TrimSpace(line)
}
