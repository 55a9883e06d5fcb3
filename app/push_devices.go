package app

import (
	"context"
	"slices"
	"strings"

	"phananh/models"
)

// DeviceInput is a phone's push registration, after transport decoding.
type DeviceInput struct {
	Token      string
	Platform   models.Platform
	Locale     string
	AppVersion string
}

// RegisterDevice records the caller's push token. It is idempotent (the app calls it on every
// start and whenever FCM rotates the token), moves a token that another account registered to
// the caller (the phone changed hands or accounts), and keeps at most
// models.MaxDevicesPerUser devices per user, dropping the least recently seen (devicesOverCap).
func (s *Devices) RegisterDevice(ctx context.Context, p models.Principal, in DeviceInput) (*models.Device, error) {
	if p.UserID == "" || p.Scope != "" {
		return nil, models.Errorf(models.EForbidden, "only signed-in users have devices")
	}
	now := s.clock()
	d := &models.Device{Token: in.Token, UserID: p.UserID, Platform: in.Platform, Locale: in.Locale, AppVersion: in.AppVersion,
		CreatedAt: now, LastSeenAt: now}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	prev, err := s.store.UpsertDevice(ctx, d)
	if err != nil {
		return nil, err
	}
	dropped, err := s.devicesOverCap(ctx, d.UserID, models.MaxDevicesPerUser)
	if err != nil {
		return nil, err
	}
	// The dropped devices leave the ward topics before they are deleted, as in UnregisterDevice:
	// a crash in between leaves a device over the cap, which the next registration drops again,
	// rather than a phone subscribed with no record of it.
	if err := s.syncDeviceTopics(ctx, d, prev, dropped); err != nil {
		return nil, err
	}
	for _, tok := range dropped {
		// Only if still the user's: a token that moved to another account meanwhile stays.
		if err := s.store.DeleteDevice(ctx, tok, d.UserID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// devicesOverCap lists, sorted, the tokens of the user's devices beyond the limit most recently
// seen (on equal LastSeenAt the greater token is kept: a deterministic tie-break, not a
// meaningful one). The cap is the app's rule rather than each store's, so that every store
// applies it alike with the reads and deletes it has anyway. It is not atomic with the upsert:
// while registrations by one user run concurrently the user may briefly have more than limit
// devices (a push fanned out then reaches them all), and one that fails between its upsert and
// its deletes leaves them so; the next registration of the user trims the list again. A device
// dropped at the moment it registers again is back at its following registration.
func (s *Devices) devicesOverCap(ctx context.Context, userID string, limit int) ([]string, error) {
	devs, err := s.store.DevicesOfUsers(ctx, []string{userID})
	if err != nil || len(devs) <= limit {
		return nil, err
	}
	slices.SortFunc(devs, func(a, b models.Device) int {
		if c := b.LastSeenAt.Compare(a.LastSeenAt); c != 0 {
			return c
		}
		return strings.Compare(b.Token, a.Token)
	})
	out := tokensOf(devs[limit:])
	slices.Sort(out)
	return out, nil
}

// UnregisterDevice removes one of the caller's tokens (sign-out); a token the caller does not
// own, or an unknown one, is left alone and reported as done, so a client can retry freely and
// learns nothing about other users' tokens.
func (s *Devices) UnregisterDevice(ctx context.Context, p models.Principal, token string) error {
	if p.UserID == "" || p.Scope != "" {
		return models.Errorf(models.EForbidden, "only signed-in users have devices")
	}
	if token == "" || len(token) > models.MaxDeviceTokenLen {
		return models.FieldError(models.EInvalid, "token", "token is required")
	}
	// Leave the ward topics first: a crash after the delete would leave the phone subscribed
	// with no record of it, while a crash before it leaves a device the client deletes again.
	devs, err := s.store.DevicesOfUsers(ctx, []string{p.UserID})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(devs, func(d models.Device) bool { return d.Token == token })
	if i < 0 {
		return nil
	}
	if err := s.leaveTopics(ctx, devs[i:i+1]); err != nil {
		return err
	}
	return s.store.DeleteDevice(ctx, token, p.UserID)
}

// MyDevices lists the caller's registered devices, most recently seen first, so an app can
// show them and remove one the resident no longer uses.
func (s *Devices) MyDevices(ctx context.Context, p models.Principal) ([]models.Device, error) {
	if p.UserID == "" || p.Scope != "" {
		return nil, models.Errorf(models.EForbidden, "only signed-in users have devices")
	}
	devs, err := s.store.DevicesOfUsers(ctx, []string{p.UserID})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(devs, func(a, b models.Device) int { return b.LastSeenAt.Compare(a.LastSeenAt) })
	return devs, nil
}

// Devices keeps the phones push messages go to and the ward topics residents subscribe to.
type Devices struct {
	*core
	store PushStore
}
