package app_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

// TestDeviceCap checks the cap on devices per user, which is the app's rule (the stores only
// upsert, list and delete): a user keeps the models.MaxDevicesPerUser devices seen most
// recently, on equal LastSeenAt the greater token; the dropped ones leave the user's ward
// topics; registering a kept device again drops nothing; other users' devices are untouched;
// and a user left over the cap (as concurrent registrations may leave them) is trimmed by the
// next registration.
func TestDeviceCap(t *testing.T) {
	start := vn("2026-11-25 08:00")
	now := start
	store := newStore(t, now)
	svc := newServiceOn(t, store, &now, nil)
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	sub, _, err := svc.Devices.Subscribe(context.Background(), resident, "30280")
	if err != nil {
		t.Fatal(err)
	}
	registerAt(t, svc, models.Principal{UserID: "r2", Role: models.RoleResident}, "other")
	var kept []string
	for i := range models.MaxDevicesPerUser + 2 {
		now = start.Add(time.Duration(i+1) * time.Minute)
		tok := fmt.Sprintf("tok-%02d", i)
		registerAt(t, svc, resident, tok)
		kept = append(kept, tok)
	}
	kept = kept[2:]
	wantDevices(t, store, "r1", kept)
	wantDevices(t, store, "r2", []string{"other"})
	wantLeft(t, store, sub.Topic, []string{"tok-00", "tok-01"})

	now = start.Add(13 * time.Minute) // tok-02 seen again: the newest, nothing dropped
	registerAt(t, svc, resident, "tok-02")
	wantDevices(t, store, "r1", kept)

	// Two devices the cap has not seen yet, last seen with tok-03: the user is over the cap.
	for _, tok := range []string{"x-a", "x-b"} {
		d := &models.Device{Token: tok, UserID: "r1", Platform: models.PlatformAndroid,
			CreatedAt: start.Add(4 * time.Minute), LastSeenAt: start.Add(4 * time.Minute)}
		if _, err := store.UpsertDevice(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	now = start.Add(15 * time.Minute)
	registerAt(t, svc, resident, "tok-11")
	// Of the three seen at minute 4, x-b (the greatest token) stays; x-a and tok-03 go.
	kept = append(slices.DeleteFunc(kept, func(tok string) bool { return tok == "tok-03" }), "x-b")
	slices.Sort(kept)
	wantDevices(t, store, "r1", kept)
	wantDevices(t, store, "r2", []string{"other"})
	wantLeft(t, store, sub.Topic, []string{"tok-00", "tok-01", "tok-03", "x-a"})
}

// registerAt registers token for p through the app, as the phone's app does on every start.
func registerAt(t *testing.T, svc *app.App, p models.Principal, token string) {
	t.Helper()
	d, err := svc.Devices.RegisterDevice(context.Background(), p, app.DeviceInput{Token: token, Platform: models.PlatformAndroid})
	if err != nil {
		t.Fatalf("RegisterDevice %s: %v", token, err)
	}
	if d.Token != token || d.UserID != p.UserID {
		t.Errorf("RegisterDevice %s returned %+v", token, d)
	}
}

// wantDevices checks the tokens of the user's devices, sorted.
func wantDevices(t *testing.T, store app.Store, user string, want []string) {
	t.Helper()
	devs, err := store.DevicesOfUsers(context.Background(), []string{user})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range devs {
		got = append(got, d.Token)
	}
	if !slices.Equal(got, want) {
		t.Errorf("devices of %s = %v, want %v", user, got, want)
	}
}

// wantLeft checks that exactly the tokens left are queued to leave topic; every other token
// queued for it is to join.
func wantLeft(t *testing.T, store app.Store, topic string, left []string) {
	t.Helper()
	ops, err := store.TopicOps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range ops {
		if op.Topic == topic && !op.Subscribe {
			got = append(got, op.Token)
		}
	}
	if !slices.Equal(got, left) {
		t.Errorf("tokens queued to leave %s = %v, want %v", topic, got, left)
	}
}
