package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// collSavedFilters holds the officials' saved queue filters.
const collSavedFilters = "saved_filters"

// savedFilterIndexes serve a user's list, oldest first.
func savedFilterIndexes() []indexSpec {
	return []indexSpec{
		{collSavedFilters, "user_created", bson.D{{Key: "user_id", Value: 1}, {Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}, false},
	}
}

type savedFilterDoc struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	Name      string    `bson:"name"`
	Query     string    `bson:"query"`
	CreatedAt time.Time `bson:"created_at"`
}

// SavedFiltersOf lists a user's saved filters, oldest first.
func (s *Store) SavedFiltersOf(ctx context.Context, userID string) ([]models.SavedFilter, error) {
	cur, err := s.coll(collSavedFilters).Find(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "list saved filters", "saved filter")
	}
	var docs []savedFilterDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "list saved filters", "saved filter")
	}
	var out []models.SavedFilter
	for _, d := range docs {
		out = append(out, models.SavedFilter{ID: d.ID, UserID: d.UserID, Name: d.Name, Query: d.Query, CreatedAt: utc(d.CreatedAt)})
	}
	return out, nil
}

// PutSavedFilter inserts f.
func (s *Store) PutSavedFilter(ctx context.Context, f *models.SavedFilter) error {
	_, err := s.coll(collSavedFilters).InsertOne(ctx, savedFilterDoc{ID: f.ID, UserID: f.UserID, Name: f.Name, Query: f.Query,
		CreatedAt: utc(f.CreatedAt)})
	return translate(err, "save filter", "saved filter")
}

// DeleteSavedFilter removes the user's filter; ENotFound when the user has none with that id.
func (s *Store) DeleteSavedFilter(ctx context.Context, userID, id string) error {
	res, err := s.coll(collSavedFilters).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}})
	if err != nil {
		return translate(err, "delete saved filter", "saved filter")
	}
	if res.DeletedCount == 0 {
		return notFound("saved filter")
	}
	return nil
}
