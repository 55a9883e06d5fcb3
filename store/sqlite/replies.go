package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"phananh/models"
)

const replyColumns = `id, unit_id, category, title, text, updated_by, updated_at`

// RepliesOf lists a unit's replies ordered by title.
func (s *Store) RepliesOf(ctx context.Context, unitID string) ([]models.CannedReply, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+replyColumns+` FROM canned_replies WHERE unit_id = ? ORDER BY title, id`, unitID)
	if err != nil {
		return nil, translate(err, "list replies", "reply")
	}
	defer rows.Close()
	var out []models.CannedReply
	for rows.Next() {
		r, err := scanReply(rows)
		if err != nil {
			return nil, translate(err, "list replies", "reply")
		}
		out = append(out, *r)
	}
	return out, translate(rows.Err(), "list replies", "reply")
}

// ReplyByID returns one reply; ENotFound when there is none.
func (s *Store) ReplyByID(ctx context.Context, id string) (*models.CannedReply, error) {
	r, err := scanReply(s.r.QueryRowContext(ctx, `SELECT `+replyColumns+` FROM canned_replies WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.Errorf(models.ENotFound, "reply not found")
	}
	return r, translate(err, "read reply", "reply")
}

// PutReply inserts r or replaces the reply with its id.
func (s *Store) PutReply(ctx context.Context, r *models.CannedReply) error {
	_, err := s.exec(ctx, `INSERT INTO canned_replies (`+replyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET unit_id = excluded.unit_id, category = excluded.category, title = excluded.title,
			text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		r.ID, r.UnitID, r.Category, r.Title, r.Text, r.UpdatedBy, ms(r.UpdatedAt))
	return translate(err, "put reply", "reply")
}

// DeleteReply removes a reply; ENotFound when there is none.
func (s *Store) DeleteReply(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM canned_replies WHERE id = ?`, id)
	if err != nil {
		return translate(err, "delete reply", "reply")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return models.Errorf(models.ENotFound, "reply not found")
	}
	return nil
}

func scanReply(row interface{ Scan(...any) error }) (*models.CannedReply, error) {
	var r models.CannedReply
	var at int64
	if err := row.Scan(&r.ID, &r.UnitID, &r.Category, &r.Title, &r.Text, &r.UpdatedBy, &at); err != nil {
		return nil, err
	}
	r.UpdatedAt = fromMs(at)
	return &r, nil
}
