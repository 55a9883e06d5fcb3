package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// Derived effects (docs/ARCHITECTURE.md). The sweeper needs the tickets with applied_version < version,
// and FerretDB v1 cannot compare two fields of a document (no $expr), so every ticket document
// carries effects_pending, indexed with (updated_at, _id). The invariant is
//
//	effects_pending == (applied_version < version)
//
// in every stored document, at every moment:
//   - InsertOne and ReplaceOne (CreateTicket, UpdateTicket) write all three fields from one
//     ticket (toTicketDoc).
//   - MarkApplied changes applied_version only with a single-document update whose filter pins
//     how version compares to the new value, and sets effects_pending to what that comparison
//     makes it: false only where version equals the new applied_version, true where version is
//     above it. A concurrent replace by a newer version is either before the update (then the
//     update sees the new version) or after it (then it rewrites all three fields itself), never
//     in between, so effects_pending is never false while applied_version < version.
//   - The upgrade at Open sets effects_pending on documents written before it existed, with a
//     filter on their current version and applied_version, and never on a document that
//     already has it (a writer's value always wins).

// MarkApplied raises applied_version to version when that raises it and does not pass the
// ticket's version; otherwise (already at or above version, or version above the ticket's
// version) it is a no-op. An absent ticket is ENotFound.
func (s *Store) MarkApplied(ctx context.Context, id string, version int) error {
	coll := s.coll(collTickets)
	below := bson.D{{Key: "$lt", Value: version}}
	// The usual case: the effects of the current version are done, nothing is pending any more.
	res, err := coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}, {Key: "applied_version", Value: below}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "applied_version", Value: version}, {Key: "effects_pending", Value: false}}}},
	)
	if err != nil {
		return translate(err, "mark applied", "ticket")
	}
	if res.MatchedCount > 0 {
		return nil
	}
	// A newer version was written meanwhile (versions only grow): record the progress; the newer
	// version's effects are still pending.
	res, err = coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "version", Value: bson.D{{Key: "$gt", Value: version}}}, {Key: "applied_version", Value: below}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "applied_version", Value: version}, {Key: "effects_pending", Value: true}}}},
	)
	if err != nil {
		return translate(err, "mark applied", "ticket")
	}
	if res.MatchedCount > 0 {
		return nil
	}
	n, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}}, options.Count().SetLimit(1))
	if err != nil {
		return translate(err, "mark applied", "ticket")
	}
	if n == 0 {
		return notFound("ticket")
	}
	return nil
}

// FindUnapplied lists the tickets with effects_pending set, oldest update first (updated_at,
// _id), at most limit (all when zero or less), from the effects_pending index.
func (s *Store) FindUnapplied(ctx context.Context, limit int) ([]*models.Ticket, error) {
	opts := options.Find().SetSort(bson.D{{Key: "updated_at", Value: 1}, {Key: "_id", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	return s.findTickets(ctx, "find unapplied", bson.D{{Key: "effects_pending", Value: true}}, opts)
}

// upgradeEffectsPending sets effects_pending on the tickets written before it existed. It takes
// one such document, then sets the flag on every document still without it that has the same
// version and applied_version, and repeats: one round per distinct pair (few: versions are
// small numbers), each a plain find and update that FerretDB supports. A document without
// applied_version (decoded as 0) also gets applied_version 0 stored, so that MarkApplied's
// comparison can match it; the model reads the same value either way.
func (s *Store) upgradeEffectsPending(ctx context.Context) error {
	coll := s.coll(collTickets)
	missing := bson.E{Key: "effects_pending", Value: bson.D{{Key: "$exists", Value: false}}}
	for {
		var d struct {
			ID             string `bson:"_id"`
			Version        *int   `bson:"version"`
			AppliedVersion *int   `bson:"applied_version"`
		}
		err := coll.FindOne(ctx, bson.D{missing},
			options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "applied_version", Value: 1}}),
		).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return err
		}
		// A nil value (bson null) matches both an absent field and an explicit null.
		filter := bson.D{missing, {Key: "version", Value: intOrNull(d.Version)}, {Key: "applied_version", Value: intOrNull(d.AppliedVersion)}}
		set := bson.D{{Key: "effects_pending", Value: deref(d.AppliedVersion) < deref(d.Version)}}
		if d.AppliedVersion == nil {
			set = append(set, bson.E{Key: "applied_version", Value: 0})
		}
		res, err := coll.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return err
		}
		if res.MatchedCount > 0 {
			continue
		}
		// Nothing matched: a writer replaced the document in between (it now has the flag), or
		// the filter cannot match it. Fail rather than loop in the second case.
		n, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: d.ID}, missing}, options.Count().SetLimit(1))
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("ticket %q: cannot match its version and applied_version", d.ID)
		}
	}
}

func intOrNull(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
