package sqlite

import (
	"context"
	"encoding/json"

	"phananh/models"
)

// PutCalendarYear stores y, replacing what was stored for its year.
func (s *Store) PutCalendarYear(ctx context.Context, y *models.CalendarYear) error {
	daysOff, err := json.Marshal(nonNil(y.DaysOff))
	if err != nil {
		return err
	}
	swapped, err := json.Marshal(nonNil(y.SwappedWorkingDays))
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO calendar_years (year, days_off, swapped, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (year) DO UPDATE SET days_off = excluded.days_off, swapped = excluded.swapped,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		y.Year, string(daysOff), string(swapped), ms(y.UpdatedAt), y.UpdatedBy)
	return translate(err, "put calendar year", "calendar year")
}

// CalendarYears lists the stored years in year order.
func (s *Store) CalendarYears(ctx context.Context) ([]models.CalendarYear, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT year, days_off, swapped, updated_at, updated_by FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, translate(err, "list calendar years", "calendar year")
	}
	defer rows.Close()
	var out []models.CalendarYear
	for rows.Next() {
		var (
			y                models.CalendarYear
			daysOff, swapped string
			updatedAt        int64
		)
		if err := rows.Scan(&y.Year, &daysOff, &swapped, &updatedAt, &y.UpdatedBy); err != nil {
			return nil, translate(err, "list calendar years", "calendar year")
		}
		if err := json.Unmarshal([]byte(daysOff), &y.DaysOff); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(swapped), &y.SwappedWorkingDays); err != nil {
			return nil, err
		}
		y.UpdatedAt = fromMs(updatedAt)
		out = append(out, y)
	}
	return out, translate(rows.Err(), "list calendar years", "calendar year")
}

// nonNil stores an empty list as [] rather than null.
func nonNil(days []string) []string {
	if days == nil {
		return []string{}
	}
	return days
}
