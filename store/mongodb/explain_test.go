package mongodb

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
	"phananh/store/mongodb/mongotest"
)

// TestQueueFirstPageExplained: with 50,000 closed tickets of a unit present, the first page of
// the unit's queue and of the IOC's examine about as many index keys as the page holds — the
// closed history, whose deadlines sort first, is never scanned. Only a real server explains its
// plans (FerretDB scans anyway), so the test needs MONGODB_TEST_URI.
func TestQueueFirstPageExplained(t *testing.T) {
	srv := mongotest.External(t)
	if srv == nil {
		t.Skip("needs a real MongoDB: set MONGODB_TEST_URI (FerretDB has no index plans to explain)")
	}
	uri, name := srv.NewDatabase(t)
	s, err := Open(t.Context(), uri, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	old := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	var docs []any
	for i := range 50_000 {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("closed-%06d", i)}, {Key: "code", Value: fmt.Sprintf("LX-2024-%06d", i)},
			{Key: "idempotency_key", Value: fmt.Sprintf("k-%06d", i)}, {Key: "unit_id", Value: "u1"}, {Key: "state", Value: "closed"},
			{Key: "due_at", Value: old.Add(time.Duration(i) * time.Minute)}, {Key: "created_at", Value: old}})
	}
	for i := range 100 {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("open-%03d", i)}, {Key: "code", Value: fmt.Sprintf("LX-2026-%06d", i)},
			{Key: "idempotency_key", Value: fmt.Sprintf("o-%03d", i)}, {Key: "unit_id", Value: "u1"}, {Key: "state", Value: []string{"received", "assigned", "in_progress"}[i%3]},
			{Key: "due_at", Value: old.AddDate(2, 0, 0).Add(time.Duration(i) * time.Hour)}, {Key: "created_at", Value: old.AddDate(2, 0, 0)}})
	}
	if _, err := s.coll(collTickets).InsertMany(t.Context(), docs); err != nil {
		t.Fatal(err)
	}
	open := []models.State{models.StateReceived, models.StateAssigned, models.StateInProgress, models.StateAwaitingInfo}
	for _, f := range []models.QueueFilter{
		{UnitIDs: []string{"u1"}, States: open, Limit: 50},
		{States: open, Limit: 50},
	} {
		filter, opts := queueQuery(f)
		var o options.FindOptions
		for _, set := range opts.List() {
			if err := set(&o); err != nil {
				t.Fatal(err)
			}
		}
		var out struct {
			ExecutionStats struct {
				NReturned         int `bson:"nReturned"`
				TotalKeysExamined int `bson:"totalKeysExamined"`
				TotalDocsExamined int `bson:"totalDocsExamined"`
			} `bson:"executionStats"`
		}
		cmd := bson.D{{Key: "explain", Value: bson.D{{Key: "find", Value: collTickets}, {Key: "filter", Value: filter},
			{Key: "sort", Value: o.Sort}, {Key: "limit", Value: *o.Limit}}}, {Key: "verbosity", Value: "executionStats"}}
		if err := s.db.RunCommand(t.Context(), cmd).Decode(&out); err != nil {
			t.Fatal(err)
		}
		st := out.ExecutionStats
		if st.NReturned != 50 || st.TotalKeysExamined > 2*st.NReturned+len(open) || st.TotalDocsExamined > st.NReturned {
			t.Errorf("queue %+v: returned %d, examined %d keys and %d documents; want about as many as the page holds",
				f.UnitIDs, st.NReturned, st.TotalKeysExamined, st.TotalDocsExamined)
		}
	}
}
