package sqlite

import (
	"context"
	"strings"

	"phananh/models"
)

// userColumns are the columns read and written. failed_logins and locked_until (migration 0001)
// are no longer used: sign-in failures are counted in rate_counters, shared and atomic.
const userColumns = `id, role, phone, username, password_hash, unit_id, display_name, created_at, disabled,
	password_change_required`

// CreateUser inserts u. Phone and username are unique only when non-empty, so officials without
// a phone and residents without a username never collide.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, string(u.Role), u.Phone, u.Username, u.PasswordHash, u.UnitID, u.DisplayName,
		ms(u.CreatedAt), u.Disabled, u.PasswordChangeRequired)
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
	var (
		u         models.User
		role      string
		createdAt int64
	)
	err := s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg).Scan(
		&u.ID, &role, &u.Phone, &u.Username, &u.PasswordHash, &u.UnitID, &u.DisplayName,
		&createdAt, &u.Disabled, &u.PasswordChangeRequired)
	if err != nil {
		return nil, translate(err, "read user", "user")
	}
	u.Role = models.Role(role)
	u.CreatedAt = fromMs(createdAt)
	return &u, nil
}

// UpdateUser overwrites the mutable fields of u.ID. Phone, username and creation time are
// identities, not settings: they are left as created.
func (s *Store) UpdateUser(ctx context.Context, u *models.User) error {
	res, err := s.exec(ctx, `UPDATE users SET role = ?, unit_id = ?, password_hash = ?,
		display_name = ?, disabled = ?, password_change_required = ? WHERE id = ?`,
		string(u.Role), u.UnitID, u.PasswordHash, u.DisplayName, u.Disabled, u.PasswordChangeRequired, u.ID)
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
