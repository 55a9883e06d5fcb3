package mongodb_test

import (
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
)

// TestPutFactFirstUpsertRace writes versions 1 and 2 of the fact of many fresh tickets at
// once: whichever upsert inserts first, version 2 is what stays. On a real MongoDB
// (MONGODB_TEST_URI) it runs 10,000 tickets, where the two first upserts really race; FerretDB
// serializes writes (see mongotest), so 50 tickets there check the logic, not the race.
func TestPutFactFirstUpsertRace(t *testing.T) {
	srv, n := mongotest.External(t), 10_000
	if srv == nil {
		srv, n = mongotest.StartFerretDB(t), 50
	}
	uri, name := srv.NewDatabase(t)
	s, err := mongodb.Open(t.Context(), uri, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		for _, v := range []int{1, 2} {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				f := &models.TicketFact{TicketID: fmt.Sprintf("race-%05d", i), Version: v, CreatedDay: "2026-12-03"}
				if err := s.PutFact(t.Context(), f); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(t.Context()) })
	stale, err := client.Database(name).Collection("stats_facts").CountDocuments(t.Context(), bson.D{{Key: "version", Value: bson.D{{Key: "$ne", Value: 2}}}})
	if total, err2 := client.Database(name).Collection("stats_facts").CountDocuments(t.Context(), bson.D{}); err != nil || err2 != nil || stale != 0 || total != int64(n) {
		t.Fatalf("%d of %d facts stored (want %d), %d not at version 2: %v %v", total, n, n, stale, err, err2)
	}
}
