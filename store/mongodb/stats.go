package mongodb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// collStatsFacts holds one statistics fact per ticket.
const collStatsFacts = "stats_facts"

// statsIndexes are the indexes of the statistics facts. An area filter comes with a boundary-set filter (codes are reused across sets); area_day
// serves it, the set being checked on the few facts of that code.
func statsIndexes() []indexSpec {
	return []indexSpec{
		{collStatsFacts, "created_day", bson.D{{Key: "created_day", Value: 1}}, false},
		{collStatsFacts, "area_day", bson.D{{Key: "area_code", Value: 1}, {Key: "created_day", Value: 1}}, false},
		{collStatsFacts, "unit_day", bson.D{{Key: "unit_id", Value: 1}, {Key: "created_day", Value: 1}}, false},
		{collStatsFacts, "running_due", bson.D{{Key: "is_running", Value: 1}, {Key: "due_at", Value: 1}}, false},
		// Percentiles of resolution time: every field ResolveTimes filters on or reads, so a
		// MongoDB server answers from the index alone (a covered query).
		{collStatsFacts, "resolved_times", bson.D{{Key: "is_resolved", Value: 1}, {Key: "created_day", Value: 1},
			{Key: "resolve_ms", Value: 1}, {Key: "boundary_set", Value: 1}, {Key: "area_code", Value: 1}, {Key: "unit_id", Value: 1},
			{Key: "category", Value: 1}, {Key: "grp", Value: 1}}, false},
	}
}

// factDoc is a stored TicketFact. Times that are compared in queries (due_at) are unix
// milliseconds, so comparisons are plain integer ones on every server. The 0/1 indicators are
// grouped by (AggregateFacts), so they are stored as one fixed type, int32.
type factDoc struct {
	TicketID       string    `bson:"_id"`
	Version        int       `bson:"version"`
	BoundarySet    string    `bson:"boundary_set"`
	AreaCode       string    `bson:"area_code"`
	UnitID         string    `bson:"unit_id"`
	Category       string    `bson:"category"`
	Group          string    `bson:"grp"`
	CreatedDay     string    `bson:"created_day"`
	CreatedAt      time.Time `bson:"created_at"`
	State          string    `bson:"state"`
	Outcome        string    `bson:"outcome"`
	TriageDueAt    int64     `bson:"triage_due_at"`
	ResolveDueAt   int64     `bson:"resolve_due_at"`
	DueAt          int64     `bson:"due_at"`
	OnTimeClass    string    `bson:"on_time_class"`
	TriageMs       int64     `bson:"triage_ms"`
	ResolveMs      int64     `bson:"resolve_ms"`
	Rating         int       `bson:"rating"`
	ReopenCount    int       `bson:"reopen_count"`
	IsOpen         int32     `bson:"is_open"`
	IsRunning      int32     `bson:"is_running"`
	IsResolved     int32     `bson:"is_resolved"`
	IsRejected     int32     `bson:"is_rejected"`
	IsOnTime       int32     `bson:"is_on_time"`
	IsLateExt      int32     `bson:"is_late_ext"`
	IsRated        int32     `bson:"is_rated"`
	IsSatisfied    int32     `bson:"is_satisfied"`
	IsReopened     int32     `bson:"is_reopened"`
	IsEverResolved int32     `bson:"is_ever_resolved"`

	// The end-to-end deadline, the class against it and its indicator; absent in facts written
	// before them, which count as their is_on_time (AggregateFacts), as a rebuild would make them.
	E2EDueAt    int64  `bson:"e2e_due_at"`
	E2EClass    string `bson:"e2e_class"`
	IsOnTimeE2E int32  `bson:"is_on_time_e2e"`
	// Channel is absent in facts written before channels existed: "app" (channelValue).
	Channel string `bson:"channel,omitempty"`
}

// PutFact replaces the fact when the stored one is not newer, with one conditional upsert: the
// filter matches the fact only at version <= f.Version; if a newer fact exists, the upsert's
// insert of the same _id fails with a duplicate key, which means "keep the newer one".
func (s *Store) PutFact(ctx context.Context, f *models.TicketFact) error {
	d := factDoc{
		TicketID: f.TicketID, Version: f.Version, BoundarySet: f.BoundarySet, AreaCode: f.AreaCode, UnitID: f.UnitID,
		Category: f.Category, Group: string(f.Group), CreatedDay: f.CreatedDay, CreatedAt: utc(f.CreatedAt),
		State: string(f.State), Outcome: string(f.Outcome), TriageDueAt: f.TriageDueAt.UnixMilli(),
		ResolveDueAt: f.ResolveDueAt.UnixMilli(), DueAt: f.DueAt.UnixMilli(), OnTimeClass: string(f.OnTimeClass),
		TriageMs: f.TriageMs, ResolveMs: f.ResolveMs, Rating: f.Rating, ReopenCount: f.ReopenCount,
		IsOpen: int32(f.IsOpen), IsRunning: int32(f.IsRunning), IsResolved: int32(f.IsResolved), IsRejected: int32(f.IsRejected),
		IsOnTime: int32(f.IsOnTime), IsLateExt: int32(f.IsLateExt), IsRated: int32(f.IsRated), IsSatisfied: int32(f.IsSatisfied),
		IsReopened: int32(f.IsReopened), IsEverResolved: int32(f.IsEverResolved),
		E2EDueAt: f.E2EDueAt.UnixMilli(), E2EClass: string(f.E2EClass), IsOnTimeE2E: int32(f.IsOnTimeE2E),
		Channel: string(f.Channel.OrApp()),
	}
	// The replace matches a stored fact of this version or older; when none matches, the upsert
	// inserts, and a duplicate key says a fact with this id exists: either a newer one (done) or
	// one inserted concurrently by the first upsert of an older version, which the second try
	// replaces. Without that try, version 1 inserted first would keep version 2 out for good.
	var err error
	for range 2 {
		_, err = s.coll(collStatsFacts).ReplaceOne(ctx,
			bson.D{{Key: "_id", Value: f.TicketID}, {Key: "version", Value: bson.D{{Key: "$lte", Value: f.Version}}}},
			d, options.Replace().SetUpsert(true))
		if !mongo.IsDuplicateKeyError(err) {
			return translate(err, "put fact", "fact")
		}
	}
	return nil // a fact of a newer version is stored
}

// DeleteFacts removes every fact.
func (s *Store) DeleteFacts(ctx context.Context) error {
	_, err := s.coll(collStatsFacts).DeleteMany(ctx, bson.D{})
	return translate(err, "delete facts", "fact")
}

// RebuildRollups does nothing: the MongoDB store keeps no rollups. Without multi-document
// transactions (FerretDB v1) a rollup counter could not be changed atomically with
// the fact it sums, and a crash between the two would leave it wrong until the next rebuild;
// reads aggregate the facts directly ($match on the created_day index, then $group), which a
// MongoDB deployment scales by sharding rather than by pre-summing.
func (s *Store) RebuildRollups(context.Context) error { return nil }

// factsFilter renders the filters of q.
func factsFilter(q models.StatsQuery) bson.D {
	f := bson.D{}
	var day bson.D
	if q.From != "" {
		day = append(day, bson.E{Key: "$gte", Value: q.From})
	}
	if q.To != "" {
		day = append(day, bson.E{Key: "$lte", Value: q.To})
	}
	if day != nil {
		f = append(f, bson.E{Key: "created_day", Value: day})
	}
	for _, c := range []struct{ key, v string }{{"boundary_set", q.BoundarySet}, {"area_code", q.Area}, {"unit_id", q.Unit},
		{"category", q.Category}, {"grp", string(q.Group)}} {
		if c.v != "" {
			f = append(f, bson.E{Key: c.key, Value: c.v})
		}
	}
	if q.Channel != "" {
		f = append(f, bson.E{Key: "channel", Value: channelValue(q.Channel)})
	}
	return f
}

// channelValue is the filter value of a channel: "app" also matches the tickets and facts
// stored before channels existed, which have no channel field.
func channelValue(c models.Channel) any {
	if c == models.ChannelApp {
		return bson.D{{Key: "$in", Value: bson.A{string(c), nil}}}
	}
	return string(c)
}

// keyField is the document field of a grouping dimension ("" when not grouped). Areas are keyed
// by boundary set and code: their groups also have setField, and groupKey joins the two.
func keyField(by models.StatsDimension) string {
	switch by {
	case models.ByArea:
		return "area_code"
	case models.ByUnit:
		return "unit_id"
	case models.ByDay:
		return "created_day"
	case models.ByChannel:
		return "channel"
	}
	return ""
}

// setField is the field of the boundary set that keys areas together with area_code.
const setField = "boundary_set"

// keyFields adds to a $group _id (or a projection, with value) the key fields of a dimension
// under the names k and, for areas, s.
func keyFields(id bson.D, by models.StatsDimension) bson.D {
	if k := keyField(by); k != "" {
		id = append(id, bson.E{Key: "k", Value: "$" + k})
	}
	if by == models.ByArea {
		id = append(id, bson.E{Key: "s", Value: "$" + setField})
	}
	return id
}

// groupKey is the group key of a $group _id made by keyFields (models.AreaKey for areas).
func groupKey(g bson.M, by models.StatsDimension) string {
	k, _ := g["k"].(string)
	if by == models.ByArea {
		set, _ := g["s"].(string)
		return models.AreaKey(set, k)
	}
	if by == models.ByChannel {
		return string(models.Channel(k).OrApp()) // absent before channels existed: the app
	}
	return k
}

// indicatorFields are the 0/1 fields AggregateFacts groups by.
var indicatorFields = []string{"is_open", "is_resolved", "is_rejected", "is_on_time", "is_late_ext", "is_rated",
	"is_satisfied", "is_reopened", "is_ever_resolved", "is_on_time_e2e"}

// asMap reads an embedded document, which the driver decodes as bson.D inside a bson.M.
func asMap(v any) bson.M {
	switch d := v.(type) {
	case bson.M:
		return d
	case bson.D:
		m := make(bson.M, len(d))
		for _, e := range d {
			m[e.Key] = e.Value
		}
		return m
	}
	return bson.M{}
}

func asInt(v any) int {
	switch n := v.(type) {
	case int32:
		return int(n)
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

// AggregateFacts groups the matching facts by (key, every indicator) with a single $sum: 1
// accumulator and adds count × indicator here. FerretDB v1.24 evaluates only the first
// accumulator of a $group correctly (measured: later $sum accumulators return 0), so one
// $group with an accumulator per indicator is not an option; the compound _id keeps it to one
// pipeline whose result has at most (keys × indicator combinations) rows — a few dozen per key,
// since the indicators are strongly correlated. A second pipeline counts overdue facts, its time
// condition in $match.
func (s *Store) AggregateFacts(ctx context.Context, q models.StatsQuery) ([]models.StatsCounts, error) {
	if s.features.Native {
		return s.aggregateFactsNative(ctx, q)
	}
	id := keyFields(bson.D{}, q.By)
	for _, f := range indicatorFields {
		id = append(id, bson.E{Key: f, Value: "$" + f})
	}
	rows, err := s.aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: factsFilter(q)}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: id}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, err
	}
	byKey := map[string]*models.StatsCounts{}
	get := func(k string) *models.StatsCounts {
		if byKey[k] == nil {
			byKey[k] = &models.StatsCounts{Key: k}
		}
		return byKey[k]
	}
	for _, r := range rows {
		g := asMap(r["_id"])
		k := groupKey(g, q.By)
		n := asInt(r["n"])
		ind := func(f string) int { return n * asInt(g[f]) }
		c := get(k)
		c.Received += n
		c.Open += ind("is_open")
		c.Resolved += ind("is_resolved")
		c.Rejected += ind("is_rejected")
		c.OnTime += ind("is_on_time")
		c.LateWithExtension += ind("is_late_ext")
		c.Rated += ind("is_rated")
		c.Satisfied += ind("is_satisfied")
		c.Reopened += ind("is_reopened")
		c.EverResolved += ind("is_ever_resolved")
		if g["is_on_time_e2e"] != nil {
			c.OnTimeE2E += ind("is_on_time_e2e")
		} else {
			c.OnTimeE2E += ind("is_on_time") // a fact written before the end-to-end figure
		}
	}
	var overdueID any // null: one group (FerretDB v1 is not asked to group by an empty document)
	if q.By != models.ByNone {
		overdueID = keyFields(bson.D{}, q.By)
	}
	overdueMatch := append(factsFilter(q), bson.E{Key: "is_running", Value: 1},
		bson.E{Key: "due_at", Value: bson.D{{Key: "$lt", Value: q.Now.UnixMilli()}}})
	overdue, err := s.aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: overdueMatch}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: overdueID}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, err
	}
	for _, r := range overdue {
		get(groupKey(asMap(r["_id"]), q.By)).Overdue += asInt(r["n"])
	}
	out := make([]models.StatsCounts, 0, len(byKey))
	for _, c := range byKey {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b models.StatsCounts) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// aggregateFactsNative is AggregateFacts on MongoDB: one pipeline, one $group with an
// accumulator per figure, the overdue condition evaluated per fact.
func (s *Store) aggregateFactsNative(ctx context.Context, q models.StatsQuery) ([]models.StatsCounts, error) {
	var id any // null: one group
	if q.By != models.ByNone {
		id = keyFields(bson.D{}, q.By)
	}
	group := bson.D{{Key: "_id", Value: id}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}
	for _, f := range indicatorFields {
		var v any = "$" + f
		if f == "is_on_time_e2e" { // absent in facts written before it: their is_on_time
			v = bson.D{{Key: "$ifNull", Value: bson.A{"$is_on_time_e2e", "$is_on_time"}}}
		}
		group = append(group, bson.E{Key: f, Value: bson.D{{Key: "$sum", Value: v}}})
	}
	overdue := bson.D{{Key: "$and", Value: bson.A{
		bson.D{{Key: "$eq", Value: bson.A{"$is_running", 1}}},
		bson.D{{Key: "$lt", Value: bson.A{"$due_at", q.Now.UnixMilli()}}},
	}}}
	group = append(group, bson.E{Key: "overdue", Value: bson.D{{Key: "$sum", Value: bson.D{{Key: "$cond", Value: bson.A{overdue, 1, 0}}}}}})
	rows, err := s.aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: factsFilter(q)}},
		bson.D{{Key: "$group", Value: group}},
	})
	if err != nil {
		return nil, err
	}
	out := make([]models.StatsCounts, 0, len(rows))
	for _, r := range rows {
		out = append(out, models.StatsCounts{Key: groupKey(asMap(r["_id"]), q.By), Received: asInt(r["n"]),
			Open: asInt(r["is_open"]), Resolved: asInt(r["is_resolved"]), Rejected: asInt(r["is_rejected"]),
			OnTime: asInt(r["is_on_time"]), LateWithExtension: asInt(r["is_late_ext"]), Rated: asInt(r["is_rated"]),
			Satisfied: asInt(r["is_satisfied"]), Reopened: asInt(r["is_reopened"]), EverResolved: asInt(r["is_ever_resolved"]),
			Overdue: asInt(r["overdue"]), OnTimeE2E: asInt(r["is_on_time_e2e"])})
	}
	slices.SortFunc(out, func(a, b models.StatsCounts) int { return strings.Compare(a.Key, b.Key) })
	return mergeSameKeys(out), nil
}

// mergeSameKeys adds up neighbouring groups of the same key: by channel, the facts without a
// channel field (written before channels existed) and those of "app" are two groups of the
// pipeline and one channel.
func mergeSameKeys(sorted []models.StatsCounts) []models.StatsCounts {
	out := sorted[:0]
	for _, c := range sorted {
		if n := len(out); n > 0 && out[n-1].Key == c.Key {
			out[n-1].Merge(c)
			continue
		}
		out = append(out, c)
	}
	return out
}

func (s *Store) aggregate(ctx context.Context, pipeline bson.A) ([]bson.M, error) {
	cur, err := s.coll(collStatsFacts).Aggregate(ctx, pipeline)
	if err != nil {
		return nil, translate(err, "aggregate facts", "fact")
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "aggregate facts", "fact")
	}
	return docs, nil
}

// ResolveTimes reads the durations of the resolved facts, projecting only the key and duration.
func (s *Store) ResolveTimes(ctx context.Context, q models.StatsQuery) ([]models.KeyedDuration, error) {
	filter := append(factsFilter(q), bson.E{Key: "is_resolved", Value: 1})
	proj := bson.D{{Key: "_id", Value: 0}, {Key: "resolve_ms", Value: 1}} // covered by resolved_times
	k := keyField(q.By)
	if k != "" {
		proj = append(proj, bson.E{Key: k, Value: 1})
	}
	if q.By == models.ByArea {
		proj = append(proj, bson.E{Key: setField, Value: 1})
	}
	cur, err := s.coll(collStatsFacts).Find(ctx, filter, options.Find().SetProjection(proj))
	if err != nil {
		return nil, translate(err, "resolve times", "fact")
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "resolve times", "fact")
	}
	out := make([]models.KeyedDuration, 0, len(docs))
	for _, d := range docs {
		kd := models.KeyedDuration{Ms: int64(asInt(d["resolve_ms"]))}
		if k != "" {
			kd.Key, _ = d[k].(string)
		}
		if q.By == models.ByArea {
			set, _ := d[setField].(string)
			kd.Key = models.AreaKey(set, kd.Key)
		}
		if q.By == models.ByChannel {
			kd.Key = string(models.Channel(kd.Key).OrApp())
		}
		out = append(out, kd)
	}
	return out, nil
}

// ResolveRanks reads the durations and picks the ranks: FerretDB v1 has no $sort with $skip in
// a way that beats reading them, and a MongoDB deployment serves this from the facts' index.
func (s *Store) ResolveRanks(ctx context.Context, q models.StatsQuery, ranks []int) ([]int64, error) {
	q.By = models.ByNone
	times, err := s.ResolveTimes(ctx, q)
	if err != nil {
		return nil, err
	}
	ms := make([]int64, len(times))
	for i, t := range times {
		ms[i] = t.Ms
	}
	slices.Sort(ms)
	out := make([]int64, len(ranks))
	for i, r := range ranks {
		if r < 1 || r > len(ms) {
			return nil, fmt.Errorf("mongodb: resolve ranks: rank %d of %d durations", r, len(ms))
		}
		out[i] = ms[r-1]
	}
	return out, nil
}
