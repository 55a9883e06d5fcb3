package mongotest

import (
	"context"
	"database/sql"
	"encoding/binary"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// opMsgBytes builds an OP_MSG request: flags, then a document sequence (kind 1) when seq is set,
// then the body (kind 0), then a checksum when flags ask for one.
func opMsgBytes(t *testing.T, flags uint32, body bson.D, seq bool) []byte {
	t.Helper()
	b, err := bson.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, headerLen, 256)
	binary.LittleEndian.PutUint32(msg[12:16], opMsg)
	msg = binary.LittleEndian.AppendUint32(msg, flags)
	if seq {
		doc, _ := bson.Marshal(bson.D{{Key: "_id", Value: "x"}})
		id := append([]byte("documents"), 0)
		msg = append(msg, 1)
		msg = binary.LittleEndian.AppendUint32(msg, uint32(4+len(id)+len(doc)))
		msg = append(append(msg, id...), doc...)
	}
	msg = append(append(msg, 0), b...)
	if flags&1 != 0 {
		msg = append(msg, 0, 0, 0, 0)
	}
	binary.LittleEndian.PutUint32(msg[0:4], uint32(len(msg)))
	return msg
}

func TestCommandOf(t *testing.T) {
	type out struct {
		Cmd, DB, Coll string
		OK            bool
	}
	tests := []struct {
		name string
		msg  []byte
		want out
	}{
		{"find", opMsgBytes(t, 0, bson.D{{Key: "find", Value: "tickets"}, {Key: "$db", Value: "d1"}}, false), out{"find", "d1", "tickets", true}},
		{"insert with a document sequence first", opMsgBytes(t, 0, bson.D{{Key: "insert", Value: "push_outbox"}, {Key: "$db", Value: "d2"}}, true),
			out{"insert", "d2", "push_outbox", true}},
		{"checksum present", opMsgBytes(t, 1, bson.D{{Key: "update", Value: "c"}, {Key: "$db", Value: "d3"}}, true), out{"update", "d3", "c", true}},
		{"no collection", opMsgBytes(t, 0, bson.D{{Key: "dropDatabase", Value: 1}, {Key: "$db", Value: "d4"}}, false), out{"dropDatabase", "d4", "", true}},
		{"not an OP_MSG", make([]byte, 40), out{}},
		{"truncated", opMsgBytes(t, 0, bson.D{{Key: "find", Value: "c"}, {Key: "$db", Value: "d"}}, false)[:25], out{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got out
			got.Cmd, got.DB, got.Coll, got.OK = commandOf(tt.msg)
			if got != tt.want {
				t.Errorf("commandOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestIDIndex: once a collection has seen a lookup, FerretDB's own lookup of a document by _id
// (the statement its updates run per document) uses an index, also in a collection dropped and
// created again, and the index stays invisible to clients.
func TestIDIndex(t *testing.T) {
	s := StartFerretDB(t)
	uri, db := s.NewDatabase(t)
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	ctx := context.Background()
	d := client.Database(db)
	if _, err := d.Collection("a").InsertOne(ctx, bson.D{{Key: "_id", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Collection("b").UpdateOne(ctx, bson.D{{Key: "_id", Value: "1"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: 1}}}},
		options.UpdateOne().SetUpsert(true)); err != nil {
		t.Fatal(err)
	}
	if err := d.Collection("a").Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Collection("a").InsertOne(ctx, bson.D{{Key: "_id", Value: "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Collection("a").FindOne(ctx, bson.D{{Key: "_id", Value: "2"}}).Err(); err != nil {
		t.Fatal(err)
	}

	conn, err := sql.Open("sqlite", "file:"+filepath.Join(s.dir, db+".sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT name, table_name FROM _ferretdb_collections ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			t.Fatal(err)
		}
		tables[name] = table
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(tables) != 2 {
		t.Fatalf("collections %v, want a and b", tables)
	}
	for name, table := range tables {
		var id, parent, notUsed int
		var plan string
		// The statement of FerretDB v1.24's sqlite backend (collection.UpdateAll).
		q := `EXPLAIN QUERY PLAN UPDATE "` + table + `" SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`
		if err := conn.QueryRow(q, "{}", `"1"`).Scan(&id, &parent, &notUsed, &plan); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "USING INDEX") {
			t.Errorf("collection %s: FerretDB's lookup by _id is planned as %q, want an index search", name, plan)
		}
	}

	// Clients still see the indexes FerretDB made, nothing more.
	specs, err := d.Collection("b").Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sp := range specs {
		names = append(names, sp.Name)
	}
	if !slices.Equal(names, []string{"_id_"}) {
		t.Errorf("listIndexes: %v, want [_id_]", names)
	}
}
