package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// streamBatch is how many tickets StreamTickets reads per query (see the SQLite store).
const streamBatch = 256

// openDataIndexes are the indexes exports and Open311 add: change-based reads (updated_after,
// servicerequestupdates) select by updated_at. Streams and pages by created_at use the existing
// (created_at, _id) index, read forwards or backwards.
func openDataIndexes() []indexSpec {
	return []indexSpec{
		{collTickets, "updated", bson.D{{Key: "updated_at", Value: 1}, {Key: "_id", Value: 1}}, false},
	}
}

// openDataFilter is the query of q. Only operators FerretDB v1 supports: $in, $gte, $lt, $lte.
func openDataFilter(q models.TicketQuery) bson.D {
	f := bson.D{}
	if len(q.IDs) > 0 {
		f = append(f, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: q.IDs}}})
	}
	if len(q.Categories) > 0 {
		f = append(f, bson.E{Key: "category", Value: bson.D{{Key: "$in", Value: q.Categories}}})
	}
	if len(q.Groups) > 0 {
		gs := make([]string, len(q.Groups))
		for i, g := range q.Groups {
			gs[i] = string(g)
		}
		f = append(f, bson.E{Key: "group", Value: bson.D{{Key: "$in", Value: gs}}})
	}
	if len(q.States) > 0 {
		f = append(f, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: stateStrings(q.States)}}})
	}
	if q.AreaCode != "" {
		f = append(f, bson.E{Key: "area_code", Value: q.AreaCode})
	}
	if q.UnitID != "" {
		f = append(f, bson.E{Key: "unit_id", Value: q.UnitID})
	}
	if q.PublicOnly {
		f = append(f, bson.E{Key: "private", Value: false})
	}
	rng := func(key string, from, to interface{ IsZero() bool }, fromV, toV any) {
		var r bson.D
		if !from.IsZero() {
			r = append(r, bson.E{Key: "$gte", Value: fromV})
		}
		if !to.IsZero() {
			r = append(r, bson.E{Key: "$lt", Value: toV})
		}
		if r != nil {
			f = append(f, bson.E{Key: key, Value: r})
		}
	}
	rng("created_at", q.CreatedFrom, q.CreatedTo, q.CreatedFrom.UTC(), q.CreatedTo.UTC())
	rng("updated_at", q.UpdatedFrom, q.UpdatedTo, q.UpdatedFrom.UTC(), q.UpdatedTo.UTC())
	if b := q.BBox; b != nil {
		f = append(f,
			bson.E{Key: "location.lat", Value: bson.D{{Key: "$gte", Value: b.MinLat}, {Key: "$lte", Value: b.MaxLat}}},
			bson.E{Key: "location.lng", Value: bson.D{{Key: "$gte", Value: b.MinLng}, {Key: "$lte", Value: b.MaxLng}}})
	}
	return f
}

// StreamTickets reads the matching tickets in (created_at, _id) order, streamBatch at a time
// with a keyset cursor, and calls fn between queries: memory is one batch, and no server cursor
// waits (and times out) while the caller writes to a slow client.
func (s *Store) StreamTickets(ctx context.Context, q models.TicketQuery, fn func(*models.Ticket) error) error {
	base := openDataFilter(q)
	var (
		after *models.Ticket
		sent  int
	)
	for {
		filter := base
		if after != nil {
			at := after.CreatedAt.UTC()
			filter = append(append(bson.D{}, base...), bson.E{Key: "$or", Value: bson.A{
				bson.D{{Key: "created_at", Value: bson.D{{Key: "$gt", Value: at}}}},
				bson.D{{Key: "created_at", Value: at}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after.ID}}}},
			}})
		}
		n := streamBatch
		if q.BatchSize > 0 {
			n = q.BatchSize
		}
		if q.Limit > 0 {
			n = min(n, q.Limit-sent)
		}
		opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(n))
		batch, err := s.findTickets(ctx, "stream tickets", filter, opts)
		if err != nil {
			return err
		}
		for _, t := range batch {
			if err := fn(t); err != nil {
				return err
			}
		}
		sent += len(batch)
		if len(batch) < n || (q.Limit > 0 && sent >= q.Limit) {
			return nil
		}
		after = batch[len(batch)-1]
	}
}

// FindTicketsPage lists the matching tickets newest first with an offset page.
func (s *Store) FindTicketsPage(ctx context.Context, q models.TicketQuery) ([]*models.Ticket, error) {
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}})
	if q.Offset > 0 {
		opts.SetSkip(int64(q.Offset))
	}
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	return s.findTickets(ctx, "find tickets page", openDataFilter(q), opts)
}
