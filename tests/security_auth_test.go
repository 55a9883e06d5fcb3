package tests

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	jwtkeys "phananh/tokens"
)

// genericTokenError is the whole body of every refused bearer token, with the request's own id
// (its X-Request-Id) in the %s: the same bytes whatever was wrong, so a caller learns nothing
// about which check failed. The message is in Vietnamese, the language of a request without
// Accept-Language.
const genericTokenError = `{"error":{"code":"unauthorized","message":"Mã truy cập (access token) không hợp lệ hoặc đã hết hạn","request_id":"%s"}}`

// signingKey reads the server's Ed25519 signing key from its data directory (the attacker model
// of these tests is stronger than real life: they can sign anything with the real key).
func signingKey(t *testing.T, path string) ed25519.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwtkeys.ParseKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// forge signs claims with key under kid; mut changes the default, valid claims of user sub.
func forge(t *testing.T, key ed25519.PrivateKey, kid, sub string, mut func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": "phananh", "aud": []string{"phananh-api"}, "sub": sub, "role": "resident",
		"typ": "access", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	if mut != nil {
		mut(c)
	}
	tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tk.Header["kid"] = kid
	out, err := tk.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// refusedToken checks the 401 of a bad token carries the generic body and nothing else.
func refusedToken(t *testing.T, name string, r response) {
	t.Helper()
	if r.status != http.StatusUnauthorized {
		t.Errorf("%s: status %d, want 401; body %s", name, r.status, r.body)
		return
	}
	if want := fmt.Sprintf(genericTokenError, r.header.Get("X-Request-Id")); string(r.body) != want {
		t.Errorf("%s: body %s, want exactly %s", name, r.body, want)
	}
	if h := r.header.Get("WWW-Authenticate"); strings.Contains(h, "error_description") {
		t.Errorf("%s: WWW-Authenticate %q explains the failure", name, h)
	}
}

// TestJWTNegativesOverHTTP sends every classic forged or broken access token to the running
// server: each one is a 401 with the same body; the control token signed the same way passes.
func TestJWTNegativesOverHTTP(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	res := s.signInResident("0901112233")
	key := signingKey(t, filepath.Join(s.dataDir, "jwt-ed25519.pem"))
	kid := jwtkeys.KeyID(key.Public().(ed25519.PublicKey))
	sub := res.User.ID

	control := forge(t, key, kid, sub, nil)
	s.request(t, "GET", "/v1/me", control, nil).expect(t, http.StatusOK)

	cases := brokenTokens(t, key, kid, res, control)
	for _, c := range cases {
		refusedToken(t, c.name, s.request(t, "GET", "/v1/me", c.token, nil))
		// A write route answers the same: authentication comes before the body is looked at.
		refusedToken(t, c.name+" (POST /v1/tickets)", s.request(t, "POST", "/v1/tickets", c.token, map[string]any{"category": "x"}))
	}
	// The genuine tokens still work after all that.
	s.request(t, "GET", "/v1/me", res.AccessToken, nil).expect(t, http.StatusOK)

	// Headers beyond the server's read buffer (16 KB, 1 MB) are refused before authentication:
	// a clear 4xx, never a 5xx or a crash (the server keeps answering).
	for _, size := range []int{16 << 10, 1 << 20} {
		status := rawStatus(t, s, "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+strings.Repeat("A", size)+"\r\nConnection: close\r\n\r\n")
		if status < 400 || status >= 500 {
			t.Errorf("%d-byte header: status %d, want a 4xx", size, status)
		}
		t.Logf("%d-byte Authorization header: %d", size, status)
	}
	s.request(t, "GET", "/v1/me", res.AccessToken, nil).expect(t, http.StatusOK)
	if strings.Contains(s.stderr.String(), `"msg":"panic"`) {
		t.Error("a token made the server panic")
	}
}

// brokenTokens are the classic forged and broken access tokens for the resident res: alg none,
// HMAC keyed with the public key, wrong or missing kid, key, claims and types, tampered
// signatures and malformed tokens. key and kid are the server's signing key; control is a
// genuine token forged with them.
func brokenTokens(t *testing.T, key ed25519.PrivateKey, kid string, res tokens, control string) []struct{ name, token string } {
	t.Helper()
	sub := res.User.ID
	pub := key.Public().(ed25519.PublicKey)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	noneTok := noneToken(t, sub)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	flipped := flipSignatureBit(t, control)
	parts := strings.Split(res.AccessToken, ".")

	return []struct{ name, token string }{
		{"alg none (admin role)", noneTok},
		{"alg none, signature kept", strings.Join(strings.Split(noneTok, ".")[:2], ".") + "." + parts[2]},
		{"HS256 keyed with the raw public key", hmacToken(t, pub, kid, sub)},
		{"HS256 keyed with the public key PEM", hmacToken(t, pubPEM, kid, sub)},
		{"wrong kid", forge(t, key, "0000000000000000", sub, nil)},
		{"no kid", forge(t, key, "", sub, nil)},
		{"another key under our kid", forge(t, otherKey, kid, sub, nil)},
		{"expired beyond leeway", forge(t, key, kid, sub, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-2 * jwtkeys.Leeway).Unix() })},
		{"missing exp", forge(t, key, kid, sub, func(c jwt.MapClaims) { delete(c, "exp") })},
		{"wrong issuer", forge(t, key, kid, sub, func(c jwt.MapClaims) { c["iss"] = "someone-else" })},
		{"wrong audience", forge(t, key, kid, sub, func(c jwt.MapClaims) { c["aud"] = []string{"ioc-console"} })},
		{"no audience", forge(t, key, kid, sub, func(c jwt.MapClaims) { delete(c, "aud") })},
		{"refresh type", forge(t, key, kid, sub, func(c jwt.MapClaims) { c["typ"] = "refresh" })},
		{"unknown role", forge(t, key, kid, sub, func(c jwt.MapClaims) { c["role"] = "superuser" })},
		{"no subject", forge(t, key, kid, sub, func(c jwt.MapClaims) { delete(c, "sub") })},
		{"issued in the future", forge(t, key, kid, sub, func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })},
		{"exp as a string", forge(t, key, kid, sub, func(c jwt.MapClaims) { c["exp"] = "tomorrow" })},
		{"refresh token as access token", res.RefreshToken},
		{"flipped signature bit", flipped},
		{"signature removed", parts[0] + "." + parts[1] + "."},
		{"header and payload swapped", parts[1] + "." + parts[0] + "." + parts[2]},
		{"3 KB token", res.AccessToken + strings.Repeat("A", 3<<10)},
		{"garbage", "a.b.c"},
	}
}

// hmacToken is a resident access token for sub signed with HS256 keyed with secret, under kid.
func hmacToken(t *testing.T, secret []byte, kid, sub string) string {
	t.Helper()
	c := jwt.MapClaims{"iss": "phananh", "aud": []string{"phananh-api"}, "sub": sub, "role": "resident",
		"typ": "access", "iat": time.Now().Unix(), "exp": time.Now().Add(10 * time.Minute).Unix()}
	tk := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tk.Header["kid"] = kid
	out, err := tk.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// noneToken is an unsigned (alg none) admin access token for sub.
func noneToken(t *testing.T, sub string) string {
	t.Helper()
	noneTok, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": "phananh", "aud": "phananh-api", "sub": sub,
		"role": "admin", "typ": "access", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return noneTok
}

// flipSignatureBit is token with one bit of its signature flipped.
func flipSignatureBit(t *testing.T, token string) string {
	t.Helper()
	flipped := []byte(token)
	// The last character of the signature carries only some significant bits; flip one in the
	// middle of the signature instead.
	mid := strings.LastIndexByte(token, '.') + 20
	flipped[mid] ^= 0x01
	if flipped[mid] == '.' || flipped[mid] == token[mid] {
		t.Fatal("bad flip")
	}
	return string(flipped)
}

// rawStatus writes a raw HTTP/1.1 request on a fresh connection and returns the status code of
// the answer; the request is written concurrently, since the server may answer (and close)
// before reading it all.
func rawStatus(t *testing.T, s *server, req string) int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	go func() { _, _ = conn.Write([]byte(req)) }()
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no status line: %v", err)
	}
	var proto string
	var status int
	if _, err := fmt.Sscanf(line, "%s %d", &proto, &status); err != nil {
		t.Fatalf("status line %q: %v", line, err)
	}
	return status
}

// TestJWTKeyRotation rotates the signing key with the previous key kept for verification
// (JWT_VERIFY_KEY_FILES): tokens of the old key stay valid until they expire and are refused
// once it is dropped; new tokens are signed with the new key.
func TestJWTKeyRotation(t *testing.T) {
	t.Parallel()
	first := startServer(t, storeKind{name: "sqlite"})
	oldTok := first.signInResident("0902223344")
	oldKeyFile := filepath.Join(first.dataDir, "jwt-ed25519.pem")
	oldKey := signingKey(t, oldKeyFile)
	oldKid := jwtkeys.KeyID(oldKey.Public().(ed25519.PublicKey))
	first.stop()

	// The old key is published as a public key only: the new servers cannot sign with it.
	pubDER, err := x509.MarshalPKIXPublicKey(oldKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	keysDir := t.TempDir()
	oldPub := filepath.Join(keysDir, "old.pub.pem")
	if err := os.WriteFile(oldPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	newKeyFile := filepath.Join(keysDir, "new.pem")
	same := []string{"DATA_DIR=" + first.dataDir, "JWT_KEY_FILE=" + newKeyFile}

	rotated := startServer(t, storeKind{name: "sqlite"}, append(same, "JWT_VERIFY_KEY_FILES="+oldPub)...)
	rotated.request(t, "GET", "/v1/me", oldTok.AccessToken, nil).expect(t, http.StatusOK)
	// A token of the old key that has expired is refused: "valid until expiry, then refused".
	expiredOld := forge(t, oldKey, oldKid, oldTok.User.ID, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-2 * jwtkeys.Leeway).Unix() })
	refusedToken(t, "expired token of the old key", rotated.request(t, "GET", "/v1/me", expiredOld, nil))
	newTok := rotated.signInResident("0902223344")
	newKid := tokenKid(t, newTok.AccessToken)
	if newKid == oldKid || newKid != jwtkeys.KeyID(signingKey(t, newKeyFile).Public().(ed25519.PublicKey)) {
		t.Errorf("new tokens carry kid %s; old kid %s", newKid, oldKid)
	}
	// Refresh tokens are opaque and stored: they survive the rotation and give new-key tokens.
	var refreshed tokens
	rotated.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": oldTok.RefreshToken}).expect(t, http.StatusOK).json(t, &refreshed)
	if k := tokenKid(t, refreshed.AccessToken); k != newKid {
		t.Errorf("refreshed token kid %s, want %s", k, newKid)
	}
	rotated.stop()

	// The old key is retired: its tokens are refused even before they expire; the new key's pass.
	retired := startServer(t, storeKind{name: "sqlite"}, same...)
	refusedToken(t, "token of a retired key", retired.request(t, "GET", "/v1/me", oldTok.AccessToken, nil))
	retired.request(t, "GET", "/v1/me", newTok.AccessToken, nil).expect(t, http.StatusOK)
	retired.stop()

	// A broken verification key file stops the start with a clear error instead of serving.
	bad := filepath.Join(keysDir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, env: []string{"DATA_DIR=" + first.dataDir, "JWT_KEY_FILE=" + newKeyFile, "JWT_VERIFY_KEY_FILES=" + bad}}
	if out, err := s.admin("", "stats", "rebuild"); err == nil || !strings.Contains(err.Error(), "JWT_VERIFY_KEY_FILES") {
		t.Errorf("a bad verification key was accepted: %v %s", err, out)
	}
}

// tokenKid reads the kid header of a JWT without verifying it.
func tokenKid(t *testing.T, tok string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid
}

// TestAuthAbuseBothStores: concurrent OTP guessing stops at the attempt limit, and an account
// lockout leaves an audit record an administrator can read — on both stores.
func TestAuthAbuseBothStores(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		const phone, e164 = "0933444555", "+84933444555"
		s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": phone}).expect(t, http.StatusAccepted)
		code := s.sms.code(e164)
		// 20 wrong guesses at once: no more than five are ever compared, the rest are refused.
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		for i := range statuses {
			wg.Go(func() {
				guess := fmt.Sprintf("%06d", (i*7919+13)%1000000)
				if guess == code {
					guess = "999999"
					if guess == code {
						guess = "999998"
					}
				}
				r, err := s.do("POST", "/v1/auth/otp/verify", "", map[string]string{"phone": phone, "code": guess})
				if err != nil {
					t.Error(err)
					return
				}
				statuses[i] = r.status
			})
		}
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusUnauthorized && st != http.StatusTooManyRequests {
				t.Errorf("guess %d: status %d", i, st)
			}
		}
		// The right code is now useless: the challenge is spent.
		r := s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": phone, "code": code})
		if r.status == http.StatusOK {
			t.Fatal("the right code signed in after 20 wrong guesses")
		}

		// Lockout and its audit record.
		admin := s.createOfficial("admin", "auditor", "")
		officer := s.createOfficial("officer", "canbo.lock", "longxuyen-2023.30280.cong_an")
		for i := 0; i < 5; i++ {
			s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "canbo.lock", "password": "wrong password " + fmt.Sprint(i)}).expect(t, http.StatusUnauthorized)
		}
		s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": "canbo.lock", "password": "correct horse battery"}).expect(t, http.StatusTooManyRequests)
		var audit struct {
			Records []struct {
				ActorID   string `json:"actor_id"`
				Action    string `json:"action"`
				SubjectID string `json:"subject_id"`
				Detail    string `json:"detail"`
			} `json:"records"`
		}
		s.request(t, "GET", "/v1/admin/audit?action=login_locked", admin.AccessToken, nil).expect(t, http.StatusOK).json(t, &audit)
		if len(audit.Records) != 1 || audit.Records[0].SubjectID != officer.User.ID || !strings.Contains(audit.Records[0].Detail, "127.0.0.1") {
			t.Errorf("login_locked audit = %+v, want one record for %s naming the IP", audit.Records, officer.User.ID)
		}
		// The records are for administrators only.
		s.request(t, "GET", "/v1/admin/audit?action=login_locked", officer.AccessToken, nil).expect(t, http.StatusForbidden)
	})
}
