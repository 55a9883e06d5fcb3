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
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
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

	features Features
	seq      *feedSequencer // nil in a Store that only reads (PendingMigrations)
}

// Open connects to the MongoDB deployment at uri, uses database, and ensures the indexes the
// store relies on (idempotently, so every instance of the server may call it at start).
//
// The settings a correct deployment needs are the store's, whatever the URI says about them
// (clientOptions, databaseOptions): reads from the primary with majority read concern,
// retryable writes, and a default operation timeout; the write concern is majority unless the
// URI names "w".
func Open(ctx context.Context, uri, database string, opts ...Option) (*Store, error) {
	if database == "" {
		return nil, errors.New("mongodb: empty database name")
	}
	var cfg openConfig
	for _, o := range opts {
		o(&cfg)
	}
	s, err := connect(uri, database)
	if err != nil {
		return nil, err
	}
	client := s.client
	if s.features, err = s.detectFeatures(ctx, cfg); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.ensureIndexes(ctx, indexes(), pushIndexes(), openDataIndexes(), statsIndexes(), feedIndexes(), mediaIndexes(), catalogAdminIndexes(), privacyIndexes(), notificationIndexes(),
		replyIndexes(), savedFilterIndexes()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.ensureTTLIndexes(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.dropRetiredIndexes(ctx); err != nil {
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
	if err := s.startFeedSequencer(); err != nil {
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

// DefaultOperationTimeout bounds every database operation whose context has no deadline of its
// own — the background loops' calls among them — so a stalled primary cannot hang a worker for
// good. A URI with timeoutMS sets another bound.
const DefaultOperationTimeout = 30 * time.Second

// clientOptions reads uri and applies the store's settings:
//   - writes: majority write concern unless the URI names "w" (a report acknowledged to a
//     resident must survive a primary failover); with a weaker "w" a read may miss the caller's
//     own write until it replicates, because reads are majority (databaseOptions);
//   - retryable writes, which refresh-token rotation and idempotent filing rely on: a URI that
//     turns them off is refused rather than obeyed;
//   - the default operation timeout.
func clientOptions(uri string) (*options.ClientOptions, error) {
	opts := options.Client().ApplyURI(uri)
	switch {
	case opts.WriteConcern == nil:
		opts.SetWriteConcern(writeconcern.Majority())
	case opts.WriteConcern.W == nil: // e.g. only journal=true in the URI
		wc := *opts.WriteConcern
		wc.W = writeconcern.WCMajority
		opts.SetWriteConcern(&wc)
	}
	if opts.RetryWrites != nil && !*opts.RetryWrites {
		return nil, errors.New("mongodb: the URI sets retryWrites=false; the store relies on retryable writes (refresh-token rotation, idempotent filing): remove it")
	}
	opts.SetRetryWrites(true)
	opts.SetReadConcern(readconcern.Majority())
	if opts.Timeout == nil {
		opts.SetTimeout(DefaultOperationTimeout)
	}
	return opts, nil
}

// connect makes the client of a Store on database with the store's settings; the driver
// connects lazily, at the first operation.
func connect(uri, database string) (*Store, error) {
	opts, err := clientOptions(uri)
	if err != nil {
		return nil, err
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongodb: connect: %w", err)
	}
	return &Store{client: client, db: client.Database(database, databaseOptions())}, nil
}

// databaseOptions pins what the store's reads need whatever the URI says: the primary, so an
// official reads the state they just changed, and majority read concern, so an idempotent replay
// never answers with a ticket whose insert a failover can still roll back.
func databaseOptions() *options.DatabaseOptionsBuilder {
	return options.Database().SetReadPreference(readpref.Primary()).SetReadConcern(readconcern.Majority())
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
		{collUsers, "unit_role", bson.D{{Key: "unit_id", Value: 1}, {Key: "role", Value: 1}}, false}, // a unit's officials (switch-overs, moves)
		{collRefreshTokens, "family_id", bson.D{{Key: "family_id", Value: 1}}, false},
		{collRefreshTokens, "user_id", bson.D{{Key: "user_id", Value: 1}}, false}, // a password change revokes them all
		{collAPIKeys, "hash_unique", bson.D{{Key: "hash", Value: 1}}, true},
		{collTickets, "idempotency_key_unique", bson.D{{Key: "idempotency_key", Value: 1}}, true},
		{collTickets, "code_unique", bson.D{{Key: "code", Value: 1}}, true}, // GET by code; a sequence fault must not issue a code twice
		{collTickets, "reporter_created", bson.D{{Key: "reporter_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collTickets, "unit_created", bson.D{{Key: "unit_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collTickets, "created", bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collTickets, "followers_created", bson.D{{Key: "followers", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, false}, // a resident's followed reports
		// Workflow: unit and IOC queues in deadline order. The queue always names its states, and
		// closed tickets keep their last due_at, so the state comes before the deadline: the first
		// page reads about as many keys as it holds (a merge of one range per state) instead of a
		// unit's whole closed history, and the count per state reads the same index.
		{collTickets, "unit_state_due", bson.D{{Key: "unit_id", Value: 1}, {Key: "state", Value: 1}, {Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collTickets, "state_due", bson.D{{Key: "state", Value: 1}, {Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		// The SLA worker's schedule (absent when nothing is scheduled; no partial index on
		// FerretDB), and the nearby-duplicates box.
		{collTickets, "next_check", bson.D{{Key: "next_check_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collTickets, "location", bson.D{{Key: "location.lat", Value: 1}, {Key: "location.lng", Value: 1}}, false},
		// The sweeper's list of tickets whose derived effects are behind (effects.go).
		{collTickets, "effects_pending", bson.D{{Key: "effects_pending", Value: 1}, {Key: "updated_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collAudit, "at", bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collAudit, "ticket_at", bson.D{{Key: "ticket_id", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collAudit, "actor_at", bson.D{{Key: "actor_id", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: -1}}, false},
	}
}

// retiredIndexes are indexes earlier releases created that no query uses any more: Open drops
// them, since every index costs each write.
func retiredIndexes() []indexSpec {
	return []indexSpec{
		{coll: collTickets, name: "unit_due"}, // replaced by unit_state_due
		{coll: collTickets, name: "due"},      // replaced by state_due
	}
}

// dropRetiredIndexes drops the retired indexes that exist.
func (s *Store) dropRetiredIndexes(ctx context.Context) error {
	for _, ix := range retiredIndexes() {
		if err := s.dropIndex(ctx, ix.coll, ix.name); err != nil {
			return err
		}
	}
	return nil
}

// dropIndex drops the index name of coll if it exists; a missing one (or collection) is what
// it wants.
func (s *Store) dropIndex(ctx context.Context, coll, name string) error {
	err := s.coll(coll).Indexes().DropOne(ctx, name)
	var ce mongo.CommandError
	if err != nil && !(errors.As(err, &ce) && (ce.Code == 27 || ce.Name == "IndexNotFound" || ce.Code == 26)) {
		return fmt.Errorf("mongodb: drop index %s on %s: %w", name, coll, err)
	}
	return nil
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
	s.stopFeedSequencer(ctx)
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
