package app

import (
	"context"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"phananh/models"
)

// MinPasswordLength is the shortest password an official may have.
const MinPasswordLength = 10

// CreateOfficial creates a password account for a role other than resident. Officers and
// leaders must name an existing unit.
func (s *Auth) CreateOfficial(ctx context.Context, role models.Role, username, password, unitID string) (*models.User, error) {
	return s.createOfficial(ctx, role, username, password, unitID, officialProfile{}, false)
}

// createOfficial is CreateOfficial; changeRequired marks a password the account holder did not
// choose, which must be changed at the first sign-in.
func (s *Auth) createOfficial(ctx context.Context, role models.Role, username, password, unitID string, profile officialProfile,
	changeRequired bool) (*models.User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	switch {
	case !role.Official():
		return nil, models.FieldError(models.EInvalid, "role", "role must be one of officer, leader, ioc_operator, ioc_viewer, admin")
	case username == "" || len(username) > 64 || strings.Trim(username, "abcdefghijklmnopqrstuvwxyz0123456789._-") != "":
		return nil, models.FieldError(models.EInvalid, "username", "username must be 1–64 characters of a–z, 0–9, '.', '_' or '-'")
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return nil, models.FieldError(models.EInvalid, "password", "password must have at least %d characters", MinPasswordLength)
	case utf8.RuneCountInString(profile.name) > maxDisplayName:
		return nil, models.FieldError(models.EInvalid, "display_name", "display_name must have at most %d characters", maxDisplayName)
	case utf8.RuneCountInString(profile.title) > maxDisplayName:
		return nil, models.FieldError(models.EInvalid, "title", "title must have at most %d characters", maxDisplayName)
	case role.NeedsUnit() && unitID == "":
		return nil, models.FieldError(models.EInvalid, "unit_id", "role %s needs a unit", role)
	}
	if unitID != "" {
		if _, ok := s.cat.Unit(unitID); !ok {
			return nil, models.FieldError(models.EInvalid, "unit_id", "unknown unit %q", unitID)
		}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	u := &models.User{ID: id, Role: role, Username: username, PasswordHash: hash, UnitID: unitID, CreatedAt: s.clock(),
		DisplayName: profile.name, Title: profile.title, PasswordChangeRequired: changeRequired}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if models.IsCode(err, models.EConflict) {
			return nil, models.FieldError(models.EConflict, "username", "username %q is taken", username)
		}
		return nil, err
	}
	return u, nil
}

// EnsureAdmin creates the first administrator when there is none and returns its one-time
// password (created=false and no password when an administrator exists). The password travels
// through a terminal or a file, so it must be changed at the first sign-in: until then the
// account's tokens serve only the password change (models.Principal.PasswordChange).
func (s *Auth) EnsureAdmin(ctx context.Context) (username, password string, created bool, err error) {
	n, err := s.store.CountUsers(ctx, models.RoleAdmin)
	if err != nil || n > 0 {
		return "", "", false, err
	}
	if password, err = s.oneTimePassword(); err != nil {
		return "", "", false, err
	}
	if _, err := s.createOfficial(ctx, models.RoleAdmin, "admin", password, "", officialProfile{}, true); err != nil {
		return "", "", false, err
	}
	return "admin", password, true, nil
}

// officialProfile is how an official is shown to colleagues: their name and position.
type officialProfile struct{ name, title string }

// maxDisplayName is the longest display name (and position) an official may have.
const maxDisplayName = 100

// oneTimePassword draws a password for someone else to hand over (120 random bits); it must be
// changed at the first sign-in.
func (s *Auth) oneTimePassword() (string, error) {
	raw, err := s.secret(15)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// requireAdmin refuses anyone but an administrator signed in as a person (a machine key has no
// role) for what, named in the refusal: "the audit log is for administrators".
func requireAdmin(p models.Principal, what string) error {
	if p.Role != models.RoleAdmin || p.Scope != "" {
		return models.Errorf(models.EForbidden, "%s is for administrators", what)
	}
	return nil
}
