package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// collCalendarYears holds the working calendar's years as administrators entered them, one
// document per year (_id: the year).
const collCalendarYears = "calendar_years"

type calendarYearDoc struct {
	Year      int       `bson:"_id"`
	DaysOff   []string  `bson:"days_off"`
	Swapped   []string  `bson:"swapped"`
	UpdatedAt time.Time `bson:"updated_at"`
	UpdatedBy string    `bson:"updated_by"`
}

// PutCalendarYear stores y, replacing what was stored for its year.
func (s *Store) PutCalendarYear(ctx context.Context, y *models.CalendarYear) error {
	d := calendarYearDoc{Year: y.Year, DaysOff: nonNilDays(y.DaysOff), Swapped: nonNilDays(y.SwappedWorkingDays),
		UpdatedAt: utc(y.UpdatedAt), UpdatedBy: y.UpdatedBy}
	_, err := s.coll(collCalendarYears).ReplaceOne(ctx, bson.D{{Key: "_id", Value: y.Year}}, d, options.Replace().SetUpsert(true))
	return translate(err, "put calendar year", "calendar year")
}

// CalendarYears lists the stored years in year order.
func (s *Store) CalendarYears(ctx context.Context) ([]models.CalendarYear, error) {
	docs, err := findAll[calendarYearDoc](ctx, s.coll(collCalendarYears), "list calendar years")
	if err != nil {
		return nil, err
	}
	var out []models.CalendarYear
	for _, d := range docs {
		out = append(out, models.CalendarYear{Year: d.Year, DaysOff: d.DaysOff, SwappedWorkingDays: d.Swapped,
			UpdatedAt: utc(d.UpdatedAt), UpdatedBy: d.UpdatedBy})
	}
	return out, nil
}

// nonNilDays stores an empty list as [] rather than null.
func nonNilDays(days []string) []string {
	if days == nil {
		return []string{}
	}
	return days
}
