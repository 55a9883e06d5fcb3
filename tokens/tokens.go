// Package tokens issues and verifies access tokens as asymmetric JWTs (EdDSA, Ed25519) with
// github.com/golang-jwt/jwt/v5: Signer implements app.TokenSigner, and LoadOrCreateKey and
// LoadVerifyKeys read the signing key and the keys still accepted during a rotation. Asymmetric
// keys let other services (the IOC, a console) verify tokens with the public key alone; the kid
// header tells which key signed a token, so a second key can be added for rotation.
package tokens

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"phananh/app"
	"phananh/models"
)

// Leeway tolerates small clock differences between servers when checking exp and iat.
const Leeway = 30 * time.Second

// Signer signs with one key and verifies with that key and any older public keys still trusted.
type Signer struct {
	priv     ed25519.PrivateKey
	kid      string
	keys     map[string]ed25519.PublicKey
	issuer   string
	audience string
}

// KeyID derives a stable kid from a public key, so every instance sharing a key agrees on it.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// New returns a Signer. extra public keys are accepted for verification only (key rotation: keep
// the previous key until the tokens it signed have expired).
func New(priv ed25519.PrivateKey, issuer, audience string, extra ...ed25519.PublicKey) *Signer {
	pub := priv.Public().(ed25519.PublicKey)
	s := &Signer{priv: priv, kid: KeyID(pub), keys: map[string]ed25519.PublicKey{}, issuer: issuer, audience: audience}
	s.keys[s.kid] = pub
	for _, k := range extra {
		s.keys[KeyID(k)] = k
	}
	return s
}

// KeyID is the kid of the signing key.
func (s *Signer) KeyID() string { return s.kid }

type accessClaims struct {
	jwt.RegisteredClaims
	Role string `json:"role"`
	Unit string `json:"unit,omitempty"`
	Type string `json:"typ"`
	// PasswordChange ("pwc") marks the token of an account that must change its password first.
	PasswordChange bool `json:"pwc,omitempty"`
	// Generation ("gen") is the account's token generation when the token was issued; tokens
	// of releases before it have none, which is generation 0.
	Generation int `json:"gen,omitempty"`
}

// SignAccess implements app.TokenSigner.
func (s *Signer) SignAccess(c app.AccessClaims, now time.Time) (string, error) {
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   c.UserID,
			Audience:  jwt.ClaimStrings{s.audience},
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
			IssuedAt:  jwt.NewNumericDate(now),
		},
		Role: string(c.Role),
		Unit: c.UnitID,
		Type: "access",

		PasswordChange: c.PasswordChange,
		Generation:     c.Generation,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	return t.SignedString(s.priv)
}

var errInvalid = models.Errorf(models.EUnauthorized, "invalid or expired access token")

// VerifyAccess implements app.TokenSigner: only EdDSA, a known kid, our issuer and audience, an
// exp claim, and the access type are accepted; every failure is the same EUnauthorized error.
func (s *Signer) VerifyAccess(token string, now time.Time) (app.AccessClaims, error) {
	if len(token) > 4096 {
		return app.AccessClaims{}, errInvalid
	}
	var claims accessClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := s.keys[kid]
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return k, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(s.audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil || claims.Type != "access" || claims.Subject == "" || !models.Role(claims.Role).Valid() {
		return app.AccessClaims{}, errInvalid
	}
	return app.AccessClaims{UserID: claims.Subject, Role: models.Role(claims.Role), UnitID: claims.Unit, ExpiresAt: claims.ExpiresAt.Time,
		PasswordChange: claims.PasswordChange, Generation: claims.Generation}, nil
}

// LoadOrCreateKey reads a PKCS#8 PEM Ed25519 private key from path, generating and writing one
// (mode 0600, atomically) when the file does not exist — the first start of a deployment.
func LoadOrCreateKey(path string, rand io.Reader) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(data)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create key directory: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	return priv, nil
}

// ParseKey decodes a PKCS#8 PEM Ed25519 private key.
func ParseKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("signing key: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("signing key: not an Ed25519 key")
	}
	return priv, nil
}

// ParsePublicKey decodes an Ed25519 key that verifies tokens: a PKIX "PUBLIC KEY" PEM block, or a
// PKCS#8 "PRIVATE KEY" block whose public half is taken (the previous signing key file, as it was
// deployed, can be kept as is during a rotation).
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("verification key: no PEM block")
	}
	if block.Type != "PUBLIC KEY" {
		priv, err := ParseKey(data)
		if err != nil {
			return nil, err
		}
		return priv.Public().(ed25519.PublicKey), nil
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("verification key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("verification key: not an Ed25519 key")
	}
	return pub, nil
}

// LoadVerifyKeys reads the extra verification keys of a rotation from a comma-separated list of
// PEM files (JWT_VERIFY_KEY_FILES): tokens signed by them stay valid until they expire, while new
// tokens are signed with the current key only. An empty list yields no keys.
func LoadVerifyKeys(list string) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for _, path := range strings.Split(list, ",") {
		path = strings.TrimSpace(path)
		if path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read verification key: %w", err)
		}
		pub, err := ParsePublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, pub)
	}
	return out, nil
}
