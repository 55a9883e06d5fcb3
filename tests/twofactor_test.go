package tests

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // RFC 6238 TOTP, as authenticator apps compute it
	"encoding/base32"
	"encoding/base64"
	be "encoding/binary"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	qr "github.com/piglig/go-qr"
)

// authenticator computes TOTP codes (RFC 6238: HMAC-SHA-1, 6 digits, 30 s) from an enrolment,
// as the official's phone app would.
type authenticator struct {
	key  []byte
	step int64 // the step when the test looked at the clock
}

func newAuthenticator(t *testing.T, secret string) *authenticator {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(key) < 16 {
		t.Fatalf("secret %q: %v", secret, err)
	}
	return &authenticator{key: key, step: time.Now().Unix() / 30}
}

// code is the code of the step d steps after the one the authenticator started at.
func (a *authenticator) code(d int64) string {
	mac := hmac.New(sha1.New, a.key)
	var msg [8]byte
	be.BigEndian.PutUint64(msg[:], uint64(a.step+d))
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (be.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1_000_000)
}

// wrongCode is a six-digit code of no step near now.
func (a *authenticator) wrongCode() string {
	for _, c := range []string{"000000", "111111", "222222"} {
		if c != a.code(-1) && c != a.code(0) && c != a.code(1) && c != a.code(2) {
			return c
		}
	}
	panic("unreachable")
}

type enrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURI string `json:"otpauth_uri"`
	QRPNG      string `json:"qr_png"`
}

// checkQR decodes the enrolment's QR code and compares it with its URI.
func checkQR(t *testing.T, e enrolment) {
	t.Helper()
	raw, ok := strings.CutPrefix(e.QRPNG, "data:image/png;base64,")
	data, err := base64.StdEncoding.DecodeString(raw)
	if !ok || err != nil {
		t.Fatalf("qr_png is not a PNG data URL: %.40q", e.QRPNG)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("qr_png: %v", err)
	}
	if text, err := qr.Decode(img); err != nil || text != e.OTPAuthURI {
		t.Errorf("the QR code reads %q, %v; want %q", text, err, e.OTPAuthURI)
	}
}

// enrol turns the second factor of the official holding token on and returns its authenticator
// and recovery codes. The confirmation spends the code of the authenticator's step 0.
func enrol(t *testing.T, s *server, token string) (*authenticator, []string) {
	t.Helper()
	var e enrolment
	s.request(t, "POST", "/v1/me/2fa/enroll", token, nil).expect(t, http.StatusOK).json(t, &e)
	u, err := url.Parse(e.OTPAuthURI)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != e.Secret ||
		u.Query().Get("digits") != "6" || u.Query().Get("period") != "30" || u.Query().Get("algorithm") != "SHA1" {
		t.Fatalf("enrolment URI %q", e.OTPAuthURI)
	}
	checkQR(t, e)
	a := newAuthenticator(t, e.Secret)
	var rc struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	s.request(t, "POST", "/v1/me/2fa/confirm", token, map[string]string{"code": a.code(0)}).expect(t, http.StatusOK).json(t, &rc)
	if len(rc.RecoveryCodes) != 10 {
		t.Fatalf("recovery codes %v", rc.RecoveryCodes)
	}
	return a, rc.RecoveryCodes
}

func loginOTP(username, password, otp string) map[string]string {
	return map[string]string{"username": username, "password": password, "otp": otp}
}

// TestTwoFactor: an official enrols a TOTP second factor; signing in then needs it (none: 401
// second_factor_required; wrong: 401, counted towards the lockout; replayed: 401); a recovery
// code works once; turning it off needs a code; an administrator resets it over HTTP and at the
// command line; bad input changes nothing. On both stores.
func TestTwoFactor(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery"
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		admin := s.createOfficial("admin", "tf.admin", "")
		off := s.createOfficial("ioc_operator", "tf.op", "")
		tok := off.AccessToken

		// Bad input first: nothing to confirm or turn off, malformed bodies, residents.
		refused(t, s.request(t, "POST", "/v1/me/2fa/confirm", tok, map[string]string{"code": "123456"}), http.StatusConflict, "conflict", "")
		refused(t, s.request(t, "DELETE", "/v1/me/2fa", tok, map[string]string{"code": "123456"}), http.StatusConflict, "conflict", "")
		resident := s.signInResident("0913700001")
		refused(t, s.request(t, "POST", "/v1/me/2fa/enroll", resident.AccessToken, nil), http.StatusForbidden, "forbidden", "")
		var e enrolment
		s.request(t, "POST", "/v1/me/2fa/enroll", tok, nil).expect(t, http.StatusOK).json(t, &e)
		a := newAuthenticator(t, e.Secret)
		refused(t, s.request(t, "POST", "/v1/me/2fa/confirm", tok, map[string]any{"code": a.code(0), "extra": 1}), http.StatusBadRequest, "invalid", "extra")
		refused(t, s.request(t, "POST", "/v1/me/2fa/confirm", tok, map[string]string{"code": a.wrongCode()}), http.StatusBadRequest, "invalid", "code")
		s.request(t, "POST", "/v1/auth/login", "", login("tf.op", pw)).expect(t, http.StatusOK) // still off

		// A new enrolment replaces the pending one; its confirmation turns the factor on.
		a, recovery := enrol(t, s, tok)
		if a.code(0) == newAuthenticator(t, e.Secret).code(0) {
			t.Error("a second enrolment kept the first secret")
		}
		refused(t, s.request(t, "POST", "/v1/me/2fa/enroll", tok, nil), http.StatusConflict, "conflict", "")

		refused(t, s.request(t, "POST", "/v1/auth/login", "", login("tf.op", pw)), http.StatusUnauthorized, "second_factor_required", "otp")
		refused(t, s.request(t, "POST", "/v1/auth/login", "", loginOTP("tf.op", pw, a.wrongCode())), http.StatusUnauthorized, "unauthorized", "otp")
		refused(t, s.request(t, "POST", "/v1/auth/login", "", loginOTP("tf.op", pw, a.code(0))), http.StatusUnauthorized, "unauthorized", "otp") // spent by the confirmation
		var signed tokens
		s.request(t, "POST", "/v1/auth/login", "", loginOTP("tf.op", pw, a.code(1))).expect(t, http.StatusOK).json(t, &signed)
		refused(t, s.request(t, "POST", "/v1/auth/login", "", loginOTP("tf.op", pw, a.code(1))), http.StatusUnauthorized, "unauthorized", "otp") // replay

		s.request(t, "POST", "/v1/auth/login", "", loginOTP("tf.op", pw, strings.ToUpper(recovery[0]))).expect(t, http.StatusOK)
		refused(t, s.request(t, "POST", "/v1/auth/login", "", loginOTP("tf.op", pw, recovery[0])), http.StatusUnauthorized, "unauthorized", "otp")

		recs := auditQuery(t, s, admin.AccessToken, "subject="+off.User.ID)
		for _, want := range []string{"2fa_enable", "2fa_recovery_code_used", "login", "login_failed"} {
			if !containsAction(recs, want) {
				t.Errorf("no %s record for the account: %+v", want, recs)
			}
		}
		for _, r := range recs {
			if strings.Contains(r.Detail, a.code(1)) || strings.Contains(r.Detail, recovery[0]) || strings.Contains(r.Detail, e.Secret) {
				t.Errorf("an audit record holds a code or the secret: %+v", r)
			}
		}

		// Four failed sign-ins so far, one short of the lockout of this address.
		// Turning it off needs a valid code: a used one changes nothing.
		refused(t, s.request(t, "DELETE", "/v1/me/2fa", signed.AccessToken, map[string]string{"code": recovery[0]}), http.StatusForbidden, "forbidden", "code")
		s.request(t, "DELETE", "/v1/me/2fa", signed.AccessToken, map[string]string{"code": recovery[1]}).expect(t, http.StatusNoContent)
		s.request(t, "POST", "/v1/auth/login", "", login("tf.op", pw)).expect(t, http.StatusOK)

		t.Run("wrong codes lock the account", func(t *testing.T) { twoFactorLockout(t, s) })
		t.Run("administrator reset", func(t *testing.T) { twoFactorReset(t, s, admin.AccessToken) })
	})
}

func containsAction(recs []chainRecord, action string) bool {
	for _, r := range recs {
		if r.Action == action {
			return true
		}
	}
	return false
}

// twoFactorLockout: wrong second-factor codes are failed sign-ins; past the per-address limit
// even the right code is refused with 429.
func twoFactorLockout(t *testing.T, s *server) {
	const pw = "correct horse battery"
	u := s.createOfficial("officer", "tf.lock", unitOf(ward(loadSet(t, "longxuyen-2023"), 0).code, "ubnd"))
	a, _ := enrol(t, s, u.AccessToken)
	for range 5 {
		refused(t, s.request(t, "POST", "/v1/auth/login", "", loginOTP("tf.lock", pw, a.wrongCode())), http.StatusUnauthorized, "unauthorized", "otp")
	}
	refused(t, s.request(t, "POST", "/v1/auth/login", "", loginOTP("tf.lock", pw, a.code(1))), http.StatusTooManyRequests, "rate_limited", "")
}

// twoFactorReset: an administrator turns an official's second factor off (sessions end), over
// HTTP and at the command line; both are audited.
func twoFactorReset(t *testing.T, s *server, admin string) {
	const pw = "correct horse battery"
	u := s.createOfficial("leader", "tf.reset", unitOf(ward(loadSet(t, "longxuyen-2023"), 1).code, "ubnd"))
	enrol(t, s, u.AccessToken)
	refused(t, s.request(t, "POST", "/v1/auth/login", "", login("tf.reset", pw)), http.StatusUnauthorized, "second_factor_required", "otp")
	refused(t, s.request(t, "POST", "/v1/admin/users/nobody/reset-2fa", admin, nil), http.StatusNotFound, "not_found", "")
	var acct accountBody2FA
	s.request(t, "POST", "/v1/admin/users/"+u.User.ID+"/reset-2fa", admin, nil).expect(t, http.StatusOK).json(t, &acct)
	if acct.TwoFactor {
		t.Errorf("after the reset: %+v", acct)
	}
	waitFor(t, "the reset to end the account's tokens", 5*time.Second, func() bool {
		return s.request(t, "GET", "/v1/me", u.AccessToken, nil).status == http.StatusUnauthorized
	})
	var again tokens
	s.request(t, "POST", "/v1/auth/login", "", login("tf.reset", pw)).expect(t, http.StatusOK).json(t, &again)
	enrol(t, s, again.AccessToken)
	if out, err := s.admin("", "user", "reset-2fa", "--username", "tf.reset"); err != nil || !strings.Contains(out, "tf.reset") {
		t.Fatalf("admin user reset-2fa: %v %s", err, out)
	}
	s.request(t, "POST", "/v1/auth/login", "", login("tf.reset", pw)).expect(t, http.StatusOK)
	if _, err := s.admin("", "user", "reset-2fa", "--username", "nobody"); err == nil {
		t.Error("admin user reset-2fa of an unknown account succeeded")
	}
	resets := auditQuery(t, s, admin, "action=2fa_reset&subject="+u.User.ID)
	if len(resets) != 2 || resets[0].ActorID != "cli" || !strings.Contains(resets[1].Detail, "on→off") {
		t.Errorf("2fa_reset records: %+v", resets)
	}
}

// accountBody2FA is the part of an account /v1/admin/users shows about its second factor.
type accountBody2FA struct {
	ID        string `json:"id"`
	TwoFactor bool   `json:"two_factor"`
}

// TestRequireTwoFactor: with REQUIRE_2FA=true, an administrator or IOC account without a second
// factor reaches only the enrolment (403 second_factor_enrolment_required elsewhere) until it
// has enrolled one; officers are not held back.
func TestRequireTwoFactor(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "REQUIRE_2FA=true")
		admin := s.createOfficial("admin", "rq.admin", "")
		viewer := s.createOfficial("ioc_viewer", "rq.viewer", "")
		officer := s.createOfficial("officer", "rq.officer", unitOf(ward(loadSet(t, "longxuyen-2023"), 0).code, "ubnd"))
		refused(t, s.request(t, "GET", "/v1/admin/users", admin.AccessToken, nil), http.StatusForbidden, "second_factor_enrolment_required", "")
		refused(t, s.request(t, "GET", "/v1/queue", viewer.AccessToken, nil), http.StatusForbidden, "second_factor_enrolment_required", "")
		s.request(t, "GET", "/v1/me", admin.AccessToken, nil).expect(t, http.StatusOK)
		s.request(t, "GET", "/v1/queue", officer.AccessToken, nil).expect(t, http.StatusOK)
		// The console sends the IOC viewer to its two-factor page, which it may open.
		cc := newConsoleClient(t, s)
		cc.signIn("rq.viewer")
		if r := cc.do("GET", "/console/queue", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/console/2fa" {
			t.Errorf("console queue without a second factor: %d to %q, want 303 to /console/2fa", r.status, r.header.Get("Location"))
		}
		cc.do("GET", "/console/2fa", nil).expect(t, http.StatusOK)

		a, _ := enrol(t, s, admin.AccessToken)
		s.request(t, "GET", "/v1/admin/users", admin.AccessToken, nil).expect(t, http.StatusOK)
		var signed tokens
		s.request(t, "POST", "/v1/auth/login", "", loginOTP("rq.admin", "correct horse battery", a.code(1))).expect(t, http.StatusOK).json(t, &signed)
		s.request(t, "GET", "/v1/admin/audit", signed.AccessToken, nil).expect(t, http.StatusOK)
		refused(t, s.request(t, "GET", "/v1/queue", viewer.AccessToken, nil), http.StatusForbidden, "second_factor_enrolment_required", "")
	})
}
