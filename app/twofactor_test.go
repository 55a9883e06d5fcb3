package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // RFC 6238 TOTP
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
)

// totpCode is the RFC 6238 code (SHA-1, 6 digits, 30 s) of the base32 secret at t.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1_000_000)
}

// TestTwoFactorClock drives the second factor with an injected clock: a code is accepted in its
// step and one step either side, once; two steps away it is refused; without the key the
// second factor is unavailable.
func TestTwoFactorClock(t *testing.T) {
	now := time.Date(2026, 3, 2, 2, 0, 10, 0, time.UTC)
	store := newStore(t, now)
	cfg := app.DefaultConfig()
	cfg.TwoFactorKey = make([]byte, 32)
	a := apptest.New(t, store, apptest.Options{Config: &cfg, Now: func() time.Time { return now }})
	ctx := context.Background()
	const pw = "correct horse battery"
	u, err := a.Auth.CreateOfficial(ctx, models.RoleAdmin, "tf.clock", pw, "")
	if err != nil {
		t.Fatal(err)
	}
	p := models.Principal{UserID: u.ID, Role: u.Role}
	e, err := a.Auth.EnrollTwoFactor(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.ConfirmTwoFactor(ctx, p, totpCode(t, e.Secret, now)); err != nil {
		t.Fatal(err)
	}
	login := func(otp string) error {
		_, err := a.Auth.Login(ctx, "tf.clock", pw, otp, "192.0.2.7")
		return err
	}
	early := totpCode(t, e.Secret, now)
	now = now.Add(30 * time.Second)
	if err := login(early); !models.IsCode(err, models.EUnauthorized) {
		t.Errorf("the confirmation's code again, one step later: %v, want unauthorized (replay)", err)
	}
	if err := login(totpCode(t, e.Secret, now.Add(30*time.Second))); err != nil {
		t.Errorf("the next step's code (drift): %v", err)
	}
	if err := login(totpCode(t, e.Secret, now.Add(-30*time.Second+time.Minute))); !models.IsCode(err, models.EUnauthorized) {
		t.Errorf("the same step's code again: %v, want unauthorized", err)
	}
	if err := login(totpCode(t, e.Secret, now.Add(-60*time.Second))); !models.IsCode(err, models.EUnauthorized) {
		t.Errorf("a code two steps old: %v, want unauthorized", err)
	}
	if err := login(totpCode(t, e.Secret, now)); err != nil {
		t.Errorf("the current step's code: %v", err)
	}
	if err := login(""); !models.IsCode(err, models.ESecondFactorRequired) {
		t.Errorf("no code: %v, want second_factor_required", err)
	}

	cfg.TwoFactorKey = nil
	b := apptest.New(t, store, apptest.Options{Config: &cfg, Now: func() time.Time { return now }})
	if _, err := b.Auth.Login(ctx, "tf.clock", pw, totpCode(t, e.Secret, now), "192.0.2.8"); !models.IsCode(err, models.EUnavailable) {
		t.Errorf("sign-in on an instance without the key: %v, want unavailable", err)
	}
}
