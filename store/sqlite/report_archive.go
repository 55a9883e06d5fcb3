package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"phananh/models"
)

// PutArchivedReport stores r unless a report with its id exists.
func (s *Store) PutArchivedReport(ctx context.Context, r *models.ArchivedReport) (bool, error) {
	res, err := s.exec(ctx, `INSERT INTO report_archive (id, period, by_dim, generated_at, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, r.ID, r.Period, string(r.By), ms(r.GeneratedAt), r.Data)
	if err != nil {
		return false, translate(err, "archive report", "report")
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err, "archive report", "report")
}

// ArchivedReports lists the reports without their data, newest period first.
func (s *Store) ArchivedReports(ctx context.Context, limit int) ([]models.ArchivedReport, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, period, by_dim, generated_at FROM report_archive
		ORDER BY period DESC, id LIMIT ?`, limit)
	if err != nil {
		return nil, translate(err, "list reports", "report")
	}
	defer rows.Close()
	var out []models.ArchivedReport
	for rows.Next() {
		var r models.ArchivedReport
		var by string
		var at int64
		if err := rows.Scan(&r.ID, &r.Period, &by, &at); err != nil {
			return nil, translate(err, "list reports", "report")
		}
		r.By, r.GeneratedAt = models.StatsDimension(by), fromMs(at)
		out = append(out, r)
	}
	return out, translate(rows.Err(), "list reports", "report")
}

// ArchivedReport returns one report with its data.
func (s *Store) ArchivedReport(ctx context.Context, id string) (*models.ArchivedReport, error) {
	var r models.ArchivedReport
	var by string
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT id, period, by_dim, generated_at, data FROM report_archive WHERE id = ?`, id).
		Scan(&r.ID, &r.Period, &by, &at, &r.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.Errorf(models.ENotFound, "report not found")
	}
	if err != nil {
		return nil, translate(err, "read report", "report")
	}
	r.By, r.GeneratedAt = models.StatsDimension(by), fromMs(at)
	return &r, nil
}
