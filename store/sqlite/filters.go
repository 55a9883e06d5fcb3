package sqlite

import (
	"context"

	"phananh/models"
)

// SavedFiltersOf lists a user's saved filters, oldest first.
func (s *Store) SavedFiltersOf(ctx context.Context, userID string) ([]models.SavedFilter, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, user_id, name, query, created_at FROM saved_filters
		WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, translate(err, "list saved filters", "saved filter")
	}
	defer rows.Close()
	var out []models.SavedFilter
	for rows.Next() {
		var f models.SavedFilter
		var at int64
		if err := rows.Scan(&f.ID, &f.UserID, &f.Name, &f.Query, &at); err != nil {
			return nil, translate(err, "list saved filters", "saved filter")
		}
		f.CreatedAt = fromMs(at)
		out = append(out, f)
	}
	return out, translate(rows.Err(), "list saved filters", "saved filter")
}

// PutSavedFilter inserts f.
func (s *Store) PutSavedFilter(ctx context.Context, f *models.SavedFilter) error {
	_, err := s.exec(ctx, `INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES (?, ?, ?, ?, ?)`,
		f.ID, f.UserID, f.Name, f.Query, ms(f.CreatedAt))
	return translate(err, "save filter", "saved filter")
}

// DeleteSavedFilter removes the user's filter; ENotFound when the user has none with that id.
func (s *Store) DeleteSavedFilter(ctx context.Context, userID, id string) error {
	res, err := s.exec(ctx, `DELETE FROM saved_filters WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return translate(err, "delete saved filter", "saved filter")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return models.Errorf(models.ENotFound, "saved filter not found")
	}
	return nil
}
