package mongodb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// sequenceDoc is a named counter; value is the last number handed out.
type sequenceDoc struct {
	Name  string `bson:"_id"`
	Value int64  `bson:"value"`
}

// NextSequence returns the next value of the counter name with one $inc upsert that returns the
// new document, so concurrent callers never get the same number.
func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	var d sequenceDoc
	var err error
	for range upsertRetries {
		err = s.coll(collSequences).FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: name}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(1)}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
		).Decode(&d)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return 0, translate(err, "next sequence", "sequence")
	}
	return d.Value, nil
}

// CreateTicket inserts t with its history; the unique indexes on _id and idempotency_key make a
// retried submission an EConflict instead of a second ticket.
func (s *Store) CreateTicket(ctx context.Context, t *models.Ticket) error {
	_, err := s.coll(collTickets).InsertOne(ctx, toTicketDoc(t))
	return translate(err, "create ticket", "ticket with this id or idempotency key")
}

// TicketByID returns the ticket with id, or ENotFound.
func (s *Store) TicketByID(ctx context.Context, id string) (*models.Ticket, error) {
	return s.findTicket(ctx, bson.D{{Key: "_id", Value: id}})
}

// TicketByIdempotencyKey returns the ticket created with key, or ENotFound; intake uses it to
// answer a retried submission with the original ticket.
func (s *Store) TicketByIdempotencyKey(ctx context.Context, key string) (*models.Ticket, error) {
	return s.findTicket(ctx, bson.D{{Key: "idempotency_key", Value: key}})
}

func (s *Store) findTicket(ctx context.Context, filter bson.D) (*models.Ticket, error) {
	var d ticketDoc
	if err := s.coll(collTickets).FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, translate(err, "find ticket", "ticket")
	}
	return d.model(), nil
}

// maxTicketBytes bounds a ticket document below MongoDB's 16 MiB: a write that would pass it is
// refused with a clear error instead of failing on the server, after which nobody could act on
// the ticket. The app bounds what makes a ticket grow (follow changes, rate limits), so this is
// the last line.
const maxTicketBytes = 15 << 20

// UpdateTicket writes the ticket only if its stored version is still expectedVersion: a
// compare-and-set in one update, the building block of the effects model in place of
// transactions. Every version adds one history event, so the stored document should hold the
// events before the last (version − expectedVersion): the update sets the changed fields and
// pushes only the new events, under a filter that also checks the stored history's fingerprint
// (historyHash) against those events. When the app rewrote earlier events (erasure scrubs
// them), or the document predates the fingerprint, the filter misses and the document is
// replaced whole. When nothing matched, one lookup tells a concurrent change (EConflict) from a
// missing ticket (ENotFound).
func (s *Store) UpdateTicket(ctx context.Context, t *models.Ticket, expectedVersion int) error {
	d := toTicketDoc(t)
	raw, err := bson.Marshal(d)
	if err != nil {
		return fmt.Errorf("mongodb: update ticket: %w", err)
	}
	if len(raw) > maxTicketBytes {
		return models.Errorf(models.EUnprocessable, "the ticket's record would reach %d MiB, over the %d MiB a ticket may hold; nothing was changed",
			len(raw)>>20, maxTicketBytes>>20)
	}
	filter := bson.D{{Key: "_id", Value: t.ID}, {Key: "version", Value: expectedVersion}}
	if stored := len(d.History) - (t.Version - expectedVersion); stored >= 0 && stored <= len(d.History) {
		update, err := ticketUpdate(raw, d.History[stored:])
		if err != nil {
			return err
		}
		res, err := s.coll(collTickets).UpdateOne(ctx, append(filter, bson.E{Key: "history_hash", Value: historyHash(d.History[:stored])}), update)
		if err != nil {
			return translate(err, "update ticket", "ticket with this idempotency key")
		}
		if res.MatchedCount > 0 {
			return nil
		}
	}
	res, err := s.coll(collTickets).ReplaceOne(ctx, filter, d)
	if err != nil {
		return translate(err, "update ticket", "ticket with this idempotency key")
	}
	if res.MatchedCount > 0 {
		return nil
	}
	n, err := s.coll(collTickets).CountDocuments(ctx, bson.D{{Key: "_id", Value: t.ID}}, options.Count().SetLimit(1))
	if err != nil {
		return translate(err, "update ticket", "ticket")
	}
	if n == 0 {
		return notFound("ticket")
	}
	return models.Errorf(models.EConflict, "ticket was changed concurrently (expected version %d)", expectedVersion)
}

// historyHash fingerprints a history, so an update that only appends events can check that the
// stored ones are exactly those it read (UpdateTicket): the app also rewrites events in place
// (erasure scrubs them), and such a change must replace the whole history.
func historyHash(events []eventDoc) string {
	raw, err := bson.Marshal(bson.D{{Key: "h", Value: events}})
	if err != nil {
		return "" // matches no stored hash: the update replaces the whole document
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}

// ticketUpdate is the update of a ticket document from its marshalled new content raw: $set
// of every field but the id and the history, $unset of the optional fields it no longer has,
// $push of the new events.
func ticketUpdate(raw bson.Raw, events []eventDoc) (bson.D, error) {
	var full bson.D
	if err := bson.Unmarshal(raw, &full); err != nil {
		return nil, fmt.Errorf("mongodb: update ticket: %w", err)
	}
	set := make(bson.D, 0, len(full))
	present := make(map[string]bool, len(full))
	for _, e := range full {
		present[e.Key] = true
		if e.Key != "_id" && e.Key != "history" {
			set = append(set, e)
		}
	}
	var unset bson.D
	for _, f := range reflect.VisibleFields(reflect.TypeFor[ticketDoc]()) {
		name, _, _ := strings.Cut(f.Tag.Get("bson"), ",")
		if name != "" && !present[name] {
			unset = append(unset, bson.E{Key: name, Value: ""})
		}
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	if len(events) > 0 {
		update = append(update, bson.E{Key: "$push", Value: bson.D{{Key: "history", Value: bson.D{{Key: "$each", Value: events}}}}})
	}
	return update, nil
}

// FindTickets lists tickets newest first (created_at desc, id desc), optionally of one reporter
// or unit, after a keyset cursor: (created_at < c) or (created_at = c and _id < id), with the
// redundant created_at <= c beside it. Keyset
// paging stays correct while new tickets arrive and is served by the (…, created_at, _id)
// indexes. A Limit of zero or less means no limit.
func (s *Store) FindTickets(ctx context.Context, f models.TicketFilter) ([]*models.Ticket, error) {
	filter := bson.D{}
	if f.ReporterID != "" {
		filter = append(filter, bson.E{Key: "reporter_id", Value: f.ReporterID})
	}
	if f.UnitID != "" {
		filter = append(filter, bson.E{Key: "unit_id", Value: f.UnitID})
	}
	if f.Follower != "" { // matches an element of the array
		filter = append(filter, bson.E{Key: "followers", Value: f.Follower})
	}
	if f.After != nil {
		at := f.After.CreatedAt.UTC()
		filter = append(filter, bson.E{Key: "created_at", Value: bson.D{{Key: "$lte", Value: at}}}) // bounds the index scan
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: at}}}},
			bson.D{{Key: "created_at", Value: at}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: f.After.ID}}}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	return s.findTickets(ctx, "find tickets", filter, opts)
}
