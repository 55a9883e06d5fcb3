package tokens

import (
	"crypto/ed25519"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

// BenchmarkVerifyAccess measures the check every authenticated request pays: parsing an EdDSA
// JWT, verifying its signature and its claims.
func BenchmarkVerifyAccess(b *testing.B) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	s := New(priv, "phananh", "phananh-api")
	now := time.Date(2026, time.November, 27, 3, 0, 0, 0, time.UTC)
	tok, err := s.SignAccess(app.AccessClaims{UserID: "user-1", Role: models.RoleOfficer, UnitID: "longxuyen-2023.30280.cong_an",
		ExpiresAt: now.Add(15 * time.Minute)}, now)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.VerifyAccess(tok, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignAccess measures issuing a token (each sign-in and refresh).
func BenchmarkSignAccess(b *testing.B) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	s := New(priv, "phananh", "phananh-api")
	now := time.Date(2026, time.November, 27, 3, 0, 0, 0, time.UTC)
	c := app.AccessClaims{UserID: "user-1", Role: models.RoleResident, ExpiresAt: now.Add(15 * time.Minute)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignAccess(c, now); err != nil {
			b.Fatal(err)
		}
	}
}
