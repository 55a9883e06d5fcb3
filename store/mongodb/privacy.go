package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// collConsents holds consent records, only ever inserted (Law 91/2025/QH15).
const collConsents = "consents"

// privacyIndexes: a resident's consent records are read in time order.
func privacyIndexes() []indexSpec {
	return []indexSpec{
		{collConsents, "user_at", bson.D{{Key: "user_id", Value: 1}, {Key: "at", Value: 1}, {Key: "_id", Value: 1}}, false},
	}
}

type consentDoc struct {
	ID      string    `bson:"_id"`
	UserID  string    `bson:"user_id"`
	Purpose string    `bson:"purpose"`
	Version int       `bson:"version"`
	Granted bool      `bson:"granted"`
	At      time.Time `bson:"at"`
	Detail  string    `bson:"detail"`
}

// AddConsent appends a consent record; a taken id is EConflict.
func (s *Store) AddConsent(ctx context.Context, c *models.Consent) error {
	_, err := s.coll(collConsents).InsertOne(ctx, consentDoc{ID: c.ID, UserID: c.UserID, Purpose: string(c.Purpose),
		Version: c.Version, Granted: c.Granted, At: c.At.UTC(), Detail: c.Detail})
	return translate(err, "add consent", "consent")
}

// ConsentsOf lists the user's consent records oldest first.
func (s *Store) ConsentsOf(ctx context.Context, userID string) ([]models.Consent, error) {
	cur, err := s.coll(collConsents).Find(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "consents of", "consent")
	}
	var docs []consentDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "consents of", "consent")
	}
	var out []models.Consent
	for _, d := range docs {
		out = append(out, models.Consent{ID: d.ID, UserID: d.UserID, Purpose: models.ConsentPurpose(d.Purpose),
			Version: d.Version, Granted: d.Granted, At: d.At.UTC(), Detail: d.Detail})
	}
	return out, nil
}

// SetUserPhone moves the account id to phone; a phone another account holds is EConflict on
// the field phone (the unique phone_key index), an unknown id ENotFound.
//
// FerretDB reports a unique index violation of an update as an internal error, not a duplicate
// key, so the holder is looked up first; the index still settles a race (as a duplicate key on
// MongoDB).
func (s *Store) SetUserPhone(ctx context.Context, id, phone string) error {
	taken := s.coll(collUsers).FindOne(ctx, bson.D{{Key: "phone_key", Value: phoneKey(phone)}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}}})
	if err := taken.Err(); err == nil {
		return models.FieldError(models.EConflict, "phone", "phone number is already registered")
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return translate(err, "set user phone", "user")
	}
	res, err := s.coll(collUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "phone", Value: phone}, {Key: "phone_key", Value: phoneKey(phone)}}}})
	if mongo.IsDuplicateKeyError(err) {
		e := models.FieldError(models.EConflict, "phone", "phone number is already registered")
		e.Err = err
		return e
	}
	if err != nil {
		return translate(err, "set user phone", "user")
	}
	if res.MatchedCount == 0 {
		return notFound("user")
	}
	return nil
}
