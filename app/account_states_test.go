package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
	"phananh/tokens"
)

// TestAccountStateExpiry runs two instances on one store with a fake clock: the instance that
// disables an account refuses its token at once; the other trusts what it read for 2 s at most
// and refuses the token from then on; enabling lets the holder sign in again, with a token of
// the new generation.
func TestAccountStateExpiry(t *testing.T) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	store := newStore(t, now)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	o := apptest.Options{Tokens: tokens.New(key, "phananh", "test"), Now: func() time.Time { return now }}
	a, b := apptest.New(t, store, o), apptest.New(t, store, o)
	ctx := context.Background()
	admin := models.Principal{UserID: "u-admin", Role: models.RoleAdmin}
	u, err := a.Auth.CreateOfficial(ctx, models.RoleIOCViewer, "viewer", "correct horse battery", "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := b.Auth.Login(ctx, "viewer", "correct horse battery", "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	check := func(svc *app.App, wantWord string) {
		t.Helper()
		_, err := svc.Auth.Authenticate(ctx, tok.AccessToken)
		if wantWord == "" && err != nil || wantWord != "" && (!models.IsCode(err, models.EUnauthorized) || !strings.Contains(models.ErrorMessage(err), wantWord)) {
			t.Fatalf("at %v: %v, want %q", now, err, wantWord)
		}
	}
	check(a, "")
	check(b, "") // b now trusts "enabled, generation 0" for 2 s
	if _, err := a.Auth.SetDisabled(ctx, admin, u.ID, true, "left"); err != nil {
		t.Fatal(err)
	}
	check(a, "disabled")
	now = now.Add(1999 * time.Millisecond)
	check(b, "")
	now = now.Add(time.Millisecond)
	check(b, "disabled")
	if _, err := b.Auth.Refresh(ctx, tok.RefreshToken); !models.IsCode(err, models.EUnauthorized) {
		t.Fatalf("refresh of a disabled account: %v", err)
	}
	if _, err := b.Auth.Login(ctx, "viewer", "correct horse battery", "", "192.0.2.1"); !models.IsCode(err, models.EUnauthorized) ||
		!strings.Contains(models.ErrorMessage(err), "disabled") {
		t.Fatalf("sign-in of a disabled account: %v", err)
	}
	if _, err := a.Auth.SetDisabled(ctx, admin, u.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	check(b, "session has ended") // enabled again, but the old generation stays ended
	tok, err = b.Auth.Login(ctx, "viewer", "correct horse battery", "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	check(a, "")
	check(b, "")
	if _, err := a.Auth.SetDisabled(ctx, admin, admin.UserID, true, "oops"); !models.IsCode(err, models.EConflict) {
		t.Errorf("an administrator disabled their own account: %v", err)
	}
	if _, err := a.Auth.SetDisabled(ctx, models.Principal{UserID: "x", Role: models.RoleIOCOperator}, u.ID, true, "x"); !models.IsCode(err, models.EForbidden) {
		t.Errorf("an IOC operator disabled an account: %v", err)
	}
}
