package mongodb

import (
	"context"
	"errors"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// EraseAccount deletes the account and everything keyed by it or its phone, one collection
// after another (no transactions on FerretDB): the user document goes last, so an erasure cut
// short is completed by the resident's next attempt, which finds the account still there.
func (s *Store) EraseAccount(ctx context.Context, userID, phone string) error {
	keys := bson.A{bson.D{{Key: "key", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(userID)}}}}}
	if phone != "" {
		keys = append(keys, bson.D{{Key: "key", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(phone)}}}})
	}
	steps := []struct {
		coll   string
		filter bson.D
	}{
		{collPushDevices, bson.D{{Key: "user_id", Value: userID}}},
		{collPushSubscriptions, bson.D{{Key: "user_id", Value: userID}}},
		{collPushOutbox, bson.D{{Key: "user_id", Value: userID}}},
		{collRefreshTokens, bson.D{{Key: "user_id", Value: userID}}},
		{collConsents, bson.D{{Key: "user_id", Value: userID}}},
		{collNotifications, bson.D{{Key: "user_id", Value: userID}}},
		{collOTP, bson.D{{Key: "_id", Value: phone}}},
		// A pending phone change is a sign-in challenge keyed change:<user>:<new phone>.
		{collOTP, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta("change:"+userID+":")}}}}},
		{collHitCounters, bson.D{{Key: "$or", Value: keys}}},
		{collUsers, bson.D{{Key: "_id", Value: userID}}},
	}
	for _, st := range steps {
		if _, err := s.coll(st.coll).DeleteMany(ctx, st.filter); err != nil {
			return translate(err, "erase account", "account")
		}
	}
	return nil
}

// TicketIDsFollowedBy lists the tickets whose followers include userID.
func (s *Store) TicketIDsFollowedBy(ctx context.Context, userID string) ([]string, error) {
	cur, err := s.coll(collTickets).Find(ctx, bson.D{{Key: "followers", Value: userID}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "tickets followed", "ticket")
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "tickets followed", "ticket")
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// FindRetention lists tickets in a final state last changed before q.ClosedBefore, by id.
func (s *Store) FindRetention(ctx context.Context, q models.RetentionQuery) ([]*models.Ticket, error) {
	states := bson.A{}
	for _, st := range models.FinalStates {
		states = append(states, string(st))
	}
	filter := bson.D{
		{Key: "updated_at", Value: bson.D{{Key: "$lt", Value: q.ClosedBefore.UTC()}}},
		{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.AfterID}}},
		{Key: "state", Value: bson.D{{Key: "$in", Value: states}}},
	}
	if q.Identified {
		filter = append(filter, bson.E{Key: "reporter_id", Value: bson.D{{Key: "$ne", Value: models.ErasedReporter}}})
	}
	if q.WithMedia {
		nonEmpty := bson.D{{Key: "$type", Value: "array"}, {Key: "$ne", Value: bson.A{}}}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "media", Value: nonEmpty}},
			bson.D{{Key: "private", Value: true}, {Key: "result_media", Value: nonEmpty}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(max(q.Limit, 1)))
	return s.findTickets(ctx, "find retention", filter, opts)
}

// PurgeExpired deletes expired sign-in codes, expired refresh tokens and old rate counters.
func (s *Store) PurgeExpired(ctx context.Context, now, countersBefore time.Time) (int64, error) {
	var n int64
	for _, st := range []struct {
		coll, field string
		before      time.Time
	}{
		{collOTP, "expires_at", now},
		{collRefreshTokens, "expires_at", now},
		{collHitCounters, "window", countersBefore},
	} {
		res, err := s.coll(st.coll).DeleteMany(ctx, bson.D{{Key: st.field, Value: bson.D{{Key: "$lt", Value: st.before.UTC()}}}})
		if err != nil {
			return n, translate(err, "purge expired", "record")
		}
		n += res.DeletedCount
	}
	return n, nil
}

// Compact has nothing to do on MongoDB: a deleted document is gone from its collection, and
// the store keeps no copy of personal data in any other (the oplog and backups are the
// operator's: they age out on their own schedule, see the README).
func (s *Store) Compact(ctx context.Context) error { return nil }

// collAuditAnchor holds the audit chain's anchor: {_id: "anchor", seq, hash, at, pruned_at}.
const collAuditAnchor = "audit_anchor"

type auditAnchorDoc struct {
	ID       string    `bson:"_id"`
	Seq      int64     `bson:"seq"`
	Hash     string    `bson:"hash"`
	At       time.Time `bson:"at"`
	PrunedAt time.Time `bson:"pruned_at"`
}

// PruneAudit removes the oldest chained records before before, keeping the newest. Without
// transactions the anchor is written first: a removal cut short leaves records at or below the
// anchor, which the chain's readers skip (AuditChain after the anchor) and the next pass removes.
func (s *Store) PruneAudit(ctx context.Context, before, now time.Time) (int, error) {
	chained := bson.D{{Key: "seq", Value: bson.D{{Key: "$gt", Value: int64(0)}}}}
	var last auditDoc
	err := s.coll(collAudit).FindOne(ctx, chained, options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}})).Decode(&last)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	} else if err != nil {
		return 0, translate(err, "prune audit", "audit record")
	}
	upTo := last.Seq - 1
	var firstKept auditDoc
	err = s.coll(collAudit).FindOne(ctx, bson.D{{Key: "seq", Value: bson.D{{Key: "$gt", Value: int64(0)}}},
		{Key: "at", Value: bson.D{{Key: "$gte", Value: before.UTC()}}}}, options.FindOne().SetSort(bson.D{{Key: "seq", Value: 1}})).Decode(&firstKept)
	switch {
	case err == nil:
		upTo = min(upTo, firstKept.Seq-1)
	case !errors.Is(err, mongo.ErrNoDocuments):
		return 0, translate(err, "prune audit", "audit record")
	}
	var anchor auditDoc
	err = s.coll(collAudit).FindOne(ctx, bson.D{{Key: "seq", Value: upTo}}).Decode(&anchor)
	if errors.Is(err, mongo.ErrNoDocuments) || upTo < 1 {
		return 0, nil // nothing old enough, or removed already
	} else if err != nil {
		return 0, translate(err, "prune audit", "audit record")
	}
	d := auditAnchorDoc{ID: "anchor", Seq: anchor.Seq, Hash: anchor.Hash, At: utc(anchor.At), PrunedAt: utc(now)}
	if _, err := s.coll(collAuditAnchor).ReplaceOne(ctx, bson.D{{Key: "_id", Value: "anchor"}}, d, options.Replace().SetUpsert(true)); err != nil {
		return 0, translate(err, "prune audit", "audit anchor")
	}
	res, err := s.coll(collAudit).DeleteMany(ctx, bson.D{{Key: "seq", Value: bson.D{{Key: "$gt", Value: int64(0)}, {Key: "$lte", Value: upTo}}}})
	if err != nil {
		return 0, translate(err, "prune audit", "audit record")
	}
	return int(res.DeletedCount), nil
}

// AuditAnchor reads the chain's anchor (zero when nothing was removed).
func (s *Store) AuditAnchor(ctx context.Context) (models.AuditAnchor, error) {
	var d auditAnchorDoc
	err := s.coll(collAuditAnchor).FindOne(ctx, bson.D{{Key: "_id", Value: "anchor"}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return models.AuditAnchor{}, nil
	} else if err != nil {
		return models.AuditAnchor{}, translate(err, "audit anchor", "audit anchor")
	}
	return models.AuditAnchor{Seq: d.Seq, Hash: d.Hash, At: utc(d.At), PrunedAt: utc(d.PrunedAt)}, nil
}
