// Package mongodb is the production store of phananh: it implements app.Store on MongoDB through
// go.mongodb.org/mongo-driver/v2.
//
// It deliberately uses only what both MongoDB and FerretDB v1.24 support, because the contract suite runs it against FerretDB embedded in the test process: no
// multi-document transactions, no change streams, no geospatial operators, no partial, sparse or
// TTL indexes, aggregation limited to $match $group $sum $count $sort $limit $skip $project
// $unwind, and no field names with dots. Every write that must be atomic is therefore a
// single-document operation (findAndModify, $inc upserts, compare-and-set replaces), and
// uniqueness rules that would need a partial index are expressed with always-present keys.
//
// Documents are mapped through explicit structs in this package (docs.go), not through the json
// tags of models: several model fields are hidden from JSON (password hashes, the disabled
// flag, media blob keys) but must be stored, and the storage schema must not change when an API field is renamed.
//
// Driver errors are translated here and only here: a duplicate key is models.EConflict, a missing
// document models.ENotFound, everything else is wrapped with the operation that failed.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"phananh/models"
)

// Collection names. They are part of the storage schema: renaming one orphans existing data.
const (
	collUsers           = "users"
	collOTP             = "otp_challenges"
	collHitCounters     = "hit_counters"
	collRefreshTokens   = "refresh_tokens"
	collAPIKeys         = "api_keys"
	collBoundarySets    = "boundary_sets"
	collBoundaryGeoJSON = "boundary_geojson"
	collUnits           = "units"
	collCategories      = "categories"
	collSequences       = "sequences"
	collTickets         = "tickets"
	collLeases          = "leases"
	collAudit           = "audit_log"
)

// Store implements app.Store on one MongoDB database. It is safe for concurrent use: the driver's
// client pools connections and every method is a self-contained request.
type Store struct {
	client *mongo.Client
	db     *mongo.Database

	sweepMu   sync.Mutex
	lastSweep time.Time // window of the last sweep of old rate counters
}

// Open connects to the MongoDB deployment at uri, uses database, and ensures the indexes the
// store relies on (idempotently, so every instance of the server may call it at start).
//
// Writes use majority write concern unless the URI sets "w" itself: a report acknowledged to a
// resident must survive a primary failover. Retryable writes follow the URI (the driver enables
// them by default; "retryWrites=false" disables them).
func Open(ctx context.Context, uri, database string) (*Store, error) {
	if database == "" {
		return nil, errors.New("mongodb: empty database name")
	}
	client, err := mongo.Connect(clientOptions(uri))
	if err != nil {
		return nil, fmt.Errorf("mongodb: connect: %w", err)
	}
	s := &Store{client: client, db: client.Database(database)}
	if err := s.ensureIndexes(ctx, indexes(), pushIndexes(), openDataIndexes(), statsIndexes(), mediaIndexes(), catalogAdminIndexes(), privacyIndexes()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.upgrade(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	// After the migrations: the audit records of earlier releases have no seq until chained.
	if err := s.ensureIndexes(ctx, auditChainIndexes()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// upgrade brings documents written by earlier versions up to the current shape, idempotently,
// so every instance may run it at start, then runs the versioned migrations not yet recorded
// (migrations.go). Tickets from before the workflow fields have no due_at;
// it is set to the zero time they decode to, so that queue sorting, cursors and DueBefore treat
// them exactly like the SQLite store does (a zero deadline, first in the queue). The update
// touches only documents without the field and leaves version alone: it changes nothing a reader
// can observe through the model.
func (s *Store) upgrade(ctx context.Context) error {
	_, err := s.coll(collTickets).UpdateMany(ctx,
		bson.D{{Key: "due_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "due_at", Value: time.Time{}}}}},
	)
	if err != nil {
		return fmt.Errorf("mongodb: upgrade tickets (due_at): %w", err)
	}
	if err := s.upgradeEffectsPending(ctx); err != nil {
		return fmt.Errorf("mongodb: upgrade tickets (effects_pending): %w", err)
	}
	return s.migrate(ctx)
}

// clientOptions reads uri and applies the store's defaults: majority write concern unless the
// URI names "w".
func clientOptions(uri string) *options.ClientOptions {
	opts := options.Client().ApplyURI(uri)
	switch {
	case opts.WriteConcern == nil:
		opts.SetWriteConcern(writeconcern.Majority())
	case opts.WriteConcern.W == nil: // e.g. only journal=true in the URI
		wc := *opts.WriteConcern
		wc.W = writeconcern.WCMajority
		opts.SetWriteConcern(&wc)
	}
	return opts
}

// indexSpec declares one index in code so that every deployment has the same ones.
type indexSpec struct {
	coll   string
	name   string
	keys   bson.D
	unique bool
}

// indexes returns all secondary indexes of the store. Names are explicit so that re-creating an
// identical index is a no-op and a changed definition fails loudly (IndexOptionsConflict) instead
// of silently creating a second index.
//
// Users: phone and username must each be unique, yet residents have no username and officials
// usually no phone. A plain unique index would reject the second empty value, and partial or
// sparse indexes are not available on FerretDB v1. Every user therefore carries two always-present
// keys, phone_key and username_key: "phone:<E.164>" / "user:<username>" when the value is set and
// "none:<user id>" when it is not (unique because ids are). The prefixes keep a real value from
// ever colliding with a placeholder. Compared with a separate "logins" collection filled before
// the user, this keeps account creation a single-document insert: no orphaned login claims after
// a crash and no compensation logic, on a database without transactions; and compared with a
// single "login" key it also covers a user that has both a phone and a username.
func indexes() []indexSpec {
	return []indexSpec{
		{collUsers, "phone_key_unique", bson.D{{Key: "phone_key", Value: 1}}, true},
		{collUsers, "username_key_unique", bson.D{{Key: "username_key", Value: 1}}, true},
		{collUsers, "role", bson.D{{Key: "role", Value: 1}}, false},
		{collRefreshTokens, "family_id", bson.D{{Key: "family_id", Value: 1}}, false},
		{collRefreshTokens, "user_id", bson.D{{Key: "user_id", Value: 1}}, false}, // a password change revokes them all
		{collAPIKeys, "hash_unique", bson.D{{Key: "hash", Value: 1}}, true},
		{collHitCounters, "window", bson.D{{Key: "window", Value: 1}}, false},
		{collTickets, "idempotency_key_unique", bson.D{{Key: "idempotency_key", Value: 1}}, true},
		{collTickets, "reporter_created", bson.D{{Key: "reporter_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collTickets, "unit_created", bson.D{{Key: "unit_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collTickets, "created", bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, false},
		// Workflow: unit and IOC queues in deadline order, the SLA worker's schedule (absent when
		// nothing is scheduled; no partial index on FerretDB), and the nearby-duplicates box.
		{collTickets, "unit_due", bson.D{{Key: "unit_id", Value: 1}, {Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collTickets, "due", bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collTickets, "next_check", bson.D{{Key: "next_check_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collTickets, "location", bson.D{{Key: "location.lat", Value: 1}, {Key: "location.lng", Value: 1}}, false},
		// The sweeper's list of tickets whose derived effects are behind (effects.go).
		{collTickets, "effects_pending", bson.D{{Key: "effects_pending", Value: 1}, {Key: "updated_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collAudit, "at", bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collAudit, "ticket_at", bson.D{{Key: "ticket_id", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collAudit, "actor_at", bson.D{{Key: "actor_id", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: -1}}, false},
	}
}

// auditChainIndexes are the audit log's: one record per sequence number, which serializes
// appends across instances (AppendAudit), and the search by subject. They are created after the
// migrations, which give the records of earlier releases their seq.
func auditChainIndexes() []indexSpec {
	return []indexSpec{
		{collAudit, "seq_unique", bson.D{{Key: "seq", Value: 1}}, true},
		{collAudit, "subject_at", bson.D{{Key: "subject_id", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: -1}}, false},
	}
}

// ensureIndexes creates the declared indexes; createIndexes is a no-op for an identical index.
//
// Each index is its own createIndexes command: FerretDB v1.24 panics (and drops the connection)
// when one command lists two or more indexes that already exist — it deletes them from the list
// by their original positions — so a batched call would fail on every restart after the first.
func (s *Store) ensureIndexes(ctx context.Context, lists ...[]indexSpec) error {
	for _, list := range lists {
		for _, ix := range list {
			o := options.Index().SetName(ix.name)
			if ix.unique {
				o.SetUnique(true)
			}
			if _, err := s.coll(ix.coll).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys, Options: o}); err != nil {
				return fmt.Errorf("mongodb: create index %s on %s: %w", ix.name, ix.coll, err)
			}
		}
	}
	return nil
}

// Batched runs fn: without multi-document transactions its calls are done one
// after another, which app.Store allows.
func (s *Store) Batched(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}

// Ping reports whether the primary answers, which is what writes need (readiness probe).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("mongodb: ping: %w", err)
	}
	return nil
}

// closeTimeout bounds how long Close waits for in-flight operations, so shutdown cannot hang on
// an unreachable server.
const closeTimeout = 10 * time.Second

// Close disconnects the client, waiting (at most closeTimeout) for in-flight operations to finish.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongodb: disconnect: %w", err)
	}
	return nil
}

// coll is a shorthand for a collection of the store's database.
func (s *Store) coll(name string) *mongo.Collection { return s.db.Collection(name) }

// translate turns a driver error into the app's vocabulary at this package's edge. what names the
// record in caller-safe messages ("ticket"); op says which operation failed, for logs.
func translate(err error, op, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return models.WrapError(models.ENotFound, err, "%s not found", what)
	case mongo.IsDuplicateKeyError(err):
		return models.WrapError(models.EConflict, err, "%s already exists", what)
	}
	return fmt.Errorf("mongodb: %s: %w", op, err)
}

// notFound is the ENotFound of a record that a write did not match.
func notFound(what string) error { return models.Errorf(models.ENotFound, "%s not found", what) }
