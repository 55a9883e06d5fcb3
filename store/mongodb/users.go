package mongodb

import (
	"context"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// CreateUser inserts u. The unique indexes on _id, phone_key and username_key make a taken id,
// phone or username an EConflict in the same single-document insert.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	if _, err := s.coll(collUsers).InsertOne(ctx, toUserDoc(u)); err != nil {
		return translate(err, "create user", "user with this id, phone or username")
	}
	return nil
}

// UserByID returns the user with id, or ENotFound.
func (s *Store) UserByID(ctx context.Context, id string) (*models.User, error) {
	return s.findUser(ctx, bson.D{{Key: "_id", Value: id}})
}

// UserByPhone returns the user signed up with phone (E.164), or ENotFound. It queries the login
// key, which is indexed and unique, so an empty phone never matches a user without one.
func (s *Store) UserByPhone(ctx context.Context, phone string) (*models.User, error) {
	if phone == "" {
		return nil, notFound("user")
	}
	return s.findUser(ctx, bson.D{{Key: "phone_key", Value: phoneKey(phone)}})
}

// UserByUsername returns the official with username, or ENotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (*models.User, error) {
	if username == "" {
		return nil, notFound("user")
	}
	return s.findUser(ctx, bson.D{{Key: "username_key", Value: usernameKey(username)}})
}

func (s *Store) findUser(ctx context.Context, filter bson.D) (*models.User, error) {
	var d userDoc
	if err := s.coll(collUsers).FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, translate(err, "find user", "user")
	}
	return d.model(), nil
}

// UpdateUser overwrites the mutable fields of an existing user; identity fields (id, phone,
// username, creation time) and with them the login keys never change here.
func (s *Store) UpdateUser(ctx context.Context, u *models.User) error {
	d := toUserDoc(u)
	update := bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "role", Value: d.Role},
			{Key: "unit_id", Value: d.UnitID},
			{Key: "password_hash", Value: d.PasswordHash},
			{Key: "display_name", Value: d.DisplayName},
			{Key: "title", Value: d.Title},
			{Key: "disabled", Value: d.Disabled},
			{Key: "password_change_required", Value: d.PasswordChangeRequired},
			{Key: "disabled_reason", Value: d.DisabledReason},
			{Key: "token_generation", Value: d.TokenGeneration},
			{Key: "totp_secret", Value: d.TOTPSecret},
			{Key: "totp_pending", Value: d.TOTPPending},
			{Key: "recovery_codes", Value: d.RecoveryCodes},
		}},
	}
	res, err := s.coll(collUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}}, update)
	if err != nil {
		return translate(err, "update user", "user")
	}
	if res.MatchedCount == 0 {
		return notFound("user")
	}
	return nil
}

// CountUsers counts the users with role.
func (s *Store) CountUsers(ctx context.Context, role models.Role) (int, error) {
	n, err := s.coll(collUsers).CountDocuments(ctx, bson.D{{Key: "role", Value: string(role)}})
	if err != nil {
		return 0, translate(err, "count users", "user")
	}
	return int(n), nil
}

// ListOfficials returns the official accounts matching q, by username. The substring match is
// a case-insensitive regular expression of the quoted text over the officials, who are a few
// thousand at most.
func (s *Store) ListOfficials(ctx context.Context, q models.UserQuery) ([]models.User, error) {
	filter := bson.D{
		{Key: "role", Value: bson.D{{Key: "$ne", Value: string(models.RoleResident)}}},
		{Key: "username", Value: bson.D{{Key: "$gt", Value: q.After}}},
	}
	if q.Q != "" {
		re := bson.Regex{Pattern: regexp.QuoteMeta(q.Q), Options: "i"}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "username", Value: re}}, bson.D{{Key: "display_name", Value: re}}}})
	}
	if q.Role != "" {
		filter = append(filter, bson.E{Key: "role", Value: string(q.Role)})
	}
	if q.UnitID != "" {
		filter = append(filter, bson.E{Key: "unit_id", Value: q.UnitID})
	}
	if q.Disabled != nil {
		filter = append(filter, bson.E{Key: "disabled", Value: *q.Disabled})
	}
	opts := options.Find().SetSort(bson.D{{Key: "username", Value: 1}}).SetLimit(int64(q.Limit))
	cur, err := s.coll(collUsers).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "list officials", "user")
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "list officials", "user")
	}
	out := make([]models.User, 0, len(docs))
	for i := range docs {
		out = append(out, *docs[i].model())
	}
	return out, nil
}
