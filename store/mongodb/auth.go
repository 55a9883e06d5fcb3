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

// upsertRetries bounds the retries of an $inc upsert that lost an insert race. Two concurrent
// upserts of a missing _id can both decide to insert; the loser gets a duplicate-key error and
// retrying turns it into a plain increment (MongoDB ≥ 4.2 retries this itself, FerretDB does not).
const upsertRetries = 3

// otpPutRetries bounds the compare-and-swap rounds of PutOTP; each lost round means another
// PutOTP of the same phone won in between, and at most a few of them can be under way at once
// (OTPPerPhoneDay a day).
const otpPutRetries = 16

// PutOTP makes c the pending code of c.Phone (c.Attempts and c.Earlier are ignored). The codes
// of the challenge still unexpired at c.CreatedAt become its earlier codes
// (models.OTPChallenge.EarlierAt) and its attempts carry over; when none is left the attempts
// restart at zero. Without multi-document transactions or pipeline updates (FerretDB v1) this
// is a compare-and-swap on the pending code read (its hash and creation time): the update only
// matches while it is still the pending code, and a lost round reads again, so no concurrent
// put's code is dropped. The attempts of kept codes are not written, so concurrent guesses are
// never lost.
func (s *Store) PutOTP(ctx context.Context, c *models.OTPChallenge) error {
	id := bson.D{{Key: "_id", Value: c.Phone}}
	for range otpPutRetries {
		var old otpDoc
		err := s.coll(collOTP).FindOne(ctx, id).Decode(&old)
		if errors.Is(err, mongo.ErrNoDocuments) {
			_, err = s.coll(collOTP).InsertOne(ctx, otpDoc{Phone: c.Phone, CodeHash: c.CodeHash, CreatedAt: utc(c.CreatedAt), ExpiresAt: utc(c.ExpiresAt)})
			if mongo.IsDuplicateKeyError(err) { // another PutOTP inserted first: keep its code too
				continue
			}
			return translate(err, "put otp", "sign-in code")
		} else if err != nil {
			return translate(err, "read otp", "sign-in code")
		}
		set := bson.D{{Key: "code_hash", Value: c.CodeHash}, {Key: "created_at", Value: utc(c.CreatedAt)}, {Key: "expires_at", Value: utc(c.ExpiresAt)}}
		var update bson.D
		if earlier := old.model().EarlierAt(c.CreatedAt); len(earlier) > 0 {
			set = append(set, bson.E{Key: "earlier_codes", Value: toOTPCodeDocs(earlier)})
			update = bson.D{{Key: "$set", Value: set}}
		} else {
			set = append(set, bson.E{Key: "attempts", Value: 0})
			update = bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "earlier_codes", Value: ""}}}}
		}
		res, err := s.coll(collOTP).UpdateOne(ctx, bson.D{
			{Key: "_id", Value: c.Phone}, {Key: "code_hash", Value: old.CodeHash}, {Key: "created_at", Value: old.CreatedAt},
		}, update)
		if err != nil {
			return translate(err, "put otp", "sign-in code")
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return models.Errorf(models.EConflict, "the sign-in code of this phone changed while a new one was stored; try again")
}

// OTPByPhone returns the pending challenge of phone, or ENotFound.
func (s *Store) OTPByPhone(ctx context.Context, phone string) (*models.OTPChallenge, error) {
	var d otpDoc
	if err := s.coll(collOTP).FindOne(ctx, bson.D{{Key: "_id", Value: phone}}).Decode(&d); err != nil {
		return nil, translate(err, "find otp", "sign-in code")
	}
	return d.model(), nil
}

// AddOTPAttempt increments the attempt counter of phone's challenge with one findAndModify and
// returns the new count, so concurrent guesses each see a distinct count. It does not upsert: an
// attempt against no pending challenge is ENotFound rather than a stray challenge without a code.
func (s *Store) AddOTPAttempt(ctx context.Context, phone string) (int, error) {
	var d otpDoc
	err := s.coll(collOTP).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: phone}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After),
	).Decode(&d)
	if err != nil {
		return 0, translate(err, "add otp attempt", "sign-in code")
	}
	return d.Attempts, nil
}

// DeleteOTP removes the challenge of phone; deleting an absent one is not an error, so a
// verification and an expiry sweep may race.
func (s *Store) DeleteOTP(ctx context.Context, phone string) error {
	_, err := s.coll(collOTP).DeleteOne(ctx, bson.D{{Key: "_id", Value: phone}})
	return translate(err, "delete otp", "sign-in code")
}

// hitCounterDoc is one fixed-window counter. Its _id starts with the window's Unix milliseconds,
// which contain no ':', so "<ms>:<key>" is unambiguous whatever the key contains.
type hitCounterDoc struct {
	ID     string    `bson:"_id"`
	Key    string    `bson:"key"`
	Window time.Time `bson:"window"`
	Count  int64     `bson:"count"`
}

// counterRetention is how far behind the newest window a rate counter is kept. Rate-limit
// windows are at most a month long, so anything older can no longer be the current window of any
// key. (The same value as the SQLite store.)
const counterRetention = 35 * 24 * time.Hour

// counterSweepEvery spaces the sweeps of old counters, in window time.
const counterSweepEvery = time.Hour

// HitCounter increments the counter of key in the window starting at window and returns the
// count after it.
func (s *Store) HitCounter(ctx context.Context, key string, window time.Time) (int, error) {
	n, err := s.AddToCounter(ctx, key, window, 1)
	return int(n), err
}

// AddToCounter adds n to the counter of key in the window starting at window with an $inc upsert
// and returns the value after it.
//
// Without TTL indexes (not on FerretDB v1) old windows are swept here, at most once an hour per
// Store: every counter whose window started more than counterRetention before this one. The sweep
// is by age, not per key, because one key may be limited over windows of different lengths
// (a new 15-minute window must not discard the same key's daily counter). It is best effort: a
// failure leaves stale counters for the next sweep and must not fail the rate limit itself.
func (s *Store) AddToCounter(ctx context.Context, key string, window time.Time, n int64) (int64, error) {
	window = window.UTC()
	id := strconv.FormatInt(window.UnixMilli(), 10) + ":" + key
	var d hitCounterDoc
	var err error
	for range upsertRetries {
		err = s.coll(collHitCounters).FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: id}},
			bson.D{
				{Key: "$inc", Value: bson.D{{Key: "count", Value: n}}},
				{Key: "$setOnInsert", Value: bson.D{{Key: "key", Value: key}, {Key: "window", Value: window}}},
			},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
		).Decode(&d)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return 0, translate(err, "add to counter", "counter")
	}
	if s.counterSweepDue(window) {
		_, _ = s.coll(collHitCounters).DeleteMany(ctx, bson.D{
			{Key: "window", Value: bson.D{{Key: "$lt", Value: window.Add(-counterRetention)}}},
		})
	}
	return d.Count, nil
}

// counterSweepDue reports whether a sweep of old counters is due at window, and if so records it.
func (s *Store) counterSweepDue(window time.Time) bool {
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	if !s.lastSweep.IsZero() && window.Sub(s.lastSweep) < counterSweepEvery {
		return false
	}
	s.lastSweep = window
	return true
}

// CreateRefreshToken inserts t; a taken id is EConflict.
func (s *Store) CreateRefreshToken(ctx context.Context, t *models.RefreshToken) error {
	_, err := s.coll(collRefreshTokens).InsertOne(ctx, toRefreshTokenDoc(t))
	return translate(err, "create refresh token", "refresh token")
}

// UseRefreshToken marks the token used at now with one findAndModify that only matches an unused
// token, returning it as it was (UsedAt zero). If nothing matched, the token is either unknown
// (ENotFound) or already used: then it is returned with UsedAt set so the caller detects reuse.
// Of two concurrent uses exactly one sees UsedAt zero.
func (s *Store) UseRefreshToken(ctx context.Context, id string, now time.Time) (*models.RefreshToken, error) {
	var d refreshTokenDoc
	err := s.coll(collRefreshTokens).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "used_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now.UTC()}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.Before),
	).Decode(&d)
	if err == nil {
		return d.model(), nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, translate(err, "use refresh token", "refresh token")
	}
	if err := s.coll(collRefreshTokens).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate(err, "find refresh token", "refresh token")
	}
	return d.model(), nil
}

// RevokeRefreshFamily revokes every not yet revoked token of a family at now; tokens revoked
// earlier keep their first revocation time.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error {
	_, err := s.coll(collRefreshTokens).UpdateMany(ctx,
		bson.D{{Key: "family_id", Value: familyID}, {Key: "revoked_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: now.UTC()}}}},
	)
	return translate(err, "revoke refresh family", "refresh token")
}

// RevokeUserRefreshTokens revokes every not yet revoked token of the user at now.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error {
	_, err := s.coll(collRefreshTokens).UpdateMany(ctx,
		bson.D{{Key: "user_id", Value: userID}, {Key: "revoked_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: now.UTC()}}}},
	)
	return translate(err, "revoke user refresh tokens", "refresh token")
}

// CreateAPIKey inserts k; a taken id or hash is EConflict.
func (s *Store) CreateAPIKey(ctx context.Context, k *models.APIKey) error {
	_, err := s.coll(collAPIKeys).InsertOne(ctx, newAPIKeyDoc(k))
	return translate(err, "create api key", "api key")
}

// APIKeyByHash returns the key whose hash is hash, or ENotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*models.APIKey, error) {
	var d apiKeyDoc
	if err := s.coll(collAPIKeys).FindOne(ctx, bson.D{{Key: "hash", Value: hash}}).Decode(&d); err != nil {
		return nil, translate(err, "find api key", "api key")
	}
	return d.model(), nil
}

// ListAPIKeys returns every key, newest first (created_at desc, _id desc).
func (s *Store) ListAPIKeys(ctx context.Context) ([]models.APIKey, error) {
	cur, err := s.coll(collAPIKeys).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, translate(err, "list api keys", "api key")
	}
	var docs []apiKeyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "list api keys", "api key")
	}
	out := make([]models.APIKey, 0, len(docs))
	for i := range docs {
		out = append(out, *docs[i].model())
	}
	return out, nil
}

// RevokeAPIKey marks the key revoked at at; a key revoked earlier keeps its time. Unknown id:
// ENotFound. The filter on an absent revoked_at makes the first revocation win; a second one
// matches nothing and then only has to learn whether the key exists.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := s.coll(collAPIKeys).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "revoked_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at.UTC()}}}})
	if err != nil {
		return translate(err, "revoke api key", "api key")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := s.coll(collAPIKeys).CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return translate(err, "revoke api key", "api key")
	}
	if n == 0 {
		return models.Errorf(models.ENotFound, "api key not found")
	}
	return nil
}

// TouchAPIKey records that the key was used at at. Unknown id: ENotFound.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := s.coll(collAPIKeys).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_used_at", Value: at.UTC()}}}})
	if err != nil {
		return translate(err, "touch api key", "api key")
	}
	if res.MatchedCount == 0 {
		return models.Errorf(models.ENotFound, "api key not found")
	}
	return nil
}
