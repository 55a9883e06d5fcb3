package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// collReportArchive holds the periodic reports made on schedule, _id "2026-11-unit".
const collReportArchive = "report_archive"

type archivedReportDoc struct {
	ID          string    `bson:"_id"`
	Period      string    `bson:"period"`
	By          string    `bson:"by"`
	GeneratedAt time.Time `bson:"generated_at"`
	Data        []byte    `bson:"data,omitempty"`
}

func (d archivedReportDoc) report() models.ArchivedReport {
	return models.ArchivedReport{ID: d.ID, Period: d.Period, By: models.StatsDimension(d.By), GeneratedAt: utc(d.GeneratedAt), Data: d.Data}
}

// PutArchivedReport stores r unless a report with its id exists (the unique _id decides).
func (s *Store) PutArchivedReport(ctx context.Context, r *models.ArchivedReport) (bool, error) {
	_, err := s.coll(collReportArchive).InsertOne(ctx, archivedReportDoc{ID: r.ID, Period: r.Period, By: string(r.By),
		GeneratedAt: utc(r.GeneratedAt), Data: r.Data})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, translate(err, "archive report", "report")
}

// ArchivedReports lists the reports without their data, newest period first.
func (s *Store) ArchivedReports(ctx context.Context, limit int) ([]models.ArchivedReport, error) {
	cur, err := s.coll(collReportArchive).Find(ctx, bson.D{}, options.Find().
		SetSort(bson.D{{Key: "period", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "data", Value: 0}}))
	if err != nil {
		return nil, translate(err, "list reports", "report")
	}
	var docs []archivedReportDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "list reports", "report")
	}
	var out []models.ArchivedReport
	for _, d := range docs {
		out = append(out, d.report())
	}
	return out, nil
}

// ArchivedReport returns one report with its data.
func (s *Store) ArchivedReport(ctx context.Context, id string) (*models.ArchivedReport, error) {
	var d archivedReportDoc
	if err := s.coll(collReportArchive).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate(err, "read report", "report")
	}
	r := d.report()
	return &r, nil
}
