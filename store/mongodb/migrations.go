package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
	"phananh/store/internal/oldnotes"
)

// collMigrations records the versioned migrations done on the database: one document per
// version, {_id: version, name, applied_at}, inserted once the migration has finished.
const collMigrations = "migrations"

// migration is a rewrite of existing documents that must run once per database, unlike the
// cheap idempotent fix-ups of upgrade, which every start repeats: it reads every ticket.
type migration struct {
	version int
	name    string
	run     func(s *Store, ctx context.Context) error
}

// migrations lists the versioned migrations in order. A released entry is never edited; a new
// rewrite is a new version.
var migrations = []migration{
	{1, "typed_history_events", (*Store).typeHistoryEvents},
	{2, "audit_chain", (*Store).chainAuditLog},
}

// migrate runs the migrations the database has no record of, in order. Several instances
// starting at once may run the same one together: each is idempotent and writes with a
// compare-and-set, so the second finds nothing left to do, and its record is inserted once.
// An instance that stops midway leaves no record, and the next start runs it again.
func (s *Store) migrate(ctx context.Context) error {
	coll := s.coll(collMigrations)
	have, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	if have > len(migrations) {
		return fmt.Errorf("mongodb: database schema version %d is newer than this program knows (%d): a newer release migrated it", have, len(migrations))
	}
	for _, m := range migrations {
		n, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: m.version}}, options.Count().SetLimit(1))
		if err != nil {
			return fmt.Errorf("mongodb: read migration %d: %w", m.version, err)
		}
		if n > 0 {
			continue
		}
		if err := m.run(s, ctx); err != nil {
			return fmt.Errorf("mongodb: migration %d (%s): %w", m.version, m.name, err)
		}
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: m.version}, {Key: "name", Value: m.name},
			{Key: "applied_at", Value: time.Now().UTC()}})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongodb: record migration %d: %w", m.version, err)
		}
	}
	return nil
}

// schemaVersion is the highest migration recorded in the database (0: none).
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var doc struct {
		ID int `bson:"_id"`
	}
	err := s.coll(collMigrations).FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("mongodb: read schema version: %w", err)
	}
	return doc.ID, nil
}

// SchemaVersion reports the newest migration the database has and the newest this program
// knows. Open refuses a database newer than the program; a running instance sees a newer one
// when an instance of a newer release upgraded the database (readiness reports it).
func (s *Store) SchemaVersion(ctx context.Context) (have, known int, err error) {
	have, err = s.schemaVersion(ctx)
	return have, len(migrations), err
}

// PendingMigrations connects to the database and lists the versioned migrations Open would
// run, in order, without running any (admin migrate --dry-run), with the version the database
// has. Open also repeats cheap idempotent fix-ups and creates missing indexes on every start;
// those are not listed. A database newer than this program is an error, as in Open.
func PendingMigrations(ctx context.Context, uri, database string) (have int, pending []string, err error) {
	s, err := connect(uri, database)
	if err != nil {
		return 0, nil, err
	}
	defer s.client.Disconnect(context.WithoutCancel(ctx)) //nolint:errcheck // nothing was written
	if have, err = s.schemaVersion(ctx); err != nil {
		return 0, nil, err
	}
	if have > len(migrations) {
		return have, nil, fmt.Errorf("mongodb: database schema version %d is newer than this program knows (%d)", have, len(migrations))
	}
	for _, m := range migrations[have:] {
		pending = append(pending, fmt.Sprintf("%d_%s", m.version, m.name))
	}
	return have, pending, nil
}

// migrateBatch is how many tickets a migration reads at a time.
const migrateBatch = 500

// typeHistoryEvents is migration 1: the releases before it wrote what an action decided into
// the note of the history event ("other: text", "→ unit (reason). text" …); it moves every such
// part into the event's typed field (oldnotes.Upgrade), leaving the note with what the actor
// typed. Tickets are read in _id order, a batch at a time, with only the fields the rewrite
// needs.
func (s *Store) typeHistoryEvents(ctx context.Context) error {
	coll := s.coll(collTickets)
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(migrateBatch).SetProjection(historyProjection)
	after := ""
	for {
		cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}, opts)
		if err != nil {
			return fmt.Errorf("read tickets: %w", err)
		}
		var docs []ticketDoc
		if err := cur.All(ctx, &docs); err != nil {
			return fmt.Errorf("read tickets: %w", err)
		}
		for i := range docs {
			if err := s.typeTicketHistory(ctx, &docs[i]); err != nil {
				return err
			}
		}
		if len(docs) < migrateBatch {
			return nil
		}
		after = docs[len(docs)-1].ID
	}
}

// historyProjection is what typeHistoryEvents reads of a ticket: its history, its version for
// the compare-and-set, and what names the units of its transfers and a pending extension.
var historyProjection = bson.D{{Key: "history", Value: 1}, {Key: "version", Value: 1}, {Key: "unit_id", Value: 1},
	{Key: "unit_name", Value: 1}, {Key: "transferred_from", Value: 1}, {Key: "extension", Value: 1}}

// typeTicketHistory rewrites the old events of one ticket with a compare-and-set on its
// version, which a writer changes with every change; when one got there first, it reads the
// ticket again and retries. The version itself stays: the ticket's content does not change.
func (s *Store) typeTicketHistory(ctx context.Context, d *ticketDoc) error {
	coll, id := s.coll(collTickets), d.ID
	for range 10 {
		t := d.model()
		if !oldnotes.Upgrade(t) {
			return nil
		}
		res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: d.Version}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "history", Value: toEventDocs(t.History)}}}})
		if err != nil {
			return fmt.Errorf("rewrite the history of ticket %q: %w", id, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		*d = ticketDoc{}
		err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(historyProjection)).Decode(d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read ticket %q: %w", id, err)
		}
	}
	return fmt.Errorf("ticket %q changed ten times while its history was rewritten", id)
}

// chainAuditLog is migration 2: the audit log became a hash chain, and the records written
// before (no seq) are chained once, in (at, _id) order, after any record already chained, each
// with a compare-and-set on the absence of seq. It runs before the unique index on seq exists
// (auditChainIndexes), which the unchained records would break; an instance that stops midway
// leaves a prefix chained, and the next start continues after it.
func (s *Store) chainAuditLog(ctx context.Context) error {
	coll := s.coll(collAudit)
	seq, prev, err := s.lastAudit(ctx)
	if err != nil {
		return err
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})
	cur, err := coll.Find(ctx, bson.D{{Key: "seq", Value: bson.D{{Key: "$exists", Value: false}}}}, opts)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	for _, d := range docs {
		r := d.model()
		seq++
		r.Seq, r.PrevHash = seq, prev
		r.Hash = models.AuditChainHash(r)
		_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "seq", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: r.Seq}, {Key: "prev_hash", Value: r.PrevHash}, {Key: "hash", Value: r.Hash}}}})
		if err != nil {
			return fmt.Errorf("chain audit record %q: %w", r.ID, err)
		}
		prev = r.Hash
	}
	return nil
}
