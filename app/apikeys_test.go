package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

// TestAPIKeyUseAndExpiry checks on the app's clock that a key's last use is written at most once
// a minute, that it stops at its expiry exactly (now ≥ ExpiresAt) and at once when revoked, and
// that only administrators manage keys.
func TestAPIKeyUseAndExpiry(t *testing.T) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	svc := newService(t, &now)
	ctx := context.Background()
	admin := models.Principal{UserID: "u-admin", Role: models.RoleAdmin}
	if _, _, err := svc.Auth.CreateAPIKey(ctx, models.Principal{UserID: "u-ioc", Role: models.RoleIOCOperator},
		app.NewAPIKey{Name: "x", Scope: models.ScopeStats}); !models.IsCode(err, models.EForbidden) {
		t.Fatalf("an IOC operator created a key: %v", err)
	}
	key, k, err := svc.Auth.CreateAPIKey(ctx, admin, app.NewAPIKey{Name: "dashboard", Scope: models.ScopeStats, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	lastUse := func() time.Time {
		t.Helper()
		keys, err := svc.Auth.ListAPIKeys(ctx, admin)
		if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
			t.Fatalf("ListAPIKeys: %v %+v", err, keys)
		}
		return keys[0].LastUsedAt
	}
	use := func(wantCode, wantWord string) {
		t.Helper()
		_, err := svc.Auth.AuthenticateAPIKey(ctx, key)
		if wantCode == "" && err != nil || wantCode != "" && (!models.IsCode(err, wantCode) || !strings.Contains(models.ErrorMessage(err), wantWord)) {
			t.Fatalf("at %v: %v, want %q (%s)", now, err, wantCode, wantWord)
		}
	}
	first := now
	use("", "")
	for _, step := range []time.Duration{10 * time.Second, 49 * time.Second} { // 59 s after the first use
		now = now.Add(step)
		use("", "")
		if got := lastUse(); !got.Equal(first) {
			t.Errorf("at %v the last use is %v, want it still %v", now, got, first)
		}
	}
	now = first.Add(time.Minute)
	use("", "")
	if got := lastUse(); !got.Equal(now) {
		t.Errorf("a minute later the last use is %v, want %v", got, now)
	}
	now = k.ExpiresAt.Add(-time.Millisecond)
	use("", "")
	now = k.ExpiresAt
	use(models.EUnauthorized, "expired")

	key, k, err = svc.Auth.CreateAPIKey(ctx, admin, app.NewAPIKey{Name: "export", Scope: models.ScopeExport})
	if err != nil {
		t.Fatal(err)
	}
	use("", "")
	if err := svc.Auth.RevokeAPIKey(ctx, admin, k.ID); err != nil {
		t.Fatal(err)
	}
	use(models.EUnauthorized, "revoked")
	if err := svc.Auth.RevokeAPIKey(ctx, admin, "missing"); !models.IsCode(err, models.ENotFound) {
		t.Errorf("revoking an unknown key: %v", err)
	}
}
