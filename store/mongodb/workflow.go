package mongodb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// epoch bounds next_check_at from below: a scheduled check is after it, and an absent field
// (nothing scheduled) never compares with a date.
var epoch = time.Unix(0, 0).UTC()

// queueFilter builds the query of a queue filter, except the cursor. withStates leaves out
// f.States (CountByState ignores them). Conditions that need their own $or are joined by $and.
func queueFilter(f models.QueueFilter, withStates bool) (filter bson.D, and bson.A) {
	filter = bson.D{}
	if len(f.UnitIDs) > 0 {
		filter = append(filter, bson.E{Key: "unit_id", Value: bson.D{{Key: "$in", Value: f.UnitIDs}}})
	}
	if f.AreaCode != "" {
		filter = append(filter, bson.E{Key: "area_code", Value: f.AreaCode})
	}
	if withStates && len(f.States) > 0 {
		filter = append(filter, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: stateStrings(f.States)}}})
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	if !f.DueBefore.IsZero() {
		filter = append(filter, bson.E{Key: "due_at", Value: bson.D{{Key: "$lt", Value: f.DueBefore.UTC()}}})
	}
	filter, and = queueFlags(f, filter, and)
	if f.Q != "" {
		re := bson.Regex{Pattern: foldPattern(f.Q), Options: "i"}
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "code", Value: re}},
			bson.D{{Key: "description", Value: re}},
			bson.D{{Key: "address", Value: re}},
		}}})
	}
	return filter, and
}

// queueFlags adds the conditions of the queue's work filters: the reporter (an IOC search by
// phone), the assignee or nobody, a pending extension request, a routing to check.
func queueFlags(f models.QueueFilter, filter bson.D, and bson.A) (bson.D, bson.A) {
	if f.ReporterID != "" {
		filter = append(filter, bson.E{Key: "reporter_id", Value: f.ReporterID})
	}
	if f.AssignedTo != "" {
		filter = append(filter, bson.E{Key: "assigned_to", Value: f.AssignedTo})
	}
	if f.Unassigned {
		filter = append(filter, bson.E{Key: "assigned_to", Value: bson.D{{Key: "$in", Value: bson.A{"", nil}}}})
	}
	if f.ExtensionPending {
		filter = append(filter, bson.E{Key: "extension", Value: bson.D{{Key: "$type", Value: "object"}}})
	}
	if f.RoutingFlagged {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "routed_by_nearest", Value: true}},
			bson.D{{Key: "routing_ambiguous", Value: true}},
		}}})
	}
	if f.Channel != "" {
		filter = append(filter, bson.E{Key: "channel", Value: channelValue(f.Channel)})
	}
	if f.Group != "" {
		filter = append(filter, bson.E{Key: "group", Value: string(f.Group)})
	}
	return filter, and
}

// foldPattern is the regular expression of a folded search for q (models.FoldText): each
// letter of folded q becomes the class of the letters that fold to it, in both cases, and
// everything else is literal ("a.b", "50%", "(x"). With the "i" option it matches what the
// SQLite store's textfold comparison matches (MongoDB's PCRE runs in UTF mode, FerretDB uses
// Go's regexp).
func foldPattern(q string) string {
	var b strings.Builder
	for _, r := range models.FoldText(q) {
		if v := models.FoldVariants(r); v != string(r) {
			b.WriteString("[" + v + strings.ToUpper(v) + "]")
			continue
		}
		b.WriteString(regexp.QuoteMeta(string(r)))
	}
	return b.String()
}

func stateStrings(states []models.State) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

// withRange adds the operator cond to the condition on key in filter, or adds one: a query
// document must not name a field twice.
func withRange(filter bson.D, key string, cond bson.E) bson.D {
	for i, e := range filter {
		if e.Key == key {
			if ops, ok := e.Value.(bson.D); ok {
				filter[i].Value = append(slices.Clone(ops), cond)
				return filter
			}
		}
	}
	return append(filter, bson.E{Key: key, Value: bson.D{cond}})
}

// withAnd adds the $or conditions collected in and to filter.
func withAnd(filter bson.D, and bson.A) bson.D {
	switch len(and) {
	case 0:
		return filter
	case 1:
		return append(filter, and[0].(bson.D)...)
	}
	return append(filter, bson.E{Key: "$and", Value: and})
}

// FindQueue lists the tickets matching f in deadline order (due_at, _id), strictly after the
// keyset cursor f.After: (due_at > d) or (due_at = d and _id > id), with the redundant range
// due_at >= d beside it, which bounds the index scan where the $or alone would not. A Limit of
// zero or less means no limit. Served by the (unit_id, state, due_at, _id) and (state, due_at,
// _id) indexes.
func (s *Store) FindQueue(ctx context.Context, f models.QueueFilter) ([]*models.Ticket, error) {
	filter, opts := queueQuery(f)
	return s.findTickets(ctx, "find queue", filter, opts)
}

// queueQuery is the find of FindQueue (also explained by the index tests).
func queueQuery(f models.QueueFilter) (bson.D, *options.FindOptionsBuilder) {
	filter, and := queueFilter(f, true)
	if f.After != nil {
		d := f.After.DueAt.UTC()
		filter = withRange(filter, "due_at", bson.E{Key: "$gte", Value: d})
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "due_at", Value: bson.D{{Key: "$gt", Value: d}}}},
			bson.D{{Key: "due_at", Value: d}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: f.After.ID}}}},
		}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	return withAnd(filter, and), opts
}

// CountByState counts the tickets matching f per state with one $match/$group aggregation,
// ignoring f.States, f.After and f.Limit. States without tickets are absent from the map.
func (s *Store) CountByState(ctx context.Context, f models.QueueFilter) (map[models.State]int, error) {
	filter, and := queueFilter(f, false)
	cur, err := s.coll(collTickets).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: withAnd(filter, and)}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$state"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, translate(err, "count by state", "ticket")
	}
	var groups []struct {
		State string `bson:"_id"`
		N     int    `bson:"n"`
	}
	if err := cur.All(ctx, &groups); err != nil {
		return nil, translate(err, "count by state", "ticket")
	}
	out := make(map[models.State]int, len(groups))
	for _, g := range groups {
		out[models.State(g.State)] = g.N
	}
	return out, nil
}

// FindSLADue lists tickets whose next_check_at is set and not after now, earliest first (_id
// breaks ties). Unscheduled tickets have no next_check_at and never match the range.
func (s *Store) FindSLADue(ctx context.Context, now time.Time, limit int) ([]*models.Ticket, error) {
	filter := bson.D{{Key: "next_check_at", Value: bson.D{{Key: "$gt", Value: epoch}, {Key: "$lte", Value: now.UTC()}}}}
	opts := options.Find().SetSort(bson.D{{Key: "next_check_at", Value: 1}, {Key: "_id", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	return s.findTickets(ctx, "find sla due", filter, opts)
}

// FindNearby lists tickets inside the bounding box (edges included) on the stored location
// with the category and states of f, created strictly after f.CreatedAfter, in no particular
// order. There are no geospatial operators on FerretDB; the app measures exact distances.
func (s *Store) FindNearby(ctx context.Context, f models.NearbyFilter) ([]*models.Ticket, error) {
	opts := options.Find()
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	return s.findTickets(ctx, "find nearby", nearbyFilter(f), opts)
}

// NearbyPlaces lists the id and location of each ticket FindNearby would list, projecting the
// documents down to those fields.
func (s *Store) NearbyPlaces(ctx context.Context, f models.NearbyFilter) ([]models.TicketPlace, error) {
	opts := options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "location", Value: 1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	cur, err := s.coll(collTickets).Find(ctx, nearbyFilter(f), opts)
	if err != nil {
		return nil, translate(err, "find nearby places", "ticket")
	}
	var docs []struct {
		ID       string      `bson:"_id"`
		Location locationDoc `bson:"location"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "find nearby places", "ticket")
	}
	out := make([]models.TicketPlace, len(docs))
	for i, d := range docs {
		out[i] = models.TicketPlace{ID: d.ID, Location: models.Location{Lat: d.Location.Lat, Lng: d.Location.Lng}}
	}
	return out, nil
}

// nearbyFilter matches the tickets of f.
func nearbyFilter(f models.NearbyFilter) bson.D {
	filter := bson.D{
		{Key: "location.lat", Value: bson.D{{Key: "$gte", Value: f.MinLat}, {Key: "$lte", Value: f.MaxLat}}},
		{Key: "location.lng", Value: bson.D{{Key: "$gte", Value: f.MinLng}, {Key: "$lte", Value: f.MaxLng}}},
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	if len(f.States) > 0 {
		filter = append(filter, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: stateStrings(f.States)}}})
	}
	if !f.CreatedAfter.IsZero() {
		filter = append(filter, bson.E{Key: "created_at", Value: bson.D{{Key: "$gt", Value: f.CreatedAfter.UTC()}}})
	}
	return filter
}

// findTickets runs a ticket query and decodes every document.
func (s *Store) findTickets(ctx context.Context, op string, filter bson.D, opts *options.FindOptionsBuilder) ([]*models.Ticket, error) {
	cur, err := s.coll(collTickets).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, op, "ticket")
	}
	var docs []ticketDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, op, "ticket")
	}
	out := make([]*models.Ticket, len(docs))
	for i := range docs {
		out[i] = docs[i].model()
	}
	return out, nil
}

// AcquireLease takes or renews the lease name with one conditional upsert: it matches the lease
// only if it has expired (expires_at <= now) or holder holds it, and then sets holder and the new
// expiry. If it did not match because the lease does not exist, the upsert inserts it; if it did
// not match because someone else holds it, the insert of the same _id fails with a duplicate key,
// which means "taken" (false). Either way one single-document write decides, so two instances
// can never both win.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := s.coll(collLeases).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: name}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}},
			bson.D{{Key: "holder", Value: holder}},
		}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "expires_at", Value: now.Add(ttl).UTC()}}}},
		options.UpdateOne().SetUpsert(true),
	)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, translate(err, "acquire lease", "lease")
	}
	return res.MatchedCount+res.UpsertedCount > 0, nil
}

type auditDoc struct {
	ID       string    `bson:"_id"`
	At       time.Time `bson:"at"`
	ActorID  string    `bson:"actor_id"`
	Role     string    `bson:"actor_role"`
	Action   string    `bson:"action"`
	Ticket   string    `bson:"ticket_id"`
	Subject  string    `bson:"subject_id"`
	Detail   string    `bson:"detail"`
	Seq      int64     `bson:"seq,omitempty"` // absent until chained (records of earlier releases)
	PrevHash string    `bson:"prev_hash"`
	Hash     string    `bson:"hash"`
}

func toAuditDoc(r *models.AuditRecord) auditDoc {
	return auditDoc{ID: r.ID, At: utc(r.At), ActorID: r.ActorID, Role: string(r.Role), Action: r.Action,
		Ticket: r.Ticket, Subject: r.Subject, Detail: r.Detail, Seq: r.Seq, PrevHash: r.PrevHash, Hash: r.Hash}
}

func (d auditDoc) model() models.AuditRecord {
	return models.AuditRecord{ID: d.ID, At: utc(d.At), ActorID: d.ActorID, Role: models.Role(d.Role), Action: d.Action,
		Ticket: d.Ticket, Subject: d.Subject, Detail: d.Detail, Seq: d.Seq, PrevHash: d.PrevHash, Hash: d.Hash}
}

// maxAuditAppendTries bounds the retries of an append that keeps losing the race for the next
// sequence number to other instances.
const maxAuditAppendTries = 100

// AppendAudit appends r to the chain: it reads the last record and inserts r with the next
// sequence number and that record's hash. The unique index on seq makes exactly one of
// concurrent appenders (other instances included) win each number; the others read the new last
// record and try again. A taken id is EConflict.
func (s *Store) AppendAudit(ctx context.Context, r *models.AuditRecord) error {
	coll := s.coll(collAudit)
	for range maxAuditAppendTries {
		seq, prev, err := s.lastAudit(ctx)
		if err != nil {
			return err
		}
		c := *r
		c.Seq, c.PrevHash = seq+1, prev
		c.Hash = models.AuditChainHash(c)
		_, err = coll.InsertOne(ctx, toAuditDoc(&c))
		if err == nil {
			*r = c
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return translate(err, "append audit", "audit record")
		}
		n, ferr := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: r.ID}}, options.Count().SetLimit(1))
		if ferr != nil {
			return translate(ferr, "append audit", "audit record")
		}
		if n > 0 {
			return translate(err, "append audit", "audit record") // the id is taken
		}
	}
	return fmt.Errorf("mongodb: append audit: lost the race for the next sequence number %d times", maxAuditAppendTries)
}

// lastAudit reads the sequence number and hash of the last chained record (0 and "" for none).
func (s *Store) lastAudit(ctx context.Context) (int64, string, error) {
	var d auditDoc
	err := s.coll(collAudit).FindOne(ctx, bson.D{{Key: "seq", Value: bson.D{{Key: "$gt", Value: 0}}}},
		options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, "", nil
	} else if err != nil {
		return 0, "", translate(err, "read the last audit record", "audit record")
	}
	return d.Seq, d.Hash, nil
}

// AuditChain lists the records after afterSeq in sequence order, at most limit (all when <= 0).
func (s *Store) AuditChain(ctx context.Context, afterSeq int64, limit int) ([]models.AuditRecord, error) {
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	cur, err := s.coll(collAudit).Find(ctx, bson.D{{Key: "seq", Value: bson.D{{Key: "$gt", Value: afterSeq}}}}, opts)
	if err != nil {
		return nil, translate(err, "audit chain", "audit record")
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "audit chain", "audit record")
	}
	out := make([]models.AuditRecord, len(docs))
	for i, d := range docs {
		out[i] = d.model()
	}
	return out, nil
}

// FindAudit lists audit records newest first (at desc, _id desc) matching f: From inclusive, To
// exclusive, strictly older than the f.Before cursor, at most f.Limit (all when zero or less).
func (s *Store) FindAudit(ctx context.Context, f models.AuditFilter) ([]models.AuditRecord, error) {
	filter := bson.D{}
	for _, c := range []struct{ key, v string }{{"actor_id", f.ActorID}, {"action", f.Action}, {"ticket_id", f.Ticket}, {"subject_id", f.Subject}} {
		if c.v != "" {
			filter = append(filter, bson.E{Key: c.key, Value: c.v})
		}
	}
	var at bson.D
	if !f.From.IsZero() {
		at = append(at, bson.E{Key: "$gte", Value: f.From.UTC()})
	}
	if !f.To.IsZero() {
		at = append(at, bson.E{Key: "$lt", Value: f.To.UTC()})
	}
	if at != nil {
		filter = append(filter, bson.E{Key: "at", Value: at})
	}
	if f.Before != nil {
		b := f.Before.At.UTC()
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: b}}}},
			bson.D{{Key: "at", Value: b}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: f.Before.ID}}}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	cur, err := s.coll(collAudit).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "find audit", "audit record")
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "find audit", "audit record")
	}
	out := make([]models.AuditRecord, len(docs))
	for i, d := range docs {
		out[i] = d.model()
	}
	return out, nil
}
