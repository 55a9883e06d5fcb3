package mongotest

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// dumpLine is one document of a dump: its collection and the document in canonical Extended
// JSON, which keeps every BSON type (dates, binary, int64) exact.
type dumpLine struct {
	Collection string          `json:"c"`
	Document   json.RawMessage `json:"d"`
}

// Dump writes every document of database, collection by collection in name order, as gzipped
// JSON lines: a store as a release left it, committed as a fixture that later releases must
// open and migrate (tests/upgrade_test.go).
func (s *Server) Dump(t testing.TB, database string, w io.Writer) {
	t.Helper()
	ctx := context.Background()
	db := s.client.Database(database)
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			doc, err := bson.MarshalExtJSON(cur.Current, true, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Encode(dumpLine{name, doc}); err != nil {
				t.Fatal(err)
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		cur.Close(ctx)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// Load inserts the documents of a Dump into database (which should be empty). Indexes are not
// part of a dump: the store creates its own at open, as on a real upgrade.
func (s *Server) Load(t testing.TB, database string, r io.Reader) {
	t.Helper()
	ctx := context.Background()
	zr, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var line dumpLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("dump line %d: %v", n, err)
		}
		var doc bson.D
		if err := bson.UnmarshalExtJSON(line.Document, true, &doc); err != nil {
			t.Fatalf("dump line %d: %v", n, err)
		}
		if _, err := s.client.Database(database).Collection(line.Collection).InsertOne(ctx, doc); err != nil {
			t.Fatal(fmt.Errorf("dump line %d into %s: %w", n, line.Collection, err))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}
