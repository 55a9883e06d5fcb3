package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// collSwitchOvers holds the boundary switch-overs, one document each.
const collSwitchOvers = "switchovers"

type switchOverDoc struct {
	ID         string                  `bson:"_id"`
	FromSet    string                  `bson:"from_set"`
	ToSet      string                  `bson:"to_set"`
	At         time.Time               `bson:"at"`
	UnitMap    []unitMapEntry          `bson:"unit_map"` // unit ids hold dots, which field names may not
	InProgress string                  `bson:"in_progress"`
	State      string                  `bson:"state"`
	CreatedBy  string                  `bson:"created_by"`
	CreatedAt  time.Time               `bson:"created_at"`
	DoneAt     *time.Time              `bson:"done_at,omitempty"`
	Result     models.SwitchOverResult `bson:"result"`
}

type unitMapEntry struct {
	From string `bson:"from"`
	To   string `bson:"to"`
}

func toSwitchOverDoc(so *models.SwitchOver) switchOverDoc {
	d := switchOverDoc{ID: so.ID, FromSet: so.FromSet, ToSet: so.ToSet, At: utc(so.At), InProgress: so.InProgress,
		State: string(so.State), CreatedBy: so.CreatedBy, CreatedAt: utc(so.CreatedAt), DoneAt: optTime(so.DoneAt), Result: so.Result,
		UnitMap: []unitMapEntry{}}
	for from, to := range so.UnitMap {
		d.UnitMap = append(d.UnitMap, unitMapEntry{from, to})
	}
	return d
}

// PutSwitchOver inserts so when from is "", else replaces it while its state is from.
func (s *Store) PutSwitchOver(ctx context.Context, so *models.SwitchOver, from models.SwitchOverState) error {
	d := toSwitchOverDoc(so)
	if from == "" {
		_, err := s.coll(collSwitchOvers).InsertOne(ctx, d)
		return translate(err, "create switch-over", "switch-over")
	}
	res, err := s.coll(collSwitchOvers).ReplaceOne(ctx, bson.D{{Key: "_id", Value: so.ID}, {Key: "state", Value: string(from)}}, d)
	if err != nil {
		return translate(err, "update switch-over", "switch-over")
	}
	if res.MatchedCount != 1 {
		return models.Errorf(models.EConflict, "switch-over %s is no longer %s", so.ID, from)
	}
	return nil
}

// SwitchOvers lists every switch-over by instant, then id.
func (s *Store) SwitchOvers(ctx context.Context) ([]models.SwitchOver, error) {
	cur, err := s.coll(collSwitchOvers).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "list switch-overs", "switch-over")
	}
	var docs []switchOverDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "list switch-overs", "switch-over")
	}
	out := make([]models.SwitchOver, 0, len(docs))
	for _, d := range docs {
		so := models.SwitchOver{ID: d.ID, FromSet: d.FromSet, ToSet: d.ToSet, At: utc(d.At), InProgress: d.InProgress,
			State: models.SwitchOverState(d.State), CreatedBy: d.CreatedBy, CreatedAt: utc(d.CreatedAt),
			Result: d.Result, UnitMap: map[string]string{}}
		if d.DoneAt != nil {
			so.DoneAt = utc(*d.DoneAt)
		}
		for _, e := range d.UnitMap {
			so.UnitMap[e.From] = e.To
		}
		out = append(out, so)
	}
	return out, nil
}
