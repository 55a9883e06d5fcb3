package tokens

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"phananh/app"
	"phananh/models"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignVerifyRoundTrip(t *testing.T) {
	s := New(newKey(t), "phananh", "phananh-api")
	now := time.Now().Truncate(time.Second)
	in := app.AccessClaims{UserID: "u1", Role: models.RoleOfficer, UnitID: "longxuyen-2023.30280.cong_an", ExpiresAt: now.Add(15 * time.Minute)}
	tok, err := s.SignAccess(in, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.VerifyAccess(tok, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != in.UserID || got.Role != in.Role || got.UnitID != in.UnitID || !got.ExpiresAt.Equal(in.ExpiresAt) {
		t.Errorf("claims = %+v, want %+v", got, in)
	}
}

// TestVerifyRefusesForgedTokens covers the classic JWT attacks; every one must be refused with
// the same error.
func TestVerifyRefusesForgedTokens(t *testing.T) {
	key := newKey(t)
	s := New(key, "phananh", "phananh-api")
	now := time.Now()
	claims := func(mut func(c jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "phananh", "aud": []string{"phananh-api"}, "sub": "u1", "role": "resident",
			"typ": "access", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if mut != nil {
			mut(c)
		}
		return c
	}
	sign := func(c jwt.MapClaims, k ed25519.PrivateKey, kid string) string {
		tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tk.Header["kid"] = kid
		out, err := tk.SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	valid := sign(claims(nil), key, s.KeyID())
	if _, err := s.VerifyAccess(valid, now); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	pub := key.Public().(ed25519.PublicKey)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
	hs.Header["kid"] = s.KeyID()
	hsToken, _ := hs.SignedString([]byte(pub))
	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
	noneToken, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	flipped := []byte(valid)
	last := len(flipped) - 2
	if flipped[last] == 'A' {
		flipped[last] = 'B'
	} else {
		flipped[last] = 'A'
	}

	tests := map[string]string{
		"alg none":                  noneToken,
		"HS256 with the public key": hsToken,
		"unknown kid":               sign(claims(nil), key, "nope"),
		"other key":                 sign(claims(nil), newKey(t), s.KeyID()),
		"expired beyond leeway":     sign(claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * Leeway).Unix() }), key, s.KeyID()),
		"missing exp":               sign(claims(func(c jwt.MapClaims) { delete(c, "exp") }), key, s.KeyID()),
		"wrong issuer":              sign(claims(func(c jwt.MapClaims) { c["iss"] = "evil" }), key, s.KeyID()),
		"wrong audience":            sign(claims(func(c jwt.MapClaims) { c["aud"] = "other" }), key, s.KeyID()),
		"not an access token":       sign(claims(func(c jwt.MapClaims) { c["typ"] = "refresh" }), key, s.KeyID()),
		"unknown role":              sign(claims(func(c jwt.MapClaims) { c["role"] = "god" }), key, s.KeyID()),
		"issued in the future":      sign(claims(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() }), key, s.KeyID()),
		"flipped signature bit":     string(flipped),
		"huge token":                valid + strings.Repeat("A", 1<<20),
		"garbage":                   "not.a.jwt",
		"empty":                     "",
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := s.VerifyAccess(tok, now)
			if !models.IsCode(err, models.EUnauthorized) || models.ErrorMessage(err) != "invalid or expired access token" {
				t.Errorf("VerifyAccess = %v, want the generic unauthorized error", err)
			}
		})
	}
}

func TestRotationKeepsOldKeyForVerification(t *testing.T) {
	oldKey, newKeyV := newKey(t), newKey(t)
	now := time.Now()
	old := New(oldKey, "phananh", "phananh-api")
	tok, err := old.SignAccess(app.AccessClaims{UserID: "u", Role: models.RoleResident, ExpiresAt: now.Add(time.Minute)}, now)
	if err != nil {
		t.Fatal(err)
	}
	rotated := New(newKeyV, "phananh", "phananh-api", oldKey.Public().(ed25519.PublicKey))
	if _, err := rotated.VerifyAccess(tok, now); err != nil {
		t.Errorf("token of the previous key refused after rotation: %v", err)
	}
	if _, err := New(newKeyV, "phananh", "phananh-api").VerifyAccess(tok, now); err == nil {
		t.Error("token of a key no longer trusted accepted")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "jwt.pem")
	k1, err := LoadOrCreateKey(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Error("second load generated a new key instead of reading the file")
	}
	if err := os.WriteFile(path, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path, rand.Reader); err == nil {
		t.Error("a corrupt key file was accepted")
	}
}
