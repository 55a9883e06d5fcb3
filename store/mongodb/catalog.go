package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// PutBoundarySet stores (or replaces) a boundary set. The GeoJSON is written before the info
// document: without transactions a crash in between leaves unlisted bytes that the next import
// overwrites, never a listed set whose GeoJSON is missing. The GeoJSON is chunked
// (boundary_chunks.go): the national file is ten times a document's 16 MiB.
func (s *Store) PutBoundarySet(ctx context.Context, info models.BoundarySetInfo, geojson []byte) error {
	if err := s.putBoundaryGeoJSON(ctx, info.ID, geojson); err != nil {
		return err
	}
	d := boundarySetDoc{ID: info.ID, Name: info.Name, Areas: info.Areas, ImportedAt: utc(info.ImportedAt)}
	if _, err := s.coll(collBoundarySets).ReplaceOne(ctx, bson.D{{Key: "_id", Value: info.ID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return translate(err, "put boundary set", "boundary set")
	}
	return nil
}

// BoundarySets lists the imported boundary sets, sorted by id.
func (s *Store) BoundarySets(ctx context.Context) ([]models.BoundarySetInfo, error) {
	docs, err := findAll[boundarySetDoc](ctx, s.coll(collBoundarySets), "list boundary sets")
	if err != nil {
		return nil, err
	}
	out := make([]models.BoundarySetInfo, len(docs))
	for i := range docs {
		out[i] = docs[i].model()
	}
	return out, nil
}

// BoundarySetGeoJSON returns the GeoJSON stored for the set id, or ENotFound.
func (s *Store) BoundarySetGeoJSON(ctx context.Context, id string) ([]byte, error) {
	return s.boundaryGeoJSON(ctx, id)
}

// UpsertUnits creates or replaces units by id in one unordered bulk write; each replace is atomic
// on its own (there is no multi-document transaction to make the batch all-or-nothing, and
// re-running an import converges).
func (s *Store) UpsertUnits(ctx context.Context, units []models.Unit) error {
	writes := make([]mongo.WriteModel, len(units))
	for i := range units {
		writes[i] = mongo.NewReplaceOneModel().
			SetFilter(bson.D{{Key: "_id", Value: units[i].ID}}).
			SetReplacement(toUnitDoc(&units[i])).
			SetUpsert(true)
	}
	return s.bulkUpsert(ctx, collUnits, writes, "upsert units", "unit")
}

// Units lists every unit sorted by id.
func (s *Store) Units(ctx context.Context) ([]models.Unit, error) {
	docs, err := findAll[unitDoc](ctx, s.coll(collUnits), "list units")
	if err != nil {
		return nil, err
	}
	out := make([]models.Unit, len(docs))
	for i := range docs {
		out[i] = docs[i].model()
	}
	return out, nil
}

// UnitByID returns the unit with id, or ENotFound.
func (s *Store) UnitByID(ctx context.Context, id string) (*models.Unit, error) {
	var d unitDoc
	if err := s.coll(collUnits).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate(err, "find unit", "unit")
	}
	u := d.model()
	return &u, nil
}

// UpsertCategories creates or replaces categories by code, like UpsertUnits.
func (s *Store) UpsertCategories(ctx context.Context, cats []models.Category) error {
	writes := make([]mongo.WriteModel, len(cats))
	for i := range cats {
		writes[i] = mongo.NewReplaceOneModel().
			SetFilter(bson.D{{Key: "_id", Value: cats[i].Code}}).
			SetReplacement(toCategoryDoc(&cats[i])).
			SetUpsert(true)
	}
	return s.bulkUpsert(ctx, collCategories, writes, "upsert categories", "category")
}

// Categories lists every category sorted by code.
func (s *Store) Categories(ctx context.Context) ([]models.Category, error) {
	docs, err := findAll[categoryDoc](ctx, s.coll(collCategories), "list categories")
	if err != nil {
		return nil, err
	}
	out := make([]models.Category, len(docs))
	for i := range docs {
		out[i] = docs[i].model()
	}
	return out, nil
}

// bulkUpsert runs replace-upserts unordered. A duplicate-key error can only come from two
// concurrent upserts of the same new _id; the batch is retried once, when every document exists.
func (s *Store) bulkUpsert(ctx context.Context, coll string, writes []mongo.WriteModel, op, what string) error {
	if len(writes) == 0 {
		return nil
	}
	opts := options.BulkWrite().SetOrdered(false)
	_, err := s.coll(coll).BulkWrite(ctx, writes, opts)
	if mongo.IsDuplicateKeyError(err) {
		_, err = s.coll(coll).BulkWrite(ctx, writes, opts)
	}
	return translate(err, op, what)
}

// findAll returns every document of a small reference collection sorted by _id.
func findAll[T any](ctx context.Context, c *mongo.Collection, op string) ([]T, error) {
	cur, err := c.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, op, "record")
	}
	docs := []T{}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, op, "record")
	}
	return docs, nil
}
