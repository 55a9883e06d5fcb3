package app

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"phananh/models"
)

// Accounts administration: administrators (the API, or the operator's command line as
// CommandLine) list officials, create them with a one-time password, move them to another unit
// or role, disable and enable accounts (residents too: blocking), and reset passwords. Every
// change that must end the account's sessions bumps its token generation (Authenticate refuses
// older tokens on every instance within accountStateTTL) and revokes its refresh tokens where
// the holder must sign in again. Each change is a read-modify-write of the account: two
// administrators changing the same account at the same instant may lose one change, which the
// audit log then shows.

// officialsPageMax bounds a page of ListOfficials; officialsPageDefault is the page without a limit.
const (
	officialsPageDefault = 50
	officialsPageMax     = 200
)

// ListOfficials returns a page of official accounts matching q and the cursor of the next page
// ("" on the last). The cursor is the last username listed.
func (s *Auth) ListOfficials(ctx context.Context, by models.Principal, q models.UserQuery) ([]models.User, string, error) {
	if err := requireAdmin(by, "account administration"); err != nil {
		return nil, "", err
	}
	switch {
	case q.Role != "" && !q.Role.Official():
		return nil, "", models.FieldError(models.EInvalid, "role", "role must be one of %s", officialRoles())
	case q.Limit < 0 || q.Limit > officialsPageMax:
		return nil, "", models.FieldError(models.EInvalid, "limit", "limit must be 1–%d", officialsPageMax)
	case q.Limit == 0:
		q.Limit = officialsPageDefault
	}
	q.Q = strings.TrimSpace(q.Q)
	want := q.Limit
	q.Limit++
	users, err := s.store.ListOfficials(ctx, q)
	if err != nil {
		return nil, "", err
	}
	if len(users) > want {
		users = users[:want]
		return users, users[want-1].Username, nil
	}
	return users, "", nil
}

// officialRoles is the official roles for messages.
func officialRoles() string {
	var names []string
	for _, r := range models.Roles {
		if r.Official() {
			names = append(names, string(r))
		}
	}
	return strings.Join(names, ", ")
}

// NewOfficial is what an administrator gives to create an official account.
type NewOfficial struct {
	Username    string
	Role        models.Role
	UnitID      string
	DisplayName string
	Title       string // the official's position, e.g. "Phó Trưởng Công an phường"
}

// CreateOfficialAccount creates an official account with a generated one-time password, returned
// this once; the holder must change it at the first sign-in. The creation is audited.
func (s *Auth) CreateOfficialAccount(ctx context.Context, by models.Principal, in NewOfficial) (string, *models.User, error) {
	if err := requireAdmin(by, "account administration"); err != nil {
		return "", nil, err
	}
	password, err := s.oneTimePassword()
	if err != nil {
		return "", nil, err
	}
	u, err := s.createOfficial(ctx, in.Role, in.Username, password, in.UnitID,
		officialProfile{strings.TrimSpace(in.DisplayName), strings.TrimSpace(in.Title)}, true)
	if err != nil {
		return "", nil, err
	}
	detail := fmt.Sprintf("username=%s role=%s unit=%q", u.Username, u.Role, u.UnitID)
	if err := s.audit(ctx, by, "user_create", "", u.ID, detail); err != nil {
		return "", nil, err
	}
	return password, u, nil
}

// account returns the account id for an administrator; officialsOnly refuses residents as if
// they did not exist (they have no unit, role or password to change).
func (s *Auth) account(ctx context.Context, id string, officialsOnly bool) (*models.User, error) {
	u, err := s.store.UserByID(ctx, id)
	if models.IsCode(err, models.ENotFound) || (err == nil && officialsOnly && !u.Role.Official()) {
		return nil, models.Errorf(models.ENotFound, "no official account with id %q", id)
	}
	return u, err
}

// AccountByName finds an account by username or, for a phone number, a resident's: the
// command line names accounts that way.
func (s *Auth) AccountByName(ctx context.Context, name string) (*models.User, error) {
	var (
		u   *models.User
		err error
	)
	if phone, perr := models.NormalizePhone(name); perr == nil && name != "" && strings.ContainsAny(name[:1], "+0123456789") {
		u, err = s.store.UserByPhone(ctx, phone)
	} else {
		u, err = s.store.UserByUsername(ctx, strings.ToLower(strings.TrimSpace(name)))
	}
	if models.IsCode(err, models.ENotFound) {
		return nil, models.Errorf(models.ENotFound, "no account with username or phone %q", name)
	}
	return u, err
}

// OfficialChange is a move of an official: nil fields stay as they are.
type OfficialChange struct {
	Role        *models.Role
	UnitID      *string
	DisplayName *string
	Title       *string
}

// UpdateOfficial moves an official to another unit and/or role, or renames them. A move bumps
// the token generation, so tokens naming the old unit or role end at once; refresh tokens stay,
// since the next refresh issues tokens of the new unit. Tickets keep their history, whose
// events name actors by id. An administrator cannot change their own role (it would lock the
// last one out). Audited with the values before and after.
func (s *Auth) UpdateOfficial(ctx context.Context, by models.Principal, id string, ch OfficialChange) (*models.User, error) {
	if err := requireAdmin(by, "account administration"); err != nil {
		return nil, err
	}
	u, err := s.account(ctx, id, true)
	if err != nil {
		return nil, err
	}
	next := *u
	if ch.Role != nil {
		next.Role = *ch.Role
	}
	if ch.UnitID != nil {
		next.UnitID = strings.TrimSpace(*ch.UnitID)
	}
	if ch.DisplayName != nil {
		next.DisplayName = strings.TrimSpace(*ch.DisplayName)
	}
	if ch.Title != nil {
		next.Title = strings.TrimSpace(*ch.Title)
	}
	if err := s.checkOfficial(by, u, &next); err != nil {
		return nil, err
	}
	var changes []string
	for _, f := range [][3]string{{"role", string(u.Role), string(next.Role)}, {"unit", u.UnitID, next.UnitID},
		{"display_name", u.DisplayName, next.DisplayName}, {"title", u.Title, next.Title}} {
		if f[1] != f[2] {
			changes = append(changes, fmt.Sprintf("%s %q→%q", f[0], f[1], f[2]))
		}
	}
	if len(changes) == 0 {
		return u, nil
	}
	if next.Role != u.Role || next.UnitID != u.UnitID {
		next.TokenGeneration++
	}
	if err := s.store.UpdateUser(ctx, &next); err != nil {
		return nil, err
	}
	s.states.forget(id)
	if err := s.audit(ctx, by, "user_update", "", id, strings.Join(changes, "; ")); err != nil {
		return nil, err
	}
	return &next, nil
}

// checkOfficial validates an official's new role, unit and display name.
func (s *Auth) checkOfficial(by models.Principal, before, u *models.User) error {
	switch {
	case !u.Role.Official():
		return models.FieldError(models.EInvalid, "role", "role must be one of %s", officialRoles())
	case before.ID == by.UserID && u.Role != before.Role:
		return models.FieldError(models.EConflict, "role", "administrators cannot change their own role")
	case u.Role.NeedsUnit() && u.UnitID == "":
		return models.FieldError(models.EInvalid, "unit_id", "role %s needs a unit", u.Role)
	case utf8.RuneCountInString(u.DisplayName) > maxDisplayName:
		return models.FieldError(models.EInvalid, "display_name", "display_name must have at most %d characters", maxDisplayName)
	case utf8.RuneCountInString(u.Title) > maxDisplayName:
		return models.FieldError(models.EInvalid, "title", "title must have at most %d characters", maxDisplayName)
	}
	if u.UnitID != "" && u.UnitID != before.UnitID {
		if _, ok := s.cat.Unit(u.UnitID); !ok {
			return models.FieldError(models.EInvalid, "unit_id", "unknown unit %q", u.UnitID)
		}
	}
	return nil
}

// maxDisableReason is the longest reason an administrator may give for disabling an account.
const maxDisableReason = 500

// SetDisabled disables (with a reason, required) or enables the account id — an official, or a
// resident, which is then blocked: a blocked phone is refused new sign-in codes. Disabling
// bumps the token generation and revokes every refresh token, so every session ends on every
// instance within accountStateTTL and sign-ins are refused; enabling lets the holder sign in
// again. Administrators cannot disable themselves. Audited with the state before and after and
// the reason ("enabled→disabled: left the ward office").
func (s *Auth) SetDisabled(ctx context.Context, by models.Principal, id string, disabled bool, reason string) (*models.User, error) {
	if err := requireAdmin(by, "account administration"); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case disabled && reason == "":
		return nil, models.FieldError(models.EInvalid, "reason", "a reason is required to disable an account")
	case utf8.RuneCountInString(reason) > maxDisableReason:
		return nil, models.FieldError(models.EInvalid, "reason", "reason must have at most %d characters", maxDisableReason)
	case disabled && id == by.UserID:
		return nil, models.Errorf(models.EConflict, "administrators cannot disable their own account")
	}
	u, err := s.store.UserByID(ctx, id)
	if models.IsCode(err, models.ENotFound) {
		return nil, models.Errorf(models.ENotFound, "no account with id %q", id)
	} else if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%s→%s", enabledWord(u.Disabled), enabledWord(disabled))
	if reason != "" {
		// The audit log is a hash chain nothing may edit, so a phone number typed into the
		// reason would outlive the resident's erasure: it is kept out at the source.
		detail += ": " + ScrubText(reason)
	}
	u.Disabled, u.DisabledReason = disabled, reason
	action := "user_enable"
	if disabled {
		action = "user_disable"
		u.TokenGeneration++
	}
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if disabled {
		if err := s.store.RevokeUserRefreshTokens(ctx, id, s.clock()); err != nil {
			return nil, err
		}
	}
	s.states.forget(id)
	if err := s.audit(ctx, by, action, "", id, detail); err != nil {
		return nil, err
	}
	return u, nil
}

// enabledWord names an account's state in audit details.
func enabledWord(disabled bool) string {
	if disabled {
		return "disabled"
	}
	return "enabled"
}

// ResetPassword gives the official id a generated one-time password, returned this once, which
// must be changed at the next sign-in; every session of the account ends (token generation,
// refresh tokens). Audited, without the password.
func (s *Auth) ResetPassword(ctx context.Context, by models.Principal, id string) (string, *models.User, error) {
	if err := requireAdmin(by, "account administration"); err != nil {
		return "", nil, err
	}
	u, err := s.account(ctx, id, true)
	if err != nil {
		return "", nil, err
	}
	password, err := s.oneTimePassword()
	if err != nil {
		return "", nil, err
	}
	if u.PasswordHash, err = HashPassword(password); err != nil {
		return "", nil, err
	}
	u.PasswordChangeRequired = true
	u.TokenGeneration++
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return "", nil, err
	}
	if err := s.store.RevokeUserRefreshTokens(ctx, id, s.clock()); err != nil {
		return "", nil, err
	}
	s.states.forget(id)
	if err := s.audit(ctx, by, "password_reset", "", id, "one-time password set by an administrator; every session signed out"); err != nil {
		return "", nil, err
	}
	return password, u, nil
}
