package sqlite

import (
	"context"
	"strings"

	"phananh/models"
)

// userColumns are the columns read and written. failed_logins and locked_until (migration 0001)
// are no longer used: sign-in failures are counted in rate_counters, shared and atomic.
const userColumns = `id, role, phone, username, password_hash, unit_id, display_name, created_at, disabled,
	password_change_required, disabled_reason, token_generation, totp_secret, totp_pending, recovery_codes, title`

// CreateUser inserts u. Phone and username are unique only when non-empty, so officials without
// a phone and residents without a username never collide.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, string(u.Role), u.Phone, u.Username, u.PasswordHash, u.UnitID, u.DisplayName,
		ms(u.CreatedAt), u.Disabled, u.PasswordChangeRequired, u.DisabledReason, u.TokenGeneration,
		u.TOTPSecret, u.TOTPPending, strings.Join(u.RecoveryCodes, " "), u.Title)
	if err != nil && isUnique(err) {
		return userConflict(err)
	}
	return translate(err, "create user", "user")
}

// userConflict names the taken field so that the caller can say "username taken" rather than a
// generic conflict. SQLite's message ("UNIQUE constraint failed: users.phone") is stable.
func userConflict(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "users.phone"):
		e := models.FieldError(models.EConflict, "phone", "phone number is already registered")
		e.Err = err
		return e
	case strings.Contains(msg, "users.username"):
		e := models.FieldError(models.EConflict, "username", "username is already taken")
		e.Err = err
		return e
	}
	return models.WrapError(models.EConflict, err, "user already exists")
}

// UserByID returns the user with id, ENotFound if there is none.
func (s *Store) UserByID(ctx context.Context, id string) (*models.User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

// UserByPhone returns the user with phone; the empty phone belongs to nobody.
func (s *Store) UserByPhone(ctx context.Context, phone string) (*models.User, error) {
	if phone == "" {
		return nil, notFound("user")
	}
	// The repeated condition lets the planner use the partial index users_phone.
	return s.userWhere(ctx, "phone = ? AND phone <> ''", phone)
}

// UserByUsername returns the user with username; the empty username belongs to nobody.
func (s *Store) UserByUsername(ctx context.Context, username string) (*models.User, error) {
	if username == "" {
		return nil, notFound("user")
	}
	return s.userWhere(ctx, "username = ? AND username <> ''", username)
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (*models.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if err != nil {
		return nil, translate(err, "read user", "user")
	}
	return u, nil
}

// scanUser reads one row of userColumns.
func scanUser(row interface{ Scan(...any) error }) (*models.User, error) {
	var (
		u         models.User
		role      string
		createdAt int64
		recovery  string
	)
	err := row.Scan(&u.ID, &role, &u.Phone, &u.Username, &u.PasswordHash, &u.UnitID, &u.DisplayName,
		&createdAt, &u.Disabled, &u.PasswordChangeRequired, &u.DisabledReason, &u.TokenGeneration,
		&u.TOTPSecret, &u.TOTPPending, &recovery, &u.Title)
	if err != nil {
		return nil, err
	}
	u.RecoveryCodes = strings.Fields(recovery)
	u.Role = models.Role(role)
	u.CreatedAt = fromMs(createdAt)
	return &u, nil
}

// ListOfficials returns the official accounts matching q, by username. The substring match is
// a scan of the officials, who are a few thousand at most; residents are skipped by the role
// index.
func (s *Store) ListOfficials(ctx context.Context, q models.UserQuery) ([]models.User, error) {
	where := []string{"role <> ?", "username > ?"}
	args := []any{string(models.RoleResident), q.After}
	if q.Q != "" {
		where = append(where, "(instr(lower(username), ?) > 0 OR instr(lower(display_name), ?) > 0)")
		args = append(args, strings.ToLower(q.Q), strings.ToLower(q.Q))
	}
	if q.Role != "" {
		where, args = append(where, "role = ?"), append(args, string(q.Role))
	}
	if q.UnitID != "" {
		where, args = append(where, "unit_id = ?"), append(args, q.UnitID)
	}
	if q.Disabled != nil {
		where, args = append(where, "disabled = ?"), append(args, *q.Disabled)
	}
	args = append(args, q.Limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+strings.Join(where, " AND ")+
		` ORDER BY username LIMIT ?`, args...)
	if err != nil {
		return nil, translate(err, "list officials", "user")
	}
	defer rows.Close()
	out := []models.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, translate(err, "list officials", "user")
		}
		out = append(out, *u)
	}
	return out, translate(rows.Err(), "list officials", "user")
}

// UpdateUser overwrites the mutable fields of u.ID. Phone, username and creation time are
// identities, not settings: they are left as created.
func (s *Store) UpdateUser(ctx context.Context, u *models.User) error {
	res, err := s.exec(ctx, `UPDATE users SET role = ?, unit_id = ?, password_hash = ?,
		display_name = ?, disabled = ?, password_change_required = ?, disabled_reason = ?, token_generation = ?,
		totp_secret = ?, totp_pending = ?, recovery_codes = ?, title = ?
		WHERE id = ?`,
		string(u.Role), u.UnitID, u.PasswordHash, u.DisplayName, u.Disabled, u.PasswordChangeRequired,
		u.DisabledReason, u.TokenGeneration, u.TOTPSecret, u.TOTPPending, strings.Join(u.RecoveryCodes, " "), u.Title, u.ID)
	if err != nil {
		return translate(err, "update user", "user")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, "update user", "user")
	}
	if n == 0 {
		return notFound("user")
	}
	return nil
}

// CountUsers counts the users with role.
func (s *Store) CountUsers(ctx context.Context, role models.Role) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = ?`, string(role)).Scan(&n)
	if err != nil {
		return 0, translate(err, "count users", "user")
	}
	return n, nil
}
