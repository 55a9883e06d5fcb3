package sqlite

import (
	"context"

	"phananh/models"
)

// AddConsent appends a consent record; a taken id is EConflict.
func (s *Store) AddConsent(ctx context.Context, c *models.Consent) error {
	_, err := s.exec(ctx, `INSERT INTO consents (id, user_id, purpose, version, granted, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.UserID, string(c.Purpose), c.Version, c.Granted, ms(c.At), c.Detail)
	return translate(err, "add consent", "consent")
}

// ConsentsOf lists the user's consent records oldest first.
func (s *Store) ConsentsOf(ctx context.Context, userID string) ([]models.Consent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, user_id, purpose, version, granted, at, detail FROM consents
		WHERE user_id = ? ORDER BY at, id`, userID)
	if err != nil {
		return nil, translate(err, "consents of", "consent")
	}
	defer rows.Close()
	var out []models.Consent
	for rows.Next() {
		var c models.Consent
		var purpose string
		var at int64
		if err := rows.Scan(&c.ID, &c.UserID, &purpose, &c.Version, &c.Granted, &at, &c.Detail); err != nil {
			return nil, translate(err, "consents of", "consent")
		}
		c.Purpose, c.At = models.ConsentPurpose(purpose), fromMs(at)
		out = append(out, c)
	}
	return out, translate(rows.Err(), "consents of", "consent")
}

// SetUserPhone moves the account id to phone; a phone another account holds is EConflict on
// the field phone, an unknown id ENotFound.
func (s *Store) SetUserPhone(ctx context.Context, id, phone string) error {
	res, err := s.exec(ctx, `UPDATE users SET phone = ? WHERE id = ?`, phone, id)
	if err != nil && isUnique(err) {
		return userConflict(err)
	}
	if err != nil {
		return translate(err, "set user phone", "user")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, "set user phone", "user")
	}
	if n == 0 {
		return notFound("user")
	}
	return nil
}
