package mongodb

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

type subscriptionDoc struct {
	ID        string    `bson:"_id"` // user id "/" area code
	UserID    string    `bson:"user_id"`
	AreaCode  string    `bson:"area_code"`
	AreaName  string    `bson:"area_name"`
	Topic     string    `bson:"topic"`
	CreatedAt time.Time `bson:"created_at"`
}

func (d subscriptionDoc) model() models.Subscription {
	return models.Subscription{UserID: d.UserID, AreaCode: d.AreaCode, AreaName: d.AreaName, Topic: d.Topic, CreatedAt: utc(d.CreatedAt)}
}

func subscriptionID(userID, areaCode string) string { return userID + "/" + areaCode }

// PutSubscription inserts the subscription; a duplicate key means the user has it already.
func (s *Store) PutSubscription(ctx context.Context, sub *models.Subscription) (bool, error) {
	_, err := s.coll(collPushSubscriptions).InsertOne(ctx, subscriptionDoc{ID: subscriptionID(sub.UserID, sub.AreaCode),
		UserID: sub.UserID, AreaCode: sub.AreaCode, AreaName: sub.AreaName, Topic: sub.Topic, CreatedAt: sub.CreatedAt.UTC()})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, translate(err, "put subscription", "subscription")
	}
	return true, nil
}

// DeleteSubscription removes and returns the user's subscription of the area (findAndModify).
func (s *Store) DeleteSubscription(ctx context.Context, userID, areaCode string) (*models.Subscription, error) {
	var d subscriptionDoc
	if err := s.coll(collPushSubscriptions).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: subscriptionID(userID, areaCode)}}).Decode(&d); err != nil {
		return nil, translate(err, "delete subscription", "subscription")
	}
	m := d.model()
	return &m, nil
}

// SubscriptionsOf lists the user's subscriptions by area code.
func (s *Store) SubscriptionsOf(ctx context.Context, userID string) ([]models.Subscription, error) {
	cur, err := s.coll(collPushSubscriptions).Find(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "area_code", Value: 1}}))
	if err != nil {
		return nil, translate(err, "subscriptions of", "subscription")
	}
	var docs []subscriptionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "subscriptions of", "subscription")
	}
	var out []models.Subscription
	for _, d := range docs {
		out = append(out, d.model())
	}
	return out, nil
}

type topicOpDoc struct {
	ID            string    `bson:"_id"` // topic "|" token
	Token         string    `bson:"token"`
	Topic         string    `bson:"topic"`
	Subscribe     bool      `bson:"subscribe"`
	Gen           int64     `bson:"gen"`
	Attempts      int       `bson:"attempts"`
	CreatedAt     time.Time `bson:"created_at"`
	NextAttemptAt time.Time `bson:"next_attempt_at"`
	LeaseHolder   string    `bson:"lease_holder"`
	LeaseUntil    time.Time `bson:"lease_until"` // the Unix epoch when not leased
	LastError     string    `bson:"last_error"`
}

func (d topicOpDoc) model() models.TopicOp {
	op := models.TopicOp{Token: d.Token, Topic: d.Topic, Subscribe: d.Subscribe, Gen: d.Gen, Attempts: d.Attempts,
		CreatedAt: utc(d.CreatedAt), NextAttemptAt: utc(d.NextAttemptAt), LeaseHolder: d.LeaseHolder, LastError: d.LastError}
	if d.LeaseUntil.After(epoch) {
		op.LeaseUntil = utc(d.LeaseUntil)
	}
	return op
}

// topicOpID keys an op by (topic, token): a topic has no '|' (models.AreaTopic) and so the
// pair is unambiguous.
func topicOpID(topic, token string) string { return topic + "|" + token }

// EnqueueTopicOps upserts each op (one write each: topic changes are few); the lease fields
// are set on insert only.
func (s *Store) EnqueueTopicOps(ctx context.Context, ops []models.TopicOp) error {
	for _, op := range ops {
		_, err := s.coll(collPushTopicOps).UpdateOne(ctx, bson.D{{Key: "_id", Value: topicOpID(op.Topic, op.Token)}}, bson.D{
			{Key: "$set", Value: bson.D{{Key: "token", Value: op.Token}, {Key: "topic", Value: op.Topic}, {Key: "subscribe", Value: op.Subscribe},
				{Key: "attempts", Value: 0}, {Key: "created_at", Value: op.CreatedAt.UTC()}, {Key: "next_attempt_at", Value: op.NextAttemptAt.UTC()},
				{Key: "last_error", Value: ""}}},
			{Key: "$inc", Value: bson.D{{Key: "gen", Value: int64(1)}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "lease_holder", Value: ""}, {Key: "lease_until", Value: epoch}}},
		}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			return translate(err, "enqueue topic ops", "topic op")
		}
	}
	return nil
}

// ClaimTopicOps claims like ClaimPush: the ids of due unleased ops, one conditional UpdateMany,
// then the ops that carry this exact lease.
func (s *Store) ClaimTopicOps(ctx context.Context, holder string, now time.Time, ttl time.Duration, limit int) ([]models.TopicOp, error) {
	if limit <= 0 {
		return nil, nil
	}
	now = now.UTC().Truncate(time.Millisecond)
	due := bson.D{
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	cur, err := s.coll(collPushTopicOps).Find(ctx, due, options.Find().
		SetSort(bson.D{{Key: "next_attempt_at", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "claim topic ops", "topic op")
	}
	var idDocs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &idDocs); err != nil {
		return nil, translate(err, "claim topic ops", "topic op")
	}
	if len(idDocs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(idDocs))
	for i, d := range idDocs {
		ids[i] = d.ID
	}
	until := now.Add(ttl)
	_, err = s.coll(collPushTopicOps).UpdateMany(ctx, append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, due...),
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease_holder", Value: holder}, {Key: "lease_until", Value: until}}}})
	if err != nil {
		return nil, translate(err, "claim topic ops", "topic op")
	}
	cur, err = s.coll(collPushTopicOps).Find(ctx, bson.D{
		{Key: "lease_holder", Value: holder}, {Key: "lease_until", Value: until}, {Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
	})
	if err != nil {
		return nil, translate(err, "claim topic ops", "topic op")
	}
	out, err := decodeTopicOps(ctx, cur)
	if err != nil {
		return nil, translate(err, "claim topic ops", "topic op")
	}
	slices.SortFunc(out, func(a, b models.TopicOp) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	})
	return out, nil
}

func decodeTopicOps(ctx context.Context, cur *mongo.Cursor) ([]models.TopicOp, error) {
	var docs []topicOpDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	var out []models.TopicOp
	for _, d := range docs {
		out = append(out, d.model())
	}
	return out, nil
}

var releaseLease = bson.D{{Key: "$set", Value: bson.D{{Key: "lease_holder", Value: ""}, {Key: "lease_until", Value: epoch}}}}

// FinishTopicOps deletes each carried-out op conditionally on its generation and lease, then
// releases holder's lease on whatever is left of the batch (superseded ops).
func (s *Store) FinishTopicOps(ctx context.Context, holder string, ops []models.TopicOp) (int, error) {
	if len(ops) == 0 {
		return 0, nil
	}
	done := 0
	ids := make([]string, 0, len(ops))
	for _, op := range ops {
		id := topicOpID(op.Topic, op.Token)
		ids = append(ids, id)
		res, err := s.coll(collPushTopicOps).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "gen", Value: op.Gen}, {Key: "lease_holder", Value: holder}})
		if err != nil {
			return done, translate(err, "finish topic ops", "topic op")
		}
		done += int(res.DeletedCount)
	}
	if done < len(ops) {
		if _, err := s.coll(collPushTopicOps).UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
			{Key: "lease_holder", Value: holder}}, releaseLease); err != nil {
			return done, translate(err, "finish topic ops", "topic op")
		}
	}
	return done, nil
}

// RetryTopicOps reschedules each op of the same generation, then releases the rest.
func (s *Store) RetryTopicOps(ctx context.Context, holder string, ops []models.TopicOp, next time.Time, reason string) error {
	if len(ops) == 0 {
		return nil
	}
	ids := make([]string, 0, len(ops))
	for _, op := range ops {
		id := topicOpID(op.Topic, op.Token)
		ids = append(ids, id)
		_, err := s.coll(collPushTopicOps).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "gen", Value: op.Gen}, {Key: "lease_holder", Value: holder}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: "next_attempt_at", Value: next.UTC()}, {Key: "last_error", Value: reason},
					{Key: "lease_holder", Value: ""}, {Key: "lease_until", Value: epoch}}},
				{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
			})
		if err != nil {
			return translate(err, "retry topic ops", "topic op")
		}
	}
	_, err := s.coll(collPushTopicOps).UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "lease_holder", Value: holder}}, releaseLease)
	return translate(err, "retry topic ops", "topic op")
}

// TopicOps lists every pending op by topic then token.
func (s *Store) TopicOps(ctx context.Context) ([]models.TopicOp, error) {
	cur, err := s.coll(collPushTopicOps).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "topic", Value: 1}, {Key: "token", Value: 1}}))
	if err != nil {
		return nil, translate(err, "topic ops", "topic op")
	}
	out, err := decodeTopicOps(ctx, cur)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, translate(err, "topic ops", "topic op")
	}
	return out, nil
}
