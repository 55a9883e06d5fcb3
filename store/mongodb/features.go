package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Features is what the deployment is, detected once at Open: the store uses MongoDB's own
// features where the server has them and keeps its portable fallbacks for FerretDB (the test
// server), which lacks them.
type Features struct {
	// FerretDB is true when buildInfo names FerretDB.
	FerretDB bool
	// ReplicaSet and Sharded say what hello reported: a replica set member, or a mongos.
	ReplicaSet, Sharded bool
	// Native is true when the store uses the server's own features (TTL indexes): on MongoDB,
	// unless Open was given Fallbacks.
	Native bool
}

// Option changes how Open uses the deployment.
type Option func(*openConfig)

type openConfig struct{ fallbacks bool }

// Fallbacks makes the store use its portable fallbacks on a real MongoDB too, so the contract
// suite proves both paths on one server.
func Fallbacks() Option { return func(c *openConfig) { c.fallbacks = true } }

// detectFeatures asks the server what it is.
func (s *Store) detectFeatures(ctx context.Context, cfg openConfig) (Features, error) {
	var build bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&build); err != nil {
		return Features{}, fmt.Errorf("mongodb: buildInfo: %w", err)
	}
	var hello struct {
		SetName string `bson:"setName"`
		Msg     string `bson:"msg"`
	}
	if err := s.db.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return Features{}, fmt.Errorf("mongodb: hello: %w", err)
	}
	_, ferret := build["ferretdbVersion"]
	return Features{FerretDB: ferret, ReplicaSet: hello.SetName != "", Sharded: hello.Msg == "isdbgrid",
		Native: !ferret && !cfg.fallbacks}, nil
}

// Features reports what Open detected.
func (s *Store) Features() Features { return s.features }

// ttlIndex is an index whose documents the server deletes once its date field is older than
// after: short-lived records that the portable path deletes itself, or not at all.
type ttlIndex struct {
	coll, name, field string
	after             time.Duration
}

// pushDoneRetention is how long a push message is kept once sent, dropped or dead: long enough
// to answer "did my phone get told?" and to debug a delivery, not for ever.
const pushDoneRetention = 90 * 24 * time.Hour

// ttlIndexes are created on a server with Native features. Sign-in codes and refresh tokens
// are refused once expired whatever is stored (the app checks expires_at), so the delay only
// bounds how long an expired record lingers; rate counters go once no window can use them;
// push messages only have done_at once finished, so queued ones are never touched.
func ttlIndexes() []ttlIndex {
	return []ttlIndex{
		{collOTP, "expires_ttl", "expires_at", time.Hour},
		{collRefreshTokens, "expires_ttl", "expires_at", 24 * time.Hour},
		{collHitCounters, "window_ttl", "window", counterRetention},
		{collPushOutbox, "done_ttl", "done_at", pushDoneRetention},
	}
}

// ensureTTLIndexes creates the TTL indexes when the server has them. The rate counters' window
// index is a TTL index there and a plain one (the store's sweep reads it) on FerretDB; a server
// allows one index per key pattern, so the other kind is dropped.
func (s *Store) ensureTTLIndexes(ctx context.Context) error {
	plain := indexSpec{collHitCounters, "window", bson.D{{Key: "window", Value: 1}}, false}
	if !s.features.Native {
		if err := s.dropIndex(ctx, collHitCounters, "window_ttl"); err != nil {
			return err
		}
		return s.ensureIndexes(ctx, []indexSpec{plain})
	}
	if err := s.dropIndex(ctx, collHitCounters, plain.name); err != nil {
		return err
	}
	for _, ix := range ttlIndexes() {
		o := options.Index().SetName(ix.name).SetExpireAfterSeconds(int32(ix.after / time.Second))
		if _, err := s.coll(ix.coll).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: ix.field, Value: 1}}, Options: o}); err != nil {
			return fmt.Errorf("mongodb: create TTL index %s on %s: %w", ix.name, ix.coll, err)
		}
	}
	return nil
}
