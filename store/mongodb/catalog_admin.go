package mongodb

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// Collections of catalog administration.
const (
	collCategoryPolicies = "category_policies" // {_id: "code/version", code, version, category}
	collRoutingRules     = "routing_rules"     // {_id: "category/area", category, area_code, unit_id}
	collReferenceData    = "reference_data"    // {_id: key, value, updated_at}
)

// Keys of the reference_data collection.
const (
	refCatalogRevision = "catalog_revision"
	refSeedVersion     = "seed_version"
)

// catalogAdminIndexes are the indexes of catalog administration's collections.
func catalogAdminIndexes() []indexSpec {
	return []indexSpec{
		{collCategoryPolicies, "code_version", bson.D{{Key: "code", Value: 1}, {Key: "version", Value: 1}}, false},
		{collRoutingRules, "category_area", bson.D{{Key: "category", Value: 1}, {Key: "area_code", Value: 1}}, false},
	}
}

// insertMissing inserts docs with one unordered insertMany, ignores duplicate-key errors (an
// existing record is left as it is) and counts the documents inserted.
func (s *Store) insertMissing(ctx context.Context, coll string, docs []any, op, what string) (int, error) {
	if len(docs) == 0 {
		return 0, nil
	}
	_, err := s.coll(coll).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return len(docs), nil
	}
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		dups := 0
		for _, we := range bwe.WriteErrors {
			if we.Code != 11000 {
				return 0, translate(err, op, what)
			}
			dups++
		}
		return len(docs) - dups, nil
	}
	return 0, translate(err, op, what)
}

// InsertUnits creates the units whose id is free and counts them; existing ones stay as they are.
func (s *Store) InsertUnits(ctx context.Context, units []models.Unit) (int, error) {
	docs := make([]any, len(units))
	for i := range units {
		docs[i] = toUnitDoc(&units[i])
	}
	return s.insertMissing(ctx, collUnits, docs, "insert units", "unit")
}

// InsertCategories creates the categories whose code is free and counts them.
func (s *Store) InsertCategories(ctx context.Context, cats []models.Category) (int, error) {
	docs := make([]any, len(cats))
	for i := range cats {
		docs[i] = toCategoryDoc(&cats[i])
	}
	return s.insertMissing(ctx, collCategories, docs, "insert categories", "category")
}

// categoryPolicyDoc is one kept version of a category's policy.
type categoryPolicyDoc struct {
	ID       string      `bson:"_id"`
	Code     string      `bson:"code"`
	Version  int         `bson:"version"`
	Category categoryDoc `bson:"category"`
}

// PutCategoryPolicy keeps c as version c.Policy() of its code unless that version is kept.
func (s *Store) PutCategoryPolicy(ctx context.Context, c models.Category) error {
	c.PolicyVersion = c.Policy()
	d := categoryPolicyDoc{ID: c.Code + "/" + strconv.Itoa(c.PolicyVersion), Code: c.Code, Version: c.PolicyVersion,
		Category: toCategoryDoc(&c)}
	_, err := s.insertMissing(ctx, collCategoryPolicies, []any{d}, "put category policy", "category policy")
	return err
}

// CategoryPolicies lists the kept versions of code (every code's for ""), by code then version.
func (s *Store) CategoryPolicies(ctx context.Context, code string) ([]models.Category, error) {
	filter := bson.D{}
	if code != "" {
		filter = bson.D{{Key: "code", Value: code}}
	}
	cur, err := s.coll(collCategoryPolicies).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "code", Value: 1}, {Key: "version", Value: 1}}))
	if err != nil {
		return nil, translate(err, "list category policies", "category policy")
	}
	var docs []categoryPolicyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "list category policies", "category policy")
	}
	out := make([]models.Category, len(docs))
	for i := range docs {
		out[i] = docs[i].Category.model()
		out[i].PolicyVersion = docs[i].Version
	}
	return out, nil
}

// routingRuleDoc is one routing override.
type routingRuleDoc struct {
	ID       string `bson:"_id"`
	Category string `bson:"category"`
	AreaCode string `bson:"area_code"`
	UnitID   string `bson:"unit_id"`
}

// routingRuleID is the _id of the override of (category, area); codes contain no "/".
func routingRuleID(category, area string) string { return category + "/" + area }

// PutRoutingRule creates or replaces the override of (r.Category, r.AreaCode).
func (s *Store) PutRoutingRule(ctx context.Context, r models.RoutingRule) error {
	id := routingRuleID(r.Category, r.AreaCode)
	d := routingRuleDoc{ID: id, Category: r.Category, AreaCode: r.AreaCode, UnitID: r.UnitID}
	writes := []mongo.WriteModel{mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(d).SetUpsert(true)}
	return s.bulkUpsert(ctx, collRoutingRules, writes, "put routing rule", "routing rule")
}

// DeleteRoutingRule removes the override of (category, area), ENotFound when there is none.
func (s *Store) DeleteRoutingRule(ctx context.Context, category, area string) error {
	res, err := s.coll(collRoutingRules).DeleteOne(ctx, bson.D{{Key: "_id", Value: routingRuleID(category, area)}})
	if err != nil {
		return translate(err, "delete routing rule", "routing rule")
	}
	if res.DeletedCount == 0 {
		return notFound("routing rule")
	}
	return nil
}

// RoutingRules lists every override sorted by category, then area.
func (s *Store) RoutingRules(ctx context.Context) ([]models.RoutingRule, error) {
	cur, err := s.coll(collRoutingRules).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "category", Value: 1}, {Key: "area_code", Value: 1}}))
	if err != nil {
		return nil, translate(err, "list routing rules", "routing rule")
	}
	var docs []routingRuleDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "list routing rules", "routing rule")
	}
	out := make([]models.RoutingRule, len(docs))
	for i, d := range docs {
		out[i] = models.RoutingRule{Category: d.Category, AreaCode: d.AreaCode, UnitID: d.UnitID}
	}
	return out, nil
}

// referenceDoc is one value of the reference_data collection.
type referenceDoc struct {
	ID        string    `bson:"_id"`
	Value     int64     `bson:"value"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// referenceValue reads a value of reference_data, 0 when absent.
func (s *Store) referenceValue(ctx context.Context, key string) (int64, error) {
	var d referenceDoc
	err := s.coll(collReferenceData).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return d.Value, translate(err, "read reference data", "reference data")
}

// CatalogRevision is the catalog's revision counter, 0 before the first change.
func (s *Store) CatalogRevision(ctx context.Context) (int64, error) {
	return s.referenceValue(ctx, refCatalogRevision)
}

// BumpCatalogRevision raises the catalog's revision counter and returns it.
func (s *Store) BumpCatalogRevision(ctx context.Context) (int64, error) {
	var d referenceDoc
	var err error
	for range upsertRetries {
		err = s.coll(collReferenceData).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: refCatalogRevision}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(1)}}},
				{Key: "$set", Value: bson.D{{Key: "updated_at", Value: time.Now().UTC()}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	return d.Value, translate(err, "bump catalog revision", "reference data")
}

// ReferenceDataVersion is the shipped reference data's version last merged, 0 when none.
func (s *Store) ReferenceDataVersion(ctx context.Context) (int, error) {
	v, err := s.referenceValue(ctx, refSeedVersion)
	return int(v), err
}

// SetReferenceDataVersion records the merge of the shipped reference data of version v at at.
func (s *Store) SetReferenceDataVersion(ctx context.Context, v int, at time.Time) error {
	d := referenceDoc{ID: refSeedVersion, Value: int64(v), UpdatedAt: utc(at)}
	writes := []mongo.WriteModel{mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: refSeedVersion}}).SetReplacement(d).SetUpsert(true)}
	return s.bulkUpsert(ctx, collReferenceData, writes, "set reference data version", "reference data")
}
